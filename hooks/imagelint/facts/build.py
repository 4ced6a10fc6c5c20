"""``imagelint facts build``: decode every image of the dataset the index does not know, once.

The first scan of an adopted dataset is the one expensive thing imagelint does. It is planned
here as jobs for the images whose content the index lacks, cut into partitions, and run on the
local process pool or on a Dask cluster; every bundle of facts is stored the moment it
arrives, so an interrupted build resumes where it stopped and a finished one leaves nothing
for the next commit to decode. Images whose bytes no worker could read are reported, by path.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from imagelint.config import Config
from imagelint.facts.bundle import FactsBundle
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import DecodeJob, answers_every_rule
from imagelint.facts.partition import Partition, inspect_partition, job_key, partitions
from imagelint.findings import Finding
from imagelint.rules.image import NOT_IN_CACHE, invalid_pointer_finding, unlisted_finding
from imagelint.safe_open import read_limit
from imagelint.sources.dataset import InvalidInput


@dataclass(frozen=True)
class BuildPlan:
    """What a build has to do: the dataset's images, how many the index knows, the partitions."""

    root: Path
    images: int
    known: int
    parts: tuple[Partition, ...]
    paths_by_key: dict[str, tuple[str, ...]] = field(repr=False)
    remote_keys: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    #: Pointers whose manifest is nowhere: their images cannot even be listed.
    unlisted: tuple[str, ...] = ()
    #: Pointers or manifests refused as malformed (IMG902).
    invalid: tuple[InvalidInput, ...] = ()

    @property
    def jobs(self) -> int:
        return sum(len(part.jobs) for part in self.parts)


@dataclass(frozen=True)
class BuildResult:
    plan: BuildPlan
    decoded: int
    #: (image path, job key) of every image no worker could read.
    missing: tuple[tuple[str, str], ...]


def plan_build(cwd: Path, config: Config, index: FactsIndex, *, use_remote: bool = False,
               partition_size: int = 16) -> BuildPlan:
    """Partitions of jobs for every dataset image whose content the index has no facts for."""
    from imagelint.sources.resolve import resolve_images

    try:
        root, resolution = resolve_images(cwd, [], check_all=True, use_remote=use_remote)
    except ValueError as exc:
        from imagelint.errors import UsageError

        raise UsageError(str(exc)) from None
    refs = [ref for ref in resolution.dataset if not ref.is_symlink and not config.excludes(ref.path)]
    blob_md5 = index.md5s_of_blobs(ref.blob for ref in refs if ref.blob and not ref.md5)
    md5_of = {ref.path: ref.md5 or blob_md5.get(ref.blob or "") for ref in refs}
    known = index.lookup({md5 for md5 in md5_of.values() if md5})
    pending = [ref for ref in refs
               if not answers_every_rule(known.get(md5_of[ref.path] or ""), config.limits_for(ref.path).max_pixels)]
    jobs: dict[str, DecodeJob] = {}
    remote_jobs: dict[str, DecodeJob] = {}
    paths_by_key: dict[str, list[str]] = {}
    object_paths = _remote_paths(root) if use_remote and any(ref.md5 for ref in pending) else None
    for ref in pending:
        limits = config.limits_for(ref.path)
        max_pixels, limit = limits.max_pixels, read_limit(limits.max_file_size)
        if object_paths and ref.md5:
            job = DecodeJob(object_paths(ref.md5), ref.md5, None, max_pixels, limit)
            remote_jobs.setdefault(job_key(job), job)
        else:
            job = DecodeJob(ref.sources, ref.md5, ref.blob, max_pixels, limit)
            jobs.setdefault(job_key(job), job)
        paths_by_key.setdefault(job_key(job), []).append(ref.path)
    parts = partitions(list(jobs.values()), partition_size)
    if remote_jobs:
        parts += partitions(list(remote_jobs.values()), partition_size, object_paths.filesystem)  # type: ignore[union-attr]
    return BuildPlan(root, len(refs), len(refs) - len(pending), tuple(parts),
                     {key: tuple(paths) for key, paths in paths_by_key.items()}, frozenset(remote_jobs),
                     resolution.notes, resolution.unlisted, resolution.invalid)


def run_build(plan: BuildPlan, index: FactsIndex, *, scheduler: str | None = None, jobs: int | None = None,
              on_bundle: Callable[[FactsBundle], None] = lambda bundle: None,
              on_client: Callable[[Any], None] = lambda client: None) -> BuildResult:
    """Run the plan's partitions, storing each bundle in ``index`` as it arrives."""
    missing: list[tuple[str, str]] = []
    decoded = 0
    progress = _progress(plan.jobs)

    def store(bundle: FactsBundle) -> None:
        nonlocal decoded
        index.store(list(bundle.facts), dict(bundle.blobs))
        decoded += len(bundle.facts)
        missing.extend((path, key) for key in bundle.missing for path in plan.paths_by_key.get(key, ()))
        progress.update(len(bundle))
        on_bundle(bundle)

    try:
        if scheduler is not None:
            from imagelint.facts.cluster import run_on_cluster

            run_on_cluster(plan.parts, scheduler, store, on_client)
        else:
            _run_locally(plan.parts, jobs or os.cpu_count() or 1, store)
    finally:
        progress.close()
    index.decoded += decoded
    return BuildResult(plan, decoded, tuple(sorted(missing)))


def _run_locally(parts: Sequence[Partition], jobs: int, store: Callable[[FactsBundle], None]) -> None:
    if jobs <= 1 or len(parts) <= 1:
        for part in parts:
            store(inspect_partition(part))
        return
    import imagelint.facts.phash  # noqa: F401 - loaded once here (with numpy), inherited by forked workers

    with ProcessPoolExecutor(max_workers=min(jobs, len(parts))) as pool:
        for future in as_completed([pool.submit(inspect_partition, part) for part in parts]):
            store(future.result())


@dataclass(frozen=True)
class _RemotePaths:
    filesystem: Any
    locate: Callable[[str], tuple[str, ...]]

    def __call__(self, md5: str) -> tuple[str, ...]:
        return self.locate(md5)


def _remote_paths(root: Path) -> _RemotePaths:
    from imagelint.sources import dvc_remote

    filesystem, locate = dvc_remote.remote_filesystem(root)
    return _RemotePaths(filesystem, locate)


def _progress(total: int) -> Any:
    """A progress bar with rate and ETA on a terminal; silent elsewhere (CI logs, pipes)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="img", desc="imagelint: facts", file=sys.stderr, smoothing=0.1,
                disable=total < 50 or not sys.stderr.isatty(), dynamic_ncols=True)


def missing_findings(result: BuildResult) -> list[Finding]:
    """IMG901 on every image whose bytes no worker could read, saying where they were looked for,
    on every pointer whose images could not even be listed, and IMG902 on malformed pointers."""
    findings = [unlisted_finding(pointer) for pointer in result.plan.unlisted]
    findings += [invalid_pointer_finding(item.path, item.reason) for item in result.plan.invalid]
    for path, key in result.missing:
        if key in result.plan.remote_keys:
            message = (f"object {key} is not on the DVC remote, so its facts cannot be built: "
                       "run 'dvc push' from a machine that has the data")
        else:
            message = ("neither in the DVC cache nor in the workspace of the machines that read it: "
                       "run 'dvc pull', give every worker the same path, or pass --remote")
        findings.append(Finding(path, NOT_IN_CACHE.code, NOT_IN_CACHE.name, NOT_IN_CACHE.severity, message))
    return findings
