"""Facts of images this machine has no bytes for, from their objects on the DVC remote.

Objects are copied into a temporary folder, never into the team's DVC cache, and only the
ones asked for: a fresh runner checking a pull request reads the new images and nothing else.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from imagelint.config import Config
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import Inspection, inspect_images
from imagelint.sources.dataset import ImageRef


@dataclass(frozen=True)
class RemoteInspection:
    """Inspections of the refs the remote held, the bytes read for them, and why none could be read."""

    inspections: dict[str, Inspection]
    bytes_read: int = 0
    problem: str = ""


def inspect_from_remote(dvc_root: Path, refs: Sequence[ImageRef], config: Config, jobs: int | None,
                        index: FactsIndex) -> RemoteInspection:
    from imagelint.sources import dvc_remote

    wanted = [ref for ref in refs if ref.md5 and not ref.is_symlink]
    if not wanted:
        return RemoteInspection({})
    with tempfile.TemporaryDirectory(prefix="imagelint-remote-") as folder:
        try:
            fetched = dvc_remote.fetch_remote_objects(dvc_root, {ref.md5 for ref in wanted if ref.md5}, Path(folder))
        except dvc_remote.RemoteUnavailable as exc:
            return RemoteInspection({}, problem=str(exc))
        size = sum(path.stat().st_size for path in fetched.values())
        found = [replace(ref, sources=(str(fetched[ref.md5]),)) for ref in wanted if ref.md5 in fetched]
        return RemoteInspection(inspect_images(found, config, jobs=jobs, index=index), size)
