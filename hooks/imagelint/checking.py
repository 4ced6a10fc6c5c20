"""One check run as plain data: resolve -> inspect -> rules -> selection. Prints nothing."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef, Resolution
from imagelint.errors import UsageError
from imagelint.findings import Finding
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import Inspection, inspect_images
from imagelint.rules.coverage import not_compared_finding
from imagelint.rules.duplicates import duplicate_findings
from imagelint.rules.image import image_findings, unlisted_finding
from imagelint.rules.selection import select_findings


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
) -> CheckResult:
    from imagelint.sources.resolve import resolve_images

    try:
        root, resolution = resolve_images(cwd, paths, check_all=check_all, rev_range=rev_range, use_remote=use_remote)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    targets = [ref for ref in resolution.targets if not config.excludes(ref.path)]
    if not targets and not resolution.unlisted:  # the common commit that touches no image
        return CheckResult([], 0, resolution.notes, 0)
    dataset = [ref for ref in resolution.dataset if not config.excludes(ref.path)]
    index = index or FactsIndex(config.resolved_cache_dir())
    inspections = inspect_images(targets, config, jobs=jobs, index=index)
    notes = resolution.notes
    if use_remote:
        notes += _inspect_from_remote(root, inspections, config, jobs, index)
    checked = [inspections[ref.path] for ref in targets]
    findings = [f for item in checked for f in image_findings(item.ref, item.facts, config.limits_for(item.ref.path))]
    findings += [unlisted_finding(pointer) for pointer in resolution.unlisted]
    if checked:
        from imagelint.facts.reference import build_reference

        reference = build_reference(checked, dataset, config, index, jobs)
        findings += duplicate_findings(checked, reference, resolution.changed, config)
        if _reports_dataset_findings(resolution, {ref.path for ref in targets}, config):
            must_be_complete = check_all or rev_range is not None or use_remote
            unlisted_elsewhere = len(set(resolution.unlisted_anywhere) - set(resolution.unlisted))
            gap = not_compared_finding(reference.missing, unlisted_elsewhere, must_be_complete=must_be_complete)
            findings += [gap] if gap else []
            if resolution.complete:
                findings += _balance_findings(root, dataset, config)
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


def _reports_dataset_findings(resolution: Resolution, target_paths: set[str], config: Config) -> bool:
    """Dataset-level findings come from one process only when pre-commit splits the file list:
    the one holding the first path of the change (of the dataset, when nothing changed)."""
    if not os.environ.get("PRE_COMMIT"):
        return True
    universe = resolution.changed or {ref.path for ref in resolution.dataset}
    checked = [path for path in universe if not config.excludes(path)]
    return bool(checked) and min(checked) in target_paths


def _balance_findings(root: Path, dataset: Sequence[ImageRef], config: Config) -> list[Finding]:
    from imagelint.stats.labels import read_labels
    from imagelint.rules.balance import balance_findings
    from imagelint.stats.document import class_counts_stats, folder_class_counts

    paths = [ref.path for ref in dataset]
    if config.labels == "folders":
        return balance_findings(folder_class_counts(paths, config), config)
    labels = read_labels(root, paths, config.labels, config.splits)
    return balance_findings(class_counts_stats(paths, config, labels), config)
