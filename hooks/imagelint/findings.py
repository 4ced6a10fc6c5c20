"""The one record every rule produces and every reporter consumes."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """A problem with one path (or the dataset, as ``.``), flat like a linter's."""

    path: str
    code: str
    rule: str
    severity: Severity
    message: str
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageSummary:
    """What a report shows of an image a finding names; None where its bytes were not read."""

    md5: str | None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
