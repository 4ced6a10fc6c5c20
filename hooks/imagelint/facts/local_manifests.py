"""The manifests imagelint keeps beside its cache: those that came with pulled snapshots or
were rebuilt from changes, laid out like a DVC cache so the resolver reads them as DVC's own."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from imagelint.atomic import write_bytes_atomic
from imagelint.config import Config
from imagelint.sources import dvcfiles
from imagelint.sources.manifest_text import manifest_bytes
from imagelint.sources.outs import keep_fetched_manifest, kept_manifest_path, pulled_manifests


def manifest_folder(config: Config) -> Path:
    return pulled_manifests(config.resolved_cache_dir())


#: The manifest this process kept last (content-addressed, so never stale): a pull keeps the
#: base's, and rebuilding the head's from it then need not read it back.
_latest: dict[str, Mapping[str, str]] = {}


def local_manifest(dvc_root: Path, manifest: str, config: Config) -> Mapping[str, str] | None:
    """``relpath -> md5`` of ``manifest`` from the DVC cache or imagelint's folder, None when it is
    in neither or cannot be read there."""
    if manifest in _latest:
        return _latest[manifest]
    for cache in (dvcfiles.cache_dir(dvc_root / ".dvc"), manifest_folder(config)):
        try:
            entries = dvcfiles.read_cached_manifest(cache, manifest)
        except dvcfiles.ManifestError:
            entries = None
        if entries is not None:
            return entries
    return None


def has_local_manifest(dvc_root: Path, manifest: str, config: Config) -> bool:
    """Whether ``local_manifest`` would find something there (a file that then fails to parse is
    the resolver's to report), without reading it: 80 MB at a million entries."""
    places = [*dvcfiles.object_folders(dvcfiles.cache_dir(dvc_root / ".dvc")), str(manifest_folder(config) / "files" / "md5")]
    return manifest in _latest or any(os.path.lexists(f"{folder}/{manifest[:2]}/{manifest[2:]}") for folder in places)


def keep_manifest(config: Config, manifest: str, entries: Mapping[str, str], data: bytes | None = None) -> None:
    """Write the ``.dir`` object exactly as DVC writes it (``data``, when the caller has its bytes
    already), unless it is there; ``entries`` must hash to ``manifest``."""
    _latest.clear()
    _latest[manifest] = entries
    path = kept_manifest_path(manifest_folder(config), manifest)
    if not path.exists():
        write_bytes_atomic(path, manifest_bytes(entries) if data is None else data)


def keep_manifest_bytes(config: Config, manifest: str, data: bytes) -> None:
    """Keep ``data`` fetched from elsewhere, when it hashes to ``manifest``."""
    keep_fetched_manifest(manifest_folder(config), manifest, data)
