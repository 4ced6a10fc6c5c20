"""Where a stats document comes from: the committed file at a revision, or the dataset itself.

Computing reads no pixels that the index already knows: the resolver lists the dataset (git
and DVC manifests), ``inspect_images`` returns indexed facts and decodes only new content,
and label files are read from the workspace. Folders a kept listing describes (folder labels
only, as for ``check``) are read as columns (``stats.columns``), not a record per image.
"""
from __future__ import annotations

import json
import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagelint.config import Config
from imagelint.errors import UsageError
from imagelint.sources.dataset import InvalidInput
from imagelint.stats.labels import ImageLabels, read_labels
from imagelint.stats.layout import verify_layout
from imagelint.stats.document import ImageRecord, compute_stats, folder_record, labelled_record
from imagelint.stats.properties import image_profile


@dataclass(frozen=True)
class ComputedStats:
    """``stats`` is None when they could not be computed exactly; ``problem`` then says why."""

    root: Path
    stats: dict[str, Any] | None
    notes: tuple[str, ...] = ()
    problem: str = ""
    invalid: tuple[InvalidInput, ...] = ()


def dataset_stats(cwd: Path, config: Config, *, rev: str | None = None, exact: bool = True,
                  jobs: int | None = None) -> ComputedStats:
    """Stats of the dataset in the index (or at ``rev``); with ``exact``, refuse partial data."""
    from imagelint.facts.inspect import inspect_images
    from imagelint.facts.listed import listable, listed_folders
    from imagelint.stats.columns import columns_stats
    from imagelint.stats.rows import STATS_COLUMNS, inspected_rows, listing_rows
    from imagelint.sources.outs import pulled_manifests
    from imagelint.sources.resolve import resolve_images

    try:
        root, resolution = resolve_images(cwd, [], rev_range=(rev, rev) if rev else None,
                                          pulled=pulled_manifests(config.resolved_cache_dir()),
                                          listings=config.resolved_cache_dir() if listable(config) else None)
        if not all(STATS_COLUMNS <= set(part.listing.columns) for part in resolution.listings):  # an older listing
            root, resolution = resolve_images(cwd, [], rev_range=(rev, rev) if rev else None,
                                              pulled=pulled_manifests(config.resolved_cache_dir()))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    notes = tuple(resolution.notes)
    if resolution.invalid:
        return ComputedStats(root, None, notes, "a DVC pointer or manifest is invalid (IMG902)", resolution.invalid)
    if not resolution.complete:
        return ComputedStats(root, None, notes, "the dataset could not be listed in full")
    refs = [ref for ref in resolution.dataset if not config.excludes(ref.path)]
    refs += [ref for part in resolution.listings for ref in part.refs_without_facts()]
    paths = [ref.path for ref in refs] + listed_folders(resolution)
    verify_layout(paths, paths, config)
    inspections = inspect_images(refs, config, jobs=jobs)
    missing = sorted(path for path, item in inspections.items() if item.facts is None and not item.ref.is_symlink)
    if missing and exact:
        return ComputedStats(root, None, notes, f"the bytes of {len(missing)} image(s) are not available "
                             f"(first: {missing[0]}); run 'dvc pull' or 'dvc fetch' first")
    if resolution.listings:  # the listed images as columns; only the others are records
        rows = [listing_rows(part) for part in resolution.listings]
        rows.append(inspected_rows((ref.path, ref.md5, inspections[ref.path].facts) for ref in refs))
        return ComputedStats(root, columns_stats(rows, config), notes)
    labels = read_labels(root, [ref.path for ref in refs], config.labels, config.splits)
    records = []
    for ref in refs:
        facts = inspections[ref.path].facts
        values: dict[str, Any] = {"md5": facts.md5 if facts else ref.md5}
        if facts is not None:
            values.update(size=facts.size, format=facts.format, width=facts.width or None, height=facts.height or None,
                          profile=image_profile(facts))
        records.append(_record(ref.path, labels, config, values))
    return ComputedStats(root, compute_stats(records, config), notes)


def _record(path: str, labels: dict[str, ImageLabels], config: Config, values: dict[str, Any]) -> ImageRecord:
    if config.labels == "folders":
        return folder_record(path, config, **values)
    return labelled_record(path, labels.get(path), config, **values)


def recount_needed(root: Path, config: Config) -> bool:
    """False when a commit cannot move the stats: the stats file is in HEAD and nothing staged is
    an image, a DVC pointer or pipeline, a setting or the stats file itself. The hook runs on
    every commit; this keeps a commit of code or docs from relisting a large dataset."""
    from imagelint.sources import dvcfiles, gitfiles
    from imagelint.sources.dataset import is_image_path

    if config.labels != "folders":  # label files can change anywhere
        return True
    base = gitfiles.head_tree(root)
    if base == gitfiles.EMPTY_TREE or committed_text(root, "HEAD", config.stats_file) is None:
        return True
    settings = {"pyproject.toml", ".imagelint.toml", "dvc.yaml", posixpath.basename(config.stats_file)}
    try:
        changes = gitfiles.diff(root, base, None)
    except gitfiles.GitError:
        return True
    return any(
        is_image_path(path) or dvcfiles.is_pointer(path) or posixpath.basename(path) in settings
        for change in changes
        for path in (change.old_path, change.new_path)
        if path
    )


def committed_text(root: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev`` (``""`` for the index), or None when it is not there."""
    result = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root, capture_output=True, check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", errors="replace")


def committed_stats(root: Path, rev: str, path: str) -> dict[str, Any] | None:
    """The stats document committed at ``rev``, or None when absent or not a stats document."""
    text = committed_text(root, rev, path)
    try:
        document = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return document if isinstance(document, dict) and "roots" in document else None


def revision_exists(root: Path, rev: str) -> bool:
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root,
                            capture_output=True, check=False)
    return result.returncode == 0
