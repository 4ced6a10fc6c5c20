"""The rule registry: every code, its kebab-case name, default severity and documentation.

Codes are ``IMG`` plus three digits; the hundreds group a family (0xx decode and format, 1xx
size, 2xx quality, 3xx duplicates, 4xx balance, 5xx shortcuts and diversity, 9xx could not inspect), so a prefix selects a
family. A code is never reused. Each family module declares its rules beside its checks.
"""
from __future__ import annotations

from dataclasses import dataclass

from imagelint.findings import Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    #: Off unless selected by its code, name or a prefix longer than "IMG" (too noisy by default).
    opt_in: bool = False

    def describe(self) -> str:
        """The text of ``imagelint rule CODE``."""
        default = "off unless selected" if self.opt_in else self.severity.value
        return f"{self.code} {self.name} (default: {default})\n\n{self.summary}\n\n{self.doc.strip()}\n"


def all_rules() -> dict[str, Rule]:
    """Every rule by code, in code order."""
    from imagelint.rules import balance, coverage, diversity, duplicates, image, loading, shortcuts

    rules = [*image.RULES, *loading.RULES, *duplicates.RULES, *balance.RULES, *shortcuts.RULES, *diversity.RULES,
             *coverage.RULES]
    return {rule.code: rule for rule in sorted(rules, key=lambda r: r.code)}
