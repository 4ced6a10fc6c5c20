"""Is a committed stats file true to the dataset at its revision? Checked from paths alone.

A pull request that changes the data but not the stats file would otherwise be reported from
the stale file as "+0 images". Class counts need only the dataset's paths (git trees and DVC
manifests), never a pixel, so they are recounted at the revision and compared with the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from imagelint.config import Config


@dataclass(frozen=True)
class Verdict:
    """``matches`` is None when the dataset at the revision could not be listed; ``problem`` says why."""

    matches: bool | None
    listed: int = 0
    problem: str = ""


def class_counts(stats: Mapping[str, Any]) -> dict[tuple[str, str, str], int]:
    """``(root, split, class) -> count`` of a stats document."""
    return {
        (root, split, label): int(entry.get("count", 0))
        for root, root_stats in stats.get("roots", {}).items()
        for split, split_stats in root_stats.get("splits", {}).items()
        for label, entry in split_stats.get("classes", {}).items()
    }


def verify_committed(root: Path, config: Config, rev: str, committed: Mapping[str, Any]) -> Verdict:
    """Recount the classes at ``rev`` from its paths and compare them with ``committed``.

    Only folder labels can be recounted this way (label files are read from the workspace,
    not the revision); for other label sources the file is taken as it is.
    """
    from imagelint.sources.outs import pulled_manifests
    from imagelint.sources.resolve import resolve_images
    from imagelint.stats.document import folder_class_counts

    if config.labels != "folders":
        return Verdict(True)
    try:
        _, resolution = resolve_images(root, [], rev_range=(rev, rev),
                                       pulled=pulled_manifests(config.resolved_cache_dir()))
    except ValueError as exc:
        return Verdict(None, problem=str(exc))
    if not resolution.complete:
        return Verdict(None, problem="the dataset could not be listed in full (a DVC manifest is missing: "
                       "'imagelint facts pull' or 'dvc fetch' brings it)")
    paths = [ref.path for ref in resolution.dataset if not config.excludes(ref.path)]
    recounted = folder_class_counts(paths, config)
    return Verdict(class_counts(recounted) == class_counts(committed), len(paths))
