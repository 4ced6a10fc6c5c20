"""Read DVC's own files without DVC: pointers (``.dvc``, ``dvc.lock``), config and ``.dir`` manifests.

The formats are small and stable across DVC 2 and 3, and importing ``dvc`` costs more than the
whole hook run, so plain YAML and JSON it is. Outs are compared by md5 *value*: DVC 3's
``hash: md5`` key and its ``files/md5/`` cache prefix change where an object lives, not what it is.

Their content is untrusted (``pointer_checks``): the readers raise ``PointerError`` or
``ManifestError`` for anything malformed, and no other exception, whatever the bytes.
"""
from __future__ import annotations

import configparser
import hashlib
import json
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from imagelint.safe_open import md5_of_regular_file, read_regular_file
from imagelint.sources.manifest_text import manifest_bytes
from imagelint.sources.pointer_checks import conflict_line, is_external, is_md5, line_of, stays_inside

#: Largest ``.dir`` manifest read from the cache (100,000 entries take about 10 MB).
MANIFEST_LIMIT = 256 * 2**20
#: What a malformed document may raise while it is parsed: impossible dates and ``!!int`` tags
#: (ValueError), 5,000-digit numbers, deep nesting (RecursionError), odd keys (TypeError).
_PARSE_ERRORS = (ValueError, TypeError, OverflowError, RecursionError, AttributeError, KeyError)


class PointerError(ValueError):
    """A ``.dvc``, ``dvc.lock`` or ``dvc.yaml`` that cannot be read: ``reason`` and ``line`` (None when unknown)."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{path}: {reason}" + (f" (line {line})" if line else ""))
        self.path = path
        self.reason = reason
        self.line = line


class ManifestError(ValueError):
    """A ``.dir`` manifest that is not the JSON list DVC writes, or names paths outside its folder."""


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
    line = conflict_line(text)
    if line is not None:
        raise PointerError(path, "contains merge-conflict markers: resolve the conflict, then run "
                           "'dvc checkout' and 'dvc commit' for the side you keep", line)
    import yaml  # loaded only once a DVC file is read: a check of plain folders starts without it

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise PointerError(path, f"not valid DVC YAML: {problem}", mark.line + 1 if mark else None) from None
    except _PARSE_ERRORS as exc:
        raise PointerError(path, f"not valid DVC YAML: {_short(exc)}") from None


def _mapping(path: str, value: Any, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PointerError(path, f"not valid DVC YAML: {what} is not a mapping")
    return value


def _outs(pointer: str, text: bytes, directory: str, outs: Any) -> list[Out]:
    """The outs that name data in the repository, each checked before its path or md5 is used."""
    if outs is None:
        return []
    if not isinstance(outs, list):
        raise PointerError(pointer, "not valid DVC YAML: 'outs' is not a list", line_of(text, "outs:"))
    found = []
    for out in outs:
        if not isinstance(out, dict) or not isinstance(out.get("path"), str):
            raise PointerError(pointer, "not valid DVC YAML: an out has no 'path'", line_of(text, "outs:"))
        given, md5 = out["path"], out.get("md5")
        if md5 is None or is_external(given):
            continue  # not hashed yet, another hash kind, or an output DVC keeps outside the repository
        if not is_md5(md5, directory=True):
            raise PointerError(pointer, f"md5 {str(md5)[:80]!r} of {given!r} is not 32 hex digits (plus '.dir')",
                               line_of(text, md5))
        path = posixpath.normpath(posixpath.join(directory, given))
        if not stays_inside(path):
            raise PointerError(pointer, f"out path {given!r} is outside the repository", line_of(text, given))
        found.append(Out(pointer, path, md5, "hash" not in out))
    return found


def dvc_file_outs(pointer: str, text: bytes) -> list[Out]:
    """Outs of a ``.dvc`` file; paths are relative to its folder, or to its top-level ``wdir``."""
    data = _mapping(pointer, _load_yaml(pointer, text), "the file")
    wdir = data.get("wdir") or "."
    if not isinstance(wdir, str):
        raise PointerError(pointer, "not valid DVC YAML: 'wdir' is not a string", line_of(text, "wdir:"))
    return _outs(pointer, text, posixpath.join(posixpath.dirname(pointer), wdir), data.get("outs"))


def lock_outs(pointer: str, text: bytes, dvc_yaml: bytes | None) -> list[Out]:
    """Outs of a ``dvc.lock``; each stage's paths are relative to its ``wdir`` in the sibling ``dvc.yaml``."""
    data = _mapping(pointer, _load_yaml(pointer, text), "the file")
    stages = _mapping(pointer, data.get("stages") if "schema" in data else data, "'stages'")
    yaml_path = posixpath.join(posixpath.dirname(pointer), "dvc.yaml")
    definitions: dict = {}
    if dvc_yaml is not None:
        document = _mapping(yaml_path, _load_yaml(yaml_path, dvc_yaml), "the file")
        definitions = _mapping(yaml_path, document.get("stages"), "'stages'")
    found = []
    for name, stage in stages.items():
        stage = _mapping(pointer, stage, f"stage {str(name)[:80]!r}")
        definition = definitions.get(str(name).split("@", 1)[0])
        if isinstance(definition, dict) and isinstance(definition.get("do"), dict):
            definition = definition["do"]  # a foreach stage: the body holds wdir
        wdir = definition.get("wdir") if isinstance(definition, dict) else None
        directory = posixpath.join(posixpath.dirname(pointer), wdir if isinstance(wdir, str) else ".")
        found += _outs(pointer, text, directory, stage.get("outs"))
    return found


def _short(exc: BaseException) -> str:
    """The exception's first clause ("...; use sys.set_int_max_str_digits()" is no advice for a pointer)."""
    text = " ".join(str(exc).split(";")[0].split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def cache_dir(dvc_dir: Path) -> Path:
    """``cache.dir`` from ``config.local`` then ``config`` (relative to ``.dvc/``), else ``.dvc/cache``.

    An unreadable or malformed config counts as absent. The result has no symbolic links, so a
    cache object's path can be checked to lie inside it.
    """
    for name in ("config.local", "config"):
        value = _config_cache_dir(str(dvc_dir / name))
        if value:
            return Path(os.path.realpath(dvc_dir / os.path.expanduser(value)))
    return Path(os.path.realpath(dvc_dir / "cache"))


def _config_cache_dir(path: str) -> str:
    read = read_regular_file(path, 1 << 20)
    if read.data is None:
        return ""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(read.data.decode("utf-8"))
        value = parser.get("cache", "dir", fallback="").strip().strip("'\"")
    except (configparser.Error, UnicodeDecodeError, *_PARSE_ERRORS):
        return ""
    return "" if "\0" in value else value


def object_folders(cache: Path, legacy: bool = True) -> tuple[str, ...]:
    """Where objects may live, as ``<folder>/<md5[:2]>/<md5[2:]>``: the DVC 3 layout, then for DVC 2 outs the legacy one."""
    return (f"{cache}/files/md5", str(cache)) if legacy else (f"{cache}/files/md5",)


def parse_manifest(data: bytes) -> dict[str, str]:
    """``relpath -> md5`` from the bytes of a ``.dir`` object; every relpath stays inside its folder."""
    try:
        entries = json.loads(data)
    except ValueError as exc:
        raise ManifestError(f"not valid JSON: {_short(exc)}") from None
    except RecursionError:
        raise ManifestError("not valid JSON: nested too deeply") from None
    return manifest_entries(entries)


def manifest_entries(entries: object) -> dict[str, str]:
    """``relpath -> md5`` from a parsed ``.dir`` listing (or any list in its form), checked as the
    manifest is: every md5 32 hex digits, every relpath inside its folder."""
    if not isinstance(entries, list):
        raise ManifestError("not a list of {relpath, md5} entries")
    manifest = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("relpath"), str):
            raise ManifestError(f"entry {number} is not a {{relpath, md5}} pair")
        relpath, md5 = entry["relpath"], entry.get("md5")
        if not is_md5(md5):
            raise ManifestError(f"entry {number} ({relpath[:80]!r}) has an md5 that is not 32 hex digits")
        if not stays_inside(relpath):
            raise ManifestError(f"entry {number} has relpath {relpath[:80]!r}, outside the folder it describes")
        manifest[relpath] = md5
    return manifest


def read_cached_manifest(cache: Path, md5: str) -> dict[str, str] | None:
    """The manifest ``md5`` (``<hex>.dir``, already checked) from the local cache, or None when it is
    not there. Only a regular file inside the cache is read; anything else there is a ManifestError."""
    for folder in object_folders(cache):
        read = read_regular_file(f"{folder}/{md5[:2]}/{md5[2:]}", MANIFEST_LIMIT)
        if read.problem:
            raise ManifestError(f"in the DVC cache {read.problem}")
        if read.data is None and read.size:
            raise ManifestError(f"larger than {MANIFEST_LIMIT >> 20} MiB")
        if read.data is not None:
            return parse_manifest(read.data)
    return None


def manifest_digest(manifest: Mapping[str, str]) -> str:
    """The ``.dir`` name DVC gives a manifest (``dvc_data`` ``Tree.as_bytes``)."""
    return hashlib.md5(manifest_bytes(manifest)).hexdigest() + ".dir"


def workspace_manifest(directory: Path) -> dict[str, str]:
    """Hash every file under ``directory`` as ``dvc add`` would (``.dvcignore`` is not applied)."""
    manifest = {}
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = [name for name in subfolders if name not in (".git", ".dvc")]
        for name in files:
            path = os.path.join(folder, name)
            md5 = md5_of_regular_file(path)
            if md5 is None:  # a link, a FIFO, a device: not what 'dvc add' hashed
                raise OSError(f"{path}: not a regular file")
            manifest[Path(path).relative_to(directory).as_posix()] = md5
    return manifest
