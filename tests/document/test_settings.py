"""Training settings have one home: defaults and rules in ``normalize_training``."""

from __future__ import annotations

import pytest

from nnstudio.document import DEFAULT_TRAINING, Document, edits, normalize_training


def test_defaults_fill_every_setting():
    assert normalize_training({}) == DEFAULT_TRAINING
    assert normalize_training(None) == DEFAULT_TRAINING
    got = normalize_training({"batch_size": 32, "early_stopping": {"enabled": True}})
    assert got["batch_size"] == 32 and got["early_stopping"]["patience"] == 20
    assert got["early_stopping"]["restore_best_weights"] is True
    assert Document(network={}).training == DEFAULT_TRAINING


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"batch_size": 0}, "training.batch_size: expected a whole number from 1"),
        ({"batch_size": True}, "training.batch_size"),
        ({"epochs": 99999999999999999999}, "training.epochs: expected a whole number from 0"),
        ({"epochs": 2.5}, "training.epochs"),
        ({"validation_ratio": 1.0}, "training.validation_ratio: expected at least 0 and below 1"),
        ({"validation_ratio": float("nan")}, "training.validation_ratio: expected a finite"),
        ({"standardize": "yes"}, "training.standardize: expected true or false"),
        ({"early_stopping": "on"}, "training.early_stopping: expected an object"),
        ({"early_stopping": [1]}, "training.early_stopping: expected an object"),
        ({"early_stopping": 3}, "training.early_stopping: expected an object"),
        ({"early_stopping": {"patience": -1}}, "training.early_stopping.patience"),
        ({"early_stopping": {"min_delta": "x"}}, "training.early_stopping.min_delta"),
        ({"bach_size": 3}, "training: unknown setting 'bach_size'; known: batch_size"),
        ([], "training: expected an object of settings"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(settings, message):
    with pytest.raises(ValueError) as info:
        normalize_training(settings)
    assert str(info.value).startswith(message)
    assert len(str(info.value)) < 200  # a 400-digit number is not repeated in full


def test_an_edit_is_checked_by_the_same_rules():
    doc = Document(network={})
    with pytest.raises(ValueError, match=r"training\.batch_size"):
        edits.SetValue(("training", "batch_size"), 0).apply(doc)
    assert doc.training == DEFAULT_TRAINING  # nothing changed
    edits.SetValue(("training", "batch_size"), 7).apply(doc)
    assert doc.training["batch_size"] == 7
