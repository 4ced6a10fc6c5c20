"""Read objects (``.dir`` manifests, images) from the default DVC remote, through DVC itself.

Only imported when the user asks: importing ``dvc`` costs about half a second and needs the
remote's plugin, so the normal path never does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable


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


def _visit_remote(dvc_root: Path, md5s: Iterable[str], visit: object) -> None:
    """Open the repository once and hand each object found on the remote to ``visit(md5, bytes)``."""
    try:
        from dvc.repo import Repo
    except ImportError:
        raise RemoteUnavailable("reading the DVC remote needs the 'dvc' package (pip install 'imagelint[dvc]')") from None
    try:
        with Repo(str(dvc_root)) as repo:
            databases = [repo.cloud.get_remote_odb(None, hash_name=name) for name in ("md5", "md5-dos2unix")]
            for md5 in md5s:
                for odb in databases:
                    path = odb.oid_to_path(md5)
                    if odb.fs.exists(path):
                        with odb.fs.open(path, "rb") as handle:
                            visit(md5, handle.read())  # type: ignore[operator]
                        break
    except Exception as exc:  # DVC raises many kinds (config, network, auth); all mean "not available"
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise RemoteUnavailable(f"could not read the DVC remote: {message}") from None


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
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise RemoteUnavailable(f"could not read the DVC remote: {message}") from None

    def object_paths(md5: str) -> tuple[str, ...]:
        return tuple(odb.oid_to_path(md5) for odb in databases)

    return databases[0].fs, object_paths
