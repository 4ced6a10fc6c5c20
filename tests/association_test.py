"""The scores behind IMG501, on toy data whose answer is known."""
from __future__ import annotations

import numpy as np

from imagelint.rules.association import cramers_v, predictive_power


def test_an_unrelated_property_scores_near_zero_even_with_a_90_percent_majority() -> None:
    rng = np.random.default_rng(1)
    classes = (np.arange(400) % 10 == 0).astype(int)  # class 1 is 10%: guessing the majority is 90% right
    scores = predictive_power(rng.random(400), classes, 2)
    assert scores.max() < 0.2  # the cleanlab baseline bug would make this look predictive


def test_a_separating_property_scores_one_for_that_class() -> None:
    classes = np.repeat([0, 1, 2], 40)
    values = np.where(classes == 2, 0.9, 0.2) + np.random.default_rng(0).random(120) * 0.1
    scores = predictive_power(values, classes, 3)
    assert scores[2] > 0.95 and scores[0] < 0.6 and scores[1] < 0.6  # 0 and 1 overlap: a cut finds neither


def test_a_constant_property_or_a_single_class_scores_zero() -> None:
    assert predictive_power(np.full(50, 0.5), np.repeat([0, 1], 25), 2).tolist() == [0.0, 0.0]
    assert predictive_power(np.arange(50.0), np.zeros(50, dtype=int), 1).tolist() == [0.0]


def test_cramers_v_is_zero_for_independence_and_one_for_identity() -> None:
    labels = ["a", "b"] * 50
    assert cramers_v(["JPEG"] * 100, labels) == 0
    assert cramers_v(["JPEG", "PNG"] * 50, labels) == 1
    rng = np.random.default_rng(2)
    assert cramers_v(list(rng.choice(["x", "y", "z"], 100)), labels) < 0.2
