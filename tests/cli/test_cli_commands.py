"""The command line, in-process (``main([...])``) and a few times as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

from nnstudio import live
from nnstudio.cli import main
from nnstudio.io import load_project, session


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def last_error(err: str) -> str:
    line = err.strip().splitlines()[-1]
    assert line.startswith("nnstudio: error: ")
    assert "Traceback" not in err
    return line


@pytest.fixture
def xor_project(tmp_path, capsys):
    path = tmp_path / "xor.nnstudio"
    assert run(capsys, "new", "--example", "xor", "-o", str(path))[0] == 0
    return path


def test_examples_lists_every_example(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert {"xor", "spiral", "iris", "digits", "sine", "course_line"} <= set(names)


def test_worked_example_new_train_export_predict(tmp_path, capsys, xor_project):
    code, out, err = run(capsys, "train", str(xor_project), "--epochs", "30")
    assert code == 0, err
    assert "epoch 1/30" in err and "epoch 30/30" in err
    assert "saved" in out
    doc = load_project(xor_project)
    assert len(doc.history["loss"]) == 30 and doc.history["val_accuracy"][-1] > 0.9

    for fmt, name in [("numpy", "model.py"), ("onnx", "model.onnx"), ("json", "model.json")]:
        target = str(tmp_path / name)
        code, out, err = run(capsys, "export", str(xor_project), "--format", fmt, "-o", target)
        assert code == 0, err
        assert (tmp_path / name).exists() and "wrote" in out

    inputs = tmp_path / "points.csv"
    inputs.write_text("label,x2,x1\norange,1,1\nblue,-3,2.5\n")  # by name, any order, extra col
    code, out, err = run(capsys, "predict", str(xor_project), "--input", str(inputs))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "p_blue,label"
    assert len(lines) == 3
    expected = session.predict(doc, np.array([[1.0, 1.0], [2.5, -3.0]]))[:, 0]
    got = [float(line.split(",")[0]) for line in lines[1:]]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    assert [line.split(",")[1] for line in lines[1:]] == [
        "blue" if p >= 0.5 else "orange" for p in expected
    ]


def test_predict_without_header_writes_a_file(tmp_path, capsys, xor_project):
    inputs = tmp_path / "in.csv"
    inputs.write_text("1,1\n-1,1\n0.5,-2\n")
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, "predict", str(xor_project), "--input", str(inputs), "-o", str(out))
    assert code == 0, err
    assert "not trained" in err  # a note, not an error
    assert len(out.read_text().splitlines()) == 4


def test_predict_multiclass_names_every_class(tmp_path, capsys):
    project = tmp_path / "iris.nnstudio"
    run(capsys, "new", "--example", "iris", "-o", str(project))
    run(capsys, "train", str(project), "--epochs", "5")
    inputs = tmp_path / "in.csv"
    inputs.write_text("5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    code, out, _ = run(capsys, "predict", str(project), "--input", str(inputs))
    header = out.splitlines()[0].split(",")
    assert code == 0 and len(header) == 4 and header[-1] == "label"
    assert all(h.startswith("p_") for h in header[:3])


def test_new_from_csv_embeds_the_data_and_trains(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    data = tmp_path / "data.csv"
    rows = [f"{a},{b},{c},{lab}" for (a, b, c), lab in zip(X, labels, strict=True)]
    data.write_text("a,b,c,passed\n" + "\n".join(rows) + "\n")
    project = tmp_path / "mine.nnstudio"
    assert run(capsys, "new", "--csv", str(data), "--label", "passed", "-o", str(project))[0] == 0
    data.unlink()  # the project no longer needs the file
    code, _, err = run(capsys, "train", str(project), "--epochs", "20")
    assert code == 0, err
    doc = load_project(project)
    assert doc.embedded["X"].shape == (60, 3)
    assert doc.embedded["class_names"] == ["no", "yes"]
    code, out, _ = run(capsys, "info", str(project))
    assert "embedded: 60 rows" in out


def test_new_from_an_mnist_style_csv_takes_the_label_column_without_being_told(tmp_path, capsys):
    """``label,pixel1..pixel784``: the label is the first column, not pixel784."""
    rng = np.random.default_rng(0)
    data = tmp_path / "sign_mnist.csv"
    header = "label," + ",".join(f"pixel{i + 1}" for i in range(784))
    rows = [",".join(map(str, [i % 3, *rng.integers(0, 256, 784)])) for i in range(12)]
    data.write_text(header + "\n" + "\n".join(rows) + "\n")
    project = tmp_path / "signs.nnstudio"
    assert run(capsys, "new", "--csv", str(data), "-o", str(project))[0] == 0
    doc = load_project(project)
    assert doc.network["inputs"] == 784 and doc.embedded["task"] == "multiclass"
    assert doc.embedded["image_shape"] == [28, 28] and doc.data["label"] == "label"


def test_info_describes_projects_and_weights(tmp_path, capsys, xor_project):
    code, out, _ = run(capsys, "info", str(xor_project))
    assert code == 0
    assert "33 parameters" in out and "not trained yet" in out and "xor" in out
    weights = tmp_path / "w.safetensors"
    run(capsys, "export", str(xor_project), "--format", "safetensors", "-o", str(weights))
    code, out, _ = run(capsys, "info", str(weights))
    assert code == 0
    assert "layers.0.weight: float64 (8, 2)" in out and "parameters: 33" in out


def test_out_replaces_an_existing_file_atomically(tmp_path, capsys, xor_project):
    target = tmp_path / "trained.nnstudio"
    target.write_bytes(b"an old file")
    assert run(capsys, "train", str(xor_project), "--epochs", "2", "--out", str(target))[0] == 0
    assert len(load_project(target).history["loss"]) == 2
    assert load_project(xor_project).weights is None  # the source is untouched
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_missing_output_folder_is_an_error(tmp_path, capsys, xor_project):
    code, _, err = run(capsys, "train", str(xor_project), "--out", str(tmp_path / "no" / "x"))
    assert code == 1 and "does not exist" in last_error(err)


def test_missing_input_file_is_an_error(tmp_path, capsys):
    code, _, err = run(capsys, "train", str(tmp_path / "nope.nnstudio"))
    assert code == 1 and "nope.nnstudio: cannot read the file" in last_error(err)


def test_unknown_example_is_an_error(tmp_path, capsys):
    code, _, err = run(capsys, "new", "--example", "nope", "-o", str(tmp_path / "x.nnstudio"))
    assert code == 1 and "unknown example 'nope'" in last_error(err)


@pytest.mark.parametrize(
    "argv",
    [
        ["trian"],
        ["train"],
        ["export", "x.nnstudio", "--format", "tflite", "-o", "y"],
        ["train", "x.nnstudio", "--epochs", "0"],
        ["new", "-o", "x.nnstudio"],
        ["--no-such-option"],
    ],
)
def test_usage_errors_exit_2_with_one_error_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    last_error(err)
    assert err.startswith("usage: ")


def test_ctrl_c_exits_130_and_saves_nothing(capsys, monkeypatch, xor_project):
    before = xor_project.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(live, "train", interrupted)
    code, _, err = run(capsys, "train", str(xor_project))
    assert code == 130
    assert err.strip().splitlines() == ["nnstudio: error: interrupted"]
    assert xor_project.read_bytes() == before


@pytest.fixture
def fake_gui(monkeypatch):
    calls = []

    def fake_run(path=None, *, example=None, screenshot=None, train_epochs=None, size=None):
        calls.append((path, example, screenshot, train_epochs, size))
        return 0

    monkeypatch.setitem(sys.modules, "nnstudio.gui.app", types.SimpleNamespace(run=fake_run))
    return calls


def test_gui_options_pass_through(tmp_path, capsys, fake_gui, xor_project):
    png = str(tmp_path / "shot.png")
    assert run(capsys, "--example", "spiral", "--screenshot", png, "--train-epochs", "5")[0] == 0
    assert run(capsys, str(xor_project))[0] == 0
    assert run(capsys)[0] == 0
    assert run(capsys, "--example", "xor", "--screenshot", png, "--size", "1024x700")[0] == 0
    assert fake_gui == [
        (None, "spiral", png, 5, None),
        (str(xor_project), None, None, None, None),
        (None, None, None, None, None),
        (None, "xor", png, None, (1024, 700)),
    ]


@pytest.mark.parametrize("size", ["1024", "1024x", "axb", "100x100", "1024x700x3"])
def test_a_bad_screenshot_size_is_a_usage_error(capsys, fake_gui, size):
    code, _, err = run(capsys, "--example", "xor", "--screenshot", "x.png", "--size", size)
    assert code == 2 and "--size" in err
    assert fake_gui == []


def test_bad_arguments_fail_before_any_window(tmp_path, capsys, fake_gui):
    code, _, err = run(capsys, str(tmp_path / "missing.nnstudio"))
    assert code == 2 and "neither a command" in last_error(err)
    bad = tmp_path / "bad.nnstudio"
    bad.write_bytes(b"junk")
    code, _, err = run(capsys, str(bad), "--screenshot", str(tmp_path / "shot.png"))
    assert code == 1 and "not a zip" in last_error(err)  # no window to show it in
    code, _, err = run(capsys, "--example", "nope")
    assert code == 1 and "unknown example" in last_error(err)
    assert fake_gui == []


def test_a_bad_project_opens_the_window_which_shows_the_error(tmp_path, capsys, fake_gui):
    """A student who double-clicks a damaged file sees the window and the message in it."""
    bad = tmp_path / "bad.nnstudio"
    bad.write_bytes(b"junk")
    code, _, err = run(capsys, str(bad))
    assert code == 0 and err == ""
    assert fake_gui == [(str(bad), None, None, None, None)]


@pytest.mark.parametrize("epochs", ["99999999999999999999", "0", "-3", "many"])
def test_absurd_epochs_are_refused_in_one_line(epochs, capsys, xor_project):
    code, _, err = run(capsys, "train", str(xor_project), "--epochs", epochs)
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("nnstudio: error: argument --epochs")
    assert "Traceback" not in err


def test_without_a_gui_the_example_trains_headless(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nnstudio.gui.app", None)
    code, out, err = run(capsys, "--example", "gauss", "--train-epochs", "3")
    assert code == 0
    assert "not available" in err and "trained 3 epochs" in out


def _subprocess(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", *argv], capture_output=True, text=True, timeout=120
    )


def test_subprocess_success_and_errors(tmp_path):
    result = _subprocess("examples")
    assert result.returncode == 0 and "xor" in result.stdout
    result = _subprocess("info", str(tmp_path / "missing.nnstudio"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("nnstudio: error: ")
    assert "Traceback" not in result.stderr
    result = _subprocess("bogus-command")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = _subprocess("--help")
    assert result.returncode == 0 and "predict" in result.stdout


def test_subprocess_worked_example(tmp_path):
    project = tmp_path / "xor.nnstudio"
    assert _subprocess("new", "--example", "xor", "-o", str(project)).returncode == 0
    result = _subprocess("train", str(project), "--epochs", "3")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 3  # one line per epoch when stderr is not a terminal


def test_progress_is_a_bar_on_a_terminal():
    import io

    from nnstudio.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(4, stream)
    for epoch in (1, 2, 3, 4):
        progress.on_epoch_end({"epoch": epoch, "step": epoch, "loss": 0.5})
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "[" + "#" * 30 + "] 4/4" in text
