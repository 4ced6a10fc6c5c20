"""The unit of work of a facts build: a partition of decode jobs, run where the bytes are.

The per-image function is the one every check runs (``read_image_facts``, one reduced decode),
so a build on a cluster stores exactly the facts a local run would. A partition holds one
image's bytes at a time (a few more, fetched ahead, from a remote), whatever its size, which
bounds a worker's memory; its result is a
small :class:`FactsBundle`. Partitions are named by their content, so a retry after a lost
worker recomputes the same bundle under the same name.
"""
from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from imagelint.facts.bundle import FactsBundle
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.inspect import inspect_job, DecodeJob

#: Remote objects fetched ahead of the one being decoded.
PREFETCH = 3


@dataclass(frozen=True)
class Partition:
    """Jobs whose sources are paths on ``filesystem`` (a DVC filesystem object), or local paths."""

    jobs: tuple[DecodeJob, ...]
    filesystem: Any = None

    @property
    def name(self) -> str:
        digest = hashlib.sha1("\n".join(job_key(job) for job in self.jobs).encode()).hexdigest()[:16]
        return f"imagelint-facts-{digest}"


def job_key(job: DecodeJob) -> str:
    """What identifies a job's content: its md5, else (git-tracked images) its first source."""
    return job.md5 or f"path:{job.sources[0] if job.sources else ''}"


def partitions(jobs: Sequence[DecodeJob], size: int, filesystem: Any = None) -> list[Partition]:
    """Jobs sorted by key and cut into runs of ``size``: the same jobs always give the same partitions."""
    ordered = sorted(jobs, key=job_key)
    return [Partition(tuple(ordered[start:start + size]), filesystem) for start in range(0, len(ordered), size)]


def inspect_partition(partition: Partition) -> FactsBundle:
    """Facts of every job of ``partition``; a job whose bytes are nowhere is listed as missing."""
    found, missing, blobs = [], [], []
    for job, (facts, blob_matches) in zip(partition.jobs, _inspected(partition)):
        if facts is None:
            missing.append(job_key(job))
            continue
        found.append(facts)
        if blob_matches and job.blob:
            blobs.append((job.blob, facts.md5))
    return FactsBundle(tuple(found), tuple(missing), tuple(blobs))


def _inspected(partition: Partition) -> Iterator[tuple[ImageFacts | None, bool]]:
    """Facts per job, in order. From a remote filesystem the next images are fetched while one
    decodes, which hides the request latency of object storage (tens of milliseconds per object
    on S3, more than a decode); at most ``PREFETCH`` + 1 images' bytes are held at once."""
    if partition.filesystem is None:
        yield from map(inspect_job, partition.jobs)
        return
    filesystem = partition.filesystem
    with ThreadPoolExecutor(PREFETCH) as reader:
        upcoming = deque(reader.submit(_fetch, filesystem, job.sources, job.read_limit)
                         for job in partition.jobs[:PREFETCH])
        for n, job in enumerate(partition.jobs):
            data = upcoming.popleft().result()
            if n + PREFETCH < len(partition.jobs):
                ahead = partition.jobs[n + PREFETCH]
                upcoming.append(reader.submit(_fetch, filesystem, ahead.sources, ahead.read_limit))
            yield _facts_of(filesystem, job, data), False


def _facts_of(filesystem: Any, job: DecodeJob, data: bytes | None) -> ImageFacts | None:
    """Facts of ``data`` (the first source's bytes), else of the first other source holding the expected bytes."""
    for source in range(len(job.sources)):
        if source:
            data = _fetch(filesystem, job.sources[source:source + 1], job.read_limit)
        if data is None:
            continue
        if len(data) > job.read_limit:  # far above max-file-size: reported from its size, never decoded
            return ImageFacts(md5=job.md5 or "", size=filesystem.size(job.sources[source]))
        facts = read_image_facts(data, job.max_pixels)
        if job.md5 is None or facts.md5 == job.md5:
            return facts
    return None


def _fetch(filesystem: Any, paths: Sequence[str], limit: int) -> bytes | None:
    """The bytes of the first of ``paths`` that ``filesystem`` can open (DVC 3, then legacy layout),
    at most ``limit`` + 1 of them: one more than allowed tells an object that is too large."""
    for path in paths:
        try:
            with filesystem.open(path, "rb") as handle:
                return handle.read(limit + 1)
        except OSError:  # FileNotFoundError, PermissionError, IsADirectoryError, and remote I/O errors
            continue
    return None
