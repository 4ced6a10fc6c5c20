"""Balance rules (4xx): class sizes within each split, and the committed stats file.

They read the stats document (``imagelint.stats.document``), never images, and report on the split
folder (``data/train``) so a finding points where images should be added.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from imagelint.config import Config
from imagelint.findings import Finding, Severity
from imagelint.rules import Rule
from imagelint.stats.document import NO_SPLIT, ROOT_KEY

E, W = Severity.ERROR, Severity.WARNING

CLASS_COUNT = Rule("IMG401", "class-count", W, "A class with too few images in a split.", """
What: counts the images of each class in each split (classes from the folder layout, or from
YOLO / COCO labels with 'labels') and flags a class below 'min-class-images'.
Why: collection guidance asks for at least 50 images per class; fewer rarely trains a class
the model recognises reliably, and a test split that small measures noise.
Options: min-class-images (default 50), layout, splits, labels.
A commit hears about the classes it adds or changes images in; 'check --all' about every class.
Fix: add images of that class, or merge it into a related class.
""")
CLASS_RATIO = Rule("IMG402", "class-ratio", W, "The largest class of a split is too many times the smallest.", """
What: divides the image count of the largest class of a split by that of the smallest and
flags a ratio above 'max-class-ratio'.
Why: guidance asks for the largest class to be at most twice the smallest; beyond that a model
learns the majority class first and the minority class's recall suffers.
Options: max-class-ratio (default 2.0), layout, splits, labels.
A commit hears about the splits it adds or changes images in; 'check --all' about every split.
Fix: add images to the small class, or sample the large class down (or weight classes in training).
""")
STATS_OUTDATED = Rule("IMG403", "stats-outdated", E, "The committed stats file does not match the dataset.", """
What: 'imagelint stats --check' recomputes the stats file (default dataset-stats.json) for the
state being checked and compares it with the committed (or staged) copy.
Why: every pull request should show how the dataset moved; a stale file hides that.
Options: stats-file.
Fix: run 'imagelint stats' and commit the file it writes (the imagelint-stats hook does this at
every commit).
""")

RULES = [CLASS_COUNT, CLASS_RATIO, STATS_OUTDATED]


def split_folder(root: str, split: str) -> str:
    """The path a split's findings are reported on: ``data/train``, ``train``, or ``.``."""
    parts = [part for part in (root, split) if part not in (ROOT_KEY, NO_SPLIT, "")]
    return "/".join(parts) or "."


@dataclass(frozen=True)
class BalanceScope:
    """The split folders and (split folder, class) pairs a change touches: a commit hears about
    the balance of what it changed, not every old imbalance of the dataset."""

    splits: frozenset[str]
    classes: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, placements: Iterable[tuple[str, str, Iterable[str]]]) -> BalanceScope:
        """From (root, split, classes) of each touched image, as the stats document keys them."""
        splits, classes = set(), set()
        for root, split, labels in placements:
            folder = split_folder(root, split)
            splits.add(folder)
            classes.update((folder, label) for label in labels)
        return cls(frozenset(splits), frozenset(classes))


def _splits(stats: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for root, root_stats in sorted(stats.get("roots", {}).items()):
        for split, split_stats in sorted(root_stats.get("splits", {}).items()):
            yield split_folder(root, split), split_stats


def balance_findings(stats: Mapping[str, Any], config: Config, scope: BalanceScope | None = None) -> list[Finding]:
    """IMG401 and IMG402 for every split of the stats document, or for those ``scope`` holds."""
    findings = []
    for path, split_stats in _splits(stats):
        if scope is not None and path not in scope.splits:
            continue
        counts = {label: entry["count"] for label, entry in split_stats.get("classes", {}).items()}
        for label, count in sorted(counts.items()):
            if scope is not None and (path, label) not in scope.classes:
                continue
            if count < config.min_class_images:
                findings.append(Finding(
                    path, CLASS_COUNT.code, CLASS_COUNT.name, CLASS_COUNT.severity,
                    f"class '{label}' has {count} image{'' if count == 1 else 's'}, fewer than the "
                    f"{config.min_class_images} recommended per class: add images or merge classes",
                ))
        if len(counts) < 2:
            continue
        largest = max(counts, key=lambda label: (counts[label], label))
        smallest = min(counts, key=lambda label: (counts[label], label))
        ratio = counts[largest] / counts[smallest]
        if ratio > config.max_class_ratio:
            findings.append(Finding(
                path, CLASS_RATIO.code, CLASS_RATIO.name, CLASS_RATIO.severity,
                f"class '{largest}' has {counts[largest]} images, {ratio:.1f}x the {counts[smallest]} of "
                f"class '{smallest}' (at most {config.max_class_ratio:g}x recommended): add images to "
                f"'{smallest}' or sample '{largest}' down",
            ))
    return findings


def outdated_finding(stats_file: str, reason: str) -> Finding:
    """IMG403 on the stats file; ``reason`` says what differs."""
    return Finding(
        stats_file, STATS_OUTDATED.code, STATS_OUTDATED.name, STATS_OUTDATED.severity,
        f"{reason}: run 'imagelint stats' and commit the file",
    )
