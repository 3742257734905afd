"""Long tooltips wrap (as escaped rich text); short ones and file strings stay as they are."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from nnstudio.gui import tooltips


@pytest.fixture
def wrapping(qapp):
    tooltips.install(qapp)
    tooltips.install(qapp)  # a second call adds no second filter
    yield
    tooltips.uninstall(qapp)


def test_long_tooltips_wrap_and_stay_plain_text(qtbot, wrapping):
    label = QLabel()
    qtbot.addWidget(label)
    label.setToolTip("Short tip")
    assert label.toolTip() == "Short tip"
    long = "The learning rate <b>scales</b> every step & " + "word " * 30
    label.setToolTip(long)
    text = label.toolTip()
    assert text.startswith(tooltips.PREFIX) and text.endswith("</p>")
    assert "&lt;b&gt;scales&lt;/b&gt;" in text and "&amp;" in text  # shown, never obeyed
    assert text.count(tooltips.PREFIX) == 1
    label.setToolTip("first line of a long tip " * 3 + "\nsecond line")
    assert "<br>second line" in label.toolTip()


def test_without_the_filter_tooltips_are_left_alone(qtbot, qapp):
    label = QLabel()
    qtbot.addWidget(label)
    label.setToolTip("word " * 40)
    assert label.toolTip() == "word " * 40
