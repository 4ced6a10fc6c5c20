"""Where an image sits in the dataset: its root, split and class, read from its path.

The layout is a folder pattern such as ``{split}/{class}/`` (the default) or
``images/{split}/{class}/``. A split folder is recognised by name (train, val, valid,
validation, test by default), so the pattern may sit at any depth: everything before it is the
dataset root. A layout without ``{split}`` puts every image in one unnamed split.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence


@dataclass(frozen=True, order=True)
class Placement:
    root: str
    split: str
    label: str


def place(path: str, layout: str, splits: Sequence[str]) -> Placement:
    """The placement of ``path`` (repo-relative, POSIX); empty strings where unknown."""
    return _place_folder(path.rpartition("/")[0], layout, tuple(splits))


@lru_cache(maxsize=4096)
def _place_folder(folder: str, layout: str, splits: tuple[str, ...]) -> Placement:
    """Placement depends on the folder only: a dataset of 100,000 images has a few hundred."""
    folders = folder.split("/") if folder else []
    pattern = [part for part in layout.strip("/").split("/") if part]
    if "{split}" in pattern:
        known = {name.lower() for name in splits}
        offset = pattern.index("{split}")
        for i, folder in enumerate(folders):
            if folder.lower() in known and i >= offset and _fixed_parts_match(pattern, folders, i - offset):
                return _read(pattern, folders, i - offset)
        return Placement(root="/".join(folders), split="", label="")
    start = len(folders) - len(pattern)
    if start < 0 or not _fixed_parts_match(pattern, folders, start):
        return Placement(root="/".join(folders), split="", label="")
    return _read(pattern, folders, start)


def _fixed_parts_match(pattern: list[str], folders: list[str], start: int) -> bool:
    return all(
        part.startswith("{") or (start + j < len(folders) and folders[start + j] == part)
        for j, part in enumerate(pattern)
    )


def _read(pattern: list[str], folders: list[str], start: int) -> Placement:
    values = {"{split}": "", "{class}": ""}
    for j, part in enumerate(pattern):
        if part in values and start + j < len(folders):
            values[part] = folders[start + j]
    return Placement(root="/".join(folders[:start]), split=values["{split}"], label=values["{class}"])
