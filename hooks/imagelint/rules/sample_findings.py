"""The shortcut and diversity findings (IMG5xx) of the class samples, judged once per sample.

They depend on nothing but the samples (``stats.split_profiles``: each class's images with the
smallest md5s), their facts, two settings and the code that judges them. A commit of 10 images
into classes of 100,000 rarely changes a sample, so the findings are kept in the cache folder
under a digest of all of that (and of numpy's version, which computes the scores) and read
back, instead of fetching and judging 4,000 profiles on every commit. A sample with an image the index has no facts for is judged but not kept.
"""
from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from imagelint.atomic import write_text_atomic
from imagelint.config import Config
from imagelint.facts.index import FactsIndex, fingerprint
from imagelint.findings import Finding, Severity
from imagelint.rules.diversity import diversity_findings
from imagelint.rules.shortcuts import shortcut_findings
from imagelint.stats.split_profiles import ClassSample, split_profiles

#: The modules whose code decides the findings: an edit to any of them is a new digest.
JUDGES = ("imagelint.rules.shortcuts", "imagelint.rules.diversity", "imagelint.rules.association",
          "imagelint.stats.split_profiles", "imagelint.stats.properties", "imagelint.stats.classes")
#: Judged samples kept; the oldest beyond this are removed when one is stored.
KEPT = 16
FOLDER = "judged-samples"


def sample_findings(samples: Sequence[ClassSample], config: Config, index: FactsIndex) -> list[Finding]:
    """IMG501 and IMG502 of the samples: as kept for them, else judged (and kept)."""
    folder = index.path.parent / FOLDER
    path = folder / f"{_digest(samples, config)}.json"
    kept = _read(path)
    if kept is not None:
        return kept
    splits, unknown = split_profiles(samples, index)
    found = shortcut_findings(splits, config) + diversity_findings(splits, config)
    if not unknown:
        _keep(folder, path, found)
    return found


def _digest(samples: Sequence[ClassSample], config: Config) -> str:
    digest = hashlib.sha256(f"{_judges()} {fingerprint()} numpy {np.__version__} {config.shortcut_threshold!r} "
                            f"{config.diversity_threshold!r}".encode())
    for sample in samples:
        digest.update(json.dumps([sample.split, sample.label]).encode())
        digest.update("".join(sample.md5s).encode() + b"\n")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _judges() -> str:
    digest = hashlib.sha256()
    for name in JUDGES:
        digest.update(Path(sys.modules[name].__file__ or "").read_bytes())
    return digest.hexdigest()


def _read(path: Path) -> list[Finding] | None:
    """The kept findings, or None when there are none or the file is not what ``_keep`` writes."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        found = [Finding(path_, code, rule, Severity(severity), message, tuple(related))
                 for path_, code, rule, severity, message, related in rows]
    except (OSError, ValueError, TypeError):
        return None
    texts = [text for f in found for text in (f.path, f.code, f.rule, f.message, *f.related)]
    return found if all(isinstance(text, str) for text in texts) else None


def _keep(folder: Path, path: Path, found: Sequence[Finding]) -> None:
    rows = [[f.path, f.code, f.rule, f.severity.value, f.message, list(f.related)] for f in found]
    try:
        write_text_atomic(path, json.dumps(rows))
        kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs the next commit the judging
