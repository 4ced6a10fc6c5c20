"""Read a ``.dir`` manifest from the default DVC remote, through DVC itself (opt-in: ``use_remote``).

Only imported when the user asks: importing ``dvc`` costs about half a second and needs the
remote's plugin, so the normal path never does.
"""
from __future__ import annotations

from pathlib import Path


class RemoteUnavailable(Exception):
    """The remote could not be asked (``dvc`` not installed, no default remote, ...); one-line message."""


def read_remote_object(dvc_root: Path, md5: str) -> bytes | None:
    """The bytes of object ``md5`` on the default remote (DVC 3 then legacy layout), None when absent."""
    try:
        from dvc.repo import Repo
    except ImportError:
        raise RemoteUnavailable("reading the DVC remote needs the 'dvc' package (pip install 'imagelint[dvc]')") from None
    try:
        with Repo(str(dvc_root)) as repo:
            for hash_name in ("md5", "md5-dos2unix"):
                odb = repo.cloud.get_remote_odb(None, hash_name=hash_name)
                path = odb.oid_to_path(md5)
                if odb.fs.exists(path):
                    with odb.fs.open(path, "rb") as handle:
                        return handle.read()
    except Exception as exc:  # DVC raises many kinds (config, network, auth); all mean "not available"
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise RemoteUnavailable(f"could not read the DVC remote: {message}") from None
    return None
