"""Near-duplicate candidates from the pHash keys, confirmed by the second signature.

Every image has three stored keys (``facts.fingerprint``): its pHash ("full"), the pHash of its
central part ("inner") and of that part turned by a few degrees ("probe"); a query also has its
mirror image's pHash. A pair is a candidate when two of its keys are within the threshold in
one of these combinations (either image may be the query):

- full-full: resized, re-encoded, recoloured copies; mirror-full: mirror images;
- full-inner: one image is a central crop of the other;
- probe-inner: one image is the other turned by about ``PROBE_DEGREES``, either way.

A candidate is kept only when the two signatures agree as well: the pHash bits of images with
little structure are mostly noise, and the signature is what tells a gradient or a blank frame
from another one. Both steps are vectorised; the confirmation sees only the candidates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Tuple

import numpy as np

from imagelint.facts import fingerprint
from imagelint.rules.near_search import all_pairs_within, pairs_within

if TYPE_CHECKING:
    from imagelint.facts.reference import Reference

AllPairs = Callable[[np.ndarray, int], List[Tuple[int, int, int]]]

#: Largest sum of cell-code differences (codes 0 to 7, 16 cells) between confirmed signatures.
LAYOUT_TOLERANCE = 10
#: Largest tone difference (16 levels) between confirmed signatures.
TONE_TOLERANCE = 3
#: Largest tint difference (levels of 4 units) between two confirmed images that both have one
#: (a grey copy of a colour image has none, and confirms on layout and tone alone).
TINT_TOLERANCE = 5
TINTED = 3

FULL, INNER, PROBE, MIRROR = range(4)
#: Kinds of keys that make a candidate together, by the name a finding uses for the pair.
MATCHES = {(FULL, FULL): "near-duplicate", (MIRROR, FULL): "mirrored near-duplicate",
           (FULL, INNER): "cropped near-duplicate", (INNER, FULL): "cropped near-duplicate",
           (PROBE, INNER): "turned near-duplicate", (INNER, PROBE): "turned near-duplicate"}


@dataclass(frozen=True)
class Candidate:
    """Row indices into the hashed rows: ``target`` is a query."""

    target: int
    other: int
    distance: int
    kind: str


def near_candidates(reference: "Reference", rows: np.ndarray, queries: list[int], threshold: int,
                    mirrored: bool, all_pairs: AllPairs | None, all_pairs_from: int) -> list[Candidate]:
    """Confirmed candidate pairs of ``queries`` (indices into ``rows``) against every row."""
    keys = [reference.phash[rows], reference.phash_inner[rows], reference.phash_probe[rows]]
    mirrors = reference.phash_mirror[rows][queries] if mirrored else keys[0][:0]
    if len(queries) < all_pairs_from:
        found = _query_pairs(keys, mirrors, queries, threshold)
    else:
        found = _all_pairs(keys, mirrors, queries, threshold, all_pairs or all_pairs_within)
    if not found:
        return []
    target, other, distance, query_kind, other_kind = (np.array(column) for column in zip(*found))
    signatures = reference.signature[rows]
    keep = confirmed(signatures[target], signatures[other], query_kind == MIRROR) & (target != other)
    return [Candidate(int(t), int(o), int(d), MATCHES[(int(a), int(b))])
            for t, o, d, a, b in zip(target[keep], other[keep], distance[keep], query_kind[keep], other_kind[keep])]


def _query_pairs(keys: list[np.ndarray], mirrors: np.ndarray, queries: list[int],
                 threshold: int) -> list[tuple[int, int, int, int, int]]:
    """Brute force, one reference key kind at a time, with only the query keys it pairs with."""
    own = {kind: keys[kind][queries] for kind in (FULL, INNER, PROBE)} | {MIRROR: mirrors}
    found = []
    for other_kind in (FULL, INNER, PROBE):
        kinds = [a for a, b in MATCHES if b == other_kind and len(own[a])]
        block = np.concatenate([own[kind] for kind in kinds])
        starts = np.cumsum([0] + [len(own[kind]) for kind in kinds])
        for qi, ri, distance in pairs_within(block, keys[other_kind], threshold):
            part = int(np.searchsorted(starts, qi, side="right")) - 1
            found.append((queries[qi - starts[part]], ri, distance, kinds[part], other_kind))
    return found


def _all_pairs(keys: list[np.ndarray], mirrors: np.ndarray, queries: list[int], threshold: int,
               search: AllPairs) -> list[tuple[int, int, int, int, int]]:
    """One all-pairs search over every key of every row (and the queries' mirrors)."""
    n = len(keys[0])
    row_of = np.concatenate([np.arange(n)] * 3 + [np.array(queries, dtype=np.int64)])
    kind_of = np.repeat([FULL, INNER, PROBE, MIRROR], [n, n, n, len(mirrors)])
    wanted = np.zeros(n, dtype=bool)
    wanted[queries] = True
    pairs = search(np.concatenate([*keys, mirrors]), threshold)
    if not pairs:
        return []
    i, j, distance = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    combos = [x * 4 + y for x, y in MATCHES]
    forward = wanted[row_of[i]] & np.isin(kind_of[i] * 4 + kind_of[j], combos)
    backward = ~forward & wanted[row_of[j]] & np.isin(kind_of[j] * 4 + kind_of[i], combos)
    a, b = np.where(forward, i, j)[forward | backward], np.where(forward, j, i)[forward | backward]
    found = list(zip(row_of[a].tolist(), row_of[b].tolist(), distance[forward | backward].tolist(),
                     kind_of[a].tolist(), kind_of[b].tolist()))
    return found


def confirmed(a: np.ndarray, b: np.ndarray, mirror_a: np.ndarray) -> np.ndarray:
    """Whether each pair of signatures agrees (``mirror_a``: compare ``a``'s mirror image)."""
    cells_a, tone_a, tint_a = fingerprint.unpack(a)
    cells_b, tone_b, tint_b = fingerprint.unpack(b)
    flipped = cells_a.reshape(-1, fingerprint.GRID, fingerprint.GRID)[:, :, ::-1].reshape(cells_a.shape)
    cells_a = np.where(mirror_a[:, None], flipped, cells_a)
    layout = np.abs(cells_a - cells_b).sum(axis=1) <= LAYOUT_TOLERANCE
    tone = np.abs(tone_a - tone_b) <= TONE_TOLERANCE
    tinted = (np.abs(tint_a).max(axis=1) >= TINTED) & (np.abs(tint_b).max(axis=1) >= TINTED)
    tint = ~tinted | (np.hypot(*(tint_a - tint_b).T) <= TINT_TOLERANCE)
    structured = (a != fingerprint.NO_LAYOUT) & (b != fingerprint.NO_LAYOUT)
    return structured & layout & tone & tint
