"""A bundle of image facts: what one partition of a facts build returns.

Bundles merge associatively and idempotently (a union keyed by content md5), so partitions
may finish in any order, be retried after a lost worker, or be merged twice, and the result is
the same. A key reported missing by one partition and found by another counts as found.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from imagelint.facts.image_facts import ImageFacts


@dataclass(frozen=True)
class FactsBundle:
    """Facts sorted by md5, and the job keys (md5, or ``path:...``) whose bytes were nowhere."""

    facts: tuple[ImageFacts, ...] = ()
    missing: tuple[str, ...] = ()
    #: For git-tracked images: blob id -> md5, for the index's blob table.
    blobs: tuple[tuple[str, str], ...] = ()

    def merge(self, other: FactsBundle) -> FactsBundle:
        return merge_bundles((self, other))

    def __len__(self) -> int:
        return len(self.facts) + len(self.missing)


def merge_bundles(bundles: Iterable[FactsBundle]) -> FactsBundle:
    facts: dict[str, ImageFacts] = {}
    missing: set[str] = set()
    blobs: dict[str, str] = {}
    for bundle in bundles:
        facts.update((item.md5, item) for item in bundle.facts)
        missing.update(bundle.missing)
        blobs.update(bundle.blobs)
    missing.difference_update(facts)
    return FactsBundle(
        facts=tuple(facts[md5] for md5 in sorted(facts)),
        missing=tuple(sorted(missing)),
        blobs=tuple(sorted(blobs.items())),
    )
