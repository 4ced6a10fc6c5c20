"""``imagelint check``: the pre-commit hook and the CI command.

discover (git, DVC pointers) -> inspect (index, one reduced decode) -> rules -> report.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from imagelint.commands.common import add_common_options, load_context
from imagelint.errors import UsageError

DESCRIPTION = """\
Check images for corrupt data, wrong formats, what training loaders trip on (EXIF rotation,
CMYK, 16-bit, alpha, palettes), size and resolution limits, quality problems, duplicates (also
across splits and classes), class balance, and classes that one trivial property tells apart
(shortcuts) or that are far less varied than the others.

With no PATH inside a git repository, checks the images the next commit adds or changes
(staged image files and images behind staged .dvc / dvc.lock changes). A .dvc file or
dvc.lock given as PATH with no staged change means every image it tracks (as with
'pre-commit run --all-files'). Outside git, checks the images under PATH (default: here).

Exit status: 0 no errors, 1 errors found, 2 usage, configuration or internal error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="check new or changed images (the pre-commit hook)", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="image files, folders, .dvc files or dvc.lock")
    parser.add_argument("--all", dest="check_all", action="store_true",
                        help="check every git-tracked and DVC-tracked image of the repository")
    parser.add_argument("--rev", metavar="A..B", help="check what changed between two revisions (for CI); "
                        "default: HEAD against the staged state, or PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF")
    parser.add_argument("--format", dest="output_format", choices=("text", "json", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes, code prefixes or rule names "
                        "to report (replaces the configured selection)")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes, prefixes or names to skip")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for decoding "
                        "(default: one per CPU)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found")
    parser.add_argument("--remote", action="store_true", help="fetch the dataset's facts snapshots from the DVC "
                        "remote first, then read the images no snapshot describes and the cache lacks from the "
                        "remote (needs the imagelint[dvc] extra)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run the all-pairs near-duplicate search of a "
                        "whole-dataset check on this Dask cluster ('local': a LocalCluster here; needs the "
                        "imagelint[dask] extra)")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _, config = load_context(args)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    from imagelint.checking import check_images

    result = check_images(
        Path.cwd(), args.paths, config,
        check_all=args.check_all,
        rev_range=revision_range(args.rev),
        use_remote=args.remote,
        jobs=args.jobs,
        select=_tokens(args.select),
        ignore=_tokens(args.ignore) or (),
        scheduler=args.scheduler,
        verbose=args.verbose,
    )
    from imagelint.findings import Severity
    from imagelint.output.escape import printable
    from imagelint.output.report import render

    for note in result.notes:
        print(f"imagelint: warning: {printable(note)}", file=sys.stderr)
    for transfer in result.transfers:
        print(f"imagelint: {transfer}", file=sys.stderr)
    sys.stdout.write(render(result.findings, result.checked, args.output_format))
    failed = any(f.severity is Severity.ERROR for f in result.findings)
    return 1 if failed and not args.exit_zero else 0


def revision_range(rev: str | None) -> tuple[str, str] | None:
    """``A..B`` from --rev, else pre-commit's from/to refs (pre-push, ``run --from-ref``)."""
    if rev:
        base, sep, head = rev.partition("..")
        if not base or (sep and not head):
            raise UsageError(f"--rev: expected A..B or A, got {rev!r}")
        return base, head or "HEAD"
    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    return (start, end) if start and end else None


def _tokens(value: str | None) -> list[str] | None:
    return [token.strip() for token in value.split(",") if token.strip()] if value else None
