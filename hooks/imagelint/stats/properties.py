"""The trivial properties of an image that a model can learn instead of its content.

One fixed list, shared by the per-class summaries of the stats file and by the shortcut and
diversity rules, so the numbers a reviewer reads are the numbers the rules judged. Numeric
properties are on fixed scales (see ``imagelint.facts.colour``); categorical ones are strings,
``NONE`` where the image does not say (no EXIF camera, grey images have no hue).
"""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from imagelint.facts.image_facts import ImageFacts, camera_name, upright_aspect_ratio

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


#: The facts a profile is built from, in the order ``profile_from_columns`` takes them (what it
#: reads with ``FactsIndex.columns``).
PROFILE_COLUMNS = ("format", "error", "width", "height", "orientation", "jpeg_quality", "camera_make",
                   "camera_model", "mode", "dominant_hue", "phash", "brightness", "contrast", "saturation",
                   "colourfulness")
_PROFILE_FACTS = attrgetter(*PROFILE_COLUMNS)


def image_profile(facts: ImageFacts) -> Profile | None:
    """The profile of an intact image, None for files that are not one."""
    return profile_from_columns(_PROFILE_FACTS(facts))


def profile_from_columns(row: tuple) -> Profile | None:
    """The profile of an image from its ``PROFILE_COLUMNS`` values, without building its facts
    (the rules read a few thousand of them at a commit)."""
    (format_, error, width, height, orientation, jpeg_quality, make, model, mode, hue, phash, brightness, contrast,
     saturation, colourfulness) = row
    if format_ is None or error:
        return None
    numbers = (brightness, contrast, saturation, colourfulness, upright_aspect_ratio(width, height, orientation),
               round(width * height / 1e6, 3), jpeg_quality)
    categories = (camera_name(make, model) or NONE, format_, mode or NONE,
                  HUE_NAMES[hue] if hue is not None else NONE)
    return Profile(tuple(None if v is None else float(v) for v in numbers), categories, phash)
