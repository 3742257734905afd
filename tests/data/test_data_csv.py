"""CSV import of well-formed files: layout guessing, labels, tasks, missing values, images."""

import numpy as np
import pytest

from nnstudio.data import DataError, import_csv, preview, read_csv

IRIS_LIKE = """\
sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
6.3,3.3,virginica
5.8,2.7,virginica
6.4,3.2,versicolor
"""


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_header_and_word_labels(tmp_path):
    d = read_csv(write(tmp_path, IRIS_LIKE))
    assert d.feature_names == ["sepal_length", "sepal_width"]
    assert d.class_names == ["setosa", "versicolor", "virginica"]  # sorted
    assert d.task == "multiclass" and d.name == "data"
    assert list(d.y) == [0, 0, 2, 2, 1]
    np.testing.assert_array_equal(d.X[2], [6.3, 3.3])
    assert d.target_names == ["species"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    d = read_csv(write(tmp_path, IRIS_LIKE.replace(",", delimiter)))
    assert d.X.shape == (5, 2) and d.class_names[0] == "setosa"
    assert preview(tmp_path / "data.csv").delimiter == delimiter


def test_explicit_delimiter(tmp_path):
    d = read_csv(write(tmp_path, IRIS_LIKE.replace(",", "|")), delimiter="|")
    assert d.X.shape == (5, 2)


def test_semicolon_file_with_commas_in_text_is_still_semicolon(tmp_path):
    text = "a;b;label\n1;2;yes, sir\n3;4;no, sir\n5;6;yes, sir\n"
    d = read_csv(write(tmp_path, text))
    assert d.class_names == ["no, sir", "yes, sir"]


def test_utf8_bom_is_ignored(tmp_path):
    d = read_csv(write(tmp_path, "\ufeff" + IRIS_LIKE))
    assert d.feature_names[0] == "sepal_length"


def test_windows_line_endings_quotes_and_blank_lines(tmp_path):
    text = 'x,"y",label\r\n"1.5",2,a\r\n\r\n3, 4 ,b\r\n5,6,"a"\r\n'
    d = read_csv(write(tmp_path, text))
    np.testing.assert_array_equal(d.X, [[1.5, 2], [3, 4], [5, 6]])
    assert d.feature_names == ["x", "y"] and list(d.y) == [0, 1, 0]


def test_no_header_is_detected(tmp_path):
    d = read_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"))
    assert d.feature_names == ["x1", "x2"] and d.X.shape == (4, 2)
    assert d.class_names == ["0", "1"] and d.task == "binary"


def test_has_header_can_be_forced(tmp_path):
    path = write(tmp_path, "1,2,3\n4,5,0\n6,7,1\n8,9,0\n10,11,1\n")
    assert read_csv(path).X.shape == (5, 2)
    d = read_csv(path, has_header=True)
    assert d.feature_names == ["1", "2"] and len(d) == 4


def test_label_by_name_and_by_index(tmp_path):
    path = write(tmp_path, "species,a,b\nx,1,2\ny,3,4\nx,5,6\n")
    by_name = read_csv(path, label="species")
    by_index = read_csv(path, label=0)
    for d in (by_name, by_index):
        assert d.feature_names == ["a", "b"] and d.class_names == ["x", "y"]
        np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6]])
    assert read_csv(path, label=-3).class_names == ["x", "y"]


def test_label_in_the_middle_of_a_headerless_file(tmp_path):
    d = read_csv(write(tmp_path, "1,a,2\n3,b,4\n5,a,6\n"), label=1)
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6]])
    assert d.class_names == ["a", "b"]


def test_numeric_class_labels_sort_by_value_and_keep_their_text(tmp_path):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate([10, 2, 10, 2, 3, 3]))
    d = read_csv(write(tmp_path, "x,grade\n" + rows))
    assert d.class_names == ["2", "3", "10"]
    assert list(d.y) == [2, 0, 2, 0, 1, 1]


def test_float_labels_mean_regression(tmp_path):
    d = read_csv(write(tmp_path, "x,price\n1,1.5\n2,2.5\n3,3.5\n4,4.5\n"))
    assert d.task == "regression" and d.class_names is None
    np.testing.assert_array_equal(d.y, [1.5, 2.5, 3.5, 4.5])
    assert d.targets().shape == (4, 1)


def test_many_distinct_whole_numbers_mean_regression(tmp_path):
    rows = "".join(f"{i},{i * 3}\n" for i in range(100))
    d = read_csv(write(tmp_path, "x,y\n" + rows))
    assert d.task == "regression"


def test_two_points_of_whole_numbers_are_regression_not_two_classes(tmp_path):
    d = read_csv(write(tmp_path, "x,y\n1,3\n2,5\n"))
    assert d.task == "regression"


def test_task_can_be_forced(tmp_path):
    path = write(tmp_path, "x,y\n1,3\n2,5\n")
    assert read_csv(path, task="classification").class_names == ["3", "5"]
    assert read_csv(path, task="multiclass").task == "multiclass"
    labels = write(tmp_path, "x,y\n1,0\n2,1\n3,0\n4,1\n", name="labels.csv")
    assert read_csv(labels).task == "binary"
    assert read_csv(labels, task="regression").task == "regression"


def test_missing_values_are_refused_with_count_and_first_place(tmp_path):
    text = "a,b,label\n1,2,x\n3,NA,y\n,5,x\n6,?,y\n7,8,null\n9,10,x\n"
    with pytest.raises(DataError) as info:
        read_csv(write(tmp_path, text))
    message = str(info.value)
    assert message.startswith("data.csv: 4 problems (4 missing values):\n")
    assert '  line 3, column "b": missing value ("NA")\n' in message
    assert '  line 6, column "label": missing value ("null")' in message
    assert 'missing="drop"' in message


def test_missing_values_can_be_dropped(tmp_path):
    text = "a,b,label\n1,2,x\n3,NA,y\n,5,x\n6,nan,y\n7,8,N/A\n9,10,y\n"
    result = import_csv(write(tmp_path, text), missing="drop")
    d = result.dataset
    np.testing.assert_array_equal(d.X, [[1, 2], [9, 10]])
    assert d.class_names == ["x", "y"]
    assert (result.missing_values, result.dropped_rows) == (4, 4)


def test_dropping_rows_drops_classes_that_only_they_had(tmp_path):
    text = "a,label\n1,x\n2,y\nNA,z\n4,x\n"
    assert read_csv(write(tmp_path, text), missing="drop").class_names == ["x", "y"]


def test_import_report(tmp_path):
    result = import_csv(write(tmp_path, IRIS_LIKE.replace(",", ";")))
    assert (result.delimiter, result.has_header, result.label_column) == (";", True, "species")
    assert (result.missing_values, result.dropped_rows) == (0, 0)


def test_preview_shows_the_first_rows_as_text(tmp_path):
    p = preview(write(tmp_path, IRIS_LIKE), n_rows=2)
    assert p.has_header and p.columns == ["sepal_length", "sepal_width", "species"]
    assert p.rows == [["5.1", "3.5", "setosa"], ["4.9", "3.0", "setosa"]]
    q = preview(write(tmp_path, "1,2\n3,4\n", name="plain.csv"))
    assert not q.has_header and q.columns == ["column 1", "column 2"] and len(q.rows) == 2


def mnist_like(n_rows, header):
    rng = np.random.default_rng(0)
    labels = np.arange(n_rows) % 3
    pixels = rng.integers(0, 256, (n_rows, 784))
    lines = [",".join(map(str, [label, *row])) for label, row in zip(labels, pixels, strict=True)]
    top = ["label," + ",".join(f"pixel{i + 1}" for i in range(784))] if header else []
    return "\n".join(top + lines) + "\n", pixels, labels


@pytest.mark.parametrize("header", [True, False])
def test_image_csv_gets_a_square_image_shape(tmp_path, header):
    text, pixels, labels = mnist_like(12, header)
    d = read_csv(write(tmp_path, text), label=0)
    assert d.image_shape == (28, 28)
    np.testing.assert_array_equal(d.X, pixels)
    np.testing.assert_array_equal(d.y, labels)


def test_ordinary_columns_are_not_an_image(tmp_path):
    names = ",".join(f"feature_{i}" for i in range(64))
    rows = "\n".join(",".join(["1"] * 64 + [str(i % 2)]) for i in range(4))
    d = read_csv(write(tmp_path, f"{names},label\n{rows}\n"))
    assert d.n_features == 64 and d.image_shape is None


def test_files_longer_than_one_chunk_keep_every_row(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, 3))
    y = rng.integers(0, 2, 5000)
    lines = [f"{a!r},{b!r},{c!r},{label}" for (a, b, c), label in zip(X.tolist(), y, strict=True)]
    lines[4500] = "NA,0,0,1"  # a chunk that needs the careful parser
    d = read_csv(write(tmp_path, "a,b,c,label\n" + "\n".join(lines)), missing="drop")
    keep = np.arange(5000) != 4500
    np.testing.assert_array_equal(d.X, X[keep])
    np.testing.assert_array_equal(d.y, y[keep])


def test_many_word_classes_are_numbered_in_sorted_order(tmp_path):
    """900 word labels (indexed with a dict, not list.index) get alphabetical class numbers."""
    words = [f"w{i:03d}" for i in range(900)][::-1]
    path = tmp_path / "words.csv"
    path.write_text("a,label\n" + "".join(f"{i},{w}\n" for i, w in enumerate(words)))
    ds = read_csv(path)
    assert ds.class_names == sorted(words)
    assert [ds.class_names[c] for c in ds.y] == words


def test_too_many_classes_are_refused_with_the_limit(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("a,label\n" + "".join(f"{i},id{i}\n" for i in range(1001)))
    with pytest.raises(DataError, match=r"ids\.csv: 1,001 classes; the limit is 1,000"):
        read_csv(path)
