"""What a new ``.dir`` manifest changed against an old one, parsing only the entries that differ.

``json.loads`` of a 1,000,000-entry manifest (80 MB) takes about a second, and a commit that
adds ten images changes a few hundred bytes of it, in as many places as folders it touches.
DVC writes a manifest as one canonical JSON list sorted by relpath, so the new bytes are read
as a walk over the old manifest's (kept beside its listing, with where each entry starts): an
entry is parsed, looked up among the old relpaths, and from an old entry that is byte for byte
the same, the identical bytes that follow are skipped by comparing them in growing chunks.

The walk answers exactly what ``dvcfiles.parse_manifest`` would, or None (then the caller
parses in full and gets the full parse's errors): skipped bytes are whole old entries with
their separator, which JSON reads alike wherever they stand; everything else is parsed by the
``json`` module with the grammar of a list checked between values; parsed entries pass the
same checks; and the result is sorted and unique (no later duplicate overrides an earlier one).
"""
from __future__ import annotations

import json
import mmap
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from imagelint.sources.manifest_text import canonical_entry
from imagelint.sources.pointer_checks import is_md5, stays_inside

_WHITESPACE = b" \t\n\r"
_DECODER = json.JSONDecoder()
Entry = tuple[str, str]


@dataclass(frozen=True)
class Delta:
    """The new manifest: ``added[0]``, old rows ``kept[0]`` (a [start, stop) range),
    ``added[1]``, ``kept[1]``, ... ``added[-1]``.

    ``starts`` are where the new manifest's entries begin (as a listing keeps them), present
    only when the new bytes are canonical (what DVC writes), so a listing of them can be kept.
    """

    kept: tuple[tuple[int, int], ...]
    added: tuple[tuple[Entry, ...], ...]
    starts: np.ndarray | None

    def removed(self, count: int) -> list[int]:
        """The old rows that are gone (or changed), of ``count``."""
        edges = [0, *(edge for run in self.kept for edge in run), count]
        return [row for start, stop in zip(edges[::2], edges[1::2]) for row in range(start, stop)]


def sorted_position(count: int, relpath_of: Callable[[int], str], relpath: str) -> int:
    """The first of ``count`` sorted relpaths (``relpath_of(i)``) that is not before ``relpath``."""
    low, high = 0, count
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if relpath_of(middle) < relpath else (low, middle)
    return low


def row_of_relpath(count: int, relpath_of: Callable[[int], str], relpath: str) -> int | None:
    """The row of ``relpath`` among ``count`` sorted relpaths, or None."""
    row = sorted_position(count, relpath_of, relpath)
    return row if row < count and relpath_of(row) == relpath else None


def canonical_manifest(entries: Sequence[Entry]) -> tuple[bytes, np.ndarray]:
    """The bytes of sorted (relpath, md5) ``entries`` as DVC writes them, and where each starts
    (one more value: where an entry after the last would start, the length plus one)."""
    parts = [canonical_entry(relpath, md5) for relpath, md5 in entries]
    text = b"[" + b", ".join(parts) + b"]"
    lengths = np.fromiter((len(part) + 2 for part in parts), dtype=np.int64, count=len(parts))
    starts = np.concatenate([[1], 1 + np.cumsum(lengths)]).astype(np.int64)
    starts[-1] = len(text) + 1
    return text, starts


def manifest_delta(old: bytes | mmap.mmap, starts: np.ndarray, relpath_of: Callable[[int], str],
                   new: bytes | mmap.mmap) -> Delta | None:
    """The change from the canonical ``old`` manifest (entry ``i`` begins at ``starts[i]``,
    ``relpath_of(i)`` is its relpath) to ``new``, or None when only a full parse can tell."""
    count = len(starts) - 1
    if count < 1 or new[:4] != old[:4]:  # the same first bytes: json reads both as UTF-8
        return None
    walk = _Walk(old, starts, relpath_of, new)
    try:
        return walk.run()
    except (ValueError, RecursionError):
        return None


class _Walk:
    def __init__(self, old: bytes | mmap.mmap, starts: np.ndarray, relpath_of: Callable[[int], str],
                 new: bytes | mmap.mmap) -> None:
        self.old, self.starts, self.relpath_of, self.new = old, starts, relpath_of, new
        self.count = len(starts) - 1
        self.kept: list[tuple[int, int]] = []
        self.added: list[list[Entry]] = [[]]
        self.positions: list[np.ndarray] = []
        self.canonical = True
        self.last: str | None = None

    def run(self) -> Delta | None:
        new, position = self.new, 1  # just after "["
        if new[self._skip(position):self._skip(position) + 1] == b"]":
            self.canonical &= position == self._skip(position)
            return self._end(self._skip(position))
        while True:
            begin = self._skip(position)
            self.canonical &= begin == position
            entry, position = self._value(begin)
            if entry is None:
                return None
            row = self._row(entry[0])
            if row is not None and self._same(row, begin):
                stop = self._run_end(row, begin)
                self._keep(row, stop, begin)
                position = begin + int(self.starts[stop] - self.starts[row])
                if stop == self.count:  # the old list's end, "]" included
                    return self._end(position - 2)
                continue
            if not self._emit(entry, begin, position):
                return None
            separator = self._skip(position)
            if new[separator:separator + 1] == b"]":
                self.canonical &= separator == position
                return self._end(separator)
            if new[separator:separator + 1] != b",":
                return None
            position = self._skip(separator + 1)
            self.canonical &= new[separator:position] == b", "

    def _value(self, position: int) -> tuple[Entry | None, int]:
        """The entry at ``position`` and where it ends; (None, _) when it is not one."""
        size = 4096
        while True:
            window = self.new[position:position + size].decode("ascii")
            try:
                value, end = _DECODER.raw_decode(window)
            except ValueError:
                if position + size >= len(self.new):
                    raise
                size *= 16
                continue
            if end < len(window) or position + size >= len(self.new):
                break
            size *= 16  # a number may go on past the window
        if not isinstance(value, dict) or not isinstance(value.get("relpath"), str):
            return None, position
        relpath, md5 = value["relpath"], value.get("md5")
        if not is_md5(md5) or not stays_inside(relpath):
            return None, position
        self.canonical &= window[:end].encode() == canonical_entry(relpath, md5)
        return (relpath, md5), position + end

    def _row(self, relpath: str) -> int | None:
        return row_of_relpath(self.count, self.relpath_of, relpath)

    def _same(self, row: int, begin: int) -> bool:
        """Whether the old entry ``row`` and what follows it (", " or "]") stand at ``begin``."""
        end = int(self.starts[row + 1]) - (0 if row + 1 < self.count else 1)
        start = int(self.starts[row])
        return self.old[start:end] == self.new[begin:begin + end - start]

    def _run_end(self, row: int, begin: int) -> int:
        """The old row after the last of the identical run starting at ``row``."""
        start = int(self.starts[row])
        length = _common_prefix(self.old, start, self.new, begin)
        stop = int(np.searchsorted(self.starts, start + length, side="right")) - 1
        if start + length >= len(self.old):  # the last entry too, with its "]"
            stop = self.count
        return max(row + 1, min(stop, self.count))

    def _keep(self, row: int, stop: int, begin: int) -> None:
        if self.last is not None and self.relpath_of(row) <= self.last:
            raise ValueError("out of order")
        if self.kept and self.kept[-1][1] == row and not self.added[-1]:
            self.kept[-1] = (self.kept[-1][0], stop)
        else:
            self.kept.append((row, stop))
            self.added.append([])
        self.positions.append(self.starts[row:stop] + (begin - int(self.starts[row])))
        self.last = self.relpath_of(stop - 1)

    def _emit(self, entry: Entry, begin: int, end: int) -> bool:
        if self.last is not None and entry[0] <= self.last:
            return False
        self.added[-1].append(entry)
        self.positions.append(np.array([begin], dtype=np.int64))
        self.last = entry[0]
        return True

    def _end(self, bracket: int) -> Delta | None:
        """At the closing "]": only whitespace may follow."""
        if self._skip(bracket + 1) != len(self.new):
            return None
        self.canonical &= bracket + 1 == len(self.new)
        starts = None
        if self.canonical:
            starts = np.concatenate([*self.positions, [len(self.new) + 1]]).astype(np.int64)
        return Delta(tuple(self.kept), tuple(tuple(group) for group in self.added), starts)

    def _skip(self, position: int) -> int:
        while position < len(self.new) and self.new[position] in _WHITESPACE:
            position += 1
        return position


def _common_prefix(a: bytes | mmap.mmap, a_start: int, b: bytes | mmap.mmap, b_start: int) -> int:
    """How many bytes ``a`` from ``a_start`` and ``b`` from ``b_start`` have in common: compared
    as NumPy views (no copy), in chunks that grow while they match."""
    left, right = np.frombuffer(a, np.uint8)[a_start:], np.frombuffer(b, np.uint8)[b_start:]
    limit = min(len(left), len(right))
    length, chunk = 0, 4096
    while length < limit:
        end = min(length + chunk, limit)
        differ = np.flatnonzero(left[length:end] != right[length:end])
        if len(differ):
            return length + int(differ[0])
        length, chunk = end, min(chunk * 4, 1 << 22)
    return length
