"""Real photographs for tests: the sample photos scikit-image's wheel ships (the same files the
benchmark corpus takes from Debian's python3-skimage), located without importing scikit-image."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from PIL import Image

#: Natural colour photographs, each at least 300 pixels a side.
COLOUR = ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "motorcycle_right.png",
          "rocket.jpg", "retina.jpg", "ihc.png")
#: Natural grey photographs and textures.
GREY = ("camera.png", "coins.png", "grass.png", "gravel.png", "brick.png", "moon.png")


def photo_folder() -> Path:
    spec = importlib.util.find_spec("skimage")
    assert spec is not None and spec.origin, "scikit-image is a test dependency: pip install -e '.[test]'"
    return Path(spec.origin).parent / "data"


@lru_cache(maxsize=None)
def real_photo(name: str) -> Image.Image:
    """One photograph as 8-bit RGB (grey ones too), decoded once per test session."""
    with Image.open(photo_folder() / name) as image:
        return image.convert("RGB")
