"""Where a finding points in the repository: the image, and the DVC file that tracks it.

Code-review tools annotate files in the checkout. A DVC-tracked image is git-ignored and often
not pulled in CI, so the file that brought it in is the place a reviewer can see: its ``.dvc``
pointer, or the ``dvc.lock`` of the pipeline stage that outputs it, at the line of that out.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from imagelint.safe_open import read_regular_file
from imagelint.sources.dvcfiles import PointerError, lock_outs

#: A ``dvc.lock`` larger than this is not read for a location (DVC's own are kilobytes).
LOCK_LIMIT = 1 << 20
#: The keys of a stage in ``dvc.lock`` whose lists hold paths with hashes.
_SECTION = re.compile(r"^\s*(cmd|deps|params|outs|metrics|plots)\s*:")


@dataclass(frozen=True)
class Location:
    path: str
    pointer: str | None = None
    line: int = 1


def locate(root: Path, path: str) -> Location:
    """``path`` and the nearest ``<path or parent folder>.dvc`` on disk that tracks it, else the
    ``dvc.lock`` in ``path``'s folder or above whose stage outputs it."""
    pointer = _dvc_file(str(root), path)
    if pointer is not None:
        return Location(path, pointer)
    for folder in _folders(path):
        lock = posixpath.join(folder, "dvc.lock") if folder else "dvc.lock"
        for out, line in _lock_outs(str(root), lock):
            if path == out or path.startswith(f"{out}/"):
                return Location(path, lock, line)
    return Location(path)


def _folders(path: str) -> list[str]:
    """The folders holding ``path``, nearest first, ending with the repository root ("")."""
    folders, folder = [], posixpath.dirname(path)
    while folder and folder != ".":
        folders.append(folder)
        folder = posixpath.dirname(folder)
    return [*folders, ""]


@lru_cache(maxsize=4096)
def _dvc_file(root: str, path: str) -> str | None:
    candidate = path
    while candidate and candidate != ".":
        if Path(root, f"{candidate}.dvc").is_file():
            return f"{candidate}.dvc"
        candidate = posixpath.dirname(candidate)
    return None


@lru_cache(maxsize=256)
def _lock_outs(root: str, lock: str) -> tuple[tuple[str, int], ...]:
    """(out path, line of its md5) of every out of ``lock``; none for a missing or unreadable file,
    which the check itself reports."""
    read = read_regular_file(str(Path(root, lock)), LOCK_LIMIT)
    if read.data is None:
        return ()
    dvc_yaml = read_regular_file(str(Path(root, lock).with_name("dvc.yaml")), LOCK_LIMIT).data
    try:
        outs = lock_outs(lock, read.data, dvc_yaml)
    except PointerError:
        return ()
    lines = read.data.decode("utf-8", "replace").splitlines()
    return tuple((out.path, _out_line(lines, out.md5)) for out in outs)


def _out_line(lines: list[str], md5: str) -> int:
    """The line of ``md5`` within an ``outs:`` list (a copying stage's dep has the same md5)."""
    section = ""
    for number, line in enumerate(lines, 1):
        key = _SECTION.match(line)
        section = key.group(1) if key else section
        if section == "outs" and md5 in line:
            return number
    return 1
