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
