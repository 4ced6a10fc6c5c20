"""Options and set-up shared by the sub-commands."""
from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from imagelint.config import Config, load_config


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="read settings from FILE instead of "
                        ".imagelint.toml or [tool.imagelint] in pyproject.toml")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of internal errors and the "
                        "image decoders' own warnings")


def positive_int(text: str) -> int:
    """An argparse type for counts such as --jobs: a usage error (exit 2) names the option."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def pre_commit_range() -> tuple[str, str] | None:
    """pre-commit's from/to refs (pre-push, ``pre-commit run --from-ref``), when both are set."""
    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    return (start, end) if start and end else None


def repository_root(cwd: Path) -> Path:
    """The git top-level folder holding ``cwd``, or ``cwd`` itself outside git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError:
        return cwd
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else cwd


def load_context(args: argparse.Namespace) -> tuple[Path, Config]:
    """The repository root and the configuration that applies to it."""
    root = repository_root(Path.cwd())
    return root, load_config(root, getattr(args, "config", None))
