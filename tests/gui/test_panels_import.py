"""The import dialog driven as a student would: choose a file, read the preview, fix the
choices, import. Files are generated in each test."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.data import from_reference
from nnstudio.gui.panels import import_csv_page
from nnstudio.gui.panels.import_dialog import ImportDialog


@pytest.fixture
def dialog(qtbot):
    widget = ImportDialog(native_dialogs=False)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.done(ImportDialog.DialogCode.Rejected)  # stops any reading still going on


def open_file(page, qtbot, path) -> None:
    """Choose ``path`` and wait until the whole file has been read in the background."""
    page.set_path(path)
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)


def import_now(dialog, qtbot) -> None:
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_preview_shows_the_first_rows_and_the_guessed_layout(dialog, qtbot, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("x;y;label\n" + "".join(f"{i};{i * 2};{'ab'[i % 2]}\n" for i in range(20)))
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert page.delimiter_value() == ";"
    assert page.header.isChecked()
    view = page.table_view
    assert view.columnCount() == 3 and view.rowCount() == 1 + 8  # the "use" row, 8 rows
    assert view.item(1, 1).text() == "0"
    assert view.horizontalHeaderItem(2).text() == "label (label)"
    assert "20 rows · 2 features · 2 classes (a, b)" in page.status.text()
    assert dialog.ok_button.isEnabled()


def sign_language_csv(tmp_path, n_rows=40):
    rng = np.random.default_rng(3)
    labels = np.array([0, 1, 2, 10, 24])[np.arange(n_rows) % 5]
    pixels = rng.integers(0, 256, (n_rows, 784))
    header = "label," + ",".join(f"pixel{i + 1}" for i in range(784))
    lines = [",".join(map(str, [lab, *row])) for lab, row in zip(labels, pixels, strict=True)]
    path = tmp_path / "sign_mnist_train.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n")
    return path, pixels, labels


def test_sign_language_mnist_imports_right_with_the_defaults(dialog, qtbot, tmp_path):
    path, pixels, labels = sign_language_csv(tmp_path)
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert page.label.currentText() == "label"  # not pixel784
    assert "images of 28×28 pixels · 5 classes (0, 1, 2, 10, 24)" in page.status.text()
    import_now(dialog, qtbot)
    data = dialog.dataset
    assert data.task == "multiclass" and data.image_shape == (28, 28)
    np.testing.assert_array_equal(data.X, pixels)
    np.testing.assert_array_equal(np.array(data.class_names, int)[data.y], labels)
    assert dialog.reference["label"] == "label"
    np.testing.assert_array_equal(from_reference(dialog.reference).X, pixels)


def test_a_spreadsheet_export_imports_right_with_the_defaults(dialog, qtbot, tmp_path):
    """Byte-order mark, semicolons, CRLF, a name column, empty rows between and after."""
    path = tmp_path / "class.csv"
    rows = ["ann;3;4.5;yes", "bob;1;2.0;no", ";;;", "cid;4;5.5;yes", "dan;0;1.5;no"]
    text = "\ufeffname;hours;grade;passed\r\n" + "\r\n".join(rows) + "\r\n;;;\r\n;;;\r\n"
    path.write_bytes(text.encode("utf-8"))
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert page.delimiter_value() == ";" and page.header.isChecked()
    assert page.label.currentText() == "passed"
    assert page.table_view.item(0, 0).checkState() == Qt.CheckState.Unchecked  # name: left out
    assert not page.status.is_error, page.status.text()
    assert "1 column left out (name)" in page.status.text()
    import_now(dialog, qtbot)
    data = dialog.dataset
    assert data.feature_names == ["hours", "grade"] and data.class_names == ["no", "yes"]
    np.testing.assert_array_equal(data.X, [[3, 4.5], [1, 2.0], [4, 5.5], [0, 1.5]])
    assert dialog.reference["exclude"] == ["name"]
    np.testing.assert_array_equal(from_reference(dialog.reference).X, data.X)


def test_a_ticked_off_column_is_left_out(dialog, qtbot, tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,a,b,label\n" + "".join(f"{100 + i},{i},{i % 3},{i % 2}\n" for i in range(12))
    )
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert "3 features" in page.status.text()
    page.use_column(0, False)
    assert "2 features" in page.status.text() and "left out (id)" in page.status.text()
    import_now(dialog, qtbot)
    assert dialog.dataset.feature_names == ["a", "b"]


def test_every_problem_is_shown_at_once_in_the_dialogs_words(dialog, qtbot, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,c\n1,2,x\n3,,y\n4,five,x\n6,7,y\n8,9\n")
    page = dialog.csv_page
    open_file(page, qtbot, path)
    text = page.status.text()
    assert page.status.is_error and text.startswith("gaps.csv: 3 problems")
    assert 'line 3, column "b": missing value' in text
    assert 'line 4, column "b": expected a number, found "five"' in text
    assert "line 6: expected 3 columns" in text
    assert 'choose "Drop those rows" under Missing values' in text
    assert 'missing="drop"' not in text
    assert not dialog.ok_button.isEnabled()


def test_missing_values_refused_then_dropped(dialog, qtbot, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,c\n1,2,x\n3,,y\n4,5,x\n6,7,y\n")
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert page.status.is_error and "missing value" in page.status.text()
    page.missing.setCurrentIndex(page.missing.findData("drop"))
    assert not page.status.is_error
    assert "1 row with missing values left out" in page.status.text()
    assert dialog.ok_button.isEnabled()


def test_changing_the_label_does_not_read_the_file_again(dialog, qtbot, tmp_path):
    path = tmp_path / "three.csv"
    path.write_text("a,b,c\n" + "".join(f"{i},{i * 3},{i % 2}\n" for i in range(30)))
    page = dialog.csv_page
    open_file(page, qtbot, path)
    path.unlink()  # a re-read would now fail
    page.label.setCurrentIndex(0)
    page.task.setCurrentIndex(page.task.findText("Regression"))
    assert not page.progress.busy and not page.status.is_error
    assert "2 features · regression target" in page.status.text()
    import_now(dialog, qtbot)
    np.testing.assert_array_equal(dialog.dataset.y, np.arange(30))


def test_enter_in_the_path_field_previews_and_never_imports(dialog, qtbot, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(10)))
    page = dialog.csv_page
    page.file.edit.setFocus()
    qtbot.keyClicks(page.file.edit, str(path))
    qtbot.keyClick(page.file.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.table is not None, timeout=20_000)
    assert page.table_view.rowCount() == 1 + 8  # the preview: the use row and 8 rows
    qtbot.keyClick(page.file.edit, Qt.Key.Key_Return)  # again, now that Import is enabled
    assert dialog.ok_button.isEnabled()
    assert dialog.isVisible() and dialog.dataset is None


def test_decimal_commas_are_an_option(dialog, qtbot, tmp_path):
    path = tmp_path / "de.csv"
    path.write_text("a;b;label\n1,5;2;x\n3;4,25;y\n5;6;x\n")
    page = dialog.csv_page
    open_file(page, qtbot, path)
    assert page.status.is_error and 'tick "Decimal commas"' in page.status.text()
    page.decimal_comma.setChecked(True)
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)
    assert not page.status.is_error
    import_now(dialog, qtbot)
    np.testing.assert_array_equal(dialog.dataset.X, [[1.5, 2], [3, 4.25], [5, 6]])
    assert dialog.reference["decimal_comma"] is True


def test_reading_can_be_cancelled(dialog, qtbot, tmp_path, monkeypatch):
    def endless(path, options, progress):
        while True:  # a file that never ends; stops only when Cancel raises in progress()
            progress(0.5)
            time.sleep(0.005)

    monkeypatch.setattr(import_csv_page, "read_table", endless)
    path = tmp_path / "big.csv"
    path.write_text("a,b\n1,2\n")
    page = dialog.csv_page
    page.set_path(path)
    assert page.progress.busy and page.progress.isVisible()
    qtbot.mouseClick(page.progress.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=10_000)
    assert "Reading stopped" in page.status.text() and not page.progress.isVisible()
    assert not dialog.ok_button.isEnabled()


def test_a_typed_delimiter_is_used(dialog, qtbot, tmp_path):
    path = tmp_path / "pipes.txt"
    path.write_text("a|b|c\n1|2|x\n3|4|y\n")
    page = dialog.csv_page
    open_file(page, qtbot, path)
    page.delimiter.setCurrentIndex(0)  # comma: one column, refused
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)
    assert page.status.is_error
    page.delimiter.lineEdit().selectAll()
    qtbot.keyClicks(page.delimiter.lineEdit(), "|")
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)
    assert page.delimiter_value() == "|"
    assert not page.status.is_error, page.status.text()
    assert page.table_view.columnCount() == 3


def test_an_empty_file_is_an_error_not_a_crash(dialog, qtbot, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    dialog.csv_page.set_path(path)
    assert dialog.csv_page.status.is_error
    assert "empty" in dialog.csv_page.status.text()
    assert not dialog.ok_button.isEnabled()


def write_idx(path, array: np.ndarray, cut: int = 0) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(data[: len(data) - cut])


def test_an_mnist_folder_lists_its_files_and_loads(qtbot, tmp_path):
    images = np.arange(6 * 4 * 4).reshape(6, 4, 4) % 256
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 2, 1, 0, 2]))
    dialog = ImportDialog(kind="mnist", native_dialogs=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.ok_button.isEnabled()
    dialog.choose_folder = lambda: str(tmp_path)
    qtbot.mouseClick(dialog.mnist_page.file.button, Qt.MouseButton.LeftButton)
    listing = dialog.mnist_page.listing.text()
    assert "train-images: 6 images of 4×4 pixels" in listing
    assert "t10k-images: not found" in listing
    assert dialog.mnist_page.kind.currentText() == "Training set (6 images)"
    import_now(dialog, qtbot)
    assert dialog.dataset.X.shape == (6, 16) and dialog.dataset.image_shape == (4, 4)
    assert dialog.reference == {"source": "mnist", "folder": str(tmp_path), "kind": "train"}


def test_after_a_failed_mnist_load_the_tab_works_again(qtbot, tmp_path):
    images = np.arange(6 * 4 * 4).reshape(6, 4, 4) % 256
    write_idx(tmp_path / "train-images-idx3-ubyte", images, cut=5)  # the data is cut short
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 2, 1, 0, 2]))
    dialog = ImportDialog(kind="mnist", native_dialogs=False)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.mnist_page
    page.set_folder(tmp_path)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)
    assert page.status.is_error and "truncated" in page.status.text()
    assert dialog.isVisible() and dialog.ok_button.isEnabled()  # ready for another try
    write_idx(tmp_path / "train-images-idx3-ubyte", images)  # the student fixes the file
    import_now(dialog, qtbot)
    assert not page.status.is_error
    assert dialog.dataset.X.shape == (6, 16)


def test_a_folder_without_mnist_files_says_so(dialog, tmp_path):
    dialog.tabs.setCurrentWidget(dialog.mnist_page)
    dialog.mnist_page.set_folder(tmp_path)
    assert dialog.mnist_page.status.is_error
    assert not dialog.ok_button.isEnabled()
