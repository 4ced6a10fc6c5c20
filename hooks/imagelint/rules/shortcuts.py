"""Shortcut rules (5xx): a class that one trivial property tells apart from the others.

Per split, every property of ``imagelint.stats.properties`` is scored against the class from
the facts in the index (never a decode): numeric ones by cross-validated predictive power, one
class against the rest, categorical ones by Cramer's V, plus a value that only one class has
(all of a class from one camera). Thresholds are calibrated on real photographs whose classes
differ only in content (bench/SHORTCUTS.md).
"""
from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Sequence

import numpy as np

from imagelint.config import Config
from imagelint.findings import Finding, Severity
from imagelint.rules import Rule
from imagelint.rules.association import cramers_v, predictive_power
from imagelint.stats.properties import CATEGORICAL, NONE, NUMERIC
from imagelint.stats.split_profiles import ClassImages, SplitProfiles, values_of

SHORTCUT = Rule("IMG501", "shortcut-property", Severity.WARNING,
                "One trivial property (lighting, colour, framing, size, camera, format, JPEG quality) tells a class apart.", """
What: per split, scores how well each property alone predicts the class, against the baseline
of guessing: brightness, contrast, saturation, colourfulness, aspect ratio, megapixels and JPEG
quality by a cross-validated predictive-power score of one class against the rest (a decision
stump; 0 = no better than the baseline, 1 = the property alone separates the class); camera
(EXIF make and model), format, colour mode and dominant hue by Cramer's V. A camera, format or colour mode
that covers at least 90% of one class and no other image of the split is always reported.
Classes need at least 10 images; at most 400 per class are scored (the first by content
md5), all from stored facts.
Why: a model learns the easiest signal. Apples photographed in hands and citrus on white
plates teach "hands vs plates"; a class shot darker, saved at another JPEG quality or taken
with one camera teaches the lighting, the compression or the camera.
Options: shortcut-threshold (default 0.6, for both scores; bench/SHORTCUTS.md shows how it was
chosen: classes of real photographs that differ only in content stayed below 0.48).
Fix: collect the class with varied lighting, framing and cameras (or vary the others), convert
all classes to one format and JPEG quality; give images of a fixed camera their own label.
""")

RULES = [SHORTCUT]

#: Fewest images per class before a class is scored at all.
MIN_CLASS_IMAGES = 10
#: Share of a class that one exclusive value must cover to be reported however the scores go.
EXCLUSIVE_SHARE = 0.9
_EXCLUSIVE = ("camera", "format", "mode")

_ADVICE = {
    "brightness": "collect '{c}' under varied lighting (or vary the lighting of the other classes)",
    "contrast": "collect '{c}' under varied lighting and exposure",
    "saturation": "collect '{c}' with varied colour and white balance",
    "colourfulness": "collect '{c}' with varied colour and backgrounds",
    "aspect_ratio": "crop every class alike, or collect '{c}' with varied framing",
    "megapixels": "resize every class alike, or collect '{c}' at varied sizes and cameras",
    "jpeg_quality": "re-encode every class at one JPEG quality, from the originals",
    "camera": "collect '{c}' with several cameras, or give images of a fixed camera their own label",
    "format": "convert every class to one format",
    "mode": "convert every class to one colour mode (RGB)",
    "dominant_hue": "vary backgrounds and lighting colour across classes",
}


def shortcut_findings(splits: Sequence[SplitProfiles], config: Config) -> list[Finding]:
    """IMG501 for every split, at most one finding per property."""
    findings = []
    for split in splits:
        classes = [c for c in split.classes if len(c.profiles) >= MIN_CLASS_IMAGES]
        if len(classes) < 2:
            continue
        for message in [*_numeric(classes, config.shortcut_threshold), *_categorical(classes, config.shortcut_threshold)]:
            findings.append(Finding(split.path, SHORTCUT.code, SHORTCUT.name, SHORTCUT.severity, message))
    return findings


def numeric_scores(classes: Sequence[ClassImages]) -> dict[str, tuple[float, str]]:
    """The best one-vs-rest predictive power of each numeric property, with its class."""
    scores = {}
    for position, name in enumerate(NUMERIC):
        values, labels = values_of(classes, position)
        counts = Counter(labels)
        scored = [c.label for c in classes if counts[c.label] >= MIN_CLASS_IMAGES]
        if len(counts) < 2 or not scored:
            scores[name] = (0.0, "")
            continue
        names = sorted(counts)
        index = {label: i for i, label in enumerate(names)}
        powers = predictive_power(np.asarray(values), np.array([index[label] for label in labels]), len(names))
        scores[name] = max((float(powers[index[label]]), label) for label in scored)
    return scores


def categorical_scores(classes: Sequence[ClassImages]) -> dict[str, float]:
    """Cramer's V of each categorical property with the class."""
    labels = [c.label for c in classes for _ in c.profiles]
    return {name: cramers_v([p.categories[i] for c in classes for p in c.profiles], labels)
            for i, name in enumerate(CATEGORICAL)}


def _numeric(classes: Sequence[ClassImages], threshold: float) -> list[str]:
    messages = []
    for position, (name, (score, label)) in enumerate(numeric_scores(classes).items()):
        if score < threshold:
            continue
        inside = [p.numbers[position] for c in classes if c.label == label for p in c.profiles]
        outside = [p.numbers[position] for c in classes if c.label != label for p in c.profiles]
        inside = [v for v in inside if v is not None]
        outside = [v for v in outside if v is not None]
        words = name.replace("_", " ")
        messages.append(f"{words} alone tells class '{label}' from the others (predictive power {score:.2f}, "
                        f"threshold {threshold:g}; median {median(inside):.3g} vs {median(outside):.3g}): "
                        f"a model can learn the {words} instead of the content; " + _ADVICE[name].format(c=label))
    return messages


def _categorical(classes: Sequence[ClassImages], threshold: float) -> list[str]:
    messages = []
    scores = categorical_scores(classes)
    for i, name in enumerate(CATEGORICAL):
        exclusive = _exclusive_value(classes, i) if name in _EXCLUSIVE else None
        if exclusive:
            label, value, share = exclusive
            what = "no camera in EXIF" if value == NONE else f"{name} '{value}'"
            messages.append(f"{what}: {share * 100:.0f}% of class '{label}' and no other image of the split: "
                            f"a model can learn the {name} instead of the content; " + _ADVICE[name].format(c=label))
        elif scores[name] >= threshold:
            label, value, share = _most_skewed(classes, i)
            messages.append(f"{name.replace('_', ' ')} goes with the class (Cramer's V {scores[name]:.2f}, threshold "
                            f"{threshold:g}; class '{label}' is {share * 100:.0f}% '{value}'): a model can learn the "
                            f"{name.replace('_', ' ')} instead of the content; " + _ADVICE[name].format(c=label))
    return messages


def _exclusive_value(classes: Sequence[ClassImages], position: int) -> tuple[str, str, float] | None:
    """(class, value, share) of a value covering most of one class and no image of the others."""
    holders: dict[str, set[str]] = {}
    for c in classes:
        for p in c.profiles:
            holders.setdefault(p.categories[position], set()).add(c.label)
    for c in classes:
        top, count = Counter(p.categories[position] for p in c.profiles).most_common(1)[0]
        if holders[top] == {c.label} and count / len(c.profiles) >= EXCLUSIVE_SHARE:
            return c.label, top, count / len(c.profiles)
    return None


def _most_skewed(classes: Sequence[ClassImages], position: int) -> tuple[str, str, float]:
    """The class whose most common value is most over-represented against the split."""
    overall = Counter(p.categories[position] for c in classes for p in c.profiles)
    total = sum(overall.values())
    best = ("", "", 0.0, -1.0)
    for c in classes:
        value, count = Counter(p.categories[position] for p in c.profiles).most_common(1)[0]
        share = count / len(c.profiles)
        lift = share - overall[value] / total
        if lift > best[3]:
            best = (c.label, value, share, lift)
    return best[0], best[1], best[2]
