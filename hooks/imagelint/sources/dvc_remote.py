"""Read objects (``.dir`` manifests, images) from the default DVC remote, through DVC itself.

Only imported when the user asks: importing ``dvc`` costs about half a second and needs the
remote's plugin, so the normal path never does.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

#: imagelint's own objects live in this folder of the remote, beside DVC's ``files/``: nothing of DVC's is touched.
AREA = "imagelint"


class RemoteUnavailable(Exception):
    """The remote could not be asked (``dvc`` not installed, no default remote, ...); one-line message."""


def read_remote_object(dvc_root: Path, md5: str) -> bytes | None:
    """The bytes of object ``md5`` on the default remote (DVC 3 then legacy layout), None when absent."""
    found: dict[str, bytes] = {}
    _visit_remote(dvc_root, [md5], lambda oid, data: found.__setitem__(oid, data))
    return found.get(md5)


def fetch_remote_objects(dvc_root: Path, md5s: Iterable[str], folder: Path) -> dict[str, Path]:
    """Copy the objects the remote has into ``folder`` (never into the user's DVC cache)."""
    fetched: dict[str, Path] = {}

    def keep(oid: str, data: bytes) -> None:
        fetched[oid] = folder / oid
        fetched[oid].write_bytes(data)

    _visit_remote(dvc_root, md5s, keep)
    return fetched


class RemoteArea:
    """imagelint's folder on the default remote. Objects are immutable: a key once written is never rewritten."""

    def __init__(self, fs: object, root: str) -> None:
        self._fs = fs
        self._root = root

    def _path(self, key: str) -> str:
        return self._fs.join(self._root, AREA, *key.split("/"))  # type: ignore[attr-defined]

    def has(self, key: str) -> bool:
        return bool(self._fs.exists(self._path(key)))  # type: ignore[attr-defined]

    def read(self, key: str, limit: int | None = None) -> bytes | None:
        """The object's bytes (at most ``limit`` + 1 of them), None when absent."""
        path = self._path(key)
        if not self._fs.exists(path):  # type: ignore[attr-defined]
            return None
        with self._fs.open(path, "rb") as handle:  # type: ignore[attr-defined]
            return handle.read(-1 if limit is None else limit + 1)

    def write(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` unless it is there already; True when written."""
        path = self._path(key)
        if self._fs.exists(path):  # type: ignore[attr-defined]
            return False
        self._fs.makedirs(self._fs.parent(path), exist_ok=True)  # type: ignore[attr-defined]
        self._fs.pipe_file(path, data)  # type: ignore[attr-defined]
        return True


@contextmanager
def remote_area(dvc_root: Path) -> Iterator[RemoteArea]:
    """imagelint's folder on the default remote of the DVC repository at ``dvc_root``."""
    try:
        from dvc.repo import Repo
    except ImportError:
        raise RemoteUnavailable("sharing facts through the DVC remote needs the 'dvc' package "
                                "(pip install 'imagelint[dvc]')") from None
    try:
        repo = Repo(str(dvc_root))
        remote = repo.cloud.get_remote(None)
    except Exception as exc:  # DVC raises many kinds (config, network, auth); all mean "not available"
        raise RemoteUnavailable(f"could not open the DVC remote: {_one_line(exc)}") from None
    try:
        yield RemoteArea(remote.fs, remote.path)
    except RemoteUnavailable:
        raise
    except OSError as exc:
        raise RemoteUnavailable(f"could not use the DVC remote: {_one_line(exc)}") from None
    finally:
        repo.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _visit_remote(dvc_root: Path, md5s: Iterable[str], visit: object) -> None:
    """Hand each object found on the default remote to ``visit(md5, bytes)``."""
    filesystem, locate = remote_filesystem(dvc_root)
    try:
        for md5 in md5s:
            for path in locate(md5):
                if filesystem.exists(path):
                    with filesystem.open(path, "rb") as handle:
                        visit(md5, handle.read())  # type: ignore[operator]
                    break
    except Exception as exc:  # DVC raises many kinds (network, auth); all mean "not available"
        raise RemoteUnavailable(f"could not read the DVC remote: {_one_line(exc)}") from None


def remote_filesystem(dvc_root: Path) -> tuple[Any, Callable[[str], tuple[str, ...]]]:
    """The default remote's DVC filesystem object, and where an md5's object may sit on it.

    The filesystem object pickles with its configuration, so Dask workers can read the objects
    themselves, with whatever plugin (s3, gs, azure, ssh, ...) the remote's type needs.
    """
    try:
        from dvc.repo import Repo
    except ImportError:
        raise RemoteUnavailable("reading the DVC remote needs the 'dvc' package (pip install 'imagelint[dvc]')") from None
    try:
        with Repo(str(dvc_root)) as repo:
            databases = [repo.cloud.get_remote_odb(None, hash_name=name) for name in ("md5", "md5-dos2unix")]
    except Exception as exc:  # DVC raises many kinds (config, network, auth); all mean "not available"
        raise RemoteUnavailable(f"could not read the DVC remote: {_one_line(exc)}") from None

    def object_paths(md5: str) -> tuple[str, ...]:
        return tuple(odb.oid_to_path(md5) for odb in databases)

    return databases[0].fs, object_paths
