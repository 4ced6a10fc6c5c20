"""The dataset side of duplicate search, as columns: no object per reference image.

A commit checks a handful of images against every image of the dataset. Building facts
objects for 100,000 reference images would cost more than everything else the hook does, so
the index hands over bare rows and this module keeps them as lists and numpy arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from imagelint.config import Config
from imagelint.sources.dataset import ImageRef
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import HASHES, FactsIndex, HashRow, signed_hash
from imagelint.facts.inspect import Inspection, inspect_images

@dataclass(frozen=True)
class Reference:
    """Every image a new image is compared with (the targets included), one row each.

    ``intact`` rows take part in exact matching (broken files are IMG001's business);
    ``hashed`` rows, intact and hashed, in near matching. The hash columns are those of
    ``index.HASHES`` (0 where an image has none). ``missing`` are the
    dataset images left out because neither their facts nor their bytes are on this machine.
    """

    paths: list[str]
    md5s: list[str]
    phash: np.ndarray
    phash_mirror: np.ndarray
    phash_inner: np.ndarray
    phash_probe: np.ndarray
    signature: np.ndarray
    pixel_digest: np.ndarray
    intact: np.ndarray
    hashed: np.ndarray
    missing: tuple[str, ...] = ()


def build_reference(
    targets: Sequence[Inspection], dataset: Sequence[ImageRef], config: Config, index: FactsIndex, jobs: int | None
) -> Reference:
    """Rows for the targets and the dataset; dataset images the index lacks are inspected first."""
    target_paths = {item.ref.path for item in targets}
    others = [ref for ref in dataset if ref.path not in target_paths and not ref.is_symlink]
    blob_md5 = index.md5s_of_blobs(ref.blob for ref in others if ref.blob and not ref.md5)
    md5_of = {ref.path: ref.md5 or blob_md5.get(ref.blob or "") for ref in others}
    rows = index.hash_rows({md5 for md5 in md5_of.values() if md5})
    unknown = [ref for ref in others if md5_of[ref.path] not in rows]
    for item in inspect_images(unknown, config, jobs=jobs, index=index).values():
        if item.facts is not None:
            md5_of[item.ref.path] = item.facts.md5
            rows[item.facts.md5] = _row(item.facts)
    listed = [(ref.path, md5_of[ref.path]) for ref in others if md5_of[ref.path] in rows]
    missing = tuple(ref.path for ref in others if md5_of[ref.path] not in rows) if len(listed) < len(others) else ()
    listed += [(item.ref.path, item.facts.md5) for item in targets if item.facts is not None]
    rows.update((item.facts.md5, _row(item.facts)) for item in targets if item.facts is not None)
    paths = [path for path, _ in listed]
    md5s = [md5 for _, md5 in listed]
    table = np.array([rows[md5] for md5 in md5s], dtype=np.int64).reshape(-1, len(HASHES) + 2)
    *hashes, intact, has_hash = (np.ascontiguousarray(column) for column in table.T)
    return Reference(
        paths=paths,
        md5s=md5s,
        **{name: column.view(np.uint64) for name, column in zip(HASHES, hashes)},
        intact=intact.astype(bool),
        hashed=intact.astype(bool) & has_hash.astype(bool),
        missing=missing,
    )


def _row(facts: ImageFacts) -> HashRow:
    """The index's row shape for freshly computed facts."""
    return (
        *(signed_hash(getattr(facts, name) or 0) for name in HASHES),
        int(facts.format is not None and facts.error is None),
        int(facts.phash is not None),
    )  # type: ignore[return-value]
