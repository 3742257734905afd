"""A corpus of damaged and hostile files: each gives one clear error and changes nothing.

Every case is checked through the API (the right exception type, a message naming the file
and the problem) and through the command line (exit 1, a last stderr line starting with
"nnstudio: error:", no traceback, an existing output file byte for byte unchanged).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest
import safetensors.numpy

from nnstudio.cli import main
from nnstudio.data import DataError
from nnstudio.examples import example
from nnstudio.io import ProjectError, load_project, project_bytes, session
from nnstudio.io.describe import describe_file
from nnstudio.io.newproject import from_csv
from nnstudio.io.table import read_inputs
from nnstudio.io.weights import encode, metadata_for, to_tensors


# ------------------------------------------------------------------------- building blocks
def _trained():
    doc = example("xor")
    session.train(doc, epochs=1)
    return doc


DOC = _trained()


def members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(project_bytes(DOC))) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def zip_of(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def with_manifest(change) -> bytes:
    m = members()
    manifest = json.loads(m["project.json"])
    change(manifest)
    m["project.json"] = json.dumps(manifest).encode()
    return zip_of(m)


def with_tensors(change) -> bytes:
    from nnstudio.engine import normalize_spec

    spec = normalize_spec(DOC.network)
    tensors = {k: v.copy() for k, v in to_tensors(spec, DOC.weights).items()}
    change(tensors)
    m = members()
    # The safetensors library itself writes these, so the damage is the only difference.
    m["weights.safetensors"] = safetensors.numpy.save(tensors, metadata_for(spec, DOC.standardize))
    return zip_of(m)


def raw_safetensors(header: dict, body: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def with_member(name: str, data: bytes) -> bytes:
    m = members()
    m[name] = data
    return zip_of(m)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _set(path, value):
    def change(manifest):
        node = manifest
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


PICKLE_BYTES = b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s."

# (id, file bytes, expected words in the message)
PROJECTS = [
    ("empty", lambda: b"", "not a zip"),
    ("truncated", lambda: project_bytes(DOC)[:400], "not a zip"),
    ("text", lambda: b"hello, I am not a project\n", "not a zip"),
    ("nul-bytes", lambda: b"\x00" * 1000, "not a zip"),
    ("renamed-pickle", lambda: PICKLE_BYTES, "not a zip"),
    ("zip-bomb", lambda: with_member("history.json", b"0" * (40 << 20)), "zip bomb"),
    ("path-traversal", lambda: zip_of({**members(), "../evil.json": b"{}"}), "paths are not"),
    ("absolute-path", lambda: zip_of({"/etc/project.json": b"{}"}), "paths are not"),
    ("directory", lambda: zip_of({**members(), "data/": b""}), "folders"),
    ("too-many", lambda: zip_of({f"m{i}": b"" for i in range(101)}), "too many members"),
    ("unknown-member", lambda: zip_of({**members(), "notes.txt": b"hi"}), "unexpected member"),
    ("no-project-json", lambda: zip_of({"history.json": b"{}"}), "project.json is missing"),
    ("bad-json", lambda: with_member("project.json", b'{"format": '), "not valid JSON"),
    ("latin1-json", lambda: with_member("project.json", b'{"a": "\xe9"}'), "not UTF-8"),
    ("json-list", lambda: with_member("project.json", b"[1, 2]"), "not an nnstudio project"),
    ("deep-json", lambda: with_member("project.json", nested(5000).encode()), "nested"),
    ("nan-json", lambda: with_member("history.json", b'{"loss": [NaN]}'), "NaN is not allowed"),
    ("wrong-format", lambda: with_manifest(_set(["format"], "keras")), "not an nnstudio project"),
    ("newer-version", lambda: with_manifest(_set(["format_version"], 3)), "newer nnstudio"),
    ("version-text", lambda: with_manifest(_set(["format_version"], "1")), "whole number"),
    ("unknown-top-key", lambda: with_manifest(_set(["extra"], 1)), "unknown key 'extra'"),
    ("missing-network", lambda: with_manifest(lambda m: m.pop("network")), "missing key"),
    (
        "unknown-spec-key",
        lambda: with_manifest(_set(["network", "layers", 0, "unitz"], 3)),
        "unknown key 'unitz'",
    ),
    (
        "unknown-activation",
        lambda: with_manifest(_set(["network", "layers", 0, "activation"], "swish")),
        "unknown activation 'swish'",
    ),
    ("bad-batch-size", lambda: with_manifest(_set(["training", "batch_size"], 0)), "batch_size"),
    (
        "standardize-length",
        lambda: with_manifest(_set(["standardize"], {"mean": [0.0], "scale": [1.0]})),
        "1 features",
    ),
    (
        "transposed-weights",
        lambda: with_tensors(lambda t: t.update({"layers.0.weight": t["layers.0.weight"].T})),
        "layers.0.weight has shape (2, 8), expected (8, 2)",
    ),
    (
        "nan-weights",
        lambda: with_tensors(lambda t: t["layers.1.weight"].__setitem__((0, 0), np.nan)),
        "NaN",
    ),
    (
        "int32-weights",
        lambda: with_tensors(lambda t: t.update({"layers.1.bias": np.array([1], np.int32)})),
        "dtype I32",
    ),
    (
        "float16-weights",
        lambda: with_tensors(lambda t: t.update({"layers.1.bias": np.array([1], np.float16)})),
        "float16",
    ),
    ("missing-tensor", lambda: with_tensors(lambda t: t.pop("layers.1.bias")), "missing tensor"),
    (
        "extra-tensor",
        lambda: with_tensors(lambda t: t.update({"layers.9.weight": np.zeros(2)})),
        "unexpected tensor",
    ),
    (
        "huge-header",
        lambda: with_member("weights.safetensors", struct.pack("<Q", 200 << 20) + b"{}"),
        "header of",
    ),
    (
        "header-past-end",
        lambda: with_member("weights.safetensors", struct.pack("<Q", 5000) + b"{}"),
        "truncated",
    ),
    (
        "tensor-past-end",
        lambda: with_member(
            "weights.safetensors",
            raw_safetensors(
                {"layers.0.weight": {"dtype": "F64", "shape": [8, 2], "data_offsets": [0, 128]}}
            ),
        ),
        "does not fit",
    ),
    ("bad-history", lambda: with_member("history.json", b'{"loss": "low"}'), "list of numbers"),
    (
        "data-without-names",
        lambda: with_member("data.safetensors", encode({"X": np.zeros((2, 2))})),
        "must come together",
    ),
]


def _corrupt_crc() -> bytes:
    data = bytearray(zip_of(members(), zipfile.ZIP_STORED))
    start = data.index(b"layers.0.bias") + 200  # inside the weights member's raw data
    data[start] ^= 0xFF
    return bytes(data)


PROJECTS.append(("bad-crc", _corrupt_crc, "damaged"))


@pytest.mark.parametrize(("case", "build", "words"), PROJECTS, ids=[c[0] for c in PROJECTS])
def test_bad_project_gives_one_clear_error(tmp_path, case, build, words):
    path = tmp_path / "bad.nnstudio"
    path.write_bytes(build())
    with pytest.raises(ProjectError) as info:
        load_project(path)
    message = str(info.value)
    assert message.startswith("bad.nnstudio: ")
    assert words in message
    assert "\n" not in message


def cli_fails(capsys, argv, words=None) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 1, captured.err
    assert lines[-1].startswith("nnstudio: error: ")
    assert "Traceback" not in captured.err
    if words:
        assert words in lines[-1]
    return lines[-1]


@pytest.mark.parametrize(("case", "build", "words"), PROJECTS, ids=[c[0] for c in PROJECTS])
def test_bad_project_via_cli_leaves_existing_output_untouched(tmp_path, capsys, case, build, words):
    bad = tmp_path / "bad.nnstudio"
    bad.write_bytes(build())
    existing = tmp_path / "existing.nnstudio"
    existing.write_bytes(project_bytes(DOC))
    before = existing.read_bytes()
    for argv in (
        ["train", str(bad), "--epochs", "1", "--out", str(existing)],
        ["export", str(bad), "--format", "json", "-o", str(existing)],
        ["info", str(bad)],
    ):
        cli_fails(capsys, argv, words)
    assert existing.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nnstudio", "existing.nnstudio"]


# --------------------------------------------------------------------- CSV files (new --csv)
CSVS = [
    ("empty", b"", "empty"),
    ("header-only", b"a,b,label\n", "no data rows"),
    ("nul", b"a,b,label\n1,2,x\x00\n", "NUL"),
    ("latin1", b"a,b,label\n1,2,caf\xe9\n3,4,tea\n", "not UTF-8"),
    ("utf16", "a,b,label\n1,2,x\n".encode("utf-16"), "UTF-16"),
    ("ragged", b"a,b,label\n1,2,x\n3,y\n", "line 3"),
    ("non-numeric", b"a,b,label\n1,2,x\n3,abc,y\n", "abc"),
    ("inf", b"a,b,label\n1,2,x\n3,inf,y\n", "line 3"),
    ("one-class", b"a,b,label\n1,2,x\n3,4,x\n5,6,x\n", "one class"),
]


@pytest.mark.parametrize(("case", "content", "words"), CSVS, ids=[c[0] for c in CSVS])
def test_bad_csv_gives_one_clear_error(tmp_path, capsys, case, content, words):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        from_csv(path)
    assert "data.csv" in str(info.value) or words in str(info.value)
    existing = tmp_path / "existing.nnstudio"
    existing.write_bytes(b"old bytes")
    last = cli_fails(capsys, ["new", "--csv", str(path), "-o", str(existing)])
    assert words.lower() in last.lower()
    assert existing.read_bytes() == b"old bytes"


# ------------------------------------------------------------------ prediction input files
INPUTS = [
    ("empty", b"", "empty"),
    ("header-only", b"x1,x2\n", "no data rows"),
    ("missing-column", b"x1,z\n1,2\n", "no column 'x2'"),
    ("wrong-width", b"1,2,3\n", "3 columns"),
    ("non-numeric", b"x1,x2\n1,2\n3,abc\n", "line 3, column 'x2': expected a number"),
    ("ragged", b"x1,x2\n1,2\n3\n", "line 3"),
    ("inf", b"x1,x2\n1,inf\n", "finite"),
    ("nul", b"x1,x2\n1,\x002\n", "NUL"),
    ("latin1", b"x1,x2\n1,2\xe9\n", "not UTF-8"),
]


@pytest.mark.parametrize(("case", "content", "words"), INPUTS, ids=[c[0] for c in INPUTS])
def test_bad_prediction_input_gives_one_clear_error(tmp_path, capsys, case, content, words):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"in\.csv"):
        read_inputs(path, ["x1", "x2"])
    project = tmp_path / "p.nnstudio"
    project.write_bytes(project_bytes(DOC))
    out = tmp_path / "out.csv"
    out.write_text("old")
    cli_fails(capsys, ["predict", str(project), "--input", str(path), "-o", str(out)], words)
    assert out.read_text() == "old"


# --------------------------------------------------------------------- loose weights files
WEIGHTS = [
    ("empty", b"", "too short"),
    ("huge-header", struct.pack("<Q", 1 << 40) + b"{}", "header of"),
    ("not-json", struct.pack("<Q", 4) + b"abcd", "not valid JSON"),
    (
        "int32",
        raw_safetensors({"w": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4),
        "dtype I32",
    ),
]


@pytest.mark.parametrize(("case", "content", "words"), WEIGHTS, ids=[c[0] for c in WEIGHTS])
def test_bad_weights_file_gives_one_clear_error(tmp_path, capsys, case, content, words):
    path = tmp_path / "w.safetensors"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=words):
        describe_file(path)
    cli_fails(capsys, ["info", str(path)], words)


def test_corpus_is_large_enough():
    assert len(PROJECTS) + len(CSVS) + len(INPUTS) + len(WEIGHTS) >= 30
