"""What a new ``.dir`` manifest changed against an old one, parsing only the span that differs.

``json.loads`` of a 1,000,000-entry manifest (80 MB) takes about a second, and a commit that
adds ten images changes a few hundred bytes of it. DVC writes a manifest as one canonical JSON
list sorted by relpath, so the old manifest's bytes (kept beside its listing, with where each
entry starts) and the new one share a long prefix and suffix. Only the differing middle is
parsed; everything else is byte for byte an entry the old manifest already had.

The shortcut answers exactly what ``dvcfiles.parse_manifest`` would, or None (then the caller
parses in full, and gets the full parse's errors): the kept bytes are whole entries lying at
the same token boundaries in both files, so JSON reads them alike; the middle's entries pass
the same checks; and the result is sorted and unique (no later duplicate overrides an earlier
entry), which the old manifest was.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from imagelint.sources.pointer_checks import is_md5, stays_inside

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Delta:
    """The new manifest = old entries ``[:head]`` + ``added`` + old entries ``[tail:]``.

    ``starts`` are where the new manifest's entries begin (as the old listing keeps them),
    present only when the new bytes are canonical (what DVC writes), so a listing of them can
    be kept for the next commit.
    """

    head: int
    tail: int
    added: tuple[tuple[str, str], ...]
    starts: np.ndarray | None


def canonical_entry(relpath: str, md5: str) -> bytes:
    """One entry as DVC writes it (``json.dumps(..., sort_keys=True)``)."""
    return json.dumps({"md5": md5, "relpath": relpath}, sort_keys=True).encode()


def canonical_manifest(entries: Sequence[tuple[str, str]]) -> tuple[bytes, np.ndarray]:
    """The bytes of sorted (relpath, md5) ``entries`` as DVC writes them, and where each starts
    (one more value: where an entry after the last would start)."""
    parts = [canonical_entry(relpath, md5) for relpath, md5 in entries]
    lengths = np.fromiter((len(part) + 2 for part in parts), dtype=np.int64, count=len(parts))
    starts = np.concatenate([[1], 1 + np.cumsum(lengths)]).astype(np.int64)
    text = b"[" + b", ".join(parts) + b"]"
    starts[-1] = len(text) + 1  # the same for no entries
    return text, starts


def manifest_delta(old: bytes | memoryview, starts: np.ndarray, relpath_of: Callable[[int], str],
                   new: bytes) -> Delta | None:
    """The change from the canonical ``old`` manifest (entry ``i`` begins at ``starts[i]``,
    ``relpath_of(i)`` is its relpath) to ``new``, or None when only a full parse can tell."""
    count = len(starts) - 1
    if count < 1:
        return None
    prefix = _common_prefix(old, new)
    if prefix == len(old) == len(new):
        return Delta(count, count, (), starts)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    if prefix < 1 or suffix < 1:
        return None
    head = int(np.searchsorted(starts[1:], prefix, side="right"))  # entries whole in the prefix, separator included
    tail = max(head, int(np.searchsorted(starts[:count], len(old) - suffix, side="left")))
    cut_old = int(starts[tail]) if tail < count else len(old) - 1
    cut_new = cut_old + len(new) - len(old)
    begin = int(starts[head])
    middle = bytes(new[begin:cut_new])
    at_end = tail == count
    try:
        values = json.loads(b"[" + middle + (b"]" if at_end else b"null]"))
    except (ValueError, RecursionError):
        return None
    if not at_end:
        values.pop()
    elif not values and head > 0:
        return None  # "..., ]": the full parse refuses it
    added = []
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("relpath"), str):
            return None
        relpath, md5 = value["relpath"], value.get("md5")
        if not is_md5(md5) or not stays_inside(relpath):
            return None
        added.append((relpath, md5))
    bounds = [relpath_of(head - 1)] if head > 0 else []
    bounds_after = [relpath_of(tail)] if tail < count else []
    ordered = [*bounds, *(relpath for relpath, _ in added), *bounds_after]
    if any(a >= b for a, b in zip(ordered, ordered[1:])):
        return None
    parts = [canonical_entry(relpath, md5) for relpath, md5 in added]
    canonical = b"".join(part + b", " for part in parts) if not at_end else b", ".join(parts)
    new_starts = None
    if canonical == middle:
        lengths = np.array([len(part) + 2 for part in parts], dtype=np.int64)
        offsets = begin + np.concatenate([[0], np.cumsum(lengths)])[:len(parts)].astype(np.int64)
        new_starts = np.concatenate([starts[:head], offsets, starts[tail:] + (len(new) - len(old))])
    return Delta(head, tail, tuple(added), new_starts)


def _common_prefix(a: bytes | memoryview, b: bytes) -> int:
    limit = min(len(a), len(b))
    position = 0
    while position < limit and a[position:position + _CHUNK] == b[position:position + _CHUNK]:
        position += _CHUNK
    position = min(position, limit)
    end = min(position + _CHUNK, limit)
    while position < end and a[position] == b[position]:
        position += 1
    return position


def _common_suffix(a: bytes | memoryview, b: bytes, limit: int) -> int:
    """Bytes both end with, at most ``limit``."""
    length = 0
    la, lb = len(a), len(b)
    while length + _CHUNK <= limit and a[la - length - _CHUNK:la - length] == b[lb - length - _CHUNK:lb - length]:
        length += _CHUNK
    while length < limit and a[la - length - 1] == b[lb - length - 1]:
        length += 1
    return length
