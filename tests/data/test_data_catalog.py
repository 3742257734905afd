"""The registry of named data sets and the project file's data references."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import DataError, available, from_reference, load, reference_for


def test_available_lists_every_kind_with_descriptions():
    infos = {info.name: info for info in available()}
    assert {"circle", "xor", "gauss", "spiral", "moons", "plane", "sine"} <= set(infos)
    assert {"course_line", "pass_class", "iris", "wine", "breast_cancer", "digits"} <= set(infos)
    assert infos["xor"].kind == "synthetic" and infos["xor"].task == "binary"
    assert infos["pass_class"].kind == "course"
    assert infos["iris"].kind == "builtin" and infos["iris"].parameters == ()
    assert infos["spiral"].parameters == ("n_samples", "noise", "seed")
    assert all(info.title and info.description for info in infos.values())
    assert not any("``" in info.description for info in infos.values())  # shown as plain text


@pytest.mark.parametrize("info", available(), ids=lambda info: info.name)
def test_every_entry_loads_with_its_advertised_task(info):
    d = load(info.name)
    assert d.task == info.task
    assert d.name == info.name


def test_load_passes_parameters():
    d = load("xor", n_samples=40, noise=0.2, seed=7)
    assert len(d) == 40
    np.testing.assert_array_equal(d.X, load("xor", n_samples=40, noise=0.2, seed=7).X)
    assert not np.array_equal(d.X, load("xor", n_samples=40, noise=0.2, seed=8).X)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DataError, match="unknown data set 'mnist'; known data sets: circle, xor"):
        load("mnist")


def test_parameters_a_data_set_does_not_take_are_refused():
    with pytest.raises(DataError, match='"iris" takes no n_samples'):
        load("iris", n_samples=10)
    assert len(load("iris", seed=5)) == 150  # seed is simply not used by fixed data


def test_reference_round_trip_through_json():
    ref = reference_for("spiral", noise=0.25, seed=3)
    assert ref == {
        "source": "synthetic",
        "name": "spiral",
        "n_samples": 500,
        "noise": 0.25,
        "seed": 3,
    }
    d = from_reference(json.loads(json.dumps(ref)))
    np.testing.assert_array_equal(d.X, load("spiral", noise=0.25, seed=3).X)


def test_references_for_fixed_data_sets_have_no_parameters():
    assert reference_for("iris") == {"source": "builtin", "name": "iris"}
    assert reference_for("course_line") == {"source": "course", "name": "course_line"}
    assert len(from_reference({"source": "builtin", "name": "wine"})) == 178


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"source": "builtin", "name": "iris", "seed": 0}, "unknown key.*: seed"),
        (
            {"source": "synthetic", "name": "xor", "colour": 1, "size": 2},
            "unknown key.*: colour, size",
        ),
        ({"source": "synthetic", "name": "iris"}, '"iris" is a builtin data set, not synthetic'),
        ({"source": "web", "name": "iris"}, "source 'web'"),
        ({"name": "iris"}, "source None"),
        ({"source": "synthetic", "name": "nope"}, "unknown data set 'nope'"),
        ({"source": "synthetic", "name": "xor", "n_samples": "many"}, "n_samples must be a whole"),
        ({"source": "synthetic", "name": "xor", "noise": True}, "noise must be a finite number"),
        ({"source": "csv", "path": "a.csv", "sep": ";"}, "unknown key.*: sep"),
        ({"source": "csv"}, '"path"'),
        (["xor"], "must be a mapping"),
    ],
)
def test_bad_references_name_the_problem(ref, message):
    with pytest.raises(DataError, match=message):
        from_reference(ref)


def test_file_references_resolve_relative_paths(tmp_path):
    (tmp_path / "toy.csv").write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n", encoding="utf-8")
    ref = {"source": "csv", "path": "toy.csv", "label": "label"}
    d = from_reference(ref, base_dir=tmp_path)
    assert d.class_names == ["x", "y"] and len(d) == 3


def test_data_package_needs_neither_qt_nor_pandas_nor_sklearn():
    code = "import sys, nnstudio.data; nnstudio.data.load('iris'); print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    roots = {m.split(".")[0] for m in out.stdout.split()}
    assert "nnstudio" in roots
    assert roots.isdisjoint({"PySide6", "shiboken6", "pyqtgraph", "pandas", "sklearn", "scipy"})


@pytest.mark.parametrize("source", ["csv", "mnist"])
def test_a_file_reference_cannot_pass_a_progress_function(source, tmp_path):
    """``progress`` is a loader argument for the GUI, not something a project file may set."""
    location = {"csv": "path", "mnist": "folder"}[source]
    ref = {"source": source, location: str(tmp_path), "progress": "print"}
    with pytest.raises(DataError, match="unknown key"):
        from_reference(ref)


@pytest.mark.parametrize("path", ["/etc/passwd", "../secret.csv", "data/../../x.csv"])
def test_a_project_reference_cannot_leave_its_folder_unless_allowed(tmp_path, path):
    from nnstudio.data import OutsidePathError
    from nnstudio.data.catalog import outside_location

    ref = {"source": "csv", "path": path}
    with pytest.raises(OutsidePathError, match="outside the project's folder") as info:
        from_reference(ref, base_dir=tmp_path / "project", allow_outside=False)
    expected = Path(path) if path.startswith("/") else tmp_path / "project" / path
    assert info.value.path == expected
    assert outside_location(ref, tmp_path / "project") == expected


def test_an_allowed_outside_reference_is_read(tmp_path):
    (tmp_path / "toy.csv").write_text("a,b,label\n1,2,x\n3,4,y\n", encoding="utf-8")
    (tmp_path / "project").mkdir()
    ref = {"source": "csv", "path": "../toy.csv"}
    d = from_reference(ref, base_dir=tmp_path / "project", allow_outside=True)
    assert len(d) == 2


def test_a_reference_inside_the_folder_is_not_outside(tmp_path):
    from nnstudio.data.catalog import outside_location

    assert outside_location({"source": "csv", "path": "sub/toy.csv"}, tmp_path) is None
    assert outside_location({"source": "synthetic", "name": "xor"}, tmp_path) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"n_samples": 100_001}, "n_samples must be from 2 to 100,000"),
        ({"seed": 2**31}, "seed must be from 0 to 2,147,483,647"),
        ({"seed": -1}, "seed must be from 0"),
        ({"noise": 0.6}, "noise must be from 0 to 0.5"),
        ({"noise": float("nan")}, "noise must be a finite number"),
    ],
)
def test_synthetic_parameters_are_bounded(change, message):
    ref = {**reference_for("xor"), **change}
    with pytest.raises(DataError, match=message):
        from_reference(ref)
