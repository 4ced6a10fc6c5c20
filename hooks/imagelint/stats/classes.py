"""Per-class summaries for the stats file: how varied each class is, in numbers a diff can show.

For every class of a split: quartiles of each numeric property, counts of cameras and formats,
object-size quartiles for detection labels, and how redundant the class is (how close each
image's pHash is to its nearest neighbour in the same class). Redundancy is measured on at most
``REDUNDANCY_SAMPLE`` images per class, the first by content md5, so the figure is the same for
the same content and its cost is bounded on large classes.
"""
from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any, Sequence

import numpy as np

from imagelint.bitcount import popcount
from imagelint.stats.properties import CATEGORICAL, NONE, NUMERIC, Profile

REDUNDANCY_SAMPLE = 2000


def spread(values: Sequence[float]) -> dict[str, float]:
    """Lower quartile, median and upper quartile (inclusive method, so one value is its own)."""
    return sorted_spread(sorted(values))


def quartile_positions(count: int) -> list[tuple[int, int]]:
    """(j, delta) of the lower quartile, median and upper quartile of ``count`` ordered values:
    each is ``(ordered[j] * (4 - delta) + ordered[j + 1] * delta) / 4``."""
    return [divmod(i * (count - 1), 4) for i in (1, 2, 3)]


def sorted_spread(ordered: Sequence[float]) -> dict[str, float]:
    """``spread`` of values already in order: ``statistics.quantiles(method="inclusive")``'s
    arithmetic on the few elements it reads (``quartile_positions``), so a sorted numpy column
    gives the same floats."""
    if len(ordered) == 1:
        return {"median": float(ordered[0]), "q1": float(ordered[0]), "q3": float(ordered[0])}
    q1, mid, q3 = ((float(ordered[j]) * (4 - delta) + float(ordered[j + 1]) * delta) / 4
                   for j, delta in quartile_positions(len(ordered)))
    return {"median": mid, "q1": q1, "q3": q3}


def class_summary(profiles: Sequence[tuple[str, Profile]], object_sizes: Sequence[float],
                  near_threshold: int) -> dict[str, Any]:
    """The summary of one class from (md5, profile) pairs of its intact images."""
    summary: dict[str, Any] = {}
    properties = {}
    for i, name in enumerate(NUMERIC):
        values = [p.numbers[i] for _, p in profiles if p.numbers[i] is not None]
        if values:
            properties[name] = spread(values)
    if properties:
        summary["properties"] = properties
    for key, name in (("cameras", "camera"), ("formats", "format")):
        i = CATEGORICAL.index(name)
        counts = Counter(p.categories[i] for _, p in profiles)
        if counts and (key == "formats" or set(counts) != {NONE}):
            summary[key] = dict(sorted(counts.items()))
    if object_sizes:
        summary["object_size"] = spread(object_sizes)
    distances = nearest_distances(sorted((md5, p.phash) for md5, p in profiles if p.phash is not None))
    summary.update(redundancy(distances, near_threshold))
    return summary


def redundancy(distances: np.ndarray, near_threshold: int) -> dict[str, Any]:
    """The redundancy entry of a class from ``nearest_distances`` (none for fewer than two hashes)."""
    if not len(distances):
        return {}
    return {"redundancy": {
        "images": len(distances),
        "median_nearest_distance": float(median(distances.tolist())),
        "near_share": float((distances <= near_threshold).mean()),
    }}


def nearest_distances(hashed: Sequence[tuple[str, int]]) -> np.ndarray:
    """Hamming distance from each of the first ``REDUNDANCY_SAMPLE`` hashes to its nearest other."""
    return hash_distances(np.array([h for _, h in hashed[:REDUNDANCY_SAMPLE]], dtype=np.uint64))


def hash_distances(hashes: np.ndarray) -> np.ndarray:
    """Hamming distance from each of ``hashes`` to its nearest other."""
    if len(hashes) < 2:
        return np.array([], dtype=np.int64)
    nearest = np.empty(len(hashes), dtype=np.int64)
    for start in range(0, len(hashes), 256):
        block = hashes[start:start + 256, None] ^ hashes[None, :]
        counts = popcount(block)  # uint8: a quarter of the memory
        rows = np.arange(len(counts))
        counts[rows, rows + start] = 65  # not its own neighbour
        nearest[start:start + len(counts)] = counts.min(axis=1)
    return nearest

