"""How well one trivial property tells a class from the others: the scores IMG501 judges.

Numeric properties get a cross-validated predictive-power score, one class against the rest:
a decision stump (the one cut of the values among 64 quantiles, and the side, that best tells
the class from the rest on three folds) tested on the fourth, scored by balanced accuracy, so the baseline
(always the majority, or always the class) scores 0 whatever the class sizes, and perfect
separation scores 1: ``score = 2 * balanced_accuracy - 1``, at least 0, averaged over
``REPEATS`` fixed fold assignments (one is noisy on small classes). Values come in content md5
order and the assignments are seeded, so the score is the same for the same content. Categorical properties
get Cramer's V with Bergsma's small-sample correction. Both are computed with numpy only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

FOLDS = 4
REPEATS = 5
#: Candidate cuts of the stump: quantiles of the training values.
CUTS = 64


def predictive_power(values: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Cross-validated one-vs-rest predictive power of ``values`` for each class (``classes``
    holds class indices 0..n_classes-1, values in md5 order); one score per class, 0 to 1."""
    n = len(values)
    if n < 2 * FOLDS or n_classes < 2:
        return np.zeros(n_classes)
    scores = [_one_cross_validation(values, classes, n_classes, np.random.default_rng(seed).permutation(n) % FOLDS)
              for seed in range(REPEATS)]
    return np.mean(scores, axis=0)


def _one_cross_validation(values: np.ndarray, classes: np.ndarray, n_classes: int, fold: np.ndarray) -> np.ndarray:
    """Every class at once: on the training folds, the cut among ``CUTS`` quantiles of the values
    (and the side) that best tells the class from the rest; scored on the held-out fold. Counts
    are cumulative histograms, so the cost is linear in the images plus cuts x classes."""
    hits = np.zeros((2, n_classes))  # test images of the class predicted as the class / all of them
    false = np.zeros((2, n_classes))  # test images of other classes predicted as the class / all of them
    everyone = np.arange(n_classes)
    for k in range(FOLDS):
        train, test = fold != k, fold == k
        edges = np.unique(np.quantile(values[train], np.linspace(0, 1, CUTS + 1)[1:-1]))
        below_train = _cumulative(edges, values[train], classes[train], n_classes)  # [cut, class]: below the cut
        below_test = _cumulative(edges, values[test], classes[test], n_classes)
        inside, outside = below_train[-1], below_train[-1].sum() - below_train[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = np.nan_to_num(below_train / inside - (below_train.sum(axis=1, keepdims=True) - below_train) / outside)
        best = np.abs(gain).argmax(axis=0)
        is_below = gain[best, everyone] > 0
        own_total, other_total = below_test[-1], below_test[-1].sum() - below_test[-1]
        own_below = below_test[best, everyone]
        other_below = below_test[best].sum(axis=1) - own_below
        hits += [np.where(is_below, own_below, own_total - own_below), own_total]
        false += [np.where(is_below, other_below, other_total - other_below), other_total]
    with np.errstate(divide="ignore", invalid="ignore"):
        score = hits[0] / hits[1] - false[0] / false[1]
    return np.clip(np.nan_to_num(score), 0.0, 1.0)


def _cumulative(edges: np.ndarray, values: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Row i: images of each class below cut i (the i-th edge); the last row is every image."""
    bins = np.searchsorted(edges, values, side="left")
    table = np.bincount(bins * n_classes + classes, minlength=(len(edges) + 1) * n_classes)
    return np.cumsum(table.reshape(len(edges) + 1, n_classes), axis=0).astype(float)


def cramers_v(categories: Sequence[str], labels: Sequence[str]) -> float:
    """Bias-corrected Cramer's V between a categorical property and the class (0 to 1)."""
    rows, row_index = np.unique(np.asarray(categories), return_inverse=True)
    columns, column_index = np.unique(np.asarray(labels), return_inverse=True)
    n = len(categories)
    if len(rows) < 2 or len(columns) < 2 or n < 2:
        return 0.0
    table = np.zeros((len(rows), len(columns)))
    np.add.at(table, (row_index, column_index), 1)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    r, k = len(rows), len(columns)
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r_corrected, k_corrected = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denominator = min(k_corrected - 1, r_corrected - 1)
    return float(min(1.0, (phi2 / denominator) ** 0.5)) if denominator > 0 else 0.0
