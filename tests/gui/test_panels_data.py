"""The data panel, driven as a student would: pick a set, drag sliders, import a CSV."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio import examples
from nnstudio.gui.panels.data_panel import DataPanel, summary
from nnstudio.gui.undo import DocumentController


@pytest.fixture
def panel(qtbot):
    controller = DocumentController(examples.example("xor"))
    widget = DataPanel(controller)
    widget.native_dialogs = False
    widget.resize(260, 700)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def pick(panel: DataPanel, name: str) -> None:
    """Select ``name`` in the chooser, as a click in its list would."""
    index = panel.chooser.findData(name)
    assert index >= 0, name
    panel.chooser.setCurrentIndex(index)


def drag(slider, positions) -> None:
    """Press the handle, move it through ``positions``, release."""
    slider.setSliderDown(True)
    for position in positions:
        slider.setSliderPosition(position)
    slider.setSliderDown(False)


def test_choosing_a_data_set_fits_the_network_in_one_undo_step(panel):
    controller = panel.controller
    before = controller.document.copy()
    steps = controller.undo_stack.count()
    pick(panel, "iris")
    doc = controller.document
    assert doc.data["source"] == "builtin" and doc.data["name"] == "iris"
    assert doc.network["inputs"] == 4
    assert doc.network["layers"][-1]["units"] == 3
    assert doc.network["loss"] == "categorical_crossentropy"
    assert controller.undo_stack.count() == steps + 1
    assert "150 points · 4 features · 3 classes" in panel.summary.text()
    assert not panel.noise.isEnabled()  # a real data set has no noise knob
    controller.undo()
    assert doc.data == before.data and doc.network == before.network
    assert panel.chooser.currentData() == before.data["name"]


def test_the_headings_cannot_be_chosen(panel):
    heading = panel.chooser.findText("Real data sets")
    assert heading >= 0
    assert not panel.chooser.model().item(heading).isEnabled()


def test_a_noise_drag_is_one_undo_step_and_two_drags_are_two(panel):
    controller = panel.controller
    steps = controller.undo_stack.count()
    drag(panel.noise.slider, [5, 10, 20, 30])
    assert controller.document.data["noise"] == pytest.approx(0.30)
    assert panel.noise.label.text() == "30 %"
    assert controller.undo_stack.count() == steps + 1
    drag(panel.noise.slider, [35, 40])
    assert controller.undo_stack.count() == steps + 2
    controller.undo()
    assert controller.document.data["noise"] == pytest.approx(0.30)
    controller.undo()
    assert controller.document.data["noise"] == 0.0
    assert panel.noise.slider.value() == 0


def test_playground_settings_carry_over_between_playground_sets(panel):
    drag(panel.samples.slider, [300])
    pick(panel, "circle")
    assert panel.controller.document.data["n_samples"] == 300
    assert "300 points" in panel.summary.text()


def test_the_validation_slider_sets_the_training_ratio(panel):
    drag(panel.validation.slider, [30, 50])
    assert panel.controller.document.training["validation_ratio"] == pytest.approx(0.5)
    assert "train / " in panel.summary.text()


def test_typing_a_seed_draws_new_points(panel, qtbot):
    panel.seed.selectAll()
    qtbot.keyClicks(panel.seed, "42")
    qtbot.keyClick(panel.seed, Qt.Key.Key_Return)
    assert panel.controller.document.data["seed"] == 42


def test_summary_counts_the_split_like_the_trainer():
    from nnstudio.data import load

    assert summary(load("xor"), 0.2) == (
        "500 points · 2 features · 2 classes · 400 train / 100 validation"
    )


def test_importing_a_csv_embeds_it_in_the_document(panel, qtbot, tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("size,kind,weight\n1,a,0.5\n2,b,0.7\n3,a,0.1\n4,b,0.2\n")
    qtbot.mouseClick(panel.import_csv_button, Qt.MouseButton.LeftButton)
    dialog = panel.import_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.choose_csv_file = lambda: str(path)
    qtbot.mouseClick(dialog.csv_page.file.button, Qt.MouseButton.LeftButton)
    page = dialog.csv_page
    qtbot.waitUntil(lambda: not page.progress.busy, timeout=20_000)
    assert page.label.currentText() == "kind"  # the column of words, though not the last
    assert dialog.ok_button.isEnabled()
    steps = panel.controller.undo_stack.count()
    messages = []
    panel.message.connect(messages.append)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert messages and messages[-1].startswith("Imported flowers.csv: 4 rows")
    doc = panel.controller.document
    assert doc.data["source"] == "csv" and doc.data["label"] == "kind"
    assert doc.embedded["X"].tolist() == [[1, 0.5], [2, 0.7], [3, 0.1], [4, 0.2]]
    assert doc.embedded["class_names"] == ["a", "b"]
    assert doc.network["inputs"] == 2
    assert panel.controller.undo_stack.count() == steps + 1
    assert panel.chooser.currentText() == "flowers.csv"
    assert "4 points" in panel.summary.text()
    panel.controller.undo()
    assert doc.embedded is None and doc.data["name"] == "xor"
    assert panel.chooser.findText("flowers.csv") < 0


def test_a_malformed_csv_shows_the_error_and_changes_nothing(panel, qtbot, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("a,b,label\n1,2,x\n3,abc,y\n")
    before = panel.controller.document.copy()
    dialog = panel.open_import_dialog("csv")
    qtbot.keyClicks(dialog.csv_page.file.edit, str(path))
    qtbot.keyClick(dialog.csv_page.file.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.csv_page.progress.busy, timeout=20_000)
    status = dialog.csv_page.status
    assert status.is_error
    assert 'broken.csv, line 3, column "b": expected a number, found "abc"' in status.text()
    assert not dialog.ok_button.isEnabled()
    dialog.reject()
    assert panel.controller.document.data == before.data
    assert panel.controller.document.embedded is None
