"""Dataset statistics as plain data, and the canonical text of the committed stats file.

The file is read three ways, which fixes its shape: people read it in ``git diff`` (indented
JSON, one value per line, sorted keys), ``dvc metrics`` flattens its nested dicts of numbers
(class names are keys, so ``roots.data.splits.train.classes.cat.count`` diffs per class) and
``dvc plots`` draws the one list it holds, ``per_class``. Identical input gives identical
bytes: sorted keys, 4-decimal rounding, no timestamps.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

from imagelint.config import Config
from imagelint.stats.classes import class_summary
from imagelint.stats.labels import ImageLabels
from imagelint.stats.properties import Profile
from imagelint.stats.layout import place

#: Key of the dataset at the repository root, and of the split of images outside any split.
ROOT_KEY = "(root)"  # no dot: DVC flattens metric names with dots
NO_SPLIT = "(no split)"
DECIMALS = 4


@dataclass(frozen=True)
class ImageRecord:
    """What the statistics need to know about one image; None where the bytes were unavailable."""

    path: str
    root: str
    split: str
    classes: tuple[str, ...]
    objects: tuple[tuple[str, int], ...] = ()
    md5: str | None = None
    size: int | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    profile: Profile | None = None
    object_sizes: tuple[tuple[str, float], ...] = ()


def folder_record(path: str, config: Config, **facts: Any) -> ImageRecord:
    """A record whose root, split and class come from the folder layout."""
    placement = place(path, config.layout, config.splits)
    classes = (placement.label,) if placement.label else ()
    return ImageRecord(path, placement.root, placement.split, classes, **facts)


def labelled_record(path: str, labels: ImageLabels | None, config: Config, **facts: Any) -> ImageRecord:
    """A record whose classes come from detection labels; root and split still from the layout."""
    placement = place(path, config.layout, config.splits)
    labels = labels or ImageLabels(())
    return ImageRecord(
        path, placement.root, placement.split or labels.split, labels.classes, labels.objects,
        object_sizes=labels.sizes, **facts
    )


def class_counts_stats(
    paths: Iterable[str], config: Config, labels: Mapping[str, ImageLabels] | None = None
) -> dict[str, Any]:
    """Statistics from paths alone (and ``labels`` unless classes are folders): enough for the
    balance rules."""
    if config.labels == "folders":
        return compute_stats([folder_record(path, config) for path in paths], config)
    labels = labels or {}
    return compute_stats([labelled_record(path, labels.get(path), config) for path in paths], config)


def folder_class_counts(paths: Iterable[str], config: Config) -> dict[str, Any]:
    """Only what the balance rules read (class counts per split), for folder labels."""
    return class_counts_of_folders(Counter(path.rpartition("/")[0] for path in paths), config)


def class_counts_of_folders(images: Mapping[str, int], config: Config) -> dict[str, Any]:
    """``folder_class_counts`` from the image count of each folder: every image of a folder
    shares its placement, and a commit hook cannot afford a record per image of a
    1,000,000-image dataset."""
    roots: dict[str, dict[str, Counter[str]]] = {}
    for folder, count in images.items():
        placement = place(f"{folder}/", config.layout, config.splits)
        if placement.label and count:
            splits = roots.setdefault(placement.root or ROOT_KEY, {})
            splits.setdefault(placement.split or NO_SPLIT, Counter())[placement.label] += count
    return {"roots": {
        root: {"splits": {split: {"classes": {label: {"count": n} for label, n in sorted(counts.items())}}
                          for split, counts in sorted(splits.items())}}
        for root, splits in sorted(roots.items())
    }}


def compute_stats(records: Sequence[ImageRecord], config: Config) -> dict[str, Any]:
    """The whole stats document; the order of ``records`` does not matter."""
    records = sorted(records, key=lambda r: r.path)
    with_objects = config.labels != "folders"
    copies = Counter(r.md5 for r in records if r.md5)
    roots: dict[str, dict[str, list[ImageRecord]]] = {}
    for record in records:
        split = record.split or NO_SPLIT
        roots.setdefault(record.root or ROOT_KEY, {}).setdefault(split, []).append(record)
    split_stats = {root: {split: _split_stats(items, copies, with_objects, config) for split, items in splits.items()}
                   for root, splits in roots.items()}
    totals = {**_totals(records), "classes": len({label for r in records for label in r.classes})}
    if copies:
        totals["duplicates"] = {"exact": sum(n - 1 for n in copies.values())}
    return assemble(split_stats, {root: _totals(sum(splits.values(), [])) for root, splits in roots.items()}, totals)


def assemble(split_stats: Mapping[str, Mapping[str, dict[str, Any]]], root_totals: Mapping[str, dict[str, Any]],
             totals: dict[str, Any]) -> dict[str, Any]:
    """The document from each split's stats and the totals: the part both routes share
    (records here, columns in ``stats.columns``)."""
    document: dict[str, Any] = {"per_class": [], "roots": {}}
    for root, splits in sorted(split_stats.items()):
        ordered = dict(sorted(splits.items()))
        document["roots"][root] = {**root_totals[root], "splits": ordered}
        for split, values in ordered.items():
            for label, entry in values["classes"].items():
                name = "/".join(part for part in (root, split, label) if part not in (ROOT_KEY, NO_SPLIT))
                scalars = {key: value for key, value in entry.items() if not isinstance(value, dict)}
                document["per_class"].append({"class": label, "name": name, "root": root, "split": split, **scalars})
    document["totals"] = totals
    return _canonical(document)


def _totals(records: Sequence[ImageRecord]) -> dict[str, Any]:
    return {"bytes": sum(r.size or 0 for r in records), "images": len(records)}


def _split_stats(
    records: Sequence[ImageRecord], copies: Mapping[str, int], with_objects: bool, config: Config
) -> dict[str, Any]:
    counts = Counter(label for r in records for label in r.classes)
    objects: Counter[str] = Counter()
    for r in records:
        objects.update(dict(r.objects))
    labelled = sum(counts.values())
    by_class: dict[str, list[ImageRecord]] = {}
    for r in records:
        for label in r.classes:
            by_class.setdefault(label, []).append(r)
    classes = {}
    for label, count in sorted(counts.items()):
        entry: dict[str, Any] = {"count": count, "share": count / labelled}
        if with_objects:
            entry["objects"] = objects[label]
        members = by_class[label]
        profiles = [(r.md5 or "", r.profile) for r in members if r.profile is not None]
        sizes = [size for r in members for name, size in r.object_sizes if name == label]
        entry.update(class_summary(profiles, sizes, config.near_duplicate_threshold))
        classes[label] = entry
    stats: dict[str, Any] = {
        **_totals(records),
        "classes": classes,
        "formats": dict(Counter(_format(r) for r in records)),
        "unlabelled": sum(1 for r in records if not r.classes),
    }
    if counts:
        stats["imbalance_ratio"] = max(counts.values()) / min(counts.values())
    if any(r.md5 for r in records):
        stats["duplicates"] = {"exact": sum(1 for r in records if r.md5 and copies[r.md5] > 1)}
    for side in ("width", "height"):
        values = [getattr(r, side) for r in records if getattr(r, side)]
        if values:
            stats[side] = {"max": max(values), "median": median(values), "min": min(values)}
    return stats


def _format(record: ImageRecord) -> str:
    if record.format:
        return record.format
    return "unreadable" if record.size is not None else "unavailable"


def _canonical(value: Any) -> Any:
    """Floats rounded to 4 decimals and whole numbers as integers, so the text never flickers."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        rounded = round(value, DECIMALS)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def stats_text(stats: Mapping[str, Any]) -> str:
    """The file's exact bytes (as text): indent 2, sorted keys, trailing newline."""
    return json.dumps(stats, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
