"""The import dialog on its own: preview, options, errors, MNIST folders."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.data import from_reference
from nnstudio.gui.panels.import_dialog import ImportDialog


@pytest.fixture
def dialog(qtbot):
    widget = ImportDialog(native_dialogs=False)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_preview_shows_the_first_rows_and_the_guessed_layout(dialog, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("x;y;label\n" + "".join(f"{i};{i * 2};{'ab'[i % 2]}\n" for i in range(20)))
    page = dialog.csv_page
    page.set_path(path)
    assert page.delimiter_value() == ";"
    assert page.header.isChecked()
    assert page.table.columnCount() == 3
    assert page.table.rowCount() == 8
    assert page.table.item(0, 1).text() == "0"
    assert page.table.horizontalHeaderItem(2).text() == "label (label)"
    assert "20 rows · 2 features · 2 classes (a, b)" in page.status.text()
    assert dialog.ok_button.isEnabled()


def test_the_reference_reloads_the_same_data(dialog, qtbot, tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i * 0.37}\n" for i in range(30)))
    page = dialog.csv_page
    page.set_path(path)
    page.task.setCurrentIndex(page.task.findText("Regression"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ImportDialog.DialogCode.Accepted
    assert dialog.dataset.task == "regression"
    again = from_reference(dialog.reference)
    np.testing.assert_array_equal(again.X, dialog.dataset.X)


def test_header_off_names_columns_by_number(dialog, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n")
    page = dialog.csv_page
    page.set_path(path)
    assert not page.header.isChecked()
    assert [page.label.itemText(i) for i in range(3)] == ["column 1", "column 2", "column 3"]
    page.header.setChecked(True)  # now "1,2,0" are names and only two rows remain
    assert page.label.itemText(0) == "1"
    assert page.table.rowCount() == 2


def test_missing_values_refused_then_dropped(dialog, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,c\n1,2,x\n3,,y\n4,5,x\n6,7,y\n")
    page = dialog.csv_page
    page.set_path(path)
    assert page.status.is_error and "missing value" in page.status.text()
    assert not dialog.ok_button.isEnabled()
    page.missing.setCurrentIndex(page.missing.findData("drop"))
    assert not page.status.is_error
    assert "1 row with missing values dropped" in page.status.text()
    assert dialog.ok_button.isEnabled()


def test_a_typed_delimiter_is_used(dialog, qtbot, tmp_path):
    path = tmp_path / "pipes.txt"
    path.write_text("a|b|c\n1|2|x\n3|4|y\n")
    page = dialog.csv_page
    page.set_path(path)
    page.delimiter.setCurrentIndex(0)  # comma: one column, refused
    assert page.status.is_error
    page.delimiter.lineEdit().selectAll()
    qtbot.keyClicks(page.delimiter.lineEdit(), "|")
    assert page.delimiter_value() == "|"
    assert not page.status.is_error
    assert page.table.columnCount() == 3


def test_an_empty_file_is_an_error_not_a_crash(dialog, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    dialog.csv_page.set_path(path)
    assert dialog.csv_page.status.is_error
    assert "empty" in dialog.csv_page.status.text()
    assert not dialog.ok_button.isEnabled()


def write_idx(path, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


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
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.dataset.X.shape == (6, 16) and dialog.dataset.image_shape == (4, 4)
    assert dialog.reference == {"source": "mnist", "folder": str(tmp_path), "kind": "train"}


def test_a_folder_without_mnist_files_says_so(dialog, tmp_path):
    dialog.tabs.setCurrentWidget(dialog.mnist_page)
    dialog.mnist_page.set_folder(tmp_path)
    assert dialog.mnist_page.status.is_error
    assert not dialog.ok_button.isEnabled()
