"""Lighting and colour of one image, from the thumbnail the quality statistics already use.

These are the trivial properties a model can learn instead of content (a class shot darker,
greyer or bluer than the others), so they are measured for every image and compared per
class by the shortcut and diversity rules. All values are on fixed scales: brightness,
contrast and saturation in [0, 1], colourfulness in Hasler and Suesstrunk's units (0 for grey,
about 100 for a very colourful photo), hue as one of ``HUE_BINS`` bins of the colour wheel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

#: Bins of the colour wheel for the dominant hue (30 degrees each, bin 0 centred on red).
HUE_BINS = 12
#: A pixel counts towards the hue only when this saturated and this bright (of 255).
HUE_MIN_SATURATION = 51
HUE_MIN_VALUE = 51
#: Below this share of such pixels an image has no dominant hue (grey, black, washed out).
HUE_MIN_SHARE = 0.1


@dataclass(frozen=True)
class Colour:
    brightness: float
    contrast: float
    saturation: float
    colourfulness: float
    dominant_hue: int | None


def colour_signals(thumb: Image.Image) -> Colour:
    """Properties of a small RGB (or grey) thumbnail; grey images have saturation 0, no hue."""
    import numpy as np

    rgb = thumb.convert("RGB") if thumb.mode != "RGB" else thumb
    pixels = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    gray = np.asarray(rgb.convert("L"))
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    rg, yb = red - green, 0.5 * (red + green) - blue
    colourfulness = float(np.hypot(std(rg), std(yb)) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    hsv = np.asarray(rgb.convert("HSV")).reshape(-1, 3)
    vivid = hsv[(hsv[:, 1] >= HUE_MIN_SATURATION) & (hsv[:, 2] >= HUE_MIN_VALUE), 0]
    dominant = None
    if len(hsv) and vivid.size >= HUE_MIN_SHARE * len(hsv):
        dominant = int(np.bincount(_hue_bins()[vivid], minlength=HUE_BINS).argmax())
    return Colour(
        brightness=round(float(gray.mean()) / 255, 3),
        contrast=round(std(gray) / 255, 3),
        saturation=round(float(hsv[:, 1].mean()) / 255, 3) if len(hsv) else 0.0,
        colourfulness=round(colourfulness, 1),
        dominant_hue=dominant,
    )


def std(values: "np.ndarray") -> float:  # noqa: F821 - numpy loads lazily
    """``values.std()`` with numpy's own two passes over float64, so the same bits, without the
    dispatch in Python that costs more than the arithmetic on a thumbnail."""
    import numpy as np

    deviations = values - values.sum(dtype=np.float64) / values.size
    np.square(deviations, out=deviations)
    return math.sqrt(deviations.sum() / values.size)


@lru_cache(maxsize=1)
def _hue_bins() -> "np.ndarray":  # noqa: F821 - numpy loads lazily
    """Bin of each of Pillow's 256 hue steps, bin 0 centred on 0."""
    import numpy as np

    return ((np.arange(256) * HUE_BINS + 128) // 256) % HUE_BINS
