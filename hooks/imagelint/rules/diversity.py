"""Diversity rule (IMG502): a class far less varied than the other classes of its split.

Each class gets a few spreads from the stored facts: how close its images are to their nearest
neighbour by pHash (near-identical backgrounds from a fixed camera, frames of one scene), the
interquartile range of brightness, saturation and aspect ratio, and the standard deviation of
size (which takes a few values, one per camera or export preset). A class is flagged
on a measure when its spread is below ``diversity-threshold`` times the median spread of the
other classes (a quarter of that for the property spreads, which content alone narrows), and
those are varied at all (a floor per measure). Calibrated with the shortcut
rule (bench/SHORTCUTS.md).
"""
from __future__ import annotations

import math
from statistics import median
from typing import Callable, Sequence

import numpy as np

from imagelint.config import Config
from imagelint.findings import Finding, Severity
from imagelint.rules import Rule
from imagelint.rules.shortcuts import MIN_CLASS_IMAGES
from imagelint.stats.classes import nearest_distances
from imagelint.stats.properties import NUMERIC, Profile
from imagelint.stats.split_profiles import SplitProfiles

LOW_DIVERSITY = Rule("IMG502", "low-diversity", Severity.WARNING,
                     "A class far less varied than the others of its split (near copies, lighting, framing, size).", """
What: per split and class, from stored facts: the median pHash distance from each image to its
nearest neighbour in the class (low when the images are near copies, frames of one scene or
one fixed background), the interquartile range of brightness, saturation and aspect ratio, and
the standard deviation of size (log2 megapixels: sizes come from a few cameras and presets, and
an interquartile range of a few values is often 0 by chance). A class is reported on each
measure where it has less than 'diversity-threshold' times the median of the other classes (a
quarter of that for the four spreads, which content alone narrows more), provided those reach a floor
(distance 8 bits; brightness and saturation 0.03; aspect 0.05; size 0.25). Classes need at
least 10 images; at most 400 per class are measured (the first by content md5).
Why: guidance asks for varied backgrounds, lighting, object sizes and camera angles; a class
cut from a few frames of one scene teaches that scene, and the model fails on the class
elsewhere.
Options: diversity-threshold (default 0.6; bench/SHORTCUTS.md).
Fix: collect more varied images of the class: other places, lighting, framing and cameras.
""")

RULES = [LOW_DIVERSITY]


def _spread(position: int, transform: Callable[[float], float] = float) -> Callable[[Sequence[Profile]], float | None]:
    def measure(profiles: Sequence[Profile]) -> float | None:
        values = sorted(transform(v) for p in profiles if (v := p.numbers[position]) is not None and v > 0)
        if len(values) < MIN_CLASS_IMAGES:
            return None
        q1, q3 = np.quantile(values, [0.25, 0.75])
        return float(q3 - q1)

    return measure


def _nearest(profiles: Sequence[Profile]) -> float | None:
    distances = nearest_distances([("", p.phash) for p in profiles if p.phash is not None])
    return float(np.median(distances)) if len(distances) >= MIN_CLASS_IMAGES else None


def _deviation(position: int, transform: Callable[[float], float]) -> Callable[[Sequence[Profile]], float | None]:
    """The standard deviation of a property that takes a few values (image sizes come from a few
    cameras and export presets): an interquartile range of those is often 0 by chance, which
    flagged classes that differ only in content (bench/SHORTCUTS.md)."""
    def measure(profiles: Sequence[Profile]) -> float | None:
        values = [transform(v) for p in profiles if (v := p.numbers[position]) is not None and v > 0]
        return float(np.std(values)) if len(values) >= MIN_CLASS_IMAGES else None

    return measure


#: (words for the message, measure, floor the other classes must reach, share of the threshold,
#: format of the figure).
MEASURES = (
    ("near-identical images (median pHash distance to the nearest other image)", _nearest, 8.0, 1.0, "{:.0f}"),
    ("lighting (brightness interquartile range)", _spread(NUMERIC.index("brightness")), 0.03, 0.25, "{:.3f}"),
    ("colour (saturation interquartile range)", _spread(NUMERIC.index("saturation")), 0.03, 0.25, "{:.3f}"),
    ("framing (aspect ratio interquartile range)", _spread(NUMERIC.index("aspect_ratio")), 0.05, 0.25, "{:.3f}"),
    ("size (log2 megapixels standard deviation)", _deviation(NUMERIC.index("megapixels"), math.log2), 0.25, 0.25,
     "{:.2f}"),
)


def diversity_scores(split: SplitProfiles) -> dict[str, list[float | None]]:
    """Each measure per class (in the split's class order), None where too few images."""
    return {words: [measure(c.profiles) for c in split.classes] for words, measure, *_ in MEASURES}


def diversity_findings(splits: Sequence[SplitProfiles], config: Config) -> list[Finding]:
    """IMG502: one finding per class that is far less varied on one or more measures."""
    findings = []
    for split in splits:
        if sum(len(c.profiles) >= MIN_CLASS_IMAGES for c in split.classes) < 2:
            continue
        scores = diversity_scores(split)
        for i, entry in enumerate(split.classes):
            low = []
            for words, _, floor, share, figure in MEASURES:
                own = scores[words][i]
                others = [v for j, v in enumerate(scores[words]) if j != i and v is not None]
                if own is None or not others:
                    continue
                typical = median(others)
                if typical >= floor and own < share * config.diversity_threshold * typical:
                    low.append(f"{words} {figure.format(own)} vs {figure.format(typical)} (limit "
                               f"{share * config.diversity_threshold:g}x)")
            if low:
                findings.append(Finding(
                    split.path, LOW_DIVERSITY.code, LOW_DIVERSITY.name, LOW_DIVERSITY.severity,
                    f"class '{entry.label}' is far less varied than the other classes: {'; '.join(low)}: "
                    f"collect '{entry.label}' in other "
                    "places, lighting, framing and with other cameras",
                ))
    return findings
