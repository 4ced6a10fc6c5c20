"""The ``imagelint`` command: one sub-command per module under ``commands/``.

Only this module maps failures to exit codes: 2 for usage and configuration problems (one
line on stderr), 2 with ``imagelint: internal error: ...`` for bugs (the traceback only with
``--verbose``). A problem with an input image is never an exception: it is a finding.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from typing import Sequence

from imagelint import __version__
from imagelint.commands import baseline, check, demo, diff, facts, init, report, rule, settings, stats
from imagelint.config import ConfigError
from imagelint.errors import UsageError

COMMAND_MODULES = (check, baseline, report, settings, rule, stats, diff, facts, init, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imagelint",
        description="Keep image datasets healthy: per-image checks, near-duplicates and "
        "class balance, at every git commit, with DVC awareness.",
    )
    parser.add_argument("--version", action="version", version=f"imagelint {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ConfigError, UsageError) as exc:
        print(f"imagelint: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("imagelint: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        print(f"imagelint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if getattr(args, "verbose", False):
            traceback.print_exc()
        else:
            print("imagelint: run again with --verbose for the traceback", file=sys.stderr)
        return 2
