"""The training settings bar, driven as a student would: type, drag, choose, tick."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox

from nnstudio import examples
from nnstudio.document import edits
from nnstudio.engine.optimizers import OPTIMIZERS
from nnstudio.gui.panels.training_settings import TrainingSettings
from nnstudio.gui.undo import DocumentController


@pytest.fixture(params=["bar", "form"])
def bar(qtbot, request):
    controller = DocumentController(examples.example("xor"))
    controller.push(
        edits.SetValue(("network", "optimizer"), {"name": "sgd", "learning_rate": 0.03})
    )
    widget = TrainingSettings(controller, layout=request.param)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def type_into(qtbot, widget, text: str) -> None:
    """Select what is there, type ``text``, press Enter."""
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def optimizer(bar: TrainingSettings) -> dict:
    return bar.controller.document.network["optimizer"]


def test_a_typed_learning_rate_reaches_the_document_and_moves_the_slider(bar, qtbot):
    field, slider = bar.learning_rate.field, bar.learning_rate.slider
    type_into(qtbot, field, "0.3")
    assert optimizer(bar)["learning_rate"] == 0.3
    assert slider.float_value() == 0.3
    type_into(qtbot, field, "0.0007")  # between stops: kept exactly, slider at the nearest
    assert optimizer(bar)["learning_rate"] == 0.0007
    assert slider.float_value() == 0.0005


def test_a_bad_learning_rate_is_refused_with_a_reason(bar, qtbot):
    type_into(qtbot, bar.learning_rate.field, "fast")
    assert optimizer(bar)["learning_rate"] == 0.03
    assert "not a number" in bar.error.text()
    assert bar.learning_rate.field.text() == "fast"  # kept to be corrected, not replaced
    type_into(qtbot, bar.learning_rate.field, "-1")
    assert optimizer(bar)["learning_rate"] == 0.03
    assert "expected a number above 0" in bar.error.text()


def test_a_very_large_learning_rate_is_used_with_a_warning(bar, qtbot):
    type_into(qtbot, bar.learning_rate.field, "20")
    assert optimizer(bar)["learning_rate"] == 20  # the "too large" lesson can be run
    assert "very large" in bar.error.text() and bar.error.isVisibleTo(bar)
    bar.controller.undo()
    assert optimizer(bar)["learning_rate"] == 0.03
    assert not bar.error.isVisibleTo(bar)  # the warning went with the value


def test_dragging_the_learning_rate_is_one_undo_step(bar):
    controller, slider = bar.controller, bar.learning_rate.slider
    steps = controller.undo_stack.count()
    start = slider.value()
    slider.setSliderDown(True)
    for position in (start + 1, start + 2, start + 3):
        slider.setSliderPosition(position)
    slider.setSliderDown(False)
    assert controller.undo_stack.count() == steps + 1
    assert optimizer(bar)["learning_rate"] == slider.stops[start + 3] == 0.2
    assert bar.learning_rate.field.text() == "0.2"
    controller.undo()
    assert optimizer(bar)["learning_rate"] == 0.03
    assert bar.learning_rate.field.text() == "0.03"


def test_the_slider_is_logarithmic_from_1e_5_to_10(bar):
    stops = bar.learning_rate.slider.stops
    assert stops[0] == 1e-5 and stops[-1] == 10.0
    assert stops[:5] == [1e-5, 2e-5, 3e-5, 5e-5, 1e-4]


def test_another_optimizer_rebuilds_its_settings_and_keeps_the_learning_rate(bar):
    bar.more.click()
    assert bar.hyper_box.isVisible()
    assert set(bar.hyper_widgets) == {"momentum", "dampening", "nesterov", "weight_decay"}
    bar.optimizer.setCurrentIndex(bar.optimizer.findData("adam"))
    assert optimizer(bar) == {"name": "adam", "learning_rate": 0.03}
    adam = OPTIMIZERS.get("adam").defaults
    assert set(bar.hyper_widgets) == set(adam) - {"learning_rate"}
    betas = [spin.value() for spin in bar.hyper_widgets["betas"].spins]
    assert betas == pytest.approx(list(adam["betas"]))
    assert bar.hyper_widgets["eps"].text() == "1e-08"
    assert not bar.hyper_widgets["amsgrad"].isChecked()
    assert "running averages" in bar.hyper_widgets["betas"].toolTip()


def test_hyper_parameters_are_edits_and_bad_combinations_are_explained(bar, qtbot):
    momentum = bar.hyper_widgets["momentum"]
    assert isinstance(momentum, QDoubleSpinBox)
    type_into(qtbot, momentum.lineEdit(), "0.9")
    assert optimizer(bar)["momentum"] == pytest.approx(0.9)
    bar.hyper_widgets["dampening"].setValue(0.5)
    nesterov = bar.hyper_widgets["nesterov"]
    assert isinstance(nesterov, QCheckBox)
    nesterov.click()  # Nesterov needs dampening 0: refused, and the box unticks itself
    assert "Nesterov" in bar.error.text()
    assert not nesterov.isChecked()
    assert "nesterov" not in optimizer(bar)


def test_epochs_zero_reads_until_stopped(bar, qtbot):
    type_into(qtbot, bar.epochs.lineEdit(), "0")
    assert bar.controller.document.training["epochs"] == 0
    assert bar.epochs.text() == "until stopped"


def test_training_switches_and_numbers(bar, qtbot):
    doc = bar.controller.document
    type_into(qtbot, bar.batch_size.lineEdit(), "32")
    assert doc.training["batch_size"] == 32
    bar.early_stopping.click()
    assert doc.training["early_stopping"]["enabled"] is True
    assert bar.patience.isEnabled()
    type_into(qtbot, bar.patience.lineEdit(), "5")
    assert doc.training["early_stopping"]["patience"] == 5
    standardized = doc.training["standardize"]
    bar.standardize.click()
    assert doc.training["standardize"] is (not standardized)
    type_into(qtbot, bar.validation.lineEdit(), "30")
    assert doc.training["validation_ratio"] == pytest.approx(0.3)
    type_into(qtbot, bar.seed.lineEdit(), "7")
    assert doc.network["seed"] == 7


def test_the_loss_warning_follows_the_network(bar):
    assert not bar.loss_warning.isVisibleTo(bar)
    bar.loss.setCurrentIndex(bar.loss.findData("categorical_crossentropy"))
    assert bar.controller.document.network["loss"] == "categorical_crossentropy"
    assert bar.loss_warning.isVisibleTo(bar)
    assert "softmax" in bar.loss_warning.toolTip()
    bar.controller.undo()
    assert not bar.loss_warning.isVisibleTo(bar)
    assert bar.loss.currentData() == "binary_crossentropy"


def test_losses_explain_themselves(bar):
    index = bar.loss.findData("mse")
    assert "(p - t)^2" in bar.loss.itemData(index, Qt.ItemDataRole.ToolTipRole)


def test_a_replaced_document_is_shown(bar):
    doc = examples.example("xor")
    doc.training["batch_size"] = 99
    bar.controller.set_document(doc)
    assert bar.batch_size.value() == 99


def test_an_unknown_layout_is_refused(qtbot):
    with pytest.raises(ValueError, match="bar"):
        TrainingSettings(DocumentController(), layout="sideways")
