"""Rendering findings: text for people, JSON for programs, GitHub workflow annotations."""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Mapping, Sequence

from imagelint.findings import Finding, ImageSummary, Severity
from imagelint.output.escape import printable


def count(findings: Sequence[Finding], severity: Severity) -> int:
    return sum(1 for f in findings if f.severity is severity)


def render(
    findings: Sequence[Finding], checked: int, output_format: str, images: Mapping[str, ImageSummary] | None = None
) -> str:
    """The whole report for ``findings`` (already sorted) after ``checked`` images; names escaped."""
    findings = [_printable(f) for f in findings]
    if output_format == "json":
        return render_json(findings, checked, images or {})
    if output_format == "github":
        return render_github(findings, checked)
    return render_text(findings, checked)


def render_text(findings: Sequence[Finding], checked: int) -> str:
    lines = [
        f"{f.path}: {f.code} {f.rule}: {f.message}" + (" (warning)" if f.severity is Severity.WARNING else "")
        for f in findings
    ]
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def summary_line(findings: Sequence[Finding], checked: int) -> str:
    errors, warnings = count(findings, Severity.ERROR), count(findings, Severity.WARNING)
    images = f"{checked} image{'' if checked == 1 else 's'} checked"
    if not findings:
        return f"imagelint: {images}, no problems found."
    return f"imagelint: {images}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}."


def render_json(findings: Sequence[Finding], checked: int, images: Mapping[str, ImageSummary] | None = None) -> str:
    """Findings, then md5, bytes, width, height and format of every image they name."""
    document = {
        "findings": [
            {
                "path": f.path,
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.value,
                "message": f.message,
                "related": list(f.related),
            }
            for f in findings
        ],
        "images": {printable(path): asdict(image) for path, image in sorted((images or {}).items())},
        "summary": {
            "checked": checked,
            "errors": count(findings, Severity.ERROR),
            "warnings": count(findings, Severity.WARNING),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_github(findings: Sequence[Finding], checked: int) -> str:
    lines = [
        f"::{f.severity.value} file={_escape_property(f.path)},title={f.code} {f.rule}::{_escape_data(f.message)}"
        for f in findings
    ]
    lines.append(summary_line(findings, checked))
    return "\n".join(lines) + "\n"


def _printable(f: Finding) -> Finding:
    return replace(f, path=printable(f.path), message=printable(f.message),
                   related=tuple(printable(path) for path in f.related))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
