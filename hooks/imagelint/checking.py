"""One check run as plain data: resolve -> inspect -> rules -> selection. Prints nothing."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef, Resolution
from imagelint.errors import UsageError
from imagelint.findings import Finding
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import Inspection, inspect_images
from imagelint.rules.duplicates import AllPairs, duplicate_findings
from imagelint.rules.image import image_findings, invalid_pointer_finding, unlisted_finding
from imagelint.rules.selection import select_findings

if TYPE_CHECKING:
    from imagelint.facts.reference import Reference


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    checked: int
    notes: tuple[str, ...]
    decoded: int


def check_images(
    cwd: Path,
    paths: Sequence[str],
    config: Config,
    *,
    check_all: bool = False,
    rev_range: tuple[str, str] | None = None,
    use_remote: bool = False,
    jobs: int | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    index: FactsIndex | None = None,
    scheduler: str | None = None,
    verbose: bool = False,
) -> CheckResult:
    """``scheduler``: a Dask scheduler address ("local" for a LocalCluster) that runs the
    all-pairs near-duplicate search of a whole-dataset check."""
    from imagelint.sources.resolve import resolve_images

    try:
        root, resolution = resolve_images(cwd, paths, check_all=check_all, rev_range=rev_range, use_remote=use_remote)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    targets = [ref for ref in resolution.targets if not config.excludes(ref.path)]
    pointer_findings = [unlisted_finding(pointer) for pointer in resolution.unlisted]
    pointer_findings += [invalid_pointer_finding(item.path, item.reason) for item in resolution.invalid]
    if not targets and not pointer_findings:  # the common commit that touches no image
        return CheckResult([], 0, resolution.notes, 0)
    dataset = [ref for ref in resolution.dataset if not config.excludes(ref.path)]
    index = index or FactsIndex(config.resolved_cache_dir())
    inspections = inspect_images(targets, config, jobs=jobs, index=index, verbose=verbose)
    notes = resolution.notes
    if use_remote:
        notes += _inspect_from_remote(root, inspections, config, jobs, index)
    checked = [inspections[ref.path] for ref in targets]
    findings = [f for item in checked for f in image_findings(item.ref, item.facts, config.limits_for(item.ref.path))]
    findings += pointer_findings
    if checked and resolution.complete:
        from imagelint.facts.reference import build_reference

        reference = build_reference(checked, dataset, config, index, jobs)
        with _all_pairs_search(scheduler) as all_pairs:
            findings += duplicate_findings(checked, reference, resolution.changed, config, all_pairs)
        if _reports_dataset_findings(resolution, {ref.path for ref in targets}, config):
            findings += _dataset_findings(root, dataset, reference, config, index)
    return CheckResult(select_findings(findings, config, select, ignore), len(checked), notes, index.decoded)


def _inspect_from_remote(
    root: Path, inspections: dict[str, Inspection], config: Config, jobs: int | None, index: FactsIndex
) -> tuple[str, ...]:
    """Fill in images missing locally from the DVC remote, fetched into a temporary folder."""
    from imagelint.sources import dvc_remote

    missing = [item.ref for item in inspections.values() if item.facts is None and item.ref.md5 and not item.ref.is_symlink]
    if not missing:
        return ()
    with tempfile.TemporaryDirectory(prefix="imagelint-remote-") as folder:
        try:
            fetched = dvc_remote.fetch_remote_objects(root, {ref.md5 for ref in missing if ref.md5}, Path(folder))
        except dvc_remote.RemoteUnavailable as exc:
            return (str(exc),)
        refs = [replace(ref, sources=(str(fetched[ref.md5]),)) for ref in missing if ref.md5 in fetched]
        inspections.update(inspect_images(refs, config, jobs=jobs, index=index))
    return ()


@contextmanager
def _all_pairs_search(scheduler: str | None) -> Iterator[AllPairs | None]:
    """The cluster's all-pairs search while connected to it, or None for the local one."""
    if scheduler is None:
        yield None
        return
    from imagelint.facts.cluster import ClusterUnavailable, connect
    from imagelint.rules.cluster_search import all_pairs_on_cluster

    try:
        with connect(scheduler) as client:
            yield partial(all_pairs_on_cluster, client=client)
    except ClusterUnavailable as exc:
        raise UsageError(str(exc)) from None


def _reports_dataset_findings(resolution: Resolution, target_paths: set[str], config: Config) -> bool:
    """Dataset-level findings come from one process only when pre-commit splits the file list:
    the one holding the first path of the change (of the dataset, when nothing changed)."""
    if not os.environ.get("PRE_COMMIT"):
        return True
    universe = resolution.changed or {ref.path for ref in resolution.dataset}
    checked = [path for path in universe if not config.excludes(path)]
    return bool(checked) and min(checked) in target_paths


def _dataset_findings(
    root: Path, dataset: Sequence[ImageRef], reference: "Reference", config: Config, index: FactsIndex
) -> list[Finding]:
    """Balance (4xx) from the paths and labels; shortcuts and diversity (5xx) from stored facts."""
    from imagelint.rules.balance import balance_findings, split_folder
    from imagelint.rules.diversity import diversity_findings
    from imagelint.rules.shortcuts import shortcut_findings
    from imagelint.stats.document import class_counts_stats, folder_class_counts
    from imagelint.stats.labels import read_labels
    from imagelint.stats.layout import place
    from imagelint.stats.split_profiles import split_profiles

    paths = [ref.path for ref in dataset]
    if config.labels == "folders":
        findings = balance_findings(folder_class_counts(paths, config), config)
        labels = {}
    else:
        labels = read_labels(root, paths, config.labels, config.splits)
        findings = balance_findings(class_counts_stats(paths, config, labels), config)
    placed = []
    for path, md5 in zip(reference.paths, reference.md5s):
        placement = place(path, config.layout, config.splits)
        classes = (placement.label,) if config.labels == "folders" else labels[path].classes if path in labels else ()
        split = placement.split or (labels[path].split if path in labels else "")
        if len(classes) == 1:  # an image of several classes says nothing about one class's look
            placed.append((split_folder(placement.root, split), classes[0], md5))
    splits = split_profiles(placed, index)
    return findings + shortcut_findings(splits, config) + diversity_findings(splits, config)
