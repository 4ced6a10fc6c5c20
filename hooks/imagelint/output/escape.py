"""File names as they can be printed: any bytes a name may hold, shown without being executed.

Names come from ``os.fsdecode``/git with ``surrogateescape``, so bytes that are not UTF-8 (old
Windows zips) arrive as lone surrogates that no encoder accepts, and a name may hold ANSI escape
sequences or newlines that would rewrite the terminal or forge report lines. Both are shown as
``\\xNN`` escapes, which keeps every byte of the name recoverable; other text is left alone.
"""
from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\udc80-\udcff]")


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes as ``\\xNN``."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00 if code >= 0xDC00 else code:02x}"
