"""Where shared facts are kept, and what moving them did.

An area is imagelint's folder on the DVC remote, a plain folder a CI system caches between runs,
or the local cache folder: keys such as ``snapshots/s1-f1/ab/cdef….npz`` are the same in each.
A key is written once and never rewritten, so pushing twice, or from two machines, is safe.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol

from imagelint.atomic import write_bytes_atomic


class Area(Protocol):
    """Somewhere snapshots and manifest changes are kept: a folder, or imagelint's folder on the DVC remote."""

    def has(self, key: str) -> bool: ...

    def read(self, key: str, limit: int | None = None) -> bytes | None:
        """The object's bytes (at most ``limit`` + 1 of them, so a reader can tell it is larger), None when absent."""

    def write(self, key: str, data: bytes) -> bool: ...


class FolderArea:
    """Objects under a plain folder (the local cache, or a folder CI caches); writes are atomic."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def has(self, key: str) -> bool:
        return (self.folder / key).is_file()

    def read(self, key: str, limit: int | None = None) -> bytes | None:
        try:
            with (self.folder / key).open("rb") as handle:
                return handle.read(-1 if limit is None else limit + 1)
        except OSError:
            return None

    def write(self, key: str, data: bytes) -> bool:
        path = self.folder / key
        if path.exists():
            return False
        write_bytes_atomic(path, data)
        return True


@dataclass(frozen=True)
class Transfer:
    """What a push or pull moved: snapshots, the image facts in them and their bytes; manifest
    changes and their bytes, and the manifests rebuilt from them; and what it could not."""

    snapshots: int = 0
    images: int = 0
    bytes: int = 0
    unavailable: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    changes: int = 0
    change_bytes: int = 0
    manifests: int = 0

    def __add__(self, other: Transfer) -> Transfer:
        return Transfer(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Transfer)))


def describe(transfer: Transfer, verb: str, where: str, snapshots: bool = True) -> str:
    """One line for the user: what moved, what could not."""
    parts = [f"{transfer.snapshots} facts snapshot(s) ({transfer.images} images, "
             f"{transfer.bytes / 1000:.1f} kB)"] if snapshots else []
    if transfer.changes or not snapshots:
        parts.append(f"{transfer.changes} manifest change(s) ({transfer.change_bytes / 1000:.1f} kB)")
    text = f"{verb} {' and '.join(parts)} {where}"
    if transfer.manifests:
        text += f"; rebuilt {transfer.manifests} manifest(s) from them instead of reading the manifest(s)"
    if transfer.unavailable and snapshots:
        text += f"; {len(transfer.unavailable)} manifest(s) have no snapshot there yet"
    return text
