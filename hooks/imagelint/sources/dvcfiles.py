"""Read DVC's own files without DVC: pointers (``.dvc``, ``dvc.lock``), config and ``.dir`` manifests.

The formats are small and stable across DVC 2 and 3, and importing ``dvc`` costs more than the
whole hook run, so plain YAML and JSON it is. Outs are compared by md5 *value*: DVC 3's
``hash: md5`` key and its ``files/md5/`` cache prefix change where an object lives, not what it is.
"""
from __future__ import annotations

import configparser
import hashlib
import json
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PointerError(ValueError):
    """A ``.dvc``, ``dvc.lock`` or ``dvc.yaml`` that cannot be read; the message names the file."""


class ManifestError(ValueError):
    """A ``.dir`` manifest that is not the JSON list DVC writes."""


@dataclass(frozen=True)
class Out:
    """One output a pointer tracks: ``path`` is repo-relative POSIX, ``md5`` ends in ``.dir`` for a directory.

    ``legacy`` marks a DVC 2 out (no ``hash:`` key), whose objects may still be in the old cache layout.
    """

    pointer: str
    path: str
    md5: str
    legacy: bool = False


def is_pointer(path: str) -> bool:
    """``.dvc`` files and ``dvc.lock`` anywhere, but nothing inside a ``.dvc/`` directory."""
    name = posixpath.basename(path)
    return (name == "dvc.lock" or (name.endswith(".dvc") and name != ".dvc")) and "/.dvc/" not in f"/{path}"


def _load_yaml(path: str, text: bytes) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise PointerError(f"{path}: not valid DVC YAML: {detail}") from None


def _mapping(path: str, value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PointerError(f"{path}: not valid DVC YAML: {what} is not a mapping")
    return value


def _outs(pointer: str, directory: str, outs: Any) -> list[Out]:
    if outs is None:
        return []
    if not isinstance(outs, list):
        raise PointerError(f"{pointer}: not valid DVC YAML: 'outs' is not a list")
    found = []
    for out in outs:
        if not isinstance(out, dict) or not isinstance(out.get("path"), str):
            raise PointerError(f"{pointer}: not valid DVC YAML: an out has no 'path'")
        md5 = out.get("md5")
        if not isinstance(md5, str) or posixpath.isabs(out["path"]):
            continue  # not hashed yet, another hash kind, or an external output
        path = posixpath.normpath(posixpath.join(directory, out["path"]))
        if path != ".." and not path.startswith("../"):
            found.append(Out(pointer, path, md5, "hash" not in out))
    return found


def dvc_file_outs(pointer: str, text: bytes) -> list[Out]:
    """Outs of a ``.dvc`` file; paths are relative to its folder, or to its top-level ``wdir``."""
    data = _mapping(pointer, _load_yaml(pointer, text), "the file")
    wdir = data.get("wdir") or "."
    if not isinstance(wdir, str):
        raise PointerError(f"{pointer}: not valid DVC YAML: 'wdir' is not a string")
    return _outs(pointer, posixpath.join(posixpath.dirname(pointer), wdir), data.get("outs"))


def lock_outs(pointer: str, text: bytes, dvc_yaml: bytes | None) -> list[Out]:
    """Outs of a ``dvc.lock``; each stage's paths are relative to its ``wdir`` in the sibling ``dvc.yaml``."""
    data = _mapping(pointer, _load_yaml(pointer, text), "the file")
    stages = _mapping(pointer, data.get("stages") if "schema" in data else data, "'stages'")
    yaml_path = posixpath.join(posixpath.dirname(pointer), "dvc.yaml")
    definitions = {}
    if dvc_yaml is not None:
        document = _mapping(yaml_path, _load_yaml(yaml_path, dvc_yaml), "the file")
        definitions = _mapping(yaml_path, document.get("stages"), "'stages'")
    found = []
    for name, stage in stages.items():
        stage = _mapping(pointer, stage, f"stage {name!r}")
        definition = definitions.get(str(name).split("@", 1)[0])
        if isinstance(definition, dict) and isinstance(definition.get("do"), dict):
            definition = definition["do"]  # a foreach stage: the body holds wdir
        wdir = definition.get("wdir") if isinstance(definition, dict) else None
        directory = posixpath.join(posixpath.dirname(pointer), wdir if isinstance(wdir, str) else ".")
        found += _outs(pointer, directory, stage.get("outs"))
    return found


def cache_dir(dvc_dir: Path) -> Path:
    """``cache.dir`` from ``config.local`` then ``config`` (relative to ``.dvc/``), else ``.dvc/cache``."""
    for name in ("config.local", "config"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(dvc_dir / name, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        value = parser.get("cache", "dir", fallback="").strip().strip("'\"")
        if value:
            return Path(os.path.normpath(dvc_dir / os.path.expanduser(value)))
    return dvc_dir / "cache"


def object_folders(cache: Path, legacy: bool = True) -> tuple[str, ...]:
    """Where objects may live, as ``<folder>/<md5[:2]>/<md5[2:]>``: the DVC 3 layout, then for DVC 2 outs the legacy one."""
    return (f"{cache}/files/md5", str(cache)) if legacy else (f"{cache}/files/md5",)


def parse_manifest(data: bytes) -> dict[str, str]:
    """``relpath -> md5`` from the bytes of a ``.dir`` object."""
    try:
        return {entry["relpath"]: entry["md5"] for entry in json.loads(data)}
    except ValueError as exc:
        raise ManifestError(f"not valid JSON: {exc}") from None
    except (KeyError, TypeError):
        raise ManifestError("not a list of {relpath, md5} entries") from None


def read_cached_manifest(cache: Path, md5: str) -> dict[str, str] | None:
    """The manifest ``md5`` (``<hex>.dir``) from the local cache, or None when it is not there."""
    for folder in object_folders(cache):
        try:
            data = Path(f"{folder}/{md5[:2]}/{md5[2:]}").read_bytes()
        except OSError:
            continue
        return parse_manifest(data)
    return None


def manifest_digest(manifest: dict[str, str]) -> str:
    """The ``.dir`` name DVC gives a manifest (``dvc_data`` ``Tree.as_bytes``)."""
    entries = [{"md5": manifest[relpath], "relpath": relpath} for relpath in sorted(manifest)]
    return hashlib.md5(json.dumps(entries, sort_keys=True).encode()).hexdigest() + ".dir"


def workspace_manifest(directory: Path) -> dict[str, str]:
    """Hash every file under ``directory`` as ``dvc add`` would (``.dvcignore`` is not applied)."""
    manifest = {}
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = [name for name in subfolders if name not in (".git", ".dvc")]
        for name in files:
            path = os.path.join(folder, name)
            digest = hashlib.md5()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            manifest[Path(path).relative_to(directory).as_posix()] = digest.hexdigest()
    return manifest
