"""Which findings a run reports, and at what severity: select, ignore and severity settings."""
from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Iterable, Sequence

from imagelint.config import Config
from imagelint.findings import Finding, Severity


def matches(finding: Finding, token: str) -> bool:
    """A token names a rule (``near-duplicate``) or a code prefix (``IMG3``, ``IMG302``)."""
    token = token.strip()
    return token == finding.rule or (token.upper().startswith("IMG") and finding.code.startswith(token.upper()))


def unknown_rule_token(token: str) -> str | None:
    """Why ``token`` selects no rule (with the closest code or name), or None when it selects one."""
    from imagelint.rules import all_rules

    rules = all_rules().values()
    wanted = token.strip()
    if wanted.upper().startswith("IMG") and any(rule.code.startswith(wanted.upper()) for rule in rules):
        return None
    if any(wanted == rule.name for rule in rules):
        return None
    key = wanted.upper() if wanted.upper().startswith("IMG") else wanted
    scored = [(difflib.SequenceMatcher(None, key, candidate).ratio(), candidate)
              for candidate in (*(rule.code for rule in rules), *(rule.name for rule in rules))]
    top = max((score for score, _ in scored), default=0.0)
    close = min((candidate for score, candidate in scored if score == top), default=None) if top >= 0.6 else None
    hint = f"did you mean '{close}'?" if close else "'imagelint rule' lists the rules"
    return f"unknown rule {wanted!r}; {hint}"


def _opt_in_codes() -> set[str]:
    from imagelint.rules import all_rules

    return {rule.code for rule in all_rules().values() if rule.opt_in}


def _explicitly_selected(finding: Finding, tokens: Sequence[str]) -> bool:
    return any(matches(finding, token) and token.strip().upper() != "IMG" for token in tokens)


def select_findings(
    findings: Iterable[Finding],
    config: Config,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> list[Finding]:
    """Findings kept by the settings for their path, re-graded by ``severity``, sorted.

    ``select`` from the command line replaces the configured selection; ``ignore`` adds to it.
    """
    kept = []
    opt_in = _opt_in_codes()
    for finding in findings:
        limits = config.limits_for(finding.path)
        chosen = select if select is not None else limits.select
        if not any(matches(finding, token) for token in chosen):
            continue
        if finding.code in opt_in and not _explicitly_selected(finding, chosen):
            continue
        if any(matches(finding, token) for token in (*limits.ignore, *ignore)):
            continue
        for token, severity in limits.severity:
            if matches(finding, token):
                finding = replace(finding, severity=Severity(severity))
        kept.append(finding)
    return sorted(set(kept), key=lambda f: (f.path, f.code, f.related, f.message))
