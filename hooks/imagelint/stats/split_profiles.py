"""The dataset side of the shortcut and diversity rules: per split, each class's image profiles.

Read from the index by content md5, never decoded. Each class contributes at most
``CLASS_SAMPLE`` images, the first by md5, so the rules cost the same on a class of 1,000 or
100,000 images and give the same answer for the same content.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

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


def split_profiles(placed: Iterable[tuple[str, str, str]], index: FactsIndex) -> list[SplitProfiles]:
    """Profiles grouped by split from (split folder, class, md5) triples, one per image."""
    groups: dict[str, dict[str, list[str]]] = {}
    for split, label, md5 in placed:
        groups.setdefault(split, {}).setdefault(label, []).append(md5)
    sampled = {split: {label: sorted(md5s)[:CLASS_SAMPLE] for label, md5s in classes.items()}
               for split, classes in groups.items()}
    rows = index.columns({md5 for classes in sampled.values() for md5s in classes.values() for md5 in md5s},
                         PROFILE_COLUMNS)
    result = []
    for split, classes in sorted(sampled.items()):
        entries = []
        for label, md5s in sorted(classes.items()):
            profiles = [profile_from_columns(rows[md5]) for md5 in md5s if md5 in rows]
            entries.append(ClassImages(label, len(groups[split][label]), tuple(p for p in profiles if p)))
        result.append(SplitProfiles(split, tuple(entries)))
    return result


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
