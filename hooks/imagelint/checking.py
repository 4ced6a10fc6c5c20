"""One check run as plain data: resolve -> inspect -> rules -> selection. Prints nothing."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterator, Sequence

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef, Resolution
from imagelint.errors import UsageError
from imagelint.findings import Finding, ImageSummary
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import inspect_images
from imagelint.facts.listed import images_per_folder, keep_listings, listable, listed_folders, listed_refs
from imagelint.rules.baseline import BaselineEntry, gone_entries, judge
from imagelint.rules.coverage import not_compared_finding
from imagelint.rules.duplicates import AllPairs, duplicate_findings
from imagelint.rules.image import image_findings, invalid_pointer_finding, unlisted_finding
from imagelint.rules.selection import select_findings
from imagelint.stats.layout import verify_layout

if TYPE_CHECKING:
    from imagelint.facts.reference import Reference


@dataclass(frozen=True)
class CheckResult:
    """``images`` describes every path the findings name (their own and the related ones);
    ``complete`` is False when part of the dataset could not be listed or compared."""

    findings: list[Finding]
    checked: int
    notes: tuple[str, ...]
    decoded: int
    images: dict[str, ImageSummary] = field(default_factory=dict)
    complete: bool = True
    #: Findings the baseline accepts (left out of ``findings``), and its entries whose images
    #: are no longer in the dataset.
    accepted: list[Finding] = field(default_factory=list)
    gone: list[BaselineEntry] = field(default_factory=list)
    #: Where the bytes of each image in ``images`` may be read (for previews).
    refs: dict[str, ImageRef] = field(default_factory=dict)

    def md5s(self) -> dict[str, str | None]:
        return {path: image.md5 for path, image in self.images.items()}

    def shown_images(self) -> dict[str, ImageSummary]:
        """The images the reported findings name (not those only accepted ones name)."""
        shown = {path for f in self.findings for path in (f.path, *f.related)}
        return {path: image for path, image in self.images.items() if path in shown}
    #: What was read from elsewhere (facts snapshots, image objects), one line each, for the user.
    transfers: tuple[str, ...] = ()


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
    baseline: Collection[BaselineEntry] | None = None,
    scheduler: str | None = None,
    verbose: bool = False,
) -> CheckResult:
    """Check the images ``paths`` (or the change) name; findings ``baseline`` accepts are set apart.
    ``scheduler``: a Dask scheduler address ("local" for a LocalCluster) that runs the all-pairs
    near-duplicate search of a whole-dataset check."""
    from imagelint.sources.outs import pulled_manifests
    from imagelint.sources.resolve import resolve_images

    index = index or FactsIndex(config.resolved_cache_dir())
    pull_notes: tuple[str, ...] = ()
    transfers: tuple[str, ...] = ()
    if use_remote:
        pull_notes, transfers = _pull_facts(cwd, config, index, rev_range)
    try:
        root, resolution = resolve_images(cwd, paths, check_all=check_all, rev_range=rev_range, use_remote=use_remote,
                                          pulled=pulled_manifests(config.resolved_cache_dir()),
                                          listings=config.resolved_cache_dir() if listable(config) else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    targets = [ref for ref in resolution.targets if not config.excludes(ref.path)]
    pointer_findings = [unlisted_finding(pointer) for pointer in resolution.unlisted]
    pointer_findings += [invalid_pointer_finding(item.path, item.reason) for item in resolution.invalid]
    if not targets and not pointer_findings:  # the common commit that touches no image
        return CheckResult([], 0, pull_notes + resolution.notes, 0, complete=resolution.complete,
                           transfers=transfers)
    dataset = [ref for ref in resolution.dataset if not config.excludes(ref.path)]
    verify_layout([ref.path for ref in targets], [ref.path for ref in dataset] + listed_folders(resolution), config)
    inspections = inspect_images(targets, config, jobs=jobs, index=index, verbose=verbose)
    notes = pull_notes + resolution.notes
    if use_remote:
        from imagelint.facts.remote_bytes import inspect_from_remote

        missing = [item.ref for item in inspections.values() if item.facts is None]
        fetched = inspect_from_remote(root, missing, config, jobs, index)
        inspections.update(fetched.inspections)
        notes += (fetched.problem,) if fetched.problem else ()
        if fetched.inspections:
            transfers += (f"read {len(fetched.inspections)} image(s) ({fetched.bytes_read / 1e6:.1f} MB) "
                          "from the DVC remote",)
    checked = [inspections[ref.path] for ref in targets]
    findings = [f for item in checked for f in image_findings(item.ref, item.facts, config.limits_for(item.ref.path))]
    findings += pointer_findings
    md5_of = {item.ref.path: item.facts.md5 if item.facts else item.ref.md5 for item in checked}
    gone: list[BaselineEntry] = []
    if checked:
        from imagelint.facts.reference import build_reference

        reference = build_reference(checked, dataset, config, index, jobs, resolution.listings)
        named = [md5 for entry in baseline or () for md5 in (entry.md5, entry.related_md5) if md5]
        gone = gone_entries(baseline, reference.present(named)) if baseline else []
        with _all_pairs_search(scheduler) as all_pairs:
            findings += duplicate_findings(checked, reference, resolution.changed, config, all_pairs)
        if _reports_dataset_findings(resolution, {ref.path for ref in targets}, config):
            must_be_complete = check_all or rev_range is not None or use_remote
            reported = {*resolution.unlisted, *(item.path for item in resolution.invalid)}  # IMG901, IMG902
            unlisted_elsewhere = len(set(resolution.unlisted_anywhere) - reported)
            gap = not_compared_finding(reference.missing, unlisted_elsewhere, must_be_complete=must_be_complete)
            findings += [gap] if gap else []
            if resolution.complete:
                touched = None if check_all else {ref.path for ref in targets} | resolution.changed
                findings += _dataset_findings(root, dataset, resolution, reference, config, index, touched)
    if resolution.listings:
        keep_listings(resolution, checked, index, config)
    selected = select_findings(findings, config, select, ignore)
    if checked:
        md5_of.update(_dataset_md5s(selected, md5_of, reference))
    images = _summaries(selected, md5_of, index)
    judged = judge(selected, md5_of, baseline or ())
    refs = {ref.path: ref for group in (dataset, targets) for ref in group if ref.path in images} if images else {}
    refs.update(listed_refs(set(images) - set(refs), resolution))
    return CheckResult(judged.new, len(checked), notes, index.decoded, images, resolution.complete,
                       judged.accepted, gone, refs, transfers)


def _dataset_md5s(findings: Sequence[Finding], known: dict[str, str | None], reference: "Reference") -> dict[str, str]:
    """The md5 of every dataset image the findings name, from the reference's rows."""
    found = {}
    for path in {path for f in findings for path in (f.path, *f.related)} - known.keys():
        row = reference.paths.row_of(path)
        if row is not None:
            found[path] = reference.md5_hex(row)
    return found


def _summaries(
    findings: Sequence[Finding], md5_of: dict[str, str | None], index: FactsIndex
) -> dict[str, ImageSummary]:
    """Size, dimensions and format of every image the findings name, from the index."""
    named = {path for f in findings for path in (f.path, *f.related) if path in md5_of}
    facts = index.lookup(md5 for path in named if (md5 := md5_of[path]))
    images = {}
    for path in sorted(named):
        md5 = md5_of[path]
        known = facts.get(md5 or "")
        images[path] = ImageSummary(md5) if known is None else ImageSummary(
            md5, known.size, known.width or None, known.height or None, known.format
        )
    return images


def _pull_facts(cwd: Path, config: Config, index: FactsIndex,
                rev_range: tuple[str, str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--remote`` first fetches the facts snapshots of the base of the change (HEAD for a commit),
    so that only images no snapshot describes need their bytes read. Never the other side's: a
    pull request could bring a snapshot of its own describing its new images as it likes, while
    content that is already in the base can only carry the base's facts. The head's manifests are
    rebuilt from the base's and the pushed changes where those hash to them. Returns (warnings, what moved)."""
    from imagelint.facts.areas import describe
    from imagelint.facts.sharing import pull_from_remote
    from imagelint.sources import gitfiles

    root = gitfiles.repo_root(cwd)
    if root is None:
        return (), ()
    revs: list[str | None] = [rev_range[0] if rev_range else "HEAD"]
    if not rev_range and gitfiles.head_tree(root) == gitfiles.EMPTY_TREE:
        return (), ()
    try:
        transfer = pull_from_remote(root, revs, config, index, heads=[rev_range[1]] if rev_range else [])
    except gitfiles.GitError:
        return (), ()
    return transfer.notes, (describe(transfer, "pulled", "from the DVC remote"),)


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
    root: Path, dataset: Sequence[ImageRef], resolution: Resolution, reference: "Reference", config: Config,
    index: FactsIndex, touched: set[str] | None,
) -> list[Finding]:
    """Balance (4xx) of the splits and classes holding a ``touched`` path (every one for None),
    from the paths and labels; shortcuts and diversity (5xx) from stored facts."""
    import numpy as np

    from imagelint.rules.balance import BalanceScope, balance_findings, split_folder
    from imagelint.rules.sample_findings import sample_findings
    from imagelint.stats.document import (
        NO_SPLIT, ROOT_KEY, class_counts_of_folders, class_counts_stats, folder_record, labelled_record,
    )
    from imagelint.stats.labels import read_labels
    from imagelint.stats.layout import place
    from imagelint.stats.split_profiles import class_samples

    paths = [ref.path for ref in dataset]
    if config.labels == "folders":
        stats = class_counts_of_folders(images_per_folder(paths, resolution), config)
        records = [folder_record(path, config) for path in touched or ()]
        labels = {}
    else:
        labels = read_labels(root, paths, config.labels, config.splits)
        stats = class_counts_stats(paths, config, labels)
        records = [labelled_record(path, labels.get(path), config) for path in touched or ()]
    scope = None if touched is None else BalanceScope.of(
        (record.root or ROOT_KEY, record.split or NO_SPLIT, record.classes) for record in records
    )
    findings = balance_findings(stats, config, scope)
    names: dict[tuple[str, str], int] = {}
    if config.labels == "folders":  # placement depends on the folder only
        placements = [place(f"{folder}/_", config.layout, config.splits) for folder in reference.folders]
        by_folder = np.array([names.setdefault((split_folder(p.root, p.split), p.label), len(names))
                              for p in placements] or [0], dtype=np.int64)
        groups = by_folder[reference.folder] if len(reference.folder) else np.zeros(0, np.int64)
    else:
        groups = np.full(len(reference.paths), -1, dtype=np.int64)
        for row, path in enumerate(reference.paths):
            placement = place(path, config.layout, config.splits)
            image = labels.get(path)
            classes = image.classes if image else ()
            if len(classes) == 1:  # an image of several classes says nothing about one class's look
                split = placement.split or image.split  # type: ignore[union-attr]
                groups[row] = names.setdefault((split_folder(placement.root, split), classes[0]), len(names))
    return findings + sample_findings(class_samples(groups, list(names), reference.md5), config, index)
