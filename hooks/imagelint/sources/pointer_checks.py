"""What a DVC pointer or manifest may say before any of it is joined into a file-system path.

Every ``.dvc``, ``dvc.lock`` and ``.dir`` manifest in a pull request is someone else's text: an
md5 of ``../../evil.dir`` would be joined into a cache path, a relpath of ``../../dev/zero.jpg``
would name a file outside the repository. These checks run on the parsed values first.
"""
from __future__ import annotations

import posixpath
import re

_MD5 = re.compile(r"[0-9a-f]{32}")
_CONFLICT = re.compile(rb"^(<<<<<<<|=======|>>>>>>>)(\s|$)", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_md5(value: object, directory: bool = False) -> bool:
    """32 lowercase hex digits, plus ``.dir`` when ``directory`` allows a manifest."""
    if not isinstance(value, str):
        return False
    if directory and value.endswith(".dir"):
        value = value[:-4]
    return _MD5.fullmatch(value) is not None


def is_external(path: str) -> bool:
    """An out DVC keeps outside the workspace (``s3://``, ``remote://``, an absolute path): never read."""
    return posixpath.isabs(path) or _SCHEME.match(path) is not None


def stays_inside(path: str) -> bool:
    """A relative POSIX path that names something below its starting folder once normalised."""
    if not path or "\0" in path or posixpath.isabs(path):
        return False
    normal = posixpath.normpath(path)
    return normal != ".." and not normal.startswith("../")


def conflict_line(text: bytes) -> int | None:
    """The line (from 1) of the first merge-conflict marker, or None."""
    match = _CONFLICT.search(text)
    return None if match is None else text.count(b"\n", 0, match.start()) + 1


def line_of(text: bytes, value: object) -> int | None:
    """The first line holding ``value`` as written, to point the user at it; None if not found."""
    needle = str(value).encode("utf-8", "surrogateescape")
    position = text.find(needle) if needle else -1
    return None if position < 0 else text.count(b"\n", 0, position) + 1
