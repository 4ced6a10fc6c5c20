"""How well one trivial property tells a class from the others: the scores IMG501 judges.

Numeric properties get a cross-validated predictive-power score, one class against the rest:
a histogram classifier (quantile bins learnt on three folds, each bin predicting the class
where the class is over-represented) tested on the fourth, scored by balanced accuracy, so the
baseline (always the majority, or always the class) scores 0 whatever the class sizes, and
perfect separation scores 1: ``score = 2 * balanced_accuracy - 1``, at least 0, averaged over
``REPEATS`` fixed fold assignments (one is noisy on small classes). Values come in content md5
order and the assignments are seeded, so the score is the same for the same content. Categorical properties
get Cramer's V with Bergsma's small-sample correction. Both are computed with numpy only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

FOLDS = 4
BINS = 4
REPEATS = 5


def predictive_power(values: np.ndarray, is_class: np.ndarray) -> float:
    """Cross-validated one-vs-rest predictive power of ``values`` (ordered by md5) for ``is_class``."""
    n = len(values)
    if n < 2 * FOLDS or is_class.all() or not is_class.any():
        return 0.0
    folds = (np.random.default_rng(seed).permutation(n) % FOLDS for seed in range(REPEATS))
    return float(np.mean([_one_cross_validation(values, is_class, fold) for fold in folds]))


def _one_cross_validation(values: np.ndarray, is_class: np.ndarray, fold: np.ndarray) -> float:
    n = len(values)
    predicted = np.zeros(n, dtype=bool)
    for k in range(FOLDS):
        train, test = fold != k, fold == k
        x, y = values[train], is_class[train]
        if y.all() or not y.any():
            return 0.0
        edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1)[1:-1]))
        train_bin = np.searchsorted(edges, x, side="right")
        inside = np.bincount(train_bin[y], minlength=len(edges) + 1) / y.sum()
        outside = np.bincount(train_bin[~y], minlength=len(edges) + 1) / (~y).sum()
        predicted[test] = (inside > outside)[np.searchsorted(edges, values[test], side="right")]
    sensitivity = predicted[is_class].mean()
    specificity = (~predicted[~is_class]).mean()
    return max(0.0, float(sensitivity + specificity - 1))


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
