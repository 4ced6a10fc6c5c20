"""The committed baseline: findings a team has accepted, keyed by image content, not by path.

An entry is a rule code and the content md5 of the image (and of the other image, for a pair),
so a renamed or moved image keeps its accepted finding, and a pair matches whichever of its two
images a run reports it on. Exact copies share one md5, so their entries also name both paths:
a third copy of accepted content is a new finding. Findings about a folder or a pointer (class
balance, an unreadable manifest) have no content and are keyed by code and path.

The file is deterministic (sorted, one entry per line, no timestamps or line numbers), so
parallel branches that accept different findings merge without conflicts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Mapping, Sequence

from imagelint.atomic import write_text_atomic
from imagelint.config import ConfigError
from imagelint.findings import Finding

BASELINE_FILE = ".imagelint-baseline.json"
VERSION = 1


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """One accepted finding; ``path`` and ``related_path`` are for readers, and part of the key
    only where content cannot tell the images apart."""

    code: str
    md5: str | None
    path: str
    related_md5: str | None = None
    related_path: str | None = None

    def key(self) -> tuple:
        if self.md5 is None:
            return (self.code, self.path)
        if self.related_path is None:
            return (self.code, self.md5)
        if self.related_md5 is None:
            return (self.code, self.md5, self.related_path)
        if self.md5 == self.related_md5:
            return (self.code, self.md5, frozenset((self.path, self.related_path)))
        return (self.code, frozenset((self.md5, self.related_md5)))

    def fingerprint(self) -> str:
        """The key as a stable string, for code-review tools that track findings across runs."""
        return ":".join(":".join(sorted(part)) if isinstance(part, frozenset) else part for part in self.key())

    def describe(self) -> str:
        return f"{self.code} on {' and '.join(sorted(filter(None, (self.path, self.related_path))))}"


@dataclass(frozen=True)
class Judged:
    """A run's findings against the baseline."""

    new: list[Finding]
    accepted: list[Finding]


def entry_for(finding: Finding, md5_of: Mapping[str, str | None]) -> BaselineEntry:
    """The entry that accepts ``finding``; the pair's sides in a fixed order."""
    md5 = md5_of.get(finding.path)
    if md5 is None or not finding.related:
        return BaselineEntry(finding.code, md5, finding.path)
    other = finding.related[0]
    other_md5 = md5_of.get(other)
    if other_md5 is None:
        return BaselineEntry(finding.code, md5, finding.path, None, other)
    (first_md5, first), (second_md5, second) = sorted([(md5, finding.path), (other_md5, other)])
    return BaselineEntry(finding.code, first_md5, first, second_md5, second)


def judge(findings: Sequence[Finding], md5_of: Mapping[str, str | None], entries: Collection[BaselineEntry]) -> Judged:
    keys = {entry.key() for entry in entries}
    new, accepted = [], []
    for finding in findings:
        (accepted if entry_for(finding, md5_of).key() in keys else new).append(finding)
    return Judged(new, accepted)


def gone_entries(entries: Collection[BaselineEntry], dataset_md5s: Collection[str]) -> list[BaselineEntry]:
    """Entries naming content that is no longer anywhere in the dataset."""
    present = set(dataset_md5s)
    return sorted(
        entry for entry in entries
        if entry.md5 is not None and not {entry.md5, entry.related_md5 or entry.md5} <= present
    )


def read_baseline(path: Path) -> list[BaselineEntry] | None:
    """The entries of the baseline file, None when there is none; a damaged file is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read the baseline: {exc}") from None
    try:
        document = json.loads(text)
        if document.get("version") != VERSION:
            raise ValueError(f"version {document.get('version')!r}, expected {VERSION}")
        return [_entry(item) for item in document["findings"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path.name}: not an imagelint baseline ({exc}); "
                          "recreate it with 'imagelint baseline'") from None


def _entry(item: dict) -> BaselineEntry:
    fields = {key: item.get(key) for key in ("code", "md5", "path", "related_md5", "related_path")}
    if not isinstance(fields["code"], str) or not isinstance(fields["path"], str):
        raise ValueError(f"an entry without code or path: {item!r}")
    return BaselineEntry(**fields)


def baseline_text(entries: Collection[BaselineEntry]) -> str:
    lines = [
        json.dumps({key: value for key, value in vars(entry).items() if value is not None}, sort_keys=True,
                   ensure_ascii=False)
        for entry in sorted(set(entries))
    ]
    inner = "\n" + ",\n".join(f"    {line}" for line in lines) + "\n  " if lines else ""
    return f'{{\n  "findings": [{inner}],\n  "version": {VERSION}\n}}\n'


def write_baseline(path: Path, entries: Collection[BaselineEntry]) -> bool:
    """Write the file atomically; False when it already held exactly these entries."""
    text = baseline_text(entries)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_text_atomic(path, text)
    return True
