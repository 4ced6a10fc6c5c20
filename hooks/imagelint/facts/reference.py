"""The dataset side of duplicate search, as columns: no object per reference image.

A commit checks a handful of images against every image of the dataset. Building facts
objects for 1,000,000 reference images would cost more than everything else the hook does, so
the index hands over bare rows, a listing hands over its columns as they are, and paths are
made only for the rows a finding names.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef, ListingPart
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import HASHES, FactsIndex, HashRow, signed_hash
from imagelint.facts.inspect import Inspection, inspect_images


class RowPaths(Sequence[str]):
    """The path of each row, made when asked: segments of (rows, path of the i-th, sorted?)."""

    def __init__(self, segments: Sequence[tuple[int, Callable[[int], str], bool]]) -> None:
        self._segments = segments
        self._starts = np.cumsum([0, *(length for length, _, _ in segments)]).tolist()
        self._unsorted: dict[str, int] | None = None

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        segment = bisect_right(self._starts, row) - 1
        return self._segments[segment][1](row - self._starts[segment])

    def row_of(self, path: str) -> int | None:
        """The row holding ``path``: binary search in sorted segments, a dict for the others."""
        if self._unsorted is None:
            self._unsorted = {self[start + i]: start + i for (length, _, ordered), start
                              in zip(self._segments, self._starts) if not ordered for i in range(length)}
        if path in self._unsorted:
            return self._unsorted[path]
        for (length, path_of, ordered), start in zip(self._segments, self._starts):
            low, high = 0, length
            while ordered and low < high:
                middle = (low + high) // 2
                if path_of(middle) < path:
                    low = middle + 1
                else:
                    high = middle
            if ordered and low < length and path_of(low) == path:
                return start + low
        return None


@dataclass(frozen=True)
class Reference:
    """Every image a new image is compared with, one row each; the targets are the last rows.

    ``md5`` holds 16 bytes per row. ``intact`` rows take part in exact matching (broken files
    are IMG001's business); ``hashed`` rows, intact and hashed, in near matching. The hash
    columns are those of ``index.HASHES`` (0 where an image has none). ``missing`` are the
    dataset images left out because neither their facts nor their bytes are on this machine.
    """

    paths: RowPaths
    md5: np.ndarray
    phash: np.ndarray
    phash_mirror: np.ndarray
    phash_inner: np.ndarray
    phash_probe: np.ndarray
    signature: np.ndarray
    pixel_digest: np.ndarray
    intact: np.ndarray
    hashed: np.ndarray
    targets: np.ndarray
    #: The folder of each row's path, as an index into ``folders`` (what placement depends on).
    folder: np.ndarray
    folders: tuple[str, ...]
    missing: tuple[str, ...] = ()

    def md5_hex(self, row: int) -> str:
        return bytes(self.md5[row]).hex()

    def present(self, md5s: Iterable[str]) -> set[str]:
        """Those of ``md5s`` some row has."""
        wanted = sorted(set(md5s))
        keys = np.frombuffer(b"".join(bytes.fromhex(m) for m in wanted), "V16")
        return {m for m, hit in zip(wanted, np.isin(keys, self.md5.view("V16").ravel())) if hit}


def build_reference(
    targets: Sequence[Inspection], dataset: Sequence[ImageRef], config: Config, index: FactsIndex, jobs: int | None,
    parts: Sequence[ListingPart] = (),
) -> Reference:
    """Rows for the dataset (``dataset`` refs, then the rows of listed folders) and the targets;
    images with no facts here are looked up in the index, else inspected."""
    target_paths = {item.ref.path for item in targets}
    listed = [part.refs_without_facts() for part in parts]
    others = [ref for ref in [*dataset, *(ref for refs in listed for ref in refs)]
              if ref.path not in target_paths and not ref.is_symlink]
    blob_md5 = index.md5s_of_blobs(ref.blob for ref in others if ref.blob and not ref.md5)
    md5_of = {ref.path: ref.md5 or blob_md5.get(ref.blob or "") for ref in others}
    rows = index.hash_rows({md5 for md5 in md5_of.values() if md5}) if others else {}
    unknown = [ref for ref in others if md5_of[ref.path] not in rows]
    for item in inspect_images(unknown, config, jobs=jobs, index=index).values():
        if item.facts is not None:
            md5_of[item.ref.path] = item.facts.md5
            rows[item.facts.md5] = _row(item.facts)
    found = [(ref.path, md5_of[ref.path]) for ref in others if md5_of[ref.path] in rows]
    missing = tuple(ref.path for ref in others if md5_of[ref.path] not in rows) if len(found) < len(others) else ()
    mine = [(item.ref.path, item.facts.md5) for item in targets if item.facts is not None]
    rows.update((item.facts.md5, _row(item.facts)) for item in targets if item.facts is not None)
    folders: dict[str, int] = {}
    columns = [_row_columns(found, rows, folders)]
    segments: list[tuple[int, Callable[[int], str], bool]] = [(len(found), lambda i: found[i][0], False)]
    for part in parts:
        here = np.array([folders.setdefault(part.folder + name if name else part.folder[:-1], len(folders))
                         for name in part.listing.folders] or [0], dtype=np.int32)
        for start, stop in part.kept_ranges():
            kept = np.flatnonzero(part.listing.columns["has_facts"][start:stop]
                                  & part.listing.columns["is_image"][start:stop]) + start
            span = slice(start, stop) if len(kept) == stop - start else kept  # a view when every row is kept
            columns.append((*_listing_columns(part, span), here[part.listing.columns["folder"][span]]))
            segments.append((len(kept), lambda i, kept=kept, part=part: part.path_of(int(kept[i])), True))
    columns.append(_row_columns(mine, rows, folders))
    segments.append((len(mine), lambda i: mine[i][0], False))
    md5, *hashes, intact, has_hash, folder = (np.concatenate(column) for column in zip(*columns))
    return Reference(
        paths=RowPaths(segments),
        md5=md5,
        **{name: column.view(np.uint64) for name, column in zip(HASHES, hashes)},
        intact=intact.astype(bool),
        hashed=intact.astype(bool) & has_hash.astype(bool),
        targets=np.arange(len(md5) - len(mine), len(md5)),
        folder=folder,
        folders=tuple(folders),
        missing=missing,
    )


def _row_columns(found: Sequence[tuple[str, str]], rows: dict[str, HashRow],
                 folders: dict[str, int]) -> tuple[np.ndarray, ...]:
    """The reference columns of (path, md5) pairs the index answered, folder last."""
    table = np.array([rows[md5] for _, md5 in found], dtype=np.int64).reshape(-1, len(HASHES) + 2)
    # a file that could not be read has facts with no md5: zeros, never intact, so never matched
    md5 = np.frombuffer(b"".join(bytes.fromhex(md5) if len(md5) == 32 else bytes(16) for _, md5 in found),
                        np.uint8).reshape(-1, 16)
    folder = np.array([folders.setdefault(path.rpartition("/")[0], len(folders)) for path, _ in found], dtype=np.int32)
    return (md5, *(np.ascontiguousarray(column) for column in table.T), folder)


def _listing_columns(part: ListingPart, rows: np.ndarray | slice) -> tuple[np.ndarray, ...]:
    """(md5, the ``HASHES``, intact, has hash) of a listing's rows, as the index gives them (a
    missing hash is stored as 0 there too)."""
    columns = part.listing.columns
    return (columns["md5"][rows],
            *(columns[name][rows].view(np.int64) for name in HASHES),
            (columns["format.len"][rows] >= 0) & (columns["error.len"][rows] < 0),
            ~columns["phash.null"][rows])


def _row(facts: ImageFacts) -> HashRow:
    """The index's row shape for freshly computed facts."""
    return (
        *(signed_hash(getattr(facts, name) or 0) for name in HASHES),
        int(facts.format is not None and facts.error is None),
        int(facts.phash is not None),
    )  # type: ignore[return-value]
