"""The ``imagelint`` command: one sub-command per module under ``commands/``.

Only this module maps failures to exit codes: 2 for usage and configuration problems (one
line on stderr), 2 with ``imagelint: internal error: ...`` for bugs (the traceback only with
``--verbose``). A problem with an input image is never an exception: it is a finding.
"""
from __future__ import annotations

import argparse
import signal
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
    for stream in (sys.stdout, sys.stderr):  # a name the locale cannot encode is escaped, not fatal
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    previous = _on_sigterm(_interrupted)  # a killed CI job stops like Ctrl-C, keeping its work
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
    finally:
        _on_sigterm(previous)


def _on_sigterm(handler: object) -> object:
    """Install ``handler`` for SIGTERM and return the previous one (only the main thread may)."""
    try:
        return signal.signal(signal.SIGTERM, handler)  # type: ignore[arg-type]
    except ValueError:
        return handler


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM as KeyboardInterrupt: facts computed so far are stored and the workers stopped."""
    raise KeyboardInterrupt
