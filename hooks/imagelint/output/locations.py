"""Where a finding points in the repository: the image, and the DVC pointer that tracks it.

Code-review tools annotate files in the checkout. A DVC-tracked image is git-ignored and often
not pulled in CI, so the ``.dvc`` file that brought it in is the place a reviewer can see.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Location:
    path: str
    pointer: str | None = None


def locate(root: Path, path: str) -> Location:
    """``path`` and the nearest ``<path or parent folder>.dvc`` on disk that tracks it."""
    return Location(path, _pointer(str(root), path))


@lru_cache(maxsize=4096)
def _pointer(root: str, path: str) -> str | None:
    candidate = path
    while candidate and candidate != ".":
        if Path(root, f"{candidate}.dvc").is_file():
            return f"{candidate}.dvc"
        candidate = posixpath.dirname(candidate)
    return None
