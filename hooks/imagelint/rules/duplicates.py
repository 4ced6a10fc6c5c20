"""Duplicate rules (3xx): new images against each other and against the whole dataset.

A pair is reported once, on one of its two images, chosen so that every process pre-commit
starts for a split file list picks the same one: the image the change adds when only one is
new, otherwise the later path.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Sequence, Tuple

from imagelint.config import Config
from imagelint.findings import Finding, Severity
from imagelint.facts.inspect import Inspection
from imagelint.stats.layout import Placement, place
from imagelint.rules import Rule

if TYPE_CHECKING:
    import numpy as np

    from imagelint.facts.reference import Reference

E, W = Severity.ERROR, Severity.WARNING

#: An exact all-pairs search: (hashes, threshold) -> sorted (i, j, distance) with i < j.
AllPairs = Callable[["np.ndarray", int], List[Tuple[int, int, int]]]

EXACT = Rule("IMG301", "exact-duplicate", E, "The same content or the same pixels as another image of the dataset.", """
What: compares content md5s of the new image with every image of the dataset at the state
being committed (including DVC-tracked images, from their manifests), and for JPEG and PNG
a digest of the coded picture without its metadata (EXIF, XMP, comments, text chunks), so a
copy that only lost or changed its metadata is an exact duplicate too. A lossless
re-compression has the same pixels but other coded data: it is a near duplicate at distance 0.
Why: a second copy adds nothing but weight to one example and wastes labelling effort.
Options: none.
Fix: remove one of the copies (the message names the other).
""")
NEAR = Rule("IMG302", "near-duplicate", W, "A perceptually near-identical image in the same split and class.", """
What: compares 64-bit perceptual hashes (pHash from a reduced decode) of the new image with
every image of the dataset; a Hamming distance within 'near-duplicate-threshold' makes a
candidate: resized, re-compressed, slightly edited copies (by the whole image or its central
90%), and with the hashes of the central 90% (plain and turned by 5 degrees) cropped and
slightly rotated copies; with the mirror image's hash, mirrored copies; two smooth images
(gradients, nearly uniform frames), whose pHash bits are mostly noise, also when their layouts
are close. A candidate is a near duplicate only when a second signature agrees too (the layout
of a 4x4 luminance grid, tone and tint), which keeps gradients and low-contrast images from
matching each other; the closer the hashes, the more the layout may differ, as it does under a
crop, a turn or clipped highlights. A blank frame has no layout: it matches only its exact
copies.
Why: near copies inflate a class and teach the model one example many times.
Options: near-duplicate-threshold (default 10 bits of 64), match-mirrored (default true).
Fix: keep the best copy; if the images are genuinely different, ignore the rule for those paths.
""")
SPLIT_LEAK = Rule("IMG303", "split-leak", E, "An exact or near duplicate in another split (train vs test).", """
What: a duplicate (exact or near, as IMG301 and IMG302 decide) whose other copy sits in a
different split, read from the path layout ('layout', 'splits').
Why: a test image that is also in training silently inflates every evaluation metric.
Options: layout (default "{split}/{class}/"), splits, near-duplicate-threshold.
Fix: remove the copy from one of the splits, usually from test or val.
""")
CLASS_CONFLICT = Rule("IMG304", "class-conflict", E, "An exact or near duplicate under a different class.", """
What: a duplicate (exact or near) whose other copy is labelled with another class, in the same
split.
Why: the same picture with two labels is a label error; the model is trained to contradict itself.
Options: layout, near-duplicate-threshold.
Fix: decide the right class and remove the other copy.
""")

RULES = [EXACT, NEAR, SPLIT_LEAK, CLASS_CONFLICT]

#: From this many images to check, one all-pairs search beats querying them one by one.
ALL_PAIRS_FROM = 2000


#: How a pair matched, best first at equal distance: the same bytes, the same coded pixels,
#: then the near kinds of ``near_matches.MATCHES``.
_KINDS = ("content", "pixels", "near-duplicate", "mirrored near-duplicate", "cropped near-duplicate",
          "turned near-duplicate", "smooth near-duplicate", "mirrored smooth near-duplicate")


@dataclass(frozen=True)
class _Match:
    target: str
    other: str
    distance: int  # -1 for an exact duplicate
    kind: str  # one of _KINDS

    @property
    def rank(self) -> tuple[int, int]:
        return self.distance, _KINDS.index(self.kind)


def duplicate_findings(
    targets: Sequence[Inspection],
    reference: Reference,
    changed: frozenset[str],
    config: Config,
    all_pairs: AllPairs | None = None,
) -> list[Finding]:
    """One finding per duplicate pair that involves a target and is attributed to it.

    ``all_pairs`` replaces the local all-pairs search of a whole-dataset check (a cluster's).
    """
    target_paths = {item.ref.path for item in targets}
    under_pre_commit = bool(os.environ.get("PRE_COMMIT"))
    best: dict[frozenset[str], _Match] = {}
    for match in [*_exact_matches(reference), *_near_matches(reference, config, all_pairs)]:
        key = frozenset((match.target, match.other))
        if key not in best or match.rank < best[key].rank:
            best[key] = match
    findings = []
    for match in best.values():
        reporter = _reporter(match.target, match.other, target_paths, changed, under_pre_commit)
        if reporter not in target_paths:
            continue
        other = match.other if reporter == match.target else match.target
        findings.append(_finding(reporter, other, match, config))
    return findings


def _exact_matches(reference: Reference) -> list[_Match]:
    """Same content md5, or same coded pixels (``pixel_digest``), among intact images; broken
    files are left to IMG001 (all empty files are alike)."""
    targets = set(reference.targets.tolist())
    import numpy as np

    digests = reference.pixel_digest
    groups = [("content", rows) for rows in _sharing(reference.md5.view(np.uint64).reshape(-1, 2),
                                                     reference.intact, reference.targets)]
    groups += [("pixels", rows) for rows in _sharing(digests.reshape(-1, 1), reference.intact & (digests != 0),
                                                     reference.targets)]
    return [
        _Match(reference.paths[target], reference.paths[other], -1, kind)
        for kind, rows in groups
        for target in rows
        if target in targets
        for other in rows
        if other != target
    ]


def _sharing(keys: "np.ndarray", eligible: "np.ndarray", targets: "np.ndarray") -> list[list[int]]:
    """Rows of ``eligible`` images whose key row (an md5 as two uint64, a digest as one) an
    eligible target has, grouped by key: a commit's few targets are compared with the key
    column, a whole-dataset check sorts it."""
    import numpy as np

    targets = targets[eligible[targets]]
    if len(targets) <= 64:  # one pass over the first key column finds every row worth comparing
        near = np.flatnonzero(np.isin(keys[:, 0], keys[targets, 0]) & eligible)
        groups = {}
        for target in targets.tolist():
            same = near[np.all(keys[near] == keys[target], axis=1)]
            groups[keys[target].tobytes()] = same.tolist()
        return [rows for rows in groups.values() if len(rows) > 1]
    rows = np.flatnonzero(eligible)
    rows = rows[np.lexsort(keys[rows].T[::-1])]
    ordered = keys[rows]
    starts = np.flatnonzero(np.concatenate([[True], np.any(ordered[1:] != ordered[:-1], axis=1)]))
    ends = np.append(starts[1:], len(rows))
    wanted = set(targets.tolist())
    groups_of = (rows[a:b].tolist() for a, b in zip(starts.tolist(), ends.tolist()) if b - a > 1)
    return [group for group in groups_of if wanted.intersection(group)]


def _near_matches(reference: Reference, config: Config, all_pairs: AllPairs | None) -> list[_Match]:
    """Confirmed near pairs of each target against every hashed image (``near_matches``).

    A commit's few targets are queried one by one; a whole-dataset check (--all) instead runs
    one exact all-pairs search, where querying every image against every other would be
    quadratic.
    """
    import numpy as np

    from imagelint.rules.near_matches import near_candidates

    rows = np.flatnonzero(reference.hashed)
    queries = np.searchsorted(rows, reference.targets[reference.hashed[reference.targets]]).tolist()
    if not queries:
        return []
    candidates = near_candidates(reference, rows, queries, config.near_duplicate_threshold,
                                 config.match_mirrored, all_pairs, ALL_PAIRS_FROM)
    keys = reference.md5.view("V16").ravel()
    return [_Match(reference.paths[int(rows[c.target])], reference.paths[int(rows[c.other])], c.distance, c.kind)
            for c in candidates if keys[rows[c.target]] != keys[rows[c.other]]]


def _reporter(a: str, b: str, target_paths: set[str], changed: frozenset[str], under_pre_commit: bool) -> str:
    """Which image of a pair carries the finding; the same answer in every split invocation."""
    if (a in changed) != (b in changed):
        return a if a in changed else b
    if b in target_paths or under_pre_commit:
        return max(a, b)
    return a


def _finding(path: str, other: str, match: _Match, config: Config) -> Finding:
    here, there = _placement(path, config), _placement(other, config)
    exact = match.distance < 0
    if match.kind == "content":
        what = f"same content as {other}"
    elif match.kind == "pixels":
        what = f"same pixels as {other} (only the metadata differs)"
    elif "smooth" in match.kind:
        what = f"{match.kind} of {other} (same layout, tone and tint; pHash is unreliable on smooth images)"
    else:
        what = f"{match.kind} of {other} (pHash distance {match.distance} <= {config.near_duplicate_threshold})"
    if here.root == there.root and here.split and there.split and here.split != there.split:
        rule, advice = SPLIT_LEAK, f"copies in {here.split} and {there.split} leak evaluation data into training; remove one"
    elif here.root == there.root and here.label and there.label and here.label != there.label:
        rule, advice = CLASS_CONFLICT, f"labelled '{here.label}' here and '{there.label}' there; keep the right class only"
    elif exact:
        rule, advice = EXACT, "remove one of the copies"
    else:
        rule, advice = NEAR, "keep the best copy"
    return Finding(path, rule.code, rule.name, rule.severity, f"{what}: {advice}", (other,))


def _placement(path: str, config: Config) -> Placement:
    return place(path, config.layout, config.splits)
