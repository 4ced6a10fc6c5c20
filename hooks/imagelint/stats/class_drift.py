"""How a class's look moved between two stats documents: the per-class summaries compared.

A reviewer should hear when a class got darker, was re-encoded, gained a camera or filled up
with near copies, even when its image count barely moved. Each change is one short phrase.
"""
from __future__ import annotations

from typing import Any, Mapping

from imagelint.stats.properties import NUMERIC

#: Fewest images on both sides before a class's look is compared (a few images always move).
MIN_IMAGES = 10


def class_drift(old: Mapping[str, Any], new: Mapping[str, Any], share_points: float) -> tuple[str, ...]:
    """Phrases for the properties of one class (of at least ``MIN_IMAGES`` images on both
    sides) that moved: a median that left the former
    interquartile range, a camera or format whose share of the class moved by more than
    ``share_points`` points, and a rise of more than that in the share of near copies."""
    if min(old.get("count", 0), new.get("count", 0)) < MIN_IMAGES:
        return ()
    changes = []
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    for name in NUMERIC:
        before, after = old_properties.get(name), new_properties.get(name)
        if before and after and not before["q1"] <= after["median"] <= before["q3"]:
            changes.append(f"median {name.replace('_', ' ')} {_number(before['median'])} -> "
                           f"{_number(after['median'])}, outside the former quartiles "
                           f"{_number(before['q1'])}-{_number(before['q3'])}")
    for key, word in (("cameras", "camera"), ("formats", "format")):
        before, after = _shares(old.get(key, {})), _shares(new.get(key, {}))
        for value in sorted(set(before) | set(after)):
            points = (after.get(value, 0) - before.get(value, 0)) * 100
            if abs(points) > share_points:
                changes.append(f"{word} '{value}' {before.get(value, 0) * 100:.0f}% -> "
                               f"{after.get(value, 0) * 100:.0f}% of the class")
    before_near = old.get("redundancy", {}).get("near_share")
    after_near = new.get("redundancy", {}).get("near_share")
    if before_near is not None and after_near is not None and (after_near - before_near) * 100 > share_points:
        changes.append(f"near copies {before_near * 100:.0f}% -> {after_near * 100:.0f}% of the class")
    return tuple(changes)


def _shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {value: count / total for value, count in counts.items()} if total else {}


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


#: Columns of the pull-request table of class looks: (heading, property).
LOOK_COLUMNS = (("brightness", "brightness"), ("contrast", "contrast"), ("saturation", "saturation"),
                ("aspect", "aspect_ratio"), ("JPEG quality", "jpeg_quality"))


def look_row(entry: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Medians (with quartiles) of a class, its top camera and its near-copy share, as table cells."""
    properties = entry.get("properties")
    if not properties:
        return None
    cells = []
    for _, name in LOOK_COLUMNS:
        value = properties.get(name)
        cells.append(f"{_number(value['median'])} ({_number(value['q1'])}-{_number(value['q3'])})" if value else "-")
    cameras = entry.get("cameras", {})
    top = max(cameras, key=lambda c: (cameras[c], c)) if cameras else None
    cells.append(f"{top} ({cameras[top] / sum(cameras.values()) * 100:.0f}%)" if top else "-")
    near = entry.get("redundancy", {}).get("near_share")
    cells.append("-" if near is None else f"{near * 100:.0f}%")
    return tuple(cells)
