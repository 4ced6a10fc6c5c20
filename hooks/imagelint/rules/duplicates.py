"""Duplicate rules (3xx): new images against each other and against the whole dataset.

A pair is reported once, on one of its two images, chosen so that every process pre-commit
starts for a split file list picks the same one: the image the change adds when only one is
new, otherwise the later path.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

from imagelint.config import Config
from imagelint.findings import Finding, Severity
from imagelint.inspect import Inspection
from imagelint.layout import Placement, place
from imagelint.rules import Rule

E, W = Severity.ERROR, Severity.WARNING

EXACT = Rule("IMG301", "exact-duplicate", E, "The same content as another image of the dataset.", """
What: compares content md5s of the new image with every image of the dataset at the state
being committed (including DVC-tracked images, from their manifests).
Why: a second copy adds nothing but weight to one example and wastes labelling effort.
Options: none.
Fix: remove one of the copies (the message names the other).
""")
NEAR = Rule("IMG302", "near-duplicate", W, "A perceptually near-identical image in the same split and class.", """
What: compares 64-bit perceptual hashes (pHash from a reduced decode, and the hash of the
mirrored image) of the new image with every image of the dataset; a Hamming distance within
'near-duplicate-threshold' is a near duplicate: resized, re-compressed, slightly edited copies.
Nearly uniform images (see IMG204) are left out: they all look alike to a hash.
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


@dataclass(frozen=True)
class _Match:
    target: str
    other: str
    distance: int  # -1 for identical content
    mirrored: bool = False


def duplicate_findings(
    targets: Sequence[Inspection],
    dataset: Sequence[Inspection],
    changed: frozenset[str],
    config: Config,
) -> list[Finding]:
    """One finding per duplicate pair that involves a target and is attributed to it."""
    everything = {item.ref.path: item for item in dataset}
    everything.update((item.ref.path, item) for item in targets)
    target_paths = {item.ref.path for item in targets}
    under_pre_commit = bool(os.environ.get("PRE_COMMIT"))
    best: dict[frozenset[str], _Match] = {}
    for match in [*_exact_matches(targets, everything), *_near_matches(targets, everything, config)]:
        key = frozenset((match.target, match.other))
        if key not in best or (match.distance, match.mirrored) < (best[key].distance, best[key].mirrored):
            best[key] = match
    findings = []
    for match in best.values():
        reporter = _reporter(match.target, match.other, target_paths, changed, under_pre_commit)
        if reporter not in target_paths:
            continue
        other = match.other if reporter == match.target else match.target
        findings.append(_finding(reporter, other, match, config))
    return findings


def _exact_matches(targets: Sequence[Inspection], everything: dict[str, Inspection]) -> list[_Match]:
    """Same content md5; broken files are left to IMG001 (all empty files are alike)."""
    by_md5: dict[str, list[str]] = {}
    for path, item in everything.items():
        if _intact(item):
            by_md5.setdefault(item.facts.md5, []).append(path)  # type: ignore[union-attr]
    return [
        _Match(item.ref.path, other, -1)
        for item in targets
        if _intact(item)
        for other in by_md5.get(item.facts.md5, ())  # type: ignore[union-attr]
        if other != item.ref.path
    ]


def _intact(item: Inspection) -> bool:
    return item.facts is not None and item.facts.format is not None and item.facts.error is None


def _near_matches(targets: Sequence[Inspection], everything: dict[str, Inspection], config: Config) -> list[_Match]:
    """Pairs within the pHash threshold: each target (and its mirror image) against everything.

    A commit's few targets are queried one by one; a whole-dataset check (--all) instead runs
    one exact all-pairs search, where querying every image against every other would be
    quadratic.
    """
    import numpy as np

    from imagelint.near_search import all_pairs_within, pairs_within

    hashed = [(path, item.facts) for path, item in sorted(everything.items()) if _matchable(item, config)]
    queries = [(item.ref.path, item.facts) for item in targets if _matchable(item, config)]
    if not hashed or not queries:
        return []
    reference = np.array([facts.phash for _, facts in hashed], dtype=np.uint64)
    mirrors = [(path, facts.phash_mirror) for path, facts in queries] if config.match_mirrored else []  # type: ignore[union-attr]
    threshold = config.near_duplicate_threshold
    candidates: list[tuple[str, str, int, bool]] = []
    if len(queries) < ALL_PAIRS_FROM:
        variants = [(path, facts.phash, False) for path, facts in queries] + [(p, h, True) for p, h in mirrors]  # type: ignore[union-attr]
        query = np.array([value for _, value, _ in variants], dtype=np.uint64)
        for qi, ri, distance in pairs_within(query, reference, threshold):
            candidates.append((variants[qi][0], hashed[ri][0], distance, variants[qi][2]))
    else:
        wanted = {path for path, _ in queries}
        combined = np.concatenate([reference, np.array([value for _, value in mirrors], dtype=np.uint64)])
        for i, j, distance in all_pairs_within(combined, threshold):
            if j < len(hashed):  # two plain hashes: the pair counts when one of them is a target
                first, second = hashed[i][0], hashed[j][0]
                if first in wanted or second in wanted:
                    target, other = (first, second) if first in wanted else (second, first)
                    candidates.append((target, other, distance, False))
            elif i < len(hashed):  # a plain hash against a target's mirror image
                candidates.append((mirrors[j - len(hashed)][0], hashed[i][0], distance, True))
    md5 = {path: facts.md5 for path, facts in hashed}  # type: ignore[union-attr]
    return [
        _Match(target, other, int(distance), mirrored)
        for target, other, distance, mirrored in candidates
        if other != target and md5[other] != md5[target]
    ]


def _matchable(item: Inspection, config: Config) -> bool:
    facts = item.facts
    if facts is None or facts.phash is None or facts.phash_mirror is None:
        return False
    threshold = config.limits_for(item.ref.path).low_information_threshold
    return facts.entropy is None or facts.entropy >= threshold


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
    if exact:
        what = f"same content as {other}"
    else:
        kind = "mirrored near-duplicate" if match.mirrored else "near-duplicate"
        what = f"{kind} of {other} (pHash distance {match.distance} <= {config.near_duplicate_threshold})"
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
