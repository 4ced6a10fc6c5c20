"""GitLab Code Quality reports (``artifacts:reports:codequality``): a JSON list of issues.

GitLab shows them in the merge request widget and beside changed lines. A DVC-tracked image is
git-ignored, so its issue points at the ``.dvc`` pointer or ``dvc.lock`` that tracks it; the description names
the image. Fingerprints are the baseline's content keys, so GitLab tells new issues from old.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Mapping, Sequence

from imagelint.findings import Finding, Severity
from imagelint.output.escape import printable
from imagelint.output.locations import locate
from imagelint.rules.baseline import entry_for


def render_gitlab(findings: Sequence[Finding], md5_of: Mapping[str, str | None], root: Path) -> str:
    issues = []
    for finding in findings:
        where = locate(root, finding.path)
        issues.append({
            "type": "issue",
            "check_name": f"{finding.code} {finding.rule}",
            "description": printable(f"{finding.path}: {finding.code} {finding.rule}: {finding.message}"),
            "categories": ["Bug Risk"],
            "severity": "major" if finding.severity is Severity.ERROR else "minor",
            "fingerprint": hashlib.md5(entry_for(finding, md5_of).fingerprint().encode("utf-8", "surrogateescape"))
            .hexdigest(),
            "location": {"path": printable(where.pointer or finding.path), "lines": {"begin": where.line}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
