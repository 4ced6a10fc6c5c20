"""Where an image sits in the dataset: its root, split and class, read from its path.

The layout is a folder pattern such as ``{split}/{class}/`` (the default) or
``images/{split}/{class}/``. A split folder is recognised by name (train, val, valid,
validation, test by default), so the pattern may sit at any depth: everything before it is the
dataset root. A layout without ``{split}`` puts every image in one unnamed split.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from imagelint.config import DEFAULT_SPLITS, Config, ConfigError


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


def layout_problem(paths: Sequence[str], layout: str, splits: Sequence[str], *, splits_given: bool) -> str | None:
    """Why ``layout`` or ``splits`` cannot be what was meant for ``paths``, or None.

    Two mistakes switch rules off silently: a layout whose placeholders are in the wrong order
    (no image gets a split, so no split leak is ever found) and a misspelt split name.
    """
    folders = {path.rpartition("/")[0] for path in paths}
    known = {name.lower() for name in splits}
    swapped = layout.replace("{split}", "\0").replace("{class}", "{split}").replace("\0", "{class}")
    if "{split}" in layout and folders and not any(place(f"{folder}/_", layout, splits).split for folder in folders):
        example = next((folder for folder in sorted(folders) if known & set(folder.lower().split("/"))), None)
        if example is not None:
            fits = swapped != layout and place(f"{example}/_", swapped, splits).split
            hint = f"; did you mean layout = {swapped!r}?" if fits else ""
            return f"key 'layout': {layout!r} places no image in a split, yet {example}/ holds a split folder{hint}"
    labels = _labels(folders, layout, splits)
    if swapped != layout and len(labels) == 1 and len(_labels(folders, swapped, splits)) > 1:
        return (f"key 'layout': {layout!r} gives every image the one class {next(iter(labels))!r}; "
                f"did you mean layout = {swapped!r}?")
    if splits_given:
        names = {part for folder in folders for part in folder.split("/") if part}
        for split in splits:
            if split.lower() in {name.lower() for name in names}:
                continue
            close = difflib.get_close_matches(split, sorted(name for name in names if name.lower() not in known),
                                              n=1, cutoff=0.75)
            if close:
                return f"key 'splits': no folder is named {split!r}, but {close[0]!r} is; did you mean {close[0]!r}?"
    return None


def _labels(folders: set[str], layout: str, splits: Sequence[str]) -> set[str]:
    """The classes ``layout`` reads from the folders that it also places in a split."""
    placements = (place(f"{folder}/_", layout, splits) for folder in folders)
    return {placement.label for placement in placements if placement.split and placement.label}


def verify_layout(checked: Sequence[str], dataset: Sequence[str], config: Config) -> None:
    """Raise ConfigError when the layout or split list places nothing the run looks at; the
    images being checked suffice for the layout, split names are looked up in the dataset."""
    splits_given = config.splits != DEFAULT_SPLITS
    paths = dataset if splits_given else checked
    problem = layout_problem(paths, config.layout, config.splits, splits_given=splits_given)
    if problem:
        raise ConfigError(f"{config.source}: {problem}")
