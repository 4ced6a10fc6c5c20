"""Facts for a list of images: from the index when their content was seen before, else decoded.

Decoding is the only expensive step, so it happens once per content md5, ever, and in
parallel worker processes when there is more than a handful to do. Each worker reads and
decodes one image at a time, so memory stays bounded by the largest image, not the dataset.
"""
from __future__ import annotations

import hashlib
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.index import FactsIndex

#: Below this many images to decode, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 8
#: From this many images to decode, a run takes long enough to show progress.
PROGRESS_FROM = 50


@dataclass(frozen=True)
class Inspection:
    """An image and its facts; ``facts`` is None when no source held the expected bytes."""

    ref: ImageRef
    facts: ImageFacts | None


@dataclass(frozen=True)
class _Job:
    sources: tuple[str, ...]
    md5: str | None
    blob: str | None
    max_pixels: int


def inspect_images(
    refs: Sequence[ImageRef],
    config: Config,
    *,
    jobs: int | None = None,
    index: FactsIndex | None = None,
) -> dict[str, Inspection]:
    """Facts for every ref, keyed by path; decodes only content the index has not seen."""
    index = index or FactsIndex(config.resolved_cache_dir())
    readable = [ref for ref in refs if not ref.is_symlink]
    blob_md5 = index.md5s_of_blobs(ref.blob for ref in readable if ref.blob and not ref.md5)
    if not index.is_empty():  # hashing first only pays when some content may already be indexed
        readable = [_with_content_md5(ref, blob_md5) for ref in readable]
    known = index.lookup({ref.md5 for ref in readable if ref.md5})
    results = {ref.path: Inspection(ref, None) for ref in refs if ref.is_symlink}
    pending: dict[str, list[ImageRef]] = {}
    jobs_by_key: dict[str, _Job] = {}
    for ref in readable:
        max_pixels = config.limits_for(ref.path).max_pixels
        facts = known.get(ref.md5) if ref.md5 else None
        if facts is not None and (facts.decoded or facts.error or not 0 < facts.pixels <= max_pixels):
            results[ref.path] = Inspection(ref, facts)
            continue
        key = ref.md5 or f"path:{ref.path}"
        pending.setdefault(key, []).append(ref)
        jobs_by_key.setdefault(key, _Job(ref.sources, ref.md5, ref.blob, max_pixels))
    keys = list(jobs_by_key)
    computed = _run(list(jobs_by_key.values()), jobs or os.cpu_count() or 1)
    new_blobs = {}
    for key, (facts, blob_matches) in zip(keys, computed):
        for ref in pending[key]:
            results[ref.path] = Inspection(ref, facts)
            if facts is not None and blob_matches and ref.blob:
                new_blobs[ref.blob] = facts.md5
    index.decoded += sum(1 for facts, _ in computed if facts is not None)
    index.store([facts for facts, _ in computed if facts is not None], new_blobs)
    return results


def _with_content_md5(ref: ImageRef, blob_md5: dict[str, str]) -> ImageRef:
    """``ref`` with its content md5 filled in: from the index's blob table, else by hashing the
    first readable source (cheap next to a decode, and it lets unchanged content skip one)."""
    if ref.md5:
        return ref
    if ref.blob and ref.blob in blob_md5:
        return replace(ref, md5=blob_md5[ref.blob])
    for source in ref.sources:
        data = _read_no_follow(source)
        if data is not None:
            return replace(ref, md5=hashlib.md5(data).hexdigest(), sources=(source,))
    return ref


def _run(work: list[_Job], jobs: int) -> list[tuple[ImageFacts | None, bool]]:
    if len(work) < PARALLEL_THRESHOLD or jobs <= 1:
        return list(_progress(map(_inspect_one, work), len(work)))
    import imagehash  # noqa: F401 - loaded once here, inherited by forked workers (it pulls in scipy)

    with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
        chunk = max(1, min(16, len(work) // (jobs * 8)))
        return list(_progress(pool.map(_inspect_one, work, chunksize=chunk), len(work)))


def _inspect_one(job: _Job) -> tuple[ImageFacts | None, bool]:
    """Facts of the first source holding the expected bytes, and whether they match the blob."""
    for source in job.sources:
        data = _read_no_follow(source)
        if data is None:
            continue
        facts = read_image_facts(data, job.max_pixels)
        if job.md5 is None or facts.md5 == job.md5:
            return facts, job.blob is not None and _git_blob_id(data) == job.blob
    return None, False


def _read_no_follow(path: str) -> bytes | None:
    """The file's bytes, or None if it is missing, unreadable or a symbolic link."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _progress(items: Iterable[tuple[ImageFacts | None, bool]], total: int) -> Iterable[tuple[ImageFacts | None, bool]]:
    """Pass items through with a progress bar (count, rate, ETA) on stderr when it is a terminal;
    tqdm is imported only then, so hooks and CI logs never pay for it."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return items
    from tqdm.std import tqdm

    return tqdm(items, total=total, desc="imagelint: decoding", unit="image", file=sys.stderr, leave=False,
                dynamic_ncols=True, mininterval=0.25)
