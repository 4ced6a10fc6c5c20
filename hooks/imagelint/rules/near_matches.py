"""Near-duplicate candidates from the pHash keys, confirmed by the second signature.

Every image has three stored keys (``facts.fingerprint``): its pHash ("full"), the pHash of its
central part ("inner") and of that part turned by a few degrees ("probe"); a query also has its
mirror image's pHash. A pair is a candidate when two of its keys are within the threshold in
one of these combinations (either image may be the query):

- full-full and inner-inner: resized, re-encoded, recoloured copies (the same framing);
- mirror-full: mirror images;
- full-inner: one image is a central crop of the other;
- probe-inner: one image is the other turned by about ``PROBE_DEGREES``, either way (held
  ``TURNED_MARGIN`` bits closer);
- smooth: both images are smooth and their layouts (or one's mirror image) are close, since
  their pHash bits are noise.

A candidate is kept only when the two signatures agree as well: the pHash bits of images with
little structure are mostly noise, and the signature is what tells a gradient or a blank frame
from another one. The closer the keys, the more layout difference is allowed: a crop, a turn or
highlights clipped by a brightness change move the coarse layout more than the keys, while
unrelated documents and screenshots come close on one key far more often than on two of the
three. For the same framing the keys' closeness is therefore the median distance of the three
keys (full, inner, probe), so one key moved by a local edit such as a watermark neither makes
nor breaks a pair. Both steps are vectorised; the confirmation sees only the candidates.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from imagelint.bitcount import popcount
from imagelint.facts import fingerprint
from imagelint.rules.near_search import all_pairs_within, pairs_within

if TYPE_CHECKING:
    from imagelint.facts.reference import Reference
    from imagelint.rules.duplicates import AllPairs

#: Largest sum of cell-code differences (codes 0 to 7, 16 cells) between confirmed signatures
#: whose keys are at the threshold; each bit closer allows ``LAYOUT_PER_BIT`` more (and a pair
#: of the same framing whose keys are further apart than the threshold is allowed less).
LAYOUT_TOLERANCE = 10
LAYOUT_PER_BIT = 2.5
#: Largest tone difference (8 levels) between confirmed signatures.
TONE_TOLERANCE = 1
#: Largest tint difference between two confirmed images that both have one, in levels of 4
#: units or as a share of the stronger tint (a 20% brightness change scales it by 1.2); a grey
#: copy of a colour image has none, and confirms on layout and tone alone.
TINT_TOLERANCE = 6
TINT_SHARE = 0.2
#: From this tint level (of either opponent channel) an image has a tint to compare: any tint
#: at all, since only a grey image has exactly none, and a faint tint still tells a grey-blue
#: gradient from a grey-brown one.
TINTED = 1

#: A turned pair must be this many bits closer than the threshold: turned keys of screenshots
#: and other framed layouts came within the threshold of unrelated ones (bench/QUALITY.md).
TURNED_MARGIN = 2
#: Largest sum of cell-code differences of a confirmed smooth pair, whose layout is all there
#: is to tell it apart; a grey copy has no tint to compare either, and grey copies of
#: gradients came within 6 of unrelated gradients of the same luminance layout.
SMOOTH_LAYOUT_TOLERANCE = 8
GREY_SMOOTH_LAYOUT_TOLERANCE = 3
#: Largest layout-key distance (sum of 4-level cell differences) of a smooth candidate: two
#: smooth images (``fingerprint.SMOOTH_LAPLACIAN``), whose pHash bits are mostly noise, are also
#: candidates when their layouts are this close (``fingerprint.layout_key``).
SMOOTH_LAYOUT = 3

FULL, INNER, PROBE, MIRROR, SMOOTH, SMOOTH_MIRROR = range(6)
#: Kinds of keys that make a candidate together, by the name a finding uses for the pair.
MATCHES = {(FULL, FULL): "near-duplicate", (INNER, INNER): "near-duplicate", (MIRROR, FULL): "mirrored near-duplicate",
           (FULL, INNER): "cropped near-duplicate", (INNER, FULL): "cropped near-duplicate",
           (PROBE, INNER): "turned near-duplicate", (INNER, PROBE): "turned near-duplicate",
           (SMOOTH, SMOOTH): "smooth near-duplicate", (SMOOTH_MIRROR, SMOOTH): "mirrored smooth near-duplicate"}


@dataclass(frozen=True)
class Candidate:
    """Row indices into the hashed rows: ``target`` is a query. ``distance`` is the pHash
    distance of the keys that matched (of the full pHashes for a smooth pair)."""

    target: int
    other: int
    distance: int
    kind: str


@dataclass(frozen=True)
class _Keys:
    """One kind of key: the rows it belongs to and its values."""

    owners: np.ndarray
    values: np.ndarray


def near_candidates(reference: "Reference", rows: np.ndarray, queries: list[int], threshold: int,
                    mirrored: bool, all_pairs: "AllPairs | None", all_pairs_from: int) -> list[Candidate]:
    """Confirmed candidate pairs of ``queries`` (indices into ``rows``) against every row."""
    everyone = np.arange(len(rows))
    asked = np.array(queries if mirrored else [], dtype=np.int64)
    whole = len(rows) == len(reference.md5)  # rows are sorted and distinct: then they are every row

    def of(column: np.ndarray) -> np.ndarray:
        return column if whole else column[rows]

    signatures = of(reference.signature)
    is_smooth = fingerprint.smooth(signatures)
    smooth, smooth_asked = np.flatnonzero(is_smooth), np.unique(asked[is_smooth[asked]])
    keys = {FULL: _Keys(everyone, of(reference.phash)), INNER: _Keys(everyone, of(reference.phash_inner)),
            PROBE: _Keys(everyone, of(reference.phash_probe)),
            MIRROR: _Keys(asked, reference.phash_mirror[rows[asked]]),
            SMOOTH: _Keys(smooth, fingerprint.layout_key(signatures[smooth])),
            SMOOTH_MIRROR: _Keys(smooth_asked, fingerprint.layout_key(fingerprint.mirrored(signatures[smooth_asked])))}
    wanted = np.zeros(len(rows), dtype=bool)
    wanted[queries] = True
    search = _query_pairs if len(queries) < all_pairs_from else partial(_all_pairs, search=all_pairs or all_pairs_within)
    found = (search(keys, wanted, threshold, (FULL, INNER, PROBE, MIRROR))
             + search(keys, wanted, SMOOTH_LAYOUT, (SMOOTH, SMOOTH_MIRROR)))
    if not found:
        return []
    target, other, distance, query_kind, other_kind = (np.array(column) for column in zip(*found))
    smooth_pair = np.isin(query_kind, (SMOOTH, SMOOTH_MIRROR))
    turned = (query_kind == PROBE) | (other_kind == PROBE)
    closeness = np.where(turned, distance + TURNED_MARGIN, distance).astype(np.float64)
    framed = np.isin(query_kind, (FULL, INNER)) & (query_kind == other_kind)
    closeness[framed] = _framing_distance(reference, rows, target[framed], other[framed])
    tolerance = LAYOUT_TOLERANCE + LAYOUT_PER_BIT * (threshold - closeness)
    keep = (confirmed(signatures[target], signatures[other], np.isin(query_kind, (MIRROR, SMOOTH_MIRROR)), tolerance,
                      smooth_pair)
            & (target != other) & (~turned | (closeness <= threshold)))
    phash = reference.phash
    distance = np.where(smooth_pair, popcount(phash[rows[target]] ^ phash[rows[other]]), distance)
    return [Candidate(int(t), int(o), int(d), MATCHES[(int(a), int(b))])
            for t, o, d, a, b in zip(target[keep], other[keep], distance[keep], query_kind[keep], other_kind[keep])]


def _query_pairs(keys: dict[int, _Keys], wanted: np.ndarray, threshold: int,
                 kinds: tuple[int, ...]) -> list[tuple[int, int, int, int, int]]:
    """Brute force, one reference key kind at a time, with only the query keys it pairs with."""
    found = []
    for other_kind in kinds:
        if other_kind in (MIRROR, SMOOTH_MIRROR):
            continue
        asking = [kind for kind in kinds if (kind, other_kind) in MATCHES]
        mine = [np.flatnonzero(wanted[keys[kind].owners]) for kind in asking]
        block = np.concatenate([keys[kind].values[at] for kind, at in zip(asking, mine)])
        starts = np.cumsum([0] + [len(at) for at in mine])
        reference = keys[other_kind]
        for qi, ri, distance in pairs_within(block, reference.values, threshold):
            part = int(np.searchsorted(starts, qi, side="right")) - 1
            owner = keys[asking[part]].owners[mine[part][qi - starts[part]]]
            found.append((int(owner), int(reference.owners[ri]), distance, asking[part], other_kind))
    return found


def _all_pairs(keys: dict[int, _Keys], wanted: np.ndarray, threshold: int, kinds: tuple[int, ...],
               search: "AllPairs") -> list[tuple[int, int, int, int, int]]:
    """One all-pairs search over the keys of ``kinds``; pairs in the orientation that puts a
    query's key first."""
    row_of = np.concatenate([keys[kind].owners for kind in kinds]).astype(np.int64)
    kind_of = np.repeat(kinds, [len(keys[kind].owners) for kind in kinds])
    pairs = search(np.concatenate([keys[kind].values for kind in kinds]), threshold)
    if not pairs:
        return []
    i, j, distance = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    combos = [x * 8 + y for x, y in MATCHES]
    forward = wanted[row_of[i]] & np.isin(kind_of[i] * 8 + kind_of[j], combos)
    backward = ~forward & wanted[row_of[j]] & np.isin(kind_of[j] * 8 + kind_of[i], combos)
    either = forward | backward
    a, b = np.where(forward, i, j)[either], np.where(forward, j, i)[either]
    return list(zip(row_of[a].tolist(), row_of[b].tolist(), distance[either].tolist(),
                    kind_of[a].tolist(), kind_of[b].tolist()))


def _framing_distance(reference: "Reference", rows: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The median distance of the full, inner and probe keys of pairs of the same framing."""
    keys = [getattr(reference, name)[rows[a]] ^ getattr(reference, name)[rows[b]]
            for name in ("phash", "phash_inner", "phash_probe")]
    return np.median(np.stack([popcount(key) for key in keys]), axis=0)


def confirmed(a: np.ndarray, b: np.ndarray, mirror_a: np.ndarray, tolerance: np.ndarray,
              smooth: np.ndarray) -> np.ndarray:
    """Whether each pair of signatures agrees (``mirror_a``: compare ``a``'s mirror image;
    ``tolerance``: the largest layout difference allowed; ``smooth``: a smooth pair, held to
    ``SMOOTH_LAYOUT_TOLERANCE`` instead, or ``GREY_SMOOTH_LAYOUT_TOLERANCE`` without tints)."""
    cells_a, tone_a, tint_a, _ = fingerprint.unpack(np.where(mirror_a, fingerprint.mirrored(a), a))
    cells_b, tone_b, tint_b, _ = fingerprint.unpack(b)
    tinted = (np.abs(tint_a).max(axis=1) >= TINTED) & (np.abs(tint_b).max(axis=1) >= TINTED)
    smooth_tolerance = np.where(tinted, SMOOTH_LAYOUT_TOLERANCE, GREY_SMOOTH_LAYOUT_TOLERANCE)
    layout = np.abs(cells_a - cells_b).sum(axis=1) <= np.where(smooth, smooth_tolerance, tolerance)
    tone = np.abs(tone_a - tone_b) <= TONE_TOLERANCE
    strongest = np.maximum(np.hypot(*tint_a.T), np.hypot(*tint_b.T))
    tint = ~tinted | (np.hypot(*(tint_a - tint_b).T) <= np.maximum(TINT_TOLERANCE, TINT_SHARE * strongest))
    structured = (a != fingerprint.NO_LAYOUT) & (b != fingerprint.NO_LAYOUT)
    return structured & layout & tone & tint
