"""The dataset side of the shortcut and diversity rules: per split, each class's image profiles.

Read from the index by content md5, never decoded. Each class contributes at most
``CLASS_SAMPLE`` images, the first by md5, so the rules cost the same on a class of 1,000 or
100,000 images and give the same answer for the same content. The sample is chosen over md5
columns, so a 1,000,000-image dataset needs no string per image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from imagelint.facts.index import FactsIndex
from imagelint.stats.properties import PROFILE_COLUMNS, Profile, profile_from_columns

CLASS_SAMPLE = 400


@dataclass(frozen=True)
class ClassImages:
    label: str
    images: int  # in the split, before sampling
    profiles: tuple[Profile, ...]  # of the sampled intact images, in md5 order


@dataclass(frozen=True)
class SplitProfiles:
    path: str  # the split folder findings are reported on
    classes: tuple[ClassImages, ...]


def split_profiles(groups: np.ndarray, names: Sequence[tuple[str, str]], md5: np.ndarray,
                   index: FactsIndex) -> list[SplitProfiles]:
    """Profiles grouped by split: row ``i`` (md5 ``md5[i]``, 16 bytes) is in the (split folder,
    class) ``names[groups[i]]``, or in none for -1."""
    sizes = np.bincount(groups[groups >= 0], minlength=len(names))
    sampled = {g: [bytes(row).hex() for row in md5[rows]] for g, rows in _first_by_md5(groups, md5, sizes).items()}
    rows = index.columns({m for md5s in sampled.values() for m in md5s}, PROFILE_COLUMNS)
    by_split: dict[str, list[ClassImages]] = {}
    for g in sorted(sampled, key=lambda g: names[g]):
        split, label = names[g]
        profiles = [profile_from_columns(rows[m]) for m in sampled[g] if m in rows]
        by_split.setdefault(split, []).append(ClassImages(label, int(sizes[g]), tuple(p for p in profiles if p)))
    return [SplitProfiles(split, tuple(classes)) for split, classes in sorted(by_split.items())]


def _first_by_md5(groups: np.ndarray, md5: np.ndarray, sizes: np.ndarray) -> dict[int, np.ndarray]:
    """The rows of each group with the ``CLASS_SAMPLE`` smallest md5s, in md5 order.

    md5s are uniform, so the rows whose first 8 bytes fall below a few times the expected
    quantile hold a group's sample; a group that gets too few this way is sorted in full.
    """
    key = np.ascontiguousarray(md5[:, :8]).view(">u8").ravel().astype(np.uint64)
    share = np.minimum(1.0, 4.0 * CLASS_SAMPLE / np.maximum(sizes, 1))
    limit = np.where(share >= 1.0, np.iinfo(np.uint64).max, (np.minimum(share, 0.5) * 2.0**64).astype(np.uint64))
    valid = groups >= 0
    candidates = np.flatnonzero(valid & (key <= limit[np.where(valid, groups, 0)]))
    found = {}
    for g in np.flatnonzero(sizes).tolist():
        rows = candidates[groups[candidates] == g]
        if len(rows) < min(CLASS_SAMPLE, sizes[g]):
            rows = np.flatnonzero(groups == g)
        order = np.lexsort((np.ascontiguousarray(md5[rows, 8:]).view(">u8").ravel(), key[rows]))
        found[g] = rows[order[:CLASS_SAMPLE]]
    return found


def values_of(classes: Sequence[ClassImages], position: int) -> tuple[list[float], list[str]]:
    """One numeric property's values over the classes, with the class of each; the order (md5
    within each class) is fixed by the content, so seeded folds give the same score again."""
    values, labels = [], []
    for entry in classes:
        for profile in entry.profiles:
            value = profile.numbers[position]
            if value is not None:
                values.append(value)
                labels.append(entry.label)
    return values, labels
