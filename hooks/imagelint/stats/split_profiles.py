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
    profiles: tuple[Profile, ...]  # of the sampled intact images, in md5 order


@dataclass(frozen=True)
class SplitProfiles:
    path: str  # the split folder findings are reported on
    classes: tuple[ClassImages, ...]


@dataclass(frozen=True)
class ClassSample:
    """The images of one class of one split that the rules judge, as hex md5s in md5 order."""

    split: str
    label: str
    md5s: tuple[str, ...]


def class_samples(groups: np.ndarray, names: Sequence[tuple[str, str]], md5: np.ndarray) -> tuple[ClassSample, ...]:
    """Each class's sample, by (split, class): row ``i`` (md5 ``md5[i]``, 16 bytes) is in the
    (split folder, class) ``names[groups[i]]``, or in none for -1."""
    sizes = np.bincount(groups[groups >= 0], minlength=len(names))
    sampled = sorted(_first_by_md5(groups, md5, sizes).items(), key=lambda item: names[item[0]])
    return tuple(ClassSample(*names[g], tuple(bytes(row).hex() for row in md5[rows])) for g, rows in sampled)


def split_profiles(samples: Sequence[ClassSample], index: FactsIndex) -> tuple[list[SplitProfiles], int]:
    """The samples' profiles grouped by split, and how many sampled images the index has no
    facts for (left out)."""
    rows = index.columns({m for sample in samples for m in sample.md5s}, PROFILE_COLUMNS)
    by_split: dict[str, list[ClassImages]] = {}
    for sample in samples:
        profiles = [profile_from_columns(rows[m]) for m in sample.md5s if m in rows]
        by_split.setdefault(sample.split, []).append(ClassImages(sample.label, tuple(p for p in profiles if p)))
    unknown = sum(m not in rows for sample in samples for m in sample.md5s)
    return [SplitProfiles(split, tuple(classes)) for split, classes in sorted(by_split.items())], unknown


def _first_by_md5(groups: np.ndarray, md5: np.ndarray, sizes: np.ndarray) -> dict[int, np.ndarray]:
    """The rows of each group with the ``CLASS_SAMPLE`` smallest md5s, in md5 order.

    md5s are uniform, so the rows whose first two bytes fall below a few times the expected
    quantile hold a group's sample; a group that gets too few this way is sorted in full.
    """
    prefix = (md5[:, 0].astype(np.uint32) << 8) | md5[:, 1]
    share = np.minimum(1.0, 4.0 * CLASS_SAMPLE / np.maximum(sizes, 1))
    limit = np.where(share >= 1.0, 1 << 16, np.ceil(share * (1 << 16))).astype(np.uint32)
    valid = groups >= 0
    candidates = np.flatnonzero(valid & (prefix <= limit[np.where(valid, groups, 0)]))
    found = {}
    for g in np.flatnonzero(sizes).tolist():
        rows = candidates[groups[candidates] == g]
        if len(rows) < min(CLASS_SAMPLE, sizes[g]):
            rows = np.flatnonzero(groups == g)
        order = np.lexsort((np.ascontiguousarray(md5[rows, 8:]).view(">u8").ravel(),
                            np.ascontiguousarray(md5[rows, :8]).view(">u8").ravel()))
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
