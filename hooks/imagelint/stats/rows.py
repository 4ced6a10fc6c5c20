"""One row per image as numpy columns, from kept listings and from inspected images alike, so
the stats document (``stats.columns``) reads every fact as one array over all images.

Strings (folders, formats, cameras) become codes into a tuple of the distinct values, named once
per value: a million rows hold a handful of distinct formats and cameras.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from imagelint.facts.image_facts import ImageFacts, camera_name, upright_aspect_ratio
from imagelint.sources.dataset import ListingPart
from imagelint.stats.properties import NONE, NUMERIC, image_profile

#: The listing columns read here (a listing kept by an older version lacks some: then records).
STATS_COLUMNS = frozenset({"folder", "is_image", "has_facts", "md5", "size", "width", "height", "phash", "phash.null",
                           "orientation", "orientation.null", "jpeg_quality", "jpeg_quality.null", "error.len",
                           "brightness", "contrast", "saturation", "colourfulness",
                           *(f"{name}.{part}" for name in ("format", "camera_make", "camera_model")
                             for part in ("len", "utf8"))})


@dataclass(frozen=True)
class Rows:
    """One row per image. ``folder``, ``format`` and ``camera`` index the tuples of the same name
    (a format of None is an image that is not one); ``numbers`` is NaN where a profile has no
    value and everywhere for images without a profile."""

    folder: np.ndarray
    md5: np.ndarray  # (n, 16) uint8, zeros where unknown
    has_md5: np.ndarray
    size: np.ndarray
    has_size: np.ndarray
    format: np.ndarray
    width: np.ndarray
    height: np.ndarray
    profiled: np.ndarray
    numbers: np.ndarray  # (len(NUMERIC), n)
    camera: np.ndarray
    phash: np.ndarray
    has_phash: np.ndarray
    folders: tuple[str, ...]
    formats: tuple[str | None, ...]
    cameras: tuple[str, ...]


def listing_rows(part: ListingPart) -> Rows:
    """The kept images of ``part`` that the listing has facts for (the others are inspected)."""
    columns = part.listing.columns
    keep = np.zeros(len(part.listing), dtype=bool)
    for start, stop in part.kept_ranges():
        keep[start:stop] = True
    rows: np.ndarray | slice = np.flatnonzero(keep & columns["is_image"] & columns["has_facts"])
    if len(rows) == len(keep):  # the usual case: every row, read without a copy
        rows = slice(None)
    formats, format_names = _codes(columns, ("format",), rows)
    camera, pairs = _codes(columns, ("camera_make", "camera_model"), rows)
    cameras = [camera_name(make, model) or NONE for make, model in pairs]
    width, height = columns["width"][rows], columns["height"][rows]
    profiled = (columns["format.len"][rows] >= 0) & (columns["error.len"][rows] <= 0)
    quality = np.where(columns["jpeg_quality.null"][rows], np.nan, columns["jpeg_quality"][rows].astype(np.float64))
    turned = ~columns["orientation.null"][rows] & (columns["orientation"][rows] >= 5)
    aspect, megapixels = _shape_numbers(width, height, turned)
    numbers = np.stack([columns["brightness"][rows], columns["contrast"][rows], columns["saturation"][rows],
                        columns["colourfulness"][rows], aspect, megapixels, quality])
    numbers[:, ~profiled] = np.nan
    folder_names = tuple(part.folder + name if name else part.folder[:-1] for name in part.listing.folders)
    count = len(width)
    return Rows(columns["folder"][rows], columns["md5"][rows], np.ones(count, bool), columns["size"][rows],
                np.ones(count, bool), formats, width, height, profiled, numbers, camera, columns["phash"][rows],
                profiled & ~columns["phash.null"][rows], folder_names, tuple(name for name, in format_names),
                tuple(cameras))


def inspected_rows(items: Iterable[tuple[str, str | None, ImageFacts | None]]) -> Rows:
    """Rows of images that are not listed, from (path, md5, facts) as ``dataset_stats`` has them."""
    folders: dict[str, int] = {}
    formats: dict[str | None, int] = {}
    cameras: dict[str, int] = {}
    values: list[tuple] = []
    for path, md5, facts in items:
        profile = image_profile(facts) if facts is not None else None
        md5 = facts.md5 if facts is not None else md5
        values.append((
            folders.setdefault(path.rpartition("/")[0], len(folders)), bytes.fromhex(md5) if md5 else bytes(16),
            bool(md5), facts.size if facts else 0, facts is not None,
            formats.setdefault(facts.format if facts else None, len(formats)),
            facts.width if facts else 0, facts.height if facts else 0, profile is not None,
            [np.nan if v is None else v for v in profile.numbers] if profile else [np.nan] * len(NUMERIC),
            cameras.setdefault(profile.categories[0] if profile else NONE, len(cameras)),
            profile.phash or 0 if profile else 0, profile is not None and profile.phash is not None,
        ))
    column = list(zip(*values)) or [()] * 13
    return Rows(np.array(column[0], np.int64), np.frombuffer(b"".join(column[1]), np.uint8).reshape(-1, 16),
                np.array(column[2], bool), np.array(column[3], np.int64), np.array(column[4], bool),
                np.array(column[5], np.int64), np.array(column[6], np.int64), np.array(column[7], np.int64),
                np.array(column[8], bool), np.array(column[9], np.float64).reshape(-1, len(NUMERIC)).T,
                np.array(column[10], np.int64), np.array(column[11], np.uint64), np.array(column[12], bool),
                tuple(folders), tuple(formats), tuple(cameras))


def _shape_numbers(width: np.ndarray, height: np.ndarray, turned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aspect ratio and megapixels as ``image_profile`` rounds them, computed once per distinct shape."""
    shapes, shape_of = np.unique((width.astype(np.uint64) << np.uint64(33)) | (height.astype(np.uint64) << np.uint64(1))
                                 | turned.astype(np.uint64), return_inverse=True)
    aspect, megapixels = [], []
    for key in shapes.tolist():
        w, h, swap = key >> 33, (key >> 1) & 0xFFFFFFFF, key & 1
        ratio = upright_aspect_ratio(w, h, 6 if swap else None)
        aspect.append(np.nan if ratio is None else ratio)
        megapixels.append(round(w * h / 1e6, 3))
    shape_of = shape_of.reshape(-1)
    return np.array(aspect, np.float64)[shape_of], np.array(megapixels, np.float64)[shape_of]


def _codes(columns: Mapping[str, np.ndarray], names: Sequence[str],
           rows: np.ndarray | slice) -> tuple[np.ndarray, list[tuple[str | None, ...]]]:
    """String columns at ``rows`` as a code per row and the distinct values (None where missing):
    each row's bytes (length, then text) are hashed, the hash's groups checked byte for byte."""
    blocks = []
    for name in names:
        lengths = columns[f"{name}.len"]
        sizes = np.maximum(lengths, 0)
        block = np.zeros((len(lengths), 8 + int(sizes.max(initial=0))), np.uint8)
        block[:, :8] = lengths.astype("<i8").reshape(-1, 1).view(np.uint8)
        if len(sizes) and sizes.min() == sizes.max():  # one length throughout (all "JPEG"): no mask
            block[:, 8:] = columns[f"{name}.utf8"].reshape(len(sizes), -1)
        else:
            block[:, 8:][np.arange(block.shape[1] - 8) < sizes[:, None]] = columns[f"{name}.utf8"]
        blocks.append(block[rows])
    widths = [block.shape[1] for block in blocks]
    matrix = np.zeros((len(blocks[0]), -(-sum(widths) // 8) * 8), np.uint8)
    matrix[:, :sum(widths)] = np.concatenate(blocks, axis=1)
    mix = np.random.default_rng(0).integers(1, 2**63, matrix.shape[1] // 8, dtype=np.uint64) | np.uint64(1)
    words = matrix.view(np.uint64)  # a few words a row: one 1-D pass each beats reductions along rows
    keys = words[:, 0] * mix[0]
    for j in range(1, words.shape[1]):
        keys += words[:, j] * mix[j]
    first, codes = _factorize(keys)
    if not all(np.array_equal(words[:, j], words[first, j][codes]) for j in range(words.shape[1])):
        # two values share a hash: sort the bytes
        _, first, codes = np.unique(matrix.view(np.dtype((np.void, matrix.shape[1]))).reshape(-1),
                                    return_index=True, return_inverse=True)
    values = []
    for row in first.tolist():
        value, offset = [], 0
        for width in widths:
            length = int.from_bytes(matrix[row, offset:offset + 8].tobytes(), "little", signed=True)
            value.append(None if length < 0 else matrix[row, offset + 8:offset + 8 + length].tobytes().decode(
                "utf-8", "surrogatepass"))
            offset += width
        values.append(tuple(value))
    return codes.reshape(-1), values


def join_rows(parts: Sequence[Rows]) -> Rows:
    """One ``Rows`` of all parts, codes mapped onto shared tuples of names."""
    parts = [part for part in parts if len(part.folder)] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    names: dict[str, dict] = {"folders": {}, "formats": {}, "cameras": {}}
    mapped: dict[str, list[np.ndarray]] = {"folder": [], "format": [], "camera": []}
    for part in parts:
        for field, table in (("folder", "folders"), ("format", "formats"), ("camera", "cameras")):
            remap = np.array([names[table].setdefault(v, len(names[table])) for v in getattr(part, table)] or [0])
            same = np.array_equal(remap, np.arange(len(remap)))  # the first part's codes stay as they are
            mapped[field].append(getattr(part, field) if same else remap[getattr(part, field)])
    joined = {field: np.concatenate([getattr(p, field) for p in parts], axis=-1 if field == "numbers" else 0)
              for field in ("md5", "has_md5", "size", "has_size", "width", "height", "profiled", "numbers", "phash",
                            "has_phash")}
    return Rows(**{field: np.concatenate(pieces) for field, pieces in mapped.items()}, **joined,
                **{table: tuple(found) for table, found in names.items()})


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_index=True, return_inverse=True)[1:]`` without sorting every key
    when a sample of them holds all the distinct values, as a formats or cameras column does."""
    few = np.unique(keys[::max(1, len(keys) // 4096)])
    codes = np.minimum(np.searchsorted(few, keys), max(len(few) - 1, 0))
    if not len(few) or not (few[codes] == keys).all():
        return np.unique(keys, return_index=True, return_inverse=True)[1:]
    first = np.full(len(few), len(keys), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(keys)))
    return first, codes
