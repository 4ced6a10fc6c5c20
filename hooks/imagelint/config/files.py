"""Where settings come from (``--config FILE``, ``.imagelint.toml``, ``[tool.imagelint]`` in
pyproject.toml) and how the resolved settings are shown (``imagelint config``)."""
from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from imagelint.config.keys import TOP_KEYS, attribute, build_config
from imagelint.config.values import Config, ConfigError, Limits

def load_config(root: Path, explicit: str | None = None) -> Config:
    """Config for a repository root: ``--config FILE``, then ``.imagelint.toml``, then pyproject."""
    candidates = [Path(explicit)] if explicit else [root / ".imagelint.toml", root / "pyproject.toml"]
    for path in candidates:
        if not path.is_file():
            if explicit:
                raise ConfigError(f"{path}: config file not found")
            continue
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        if path.name == "pyproject.toml" or "tool" in document:
            table = document.get("tool", {}).get("imagelint")
            if table is None:
                if explicit:
                    raise ConfigError(f"{path}: no [tool.imagelint] table")
                continue
        else:
            table = document
        return build_config(table, _display(path, root))
    return Config()


def config_as_toml(config: Config) -> str:
    """The resolved settings as a ``[tool.imagelint]`` table a user could paste."""
    lines = ["[tool.imagelint]", f"# resolved from: {config.source}", f'preset = "{config.preset}"']
    values = {f.name: getattr(config.limits, f.name) for f in fields(Limits)}
    values.update({attribute(k): getattr(config, attribute(k)) for k in TOP_KEYS})
    values["cache_dir"] = str(config.resolved_cache_dir())
    for name in sorted(values):
        lines.append(f"{name.replace('_', '-')} = {_toml_value(values[name])}")
    for override in config.overrides:
        lines += ["", "[[tool.imagelint.overrides]]", f"paths = {_toml_value(override.paths)}"]
        lines += [f"{k.replace('_', '-')} = {_toml_value(v)}" for k, v in sorted(override.changes.items())]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "{ " + ", ".join(f'{k} = "{v}"' for k, v in value) + " }"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
