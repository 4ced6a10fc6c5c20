"""Every configuration key, its converter, and the validation of a ``[tool.imagelint]`` table.

Keys are kebab-case. Every key is validated up front: an unknown key or a wrong type is a
``ConfigError`` naming the file, the key and the closest valid key, which the CLI turns into
one line and exit code 2. Per-path overrides change limits and rule selection for paths
matching a glob (``data/thumbnails/**``).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import Any, Callable

from imagelint.config.values import PRESETS, Config, ConfigError, Limits, Override

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_size(value: Any) -> int:
    """Bytes from ``6MB`` (10^6), ``6MiB`` (2^20), ``500KB``, ``500KiB`` or a plain integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a size like \"6MB\", \"500KiB\" or bytes, got {value!r}")
    number, unit = match.groups()
    return int(float(number) * _UNITS[(unit or "b").lower()])


def _string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError(f"expected a list of strings, got {value!r}")


def _resolution(value: Any) -> tuple[int, int]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return (value[0], value[1])
    raise ValueError(f"expected [width, height], got {value!r}")


def _number(
    kind: type, low: float = 0, high: float | None = None, *, above_low: bool = False
) -> Callable[[Any], Any]:
    """A converter for numbers from ``low`` (excluded with ``above_low``) to ``high``."""
    if high is not None:
        wanted = f"a number from {low:g} to {high:g}"
    else:
        wanted = f"a number above {low:g}" if above_low else f"a number of at least {low:g}"
    wanted = wanted.replace("a number", "a whole number") if kind is int else wanted

    def convert(value: Any) -> Any:
        number = isinstance(value, int if kind is int else (int, float)) and not isinstance(value, bool)
        if not number or value < low or (above_low and value == low) or (high is not None and value > high):
            raise ValueError(f"expected {wanted}, got {value!r}")
        return kind(value)

    return convert


def _positive_size(value: Any) -> int:
    size = parse_size(value)
    if size <= 0:
        raise ValueError(f"expected a size above 0, got {value!r}")
    return size


_PLACEHOLDERS = ("{split}", "{class}")


def _layout(value: Any) -> str:
    """A folder pattern whose only placeholders are ``{split}`` and ``{class}``, each at most once."""
    layout = _string(value)
    for token in re.findall(r"\{[^{}/]*\}?|\}", layout):
        if token not in _PLACEHOLDERS:
            close = difflib.get_close_matches(token, _PLACEHOLDERS, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else "the placeholders are {split} and {class}"
            raise ValueError(f"unknown placeholder '{token}' in {layout!r}; {hint}")
    for placeholder in _PLACEHOLDERS:
        if layout.count(placeholder) > 1:
            raise ValueError(f"{placeholder} appears more than once in {layout!r}")
    return layout


def _splits(value: Any) -> tuple[str, ...]:
    names = _string_list(value)
    if not names:
        raise ValueError("expected at least one split folder name")
    for name in names:
        if not name or "/" in name:
            raise ValueError(f"expected folder names without '/', got {name!r}")
    if len({name.lower() for name in names}) < len(names):
        raise ValueError(f"a split is listed twice in {list(names)!r}")
    return names


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _severities(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and v in ("error", "warning") for v in value.values()
    ):
        raise ValueError(f'expected a table like {{IMG302 = "error"}}, got {value!r}')
    return tuple(sorted(value.items()))


def _formats(value: Any) -> tuple[str, ...]:
    return tuple(name.upper() for name in _string_list(value))


LIMIT_KEYS: dict[str, Callable[[Any], Any]] = {
    "formats": _formats,
    "max-file-size": _positive_size,
    "min-resolution": _resolution,
    "max-pixels": _number(int, 0, above_low=True),
    "dark-threshold": _number(float, 0, 1),
    "light-threshold": _number(float, 0, 1),
    "low-information-threshold": _number(float, 0, 255),  # grey levels spanned by the middle 98% of pixels
    "blur-threshold": _number(float),
    "select": _string_list,
    "ignore": _string_list,
    "severity": _severities,
}
TOP_KEYS: dict[str, Callable[[Any], Any]] = {
    "near-duplicate-threshold": _number(int, 0, 64),  # bits of a 64-bit pHash
    "match-mirrored": _boolean,
    "layout": _layout,
    "splits": _splits,
    "min-class-images": _number(int),
    "max-class-ratio": _number(float, 1),
    "share-drift-points": _number(float, 0, 100),
    "shortcut-threshold": _number(float, 0, 1),
    "diversity-threshold": _number(float, 0, 1),
    "stats-file": _string,
    "labels": _string,
    "cache-dir": _string,
    "exclude": _string_list,
}
ALL_KEYS = ("preset", "overrides", *TOP_KEYS, *LIMIT_KEYS)


def attribute(key: str) -> str:
    return key.replace("-", "_")


def _unknown(source: str, key: str, valid: tuple[str, ...] | list[str], where: str = "") -> ConfigError:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(valid))}"
    return ConfigError(f"{source}: unknown key '{where}{key}'{hint}")


def _convert(source: str, key: str, value: Any, converter: Callable[[Any], Any]) -> Any:
    try:
        return converter(value)
    except ValueError as exc:
        raise ConfigError(f"{source}: key '{key}': {exc}") from None


def build_config(table: dict[str, Any], source: str) -> Config:
    """Validate a ``[tool.imagelint]`` table and resolve it over the preset and defaults."""
    for key in table:
        if key not in ALL_KEYS:
            raise _unknown(source, key, ALL_KEYS)
    preset = table.get("preset", "detection")
    if preset not in PRESETS:
        raise ConfigError(
            f"{source}: key 'preset': unknown preset {preset!r}; choose one of {', '.join(PRESETS)}"
        )
    limits = replace(Limits(), **PRESETS[preset])
    limit_changes = {
        attribute(key): _convert(source, key, table[key], LIMIT_KEYS[key]) for key in LIMIT_KEYS if key in table
    }
    limits = replace(limits, **limit_changes)
    top = {attribute(key): _convert(source, key, table[key], TOP_KEYS[key]) for key in TOP_KEYS if key in table}
    if top.get("labels", "folders") not in ("folders", "yolo", "coco"):
        raise ConfigError(f"{source}: key 'labels': expected \"folders\", \"yolo\" or \"coco\"")
    if top.get("labels", "folders") == "folders" and "{class}" not in top.get("layout", "{class}"):
        raise ConfigError(f"{source}: key 'layout': {top['layout']!r} has no {{class}}, so no image gets a "
                          "class (with labels = \"folders\" the class is a folder of the path)")
    overrides = tuple(_override(source, i, item) for i, item in enumerate(table.get("overrides", [])))
    _check_rule_tokens(source, [("", limit_changes), *((f"overrides[{i}].", item.changes)
                                                        for i, item in enumerate(overrides))])
    return Config(source=source, preset=preset, limits=limits, overrides=overrides, **top)


def _check_rule_tokens(source: str, places: list[tuple[str, dict[str, Any]]]) -> None:
    """Every code, prefix or name in select / ignore / severity names a rule. The registry is
    loaded only when one of them is set, so the usual configuration costs nothing."""
    wanted = [(where + key, changes[key]) for where, changes in places for key in ("select", "ignore", "severity")
              if key in changes]
    if not wanted:
        return
    from imagelint.rules.selection import unknown_rule_token

    for key, values in wanted:
        for value in values:
            problem = unknown_rule_token(value[0] if isinstance(value, tuple) else value)
            if problem:
                raise ConfigError(f"{source}: key '{key}': {problem}")


def _override(source: str, index: int, item: Any) -> Override:
    where = f"overrides[{index}]."
    if not isinstance(item, dict) or "paths" not in item:
        raise ConfigError(f"{source}: key 'overrides[{index}]': expected a table with 'paths' and limits")
    changes = {}
    for key, value in item.items():
        if key == "paths":
            continue
        if key not in LIMIT_KEYS:
            raise _unknown(source, key, ["paths", *LIMIT_KEYS], where)
        changes[attribute(key)] = _convert(source, where + key, value, LIMIT_KEYS[key])
    return Override(paths=_convert(source, where + "paths", item["paths"], _string_list), changes=changes)
