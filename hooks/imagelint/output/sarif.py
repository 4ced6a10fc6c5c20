"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Every rule is described (summary, documentation, default level), every result names its image
and, for a DVC-tracked image, the ``.dvc`` pointer or ``dvc.lock`` stage that tracks it: code scanning shows only the
first location and only for files in the checkout, so the pointer comes first. Fingerprints
are the baseline's content keys, so an alert follows an image across renames and runs.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from imagelint import __version__
from imagelint.findings import Finding, Severity
from imagelint.output.escape import printable
from imagelint.output.locations import locate
from imagelint.rules import Rule, all_rules
from imagelint.rules.baseline import entry_for

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/imagelint/imagelint"
FINGERPRINT = "imagelintContent/v1"


def render_sarif(findings: Sequence[Finding], md5_of: Mapping[str, str | None], root: Path) -> str:
    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "imagelint", "version": __version__, "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index.get(f.code), md5_of, root) for f in findings],
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    level = "none" if rule.opt_in else _level(rule.severity)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _what(rule)},
        "help": {"text": rule.describe(), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["image-dataset"], "precision": "high"},
    }


def _what(rule: Rule) -> str:
    """The 'What:' paragraph of the rule's documentation, on one line."""
    lines = []
    for line in rule.doc.strip().splitlines():
        if lines and line.split(":", 1)[0] in ("Why", "Options", "Fix"):
            break
        lines.append(line.removeprefix("What: ").strip())
    return " ".join(lines) or rule.summary


def _help_markdown(rule: Rule) -> str:
    paragraphs = [f"**{rule.code} {rule.name}**: {rule.summary}", *rule.doc.strip().splitlines()]
    return "\n\n".join(paragraphs) + "\n"


def _result(finding: Finding, rule_index: int | None, md5_of: Mapping[str, str | None], root: Path) -> dict[str, Any]:
    where = locate(root, finding.path)
    image = _location(finding.path, "the image" if where.pointer else None)
    locations = [_location(where.pointer, f"the DVC file that tracks {printable(finding.path)}", line=where.line),
                 image] if where.pointer else [image]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _level(finding.severity),
        "message": {"text": printable(f"{finding.path}: {finding.message}")},
        "locations": locations,
        "partialFingerprints": {FINGERPRINT: printable(entry_for(finding, md5_of).fingerprint())},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if finding.related:
        result["relatedLocations"] = [
            {**_location(path, "the other image"), "id": i} for i, path in enumerate(finding.related)
        ]
    return result


def _location(path: str, description: str | None, line: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if description:
        location["message"] = {"text": description}
    return location


def _uri(path: str) -> str:
    """A relative URI reference: spaces, ``#``, ``%``, other reserved characters and bytes that are
    not UTF-8 percent-encoded."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"
