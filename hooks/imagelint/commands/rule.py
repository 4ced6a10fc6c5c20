"""``imagelint rule CODE``: a rule's documentation; ``imagelint rule`` lists them all."""
from __future__ import annotations

import argparse
import sys

from imagelint.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rule", help="explain a rule (what, why, options, how to fix)",
        description="Print a rule's documentation; with no argument, list every rule.",
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="a rule code (IMG102) or name (min-resolution)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.rules import all_rules

    rules = all_rules()
    if not args.code:
        for rule in rules.values():
            print(f"{rule.code}  {rule.name:<20} {rule.severity.value:<8} {rule.summary}")
        return 0
    wanted = args.code.strip()
    for rule in rules.values():
        if wanted.upper() == rule.code or wanted == rule.name:
            sys.stdout.write(rule.describe())
            return 0
    raise UsageError(f"unknown rule {wanted!r}; 'imagelint rule' lists them")
