"""The settings of one run as frozen values: defaults, presets, and per-path overrides.

Keys are read and validated by ``keys`` from the file ``files`` finds; everything else in
imagelint only reads these values.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_SPLITS = ("train", "val", "valid", "validation", "test")

#: Named starting points, chosen with ``preset = "..."``; explicit keys win over the preset.
PRESETS: dict[str, dict[str, Any]] = {
    # Object-detection collection guidance: JPG/PNG/BMP, at most 6 MB, at least 256 x 256.
    "detection": {},
    # Generative fine-tuning guidance asks for 720p or more and no blur (IMG201 on). Its framing
    # guidance (close-up to full body) is not judged: the stats file shows aspect and size spread.
    "generative": {"min_resolution": (1280, 720), "select": ("IMG", "IMG201")},
}



class ConfigError(Exception):
    """A configuration problem the user must fix; the message is the whole explanation."""


@dataclass(frozen=True)
class Limits:
    """The settings that per-path overrides may change."""

    formats: tuple[str, ...] = ("JPEG", "PNG", "BMP")
    max_file_size: int = 6 * 10**6
    min_resolution: tuple[int, int] = (256, 256)
    max_pixels: int = 100 * 10**6
    dark_threshold: float = 0.25
    light_threshold: float = 0.05
    low_information_threshold: float = 16
    blur_threshold: float = 3.0
    select: tuple[str, ...] = ("IMG",)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Override:
    paths: tuple[str, ...]
    changes: dict[str, Any]


@dataclass(frozen=True)
class Config:
    """Resolved settings for one run; ``limits_for(path)`` applies the overrides."""

    source: str = "defaults"
    preset: str = "detection"
    limits: Limits = field(default_factory=Limits)
    overrides: tuple[Override, ...] = ()
    near_duplicate_threshold: int = 10
    match_mirrored: bool = True
    layout: str = "{split}/{class}/"
    splits: tuple[str, ...] = DEFAULT_SPLITS
    min_class_images: int = 50
    max_class_ratio: float = 2.0
    share_drift_points: float = 5.0
    shortcut_threshold: float = 0.6
    diversity_threshold: float = 0.6
    stats_file: str = "dataset-stats.json"
    labels: str = "folders"
    cache_dir: str = ""
    exclude: tuple[str, ...] = ()

    def limits_for(self, path: str) -> Limits:
        if not self.overrides:
            return self.limits
        limits = self.limits
        for override in self.overrides:
            if any(glob_match(pattern, path) for pattern in override.paths):
                limits = replace(limits, **override.changes)
        return limits

    def excludes(self, path: str) -> bool:
        """Whether ``path`` is left out of every check and count (``exclude``); asked once per
        dataset image, so the usual empty list answers without building a generator."""
        return bool(self.exclude) and any(glob_match(pattern, path) for pattern in self.exclude)

    def resolved_cache_dir(self) -> Path:
        if self.cache_dir:
            return Path(self.cache_dir).expanduser()
        if os.environ.get("IMAGELINT_CACHE_DIR"):
            return Path(os.environ["IMAGELINT_CACHE_DIR"]).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "imagelint"


def glob_match(pattern: str, path: str) -> bool:
    """Gitignore-like globs: ``*`` stays within a folder, ``**`` crosses folders."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None
