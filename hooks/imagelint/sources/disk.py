"""Images on disk: a check outside git, paths as the user gave them, and files a commit names.

Outside git, the targets are the image files under the given paths (everything under the
folder with no paths or ``check_all``; ``.git`` and ``.dvc`` folders skipped, symlinks
reported, never followed), and the dataset is the targets.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

from imagelint.sources.dataset import ImageRef, Resolution, is_image_path


def outside_git(root: Path, paths: Sequence[str], check_all: bool) -> Resolution:
    notes = []
    refs = {}
    for given in ["."] if check_all or not paths else paths:
        rel = relative(root, root, given)
        if rel is None:
            notes.append(f"{given}: outside {root}, skipped")
            continue
        for path, link in disk_images(root, rel):
            refs[path] = disk_ref(root, path, link)
    targets = tuple(refs[path] for path in sorted(refs))
    return Resolution(targets, targets, tuple(notes))


def relative(cwd: Path, root: Path, given: str) -> str | None:
    """``given`` (relative to ``cwd``) relative to ``root`` in POSIX form, "" for root, None outside it."""
    absolute = os.path.normpath(os.path.join(cwd, given))
    parent, name = os.path.split(absolute)
    rel = os.path.relpath(os.path.join(os.path.realpath(parent), name), os.path.realpath(root))
    if rel == os.curdir:
        return ""
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def disk_images(root: Path, rel: str) -> Iterator[tuple[str, bool]]:
    """Image files at or under ``rel`` on disk, with whether each is a symlink; links are not followed."""
    full = root / rel
    if full.is_symlink() or not full.is_dir():
        if rel and is_image_path(rel):
            yield rel, full.is_symlink()
        return
    folders = [rel]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(root / folder))
        except OSError:
            continue
        for entry in entries:
            path = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_symlink():
                if is_image_path(entry.name):
                    yield path, True
            elif entry.is_dir():
                if is_image_path(entry.name):
                    yield path, False  # reported as not a regular file; its content is still checked
                if entry.name not in (".git", ".dvc"):
                    folders.append(path)
            elif is_image_path(entry.name):
                yield path, False


def disk_ref(root: Path, path: str, link: bool) -> ImageRef:
    return ImageRef(path, sources=() if link else (f"{root}/{path}",), is_symlink=link)
