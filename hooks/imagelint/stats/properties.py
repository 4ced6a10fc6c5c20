"""The trivial properties of an image that a model can learn instead of its content.

One fixed list, shared by the per-class summaries of the stats file and by the shortcut and
diversity rules, so the numbers a reviewer reads are the numbers the rules judged. Numeric
properties are on fixed scales (see ``imagelint.facts.colour``); categorical ones are strings,
``NONE`` where the image does not say (no EXIF camera, grey images have no hue).
"""
from __future__ import annotations

from dataclasses import dataclass

from imagelint.facts.image_facts import ImageFacts

NUMERIC = ("brightness", "contrast", "saturation", "colourfulness", "aspect_ratio", "megapixels", "jpeg_quality")
CATEGORICAL = ("camera", "format", "mode", "dominant_hue")
NONE = "(none)"
HUE_NAMES = ("red", "orange", "yellow", "chartreuse", "green", "spring green", "cyan", "azure", "blue",
             "violet", "magenta", "rose")


@dataclass(frozen=True)
class Profile:
    """One image's properties: ``numbers`` in ``NUMERIC`` order (None where unmeasured),
    ``categories`` in ``CATEGORICAL`` order, and its pHash for redundancy."""

    numbers: tuple[float | None, ...]
    categories: tuple[str, ...]
    phash: int | None


def image_profile(facts: ImageFacts) -> Profile | None:
    """The profile of an intact image, None for files that are not one."""
    if facts.format is None or facts.error:
        return None
    hue = HUE_NAMES[facts.dominant_hue] if facts.dominant_hue is not None else NONE
    numbers = (facts.brightness, facts.contrast, facts.saturation, facts.colourfulness, facts.aspect_ratio,
               round(facts.pixels / 1e6, 3), facts.jpeg_quality)
    categories = (facts.camera or NONE, facts.format, facts.mode or NONE, hue)
    return Profile(tuple(None if v is None else float(v) for v in numbers), categories, facts.phash)


#: The index columns a profile is built from (``FactsIndex.columns``).
PROFILE_COLUMNS = ("format", "error", "width", "height", "orientation", "jpeg_quality", "camera_make",
                   "camera_model", "mode", "dominant_hue", "phash", "brightness", "contrast", "saturation",
                   "colourfulness")


def profile_from_columns(row: tuple) -> Profile | None:
    """The profile of an image from its ``PROFILE_COLUMNS`` values."""
    return image_profile(ImageFacts(md5="", size=0, **dict(zip(PROFILE_COLUMNS, row))))
