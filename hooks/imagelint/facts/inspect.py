"""Facts for a list of images: from the index when their content was seen before, else decoded.

Decoding is the only expensive step, so it happens once per content md5, ever, and in
parallel worker processes when there is more than a handful to do. Each worker reads and
decodes one image at a time, so memory stays bounded by the decode budget, not the dataset.
Facts are stored in batches as they arrive, so an interrupted run keeps what it computed.
"""
from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Sequence

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.index import FactsIndex
from imagelint.facts.quiet_stderr import c_stderr_silenced
from imagelint.safe_open import read_limit, read_regular_file

#: Below this many images to decode, worker start-up costs more than it saves.
PARALLEL_THRESHOLD = 8
#: From this many images to decode, a run takes long enough to show progress.
PROGRESS_FROM = 50
#: Facts are written to the index every this many images or seconds, so an interrupted run keeps them.
STORE_BATCH = 32
STORE_INTERVAL = 1.0


@dataclass(frozen=True)
class Inspection:
    """An image and its facts; ``facts`` is None when no source held the expected bytes."""

    ref: ImageRef
    facts: ImageFacts | None


@dataclass(frozen=True)
class DecodeJob:
    """One content to decode: where its bytes may be read, what they must hash to, its limits.
    Shared by the check's pool and the partitions of a facts build."""

    sources: tuple[str, ...]
    md5: str | None
    blob: str | None
    max_pixels: int
    read_limit: int


def inspect_images(
    refs: Sequence[ImageRef],
    config: Config,
    *,
    jobs: int | None = None,
    index: FactsIndex | None = None,
    verbose: bool = False,
) -> dict[str, Inspection]:
    """Facts for every ref, keyed by path; decodes only content the index has not seen.

    C-level warnings of the decoders (libtiff and others write to the descriptor) stay off stderr
    unless ``verbose``.
    """
    index = index or FactsIndex(config.resolved_cache_dir())
    readable = [ref for ref in refs if not ref.is_symlink]
    blob_md5 = index.md5s_of_blobs(ref.blob for ref in readable if ref.blob and not ref.md5)
    if not index.is_empty():  # hashing first only pays when some content may already be indexed
        readable = [_with_content_md5(ref, blob_md5, _limit(config, ref)) for ref in readable]
    known = index.lookup({ref.md5 for ref in readable if ref.md5})
    results = {ref.path: Inspection(ref, None) for ref in refs if ref.is_symlink}
    pending: dict[str, list[ImageRef]] = {}
    jobs_by_key: dict[str, DecodeJob] = {}
    for ref in readable:
        max_pixels = config.limits_for(ref.path).max_pixels
        facts = known.get(ref.md5) if ref.md5 else None
        if answers_every_rule(facts, max_pixels):
            results[ref.path] = Inspection(ref, facts)
            continue
        key = ref.md5 or f"path:{ref.path}"
        pending.setdefault(key, []).append(ref)
        jobs_by_key.setdefault(key, DecodeJob(ref.sources, ref.md5, ref.blob, max_pixels, _limit(config, ref)))
    batch: list[ImageFacts] = []
    new_blobs: dict[str, str] = {}
    stored_at = time.monotonic()
    try:
        computed = _run(list(jobs_by_key.values()), jobs or os.cpu_count() or 1, not verbose)
        for key, (facts, blob_matches) in zip(list(jobs_by_key), computed):
            for ref in pending[key]:
                results[ref.path] = Inspection(ref, facts)
                if facts is not None and facts.was_read and blob_matches and ref.blob:
                    new_blobs[ref.blob] = facts.md5
            if facts is not None and facts.was_read:
                batch.append(facts)
            if len(batch) >= STORE_BATCH or time.monotonic() - stored_at >= STORE_INTERVAL:
                _store(index, batch, new_blobs)
                stored_at = time.monotonic()
    finally:
        _store(index, batch, new_blobs)
    return results


def _store(index: FactsIndex, batch: list[ImageFacts], blobs: dict[str, str]) -> None:
    """Commit what was computed so far, and forget it."""
    index.decoded += len(batch)
    index.store(batch, blobs)
    batch.clear()
    blobs.clear()


def _limit(config: Config, ref: ImageRef) -> int:
    return read_limit(config.limits_for(ref.path).max_file_size)


def _with_content_md5(ref: ImageRef, blob_md5: dict[str, str], limit: int) -> ImageRef:
    """``ref`` with its content md5 filled in: from the index's blob table, else by hashing the
    first readable source (cheap next to a decode, and it lets unchanged content skip one)."""
    if ref.md5:
        return ref
    if ref.blob and ref.blob in blob_md5:
        return replace(ref, md5=blob_md5[ref.blob])
    for source in ref.sources:
        data = read_regular_file(source, limit).data
        if data is not None:
            return replace(ref, md5=hashlib.md5(data).hexdigest(), sources=(source,))
    return ref


def _run(work: list[DecodeJob], jobs: int, quiet: bool) -> Iterator[tuple[ImageFacts | None, bool]]:
    """Results in the order of ``work``; an interrupt stops the workers at once."""
    if len(work) < PARALLEL_THRESHOLD or jobs <= 1:
        yield from _progress((_inspect_quietly(job, quiet) for job in work), len(work))
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing loads only for a pool

    import imagelint.facts.phash  # noqa: F401 - loaded once here (with numpy), inherited by forked workers

    pool = ProcessPoolExecutor(max_workers=min(jobs, len(work)), initializer=_start_worker,
                               initargs=(os.getpid(), quiet))
    try:
        chunk = max(1, min(16, len(work) // (jobs * 8)))
        yield from _progress(pool.map(inspect_job, work, chunksize=chunk), len(work))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()  # the executor has no public way to stop work already running
        raise
    pool.shutdown()


def _inspect_quietly(job: DecodeJob, quiet: bool) -> tuple[ImageFacts | None, bool]:
    with c_stderr_silenced(quiet):
        return inspect_job(job)


def _start_worker(parent: int, quiet: bool) -> None:
    """Workers leave signals to the main process and exit as soon as it is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if quiet:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # for the worker's whole life

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def answers_every_rule(facts: ImageFacts | None, max_pixels: int) -> bool:
    """Whether stored facts need no decode: decoded, broken, or never to be decoded (over ``max_pixels``)."""
    return facts is not None and bool(facts.decoded or facts.error or not 0 < facts.pixels <= max_pixels)


def inspect_job(job: DecodeJob) -> tuple[ImageFacts | None, bool]:
    """Facts of the first source holding the expected bytes, and whether they match the blob.

    A source that is not a regular file, or cannot be read, is skipped for the next one; if no
    source holds the bytes, the first such problem is the result (rather than "missing").
    """
    problem = None
    for source in job.sources:
        read = read_regular_file(source, job.read_limit)
        if read.data is None:
            if read.problem is None and read.size:
                return ImageFacts(md5="", size=read.size), False
            problem = problem or read.problem
            continue
        facts = read_image_facts(read.data, job.max_pixels)
        if job.md5 is None or facts.md5 == job.md5:
            return facts, job.blob is not None and _git_blob_id(read.data) == job.blob
    return (None if problem is None else ImageFacts(md5="", size=0, error=problem)), False


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _progress(items: Iterable[tuple[ImageFacts | None, bool]], total: int) -> Iterable[tuple[ImageFacts | None, bool]]:
    """Pass items through with a progress bar (count, rate, ETA) on stderr when it is a terminal;
    tqdm is imported only then, so hooks and CI logs never pay for it."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return items
    from tqdm.std import tqdm

    return tqdm(items, total=total, desc="imagelint: decoding", unit="image", file=sys.stderr, leave=True,
                dynamic_ncols=True, mininterval=0.25)
