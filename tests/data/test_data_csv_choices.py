"""The importer gets real students' files right: label guessing, left-out columns, every
problem at once, spreadsheet exports, decimal commas, and label changes without re-reading."""

import numpy as np
import pytest

from nnstudio.data import DataError, import_csv, preview, read_csv
from nnstudio.data.csv import select
from nnstudio.data.csv_problems import Advice, CsvProblemsError
from nnstudio.data.csv_table import ReadOptions, read_table


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def sign_language_csv(tmp_path, n_rows=30):
    """Sign Language MNIST's layout: ``label,pixel1..pixel784``, labels 0..24 without 9."""
    rng = np.random.default_rng(3)
    labels = np.array([0, 1, 2, 10, 24])[np.arange(n_rows) % 5]
    pixels = rng.integers(0, 256, (n_rows, 784))
    header = "label," + ",".join(f"pixel{i + 1}" for i in range(784))
    rows = [",".join(map(str, [lab, *row])) for lab, row in zip(labels, pixels, strict=True)]
    return (
        write(tmp_path, header + "\n" + "\n".join(rows) + "\n", "sign_mnist_train.csv"),
        pixels,
        labels,
    )


def test_a_label_column_first_is_the_label_and_the_pixels_an_image(tmp_path):
    path, pixels, labels = sign_language_csv(tmp_path)
    assert preview(path).label == 0
    data = read_csv(path)  # no label given: the "label" column is found, not pixel784
    assert data.image_shape == (28, 28) and data.n_features == 784
    assert data.task == "multiclass" and data.class_names == ["0", "1", "2", "10", "24"]
    np.testing.assert_array_equal(data.X, pixels)
    np.testing.assert_array_equal(np.array(data.class_names, int)[data.y], labels)


def test_a_word_column_anywhere_is_the_label(tmp_path):
    path = write(tmp_path, "a,species,b\n1,setosa,2\n3,virginica,4\n5,setosa,6\n7,virginica,8\n")
    assert preview(path).label == 1
    data = read_csv(path)
    assert data.feature_names == ["a", "b"] and data.class_names == ["setosa", "virginica"]
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 6], [7, 8]])


def test_excluded_columns_are_left_out(tmp_path):
    path = write(tmp_path, "student,hours,passed\nann,3,1\nbob,1,0\ncid,4,1\ndan,0,0\n")
    with pytest.raises(DataError, match='column "student": holds words'):
        read_csv(path, label="passed")
    result = import_csv(path, label="passed", exclude=["student"])
    assert result.dataset.feature_names == ["hours"] and result.excluded == ("student",)
    np.testing.assert_array_equal(result.dataset.X, [[3], [1], [4], [0]])


def test_every_problem_is_listed_at_once_with_counts(tmp_path):
    rows = [f"{i},{i * 2},x" for i in range(40)]
    rows[3] = "3,abc,x"  # line 5
    rows[10] = "10,,y"  # line 12: missing
    rows[11] = "11,12"  # line 13: too short
    rows += [f"{i},oops,y" for i in range(30)]  # 30 more stray words
    path = write(tmp_path, "a,b,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(CsvProblemsError) as info:
        read_csv(path)
    message = str(info.value)
    first = message.splitlines()[0]
    assert first == (
        "data.csv: 33 problems (1 row with the wrong number of columns, "
        "31 cells that are not numbers, 1 missing value):"
    )
    listed = [line for line in message.splitlines() if line.startswith("  line ")]
    assert len(listed) == 20
    assert listed[:3] == [
        '  line 5, column "b": expected a number, found "abc"',
        '  line 12, column "b": missing value ("")',
        "  line 13: expected 3 columns (as in the header), found 2",
    ]
    assert "… and 13 more" in message and 'missing="drop"' in message


def test_the_dialog_words_its_own_advice(tmp_path):
    path = write(tmp_path, "a;b;label\n1;2,5;x\n3;;y\n5;6;x\n")
    table = read_table(path)
    advice = Advice(missing='choose "Drop those rows"', decimal_comma='tick "Decimal commas"')
    with pytest.raises(CsvProblemsError) as info:
        select(table, 2, advice=advice)
    assert 'tick "Decimal commas"' in str(info.value)
    assert 'choose "Drop those rows"' in str(info.value)
    assert "decimal_comma=" not in str(info.value) and 'missing="drop"' not in str(info.value)


def test_a_spreadsheet_export_imports_with_the_defaults(tmp_path):
    """Semicolons, a byte-order mark, Windows line ends, gaps, and trailing empty rows."""
    text = (
        "\ufeffname;hours;grade;passed\r\n"
        "ann;3;4.5;yes\r\nbob;1;;no\r\ncid;4;5.5;yes\r\ndan;0;2.0;no\r\n"
        ";;;\r\n;;;\r\n"
    )
    path = write(tmp_path, text)
    guess = preview(path)
    assert (guess.delimiter, guess.has_header, guess.label) == (";", True, 3)
    assert guess.word_columns == (0, 3)
    with pytest.raises(DataError, match='line 3, column "grade": missing value'):
        read_csv(path, exclude=["name"])  # the gap is a problem; the empty rows are not
    result = import_csv(path, exclude=["name"], missing="drop")
    assert result.dataset.feature_names == ["hours", "grade"]
    np.testing.assert_array_equal(result.dataset.X, [[3, 4.5], [4, 5.5], [0, 2.0]])
    assert result.dataset.class_names == ["no", "yes"] and result.dropped_rows == 1


def test_decimal_commas_are_an_option(tmp_path):
    path = write(tmp_path, "a;b;label\n1,5;2;x\n3;4,25;y\n5;6;x\n")
    with pytest.raises(DataError, match="Decimal commas"):
        read_csv(path)
    data = read_csv(path, decimal_comma=True)
    np.testing.assert_array_equal(data.X, [[1.5, 2], [3, 4.25], [5, 6]])
    comma = write(tmp_path, "a,label\n1,x\n2,y\n", "comma.csv")
    with pytest.raises(DataError, match="decimal commas need another delimiter"):
        read_csv(comma, decimal_comma=True)


def test_changing_the_label_reuses_the_parsed_table(tmp_path):
    path = write(tmp_path, "a,b,c\n1,10,0\n2,20,1\n3,30,0\n4,40,1\n")
    table = read_table(path, ReadOptions())
    path.unlink()  # from here on, nothing can read the file again
    as_c = select(table, 2).build()
    as_a = select(table, 0, task="regression").build()
    np.testing.assert_array_equal(as_c.dataset.X, [[1, 10], [2, 20], [3, 30], [4, 40]])
    np.testing.assert_array_equal(as_a.dataset.X, [[10, 0], [20, 1], [30, 0], [40, 1]])
    np.testing.assert_array_equal(as_a.dataset.y, [1, 2, 3, 4])
    assert as_c.dataset.task == "binary"


def test_building_in_place_gives_the_same_arrays_as_a_copy(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 100, (3000, 7))
    text = "\n".join(",".join(map(str, row)) for row in X)
    path = write(tmp_path, "a,b,c,d,e,f,g\n" + text + "\n")
    copied = select(read_table(path), 3, exclude=[5], task="regression").build().dataset
    in_place = select(read_table(path), 3, exclude=[5], task="regression").build(consume=True)
    np.testing.assert_array_equal(copied.X, X[:, [0, 1, 2, 4, 6]])
    np.testing.assert_array_equal(in_place.dataset.X, copied.X)
    np.testing.assert_array_equal(in_place.dataset.y, X[:, 3])


def test_progress_is_reported_and_can_stop_the_read(tmp_path):
    path = write(tmp_path, "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(3000)))
    seen = []
    read_table(path, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0, abs=0.01) and len(seen) > 5

    class Stop(Exception):
        pass

    def stop(fraction):
        raise Stop

    with pytest.raises(Stop):
        read_table(path, progress=stop)
