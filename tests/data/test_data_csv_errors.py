"""A corpus of malformed CSV files: each is refused with a DataError that says where and why."""

import re
import tracemalloc

import pytest

from nnstudio.data import DataError, preview, read_csv, textfile
from nnstudio.data.limits import MAX_LINE_BYTES, MAX_TEXT_BYTES

CORPUS = {  # name: (file bytes, read_csv options, expected message part)
    "empty": (b"", {}, "data.csv: the file is empty"),
    "blank lines only": (b"\n  \n\n", {}, "data.csv: the file is empty"),
    "header only": (b"a,b,label\n", {}, "data.csv: the file has a header line but no data rows"),
    "ragged row": (
        b"a,b,label\n1,2,x\n3,4,y\n5,6\n",
        {},
        "data.csv, line 4: expected 3 columns (as in the header), found 2",
    ),
    "row too long, no header": (
        b"1,2,0\n3,4,1\n5,6,0,9\n",
        {},
        "data.csv, line 3: expected 3 columns (as in the first line), found 4",
    ),
    "non-numeric cell": (
        b"sepal,petal_width,label\n1,2,x\n3,abc,y\n",
        {},
        'data.csv, line 3, column "petal_width": expected a number, found "abc"',
    ),
    "non-numeric cell, no header": (
        b"1,2,0\n3,4,1\n5,six,0\n",
        {},
        'data.csv, line 3, column 2: expected a number, found "six"',
    ),
    "decimal comma": (
        b'a,b,label\n1,"2,5",x\n3,4,y\n',
        {},
        'line 2, column "b": expected a number, found "2,5"\nDecimal commas: use a dot',
    ),
    "infinity": (
        b"a,b,label\n1,2,x\ninf,4,y\n",
        {},
        'data.csv, line 3, column "a": expected a finite number, found "inf"',
    ),
    "overflow to infinity": (
        b"a,b,label\n1,2,x\n3,-1e999,y\n",
        {},
        'line 3, column "b": expected a finite number, found "-1e999"',
    ),
    "NUL byte": (b"a,b,label\n1,2,x\n3,\x004,y\n", {}, "data.csv, line 3: contains a NUL byte"),
    "UTF-16 text": (
        "a,b,label\n1,2,x\n".encode("utf-16"),
        {},
        "data.csv: this is UTF-16 text; save it as UTF-8",
    ),
    "UTF-16 text without a byte-order mark": (
        "a,b,label\n1,2,x\n".encode("utf-16-le"),
        {},
        "data.csv, line 1: contains a NUL byte; this is a binary file or UTF-16 text",
    ),
    "latin-1 bytes": (
        "a,b,label\n1,2,x\n3,4,y\n5,6,caf\u00e9\n".encode("latin-1"),
        {},
        "data.csv, line 4: not UTF-8 text (byte 0xe9 at position 8)",
    ),
    "one class only": (
        b"a,b,label\n1,2,x\n3,4,x\n5,6,x\n",
        {},
        'data.csv: only one class: every label is "x"',
    ),
    "bad label name": (
        b"a,b,label\n1,2,x\n3,4,y\n",
        {"label": "colour"},
        'data.csv: no column named "colour"; the columns are "a", "b", "label"',
    ),
    "label name without header": (
        b"1,2,0\n3,4,1\n",
        {"label": "label"},
        'no header row, so there is no column named "label"',
    ),
    "label index out of range": (
        b"a,b,label\n1,2,x\n3,4,y\n",
        {"label": 5},
        "label column 5 is out of range; the file has 3 columns, numbered 0 to 2",
    ),
    "single column": (b"a\n1\n2\n", {}, "the first line has a single column"),
    "words as regression targets": (
        b"a,b,label\n1,2,3.5\n3,4,high\n",
        {"task": "regression"},
        'data.csv, line 3, column "label": expected a number for a regression target, found "high"',
    ),
    "three classes forced binary": (
        b"a,label\n1,x\n2,y\n3,z\n",
        {"task": "binary"},
        "data.csv: a binary task needs 2 classes, the labels hold 3: x, y, z",
    ),
    "unterminated quote": (
        b'a,b,label\n1,2,x\n3,"4,y\n5,6,x\n',
        {},
        "data.csv, line 3:",
    ),
    "missing label": (
        b"a,b,label\n1,2,x\n3,4,\n5,6,y\n",
        {},
        'data.csv, line 3, column "label": missing value ("")\nMissing values: fix them, or '
        'import with missing="drop"',
    ),
    "every row missing something": (
        b"a,b,label\n1,NA,x\n?,4,y\n",
        {"missing": "drop"},
        "every row has a missing value",
    ),
    "unknown option value": (
        b"a,label\n1,x\n2,y\n",
        {"missing": "zero"},
        'missing must be "error"',
    ),
    "unknown task": (b"a,label\n1,x\n2,y\n", {"task": "cluster"}, "unknown task 'cluster'"),
    "bad delimiter option": (b"a,label\n1,x\n2,y\n", {"delimiter": ";;"}, "delimiter must be one"),
}


@pytest.mark.parametrize("case", CORPUS, ids=str)
def test_malformed_file_is_refused_with_a_precise_message(tmp_path, case):
    content, options, expected = CORPUS[case]
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_csv(path, **options)
    assert expected in str(info.value)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_a_bad_line_deep_in_a_large_file_is_located(tmp_path):
    lines = ["a,b,label"] + [f"{i},{i + 1},{i % 2}" for i in range(6000)]
    lines[4321] = "4320,oops,0"
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=re.escape('big.csv, line 4322, column "b": expected a number, found "oops"'),
    ):
        read_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=re.escape("nothing.csv: cannot open the file")):
        read_csv(tmp_path / "nothing.csv")


def test_preview_reports_encoding_problems_too(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(DataError, match="line 2: not UTF-8 text"):
        preview(path)


def test_a_line_of_gigabytes_is_refused_without_reading_it(tmp_path):
    """A 1 GB "line" (a sparse file: no disk used) is refused after reading at most 5 MB."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.write(b"a,b,label\n1,2,x\n")
        f.truncate(MAX_TEXT_BYTES)  # the largest CSV file read at all
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            read_csv(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"huge.csv, line 3: longer than {MAX_LINE_BYTES:,} bytes" in str(info.value)
    assert peak < 50 * 2**20


def test_a_long_text_line_is_refused_by_its_number(tmp_path, monkeypatch):
    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.csv"
    path.write_text("a,b,label\n1,2,x\n" + ",".join(["7"] * 600) + "\n")
    with pytest.raises(DataError, match=re.escape("long.csv, line 3: longer than")):
        read_csv(path)


def test_the_column_table_is_held_to_the_data_limits_before_it_parses(tmp_path, monkeypatch):
    from nnstudio.data import limits
    from nnstudio.data.csv_table import read_table

    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    path = tmp_path / "rows.csv"
    path.write_text("a,b,label\n" + "1,2,x\n3,4,y\n" * 2)
    seen: list[float] = []
    with pytest.raises(DataError, match=r"rows\.csv: 4 rows; the limit is 3"):
        read_table(path, progress=seen.append)
    assert seen == []  # refused before a single chunk was parsed
    monkeypatch.setattr(limits, "MAX_ROWS", 4)
    assert read_table(path).n_rows == 4
