"""The unit of work of a facts build: a partition of decode jobs, run where the bytes are.

The per-image function is the one every check runs (``read_image_facts``, one reduced decode),
so a build on a cluster stores exactly the facts a local run would. A partition holds one
image's bytes at a time, whatever its size, which bounds a worker's memory; its result is a
small :class:`FactsBundle`. Partitions are named by their content, so a retry after a lost
worker recomputes the same bundle under the same name.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Sequence

from imagelint.facts.bundle import FactsBundle
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.inspect import _inspect_one, _Job


@dataclass(frozen=True)
class Partition:
    """Jobs whose sources are paths on ``filesystem`` (a DVC filesystem object), or local paths."""

    jobs: tuple[_Job, ...]
    filesystem: Any = None

    @property
    def name(self) -> str:
        digest = hashlib.sha1("\n".join(job_key(job) for job in self.jobs).encode()).hexdigest()[:16]
        return f"imagelint-facts-{digest}"


def job_key(job: _Job) -> str:
    """What identifies a job's content: its md5, else (git-tracked images) its first source."""
    return job.md5 or f"path:{job.sources[0] if job.sources else ''}"


def partitions(jobs: Sequence[_Job], size: int, filesystem: Any = None) -> list[Partition]:
    """Jobs sorted by key and cut into runs of ``size``: the same jobs always give the same partitions."""
    ordered = sorted(jobs, key=job_key)
    return [Partition(tuple(ordered[start:start + size]), filesystem) for start in range(0, len(ordered), size)]


def inspect_partition(partition: Partition) -> FactsBundle:
    """Facts of every job of ``partition``; a job whose bytes are nowhere is listed as missing."""
    found, missing, blobs = [], [], []
    for job in partition.jobs:
        if partition.filesystem is None:
            facts, blob_matches = _inspect_one(job)
        else:
            facts, blob_matches = _inspect_on(partition.filesystem, job), False
        if facts is None:
            missing.append(job_key(job))
            continue
        found.append(facts)
        if blob_matches and job.blob:
            blobs.append((job.blob, facts.md5))
    return FactsBundle(tuple(found), tuple(missing), tuple(blobs))


def _inspect_on(filesystem: Any, job: _Job) -> ImageFacts | None:
    """Facts of the first source on ``filesystem`` holding the expected bytes (DVC 3, then legacy layout)."""
    for path in job.sources:
        try:
            with filesystem.open(path, "rb") as handle:
                data = handle.read()
        except OSError:  # FileNotFoundError, PermissionError, IsADirectoryError, and remote I/O errors
            continue
        facts = read_image_facts(data, job.max_pixels)
        if job.md5 is None or facts.md5 == job.md5:
            return facts
    return None
