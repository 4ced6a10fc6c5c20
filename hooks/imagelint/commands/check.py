"""``imagelint check``: the pre-commit hook and the CI command.

discover (git, DVC pointers) -> inspect (index, one reduced decode) -> rules -> report.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imagelint.commands.common import add_common_options, load_context, positive_int, pre_commit_range
from imagelint.errors import UsageError
from imagelint.rules.baseline import BASELINE_FILE

FORMATS = ("text", "json", "github", "sarif", "gitlab")

DESCRIPTION = """\
Check images for corrupt data, wrong formats, what training loaders trip on (EXIF rotation,
CMYK, 16-bit, alpha, palettes), size and resolution limits, quality problems, duplicates (also
across splits and classes), class balance, and classes that one trivial property tells apart
(shortcuts) or that are far less varied than the others.

With no PATH inside a git repository, checks the images the next commit adds or changes
(staged image files and images behind staged .dvc / dvc.lock changes). A .dvc file or
dvc.lock given as PATH with no staged change means every image it tracks (as with
'pre-commit run --all-files'). Outside git, checks the images under PATH (default: here).

Findings that .imagelint-baseline.json accepts (see 'imagelint baseline') are counted, not
reported, and never fail the run.

Exit status: 0 no errors, 1 errors found, 2 usage, configuration or internal error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="check new or changed images (the pre-commit hook)", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="image files, folders, .dvc files or dvc.lock")
    parser.add_argument("--all", dest="check_all", action="store_true",
                        help="check every git-tracked and DVC-tracked image of the repository, and the "
                        "class balance of every split (without it, only the splits and classes the checked "
                        "images are in)")
    parser.add_argument("--rev", metavar="A..B", help="check what changed between two revisions (for CI); "
                        "default: HEAD against the staged state, or PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF")
    parser.add_argument("--format", dest="output_format", choices=FORMATS, default="text",
                        help="output format (default: text); sarif for GitHub code scanning, gitlab for "
                        "GitLab Code Quality")
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes, code prefixes or rule names "
                        "to report (replaces the configured selection)")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes, prefixes or names to skip")
    parser.add_argument("-j", "--jobs", type=positive_int, metavar="N", help="worker processes for decoding "
                        "(default: one per CPU)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found")
    parser.add_argument("--no-baseline", action="store_true", help="report the findings "
                        f"{BASELINE_FILE} accepts too")
    parser.add_argument("--remote", action="store_true", help="fetch the dataset's facts snapshots from the DVC "
                        "remote first, then read the images no snapshot describes and the cache lacks from the "
                        "remote (needs the imagelint[dvc] extra)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run the all-pairs near-duplicate search of a "
                        "whole-dataset check on this Dask cluster ('local': a LocalCluster here; needs the "
                        "imagelint[dask] extra)")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root, config = load_context(args)
    from imagelint.checking import check_images
    from imagelint.rules.baseline import read_baseline

    baseline = None if args.no_baseline else read_baseline(root / BASELINE_FILE)

    result = check_images(
        Path.cwd(), args.paths, config,
        check_all=args.check_all,
        rev_range=revision_range(args.rev),
        use_remote=args.remote,
        jobs=args.jobs,
        select=_tokens(args.select, "--select"),
        ignore=_tokens(args.ignore, "--ignore") or (),
        baseline=baseline,
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
    if result.accepted:
        print(f"imagelint: {_plural(len(result.accepted), 'known finding')} accepted by {BASELINE_FILE} "
              "(--no-baseline shows them)", file=sys.stderr)
    if result.gone:
        names = "; ".join(printable(entry.describe()) for entry in result.gone[:3]) + ("; ..." if len(result.gone) > 3 else "")
        print(f"imagelint: warning: {BASELINE_FILE}: {_plural(len(result.gone), 'entry', 'entries')} "
              f"{'names' if len(result.gone) == 1 else 'name'} images "
              f"no longer in the dataset ({names}): 'imagelint baseline --update' drops them", file=sys.stderr)
    if args.output_format == "sarif":
        from imagelint.output.sarif import render_sarif

        sys.stdout.write(render_sarif(result.findings, result.md5s(), root))
    elif args.output_format == "gitlab":
        from imagelint.output.gitlab import render_gitlab

        sys.stdout.write(render_gitlab(result.findings, result.md5s(), root))
    else:
        sys.stdout.write(render(result.findings, result.checked, args.output_format, result.shown_images()))
    failed = any(f.severity is Severity.ERROR for f in result.findings)
    return 1 if failed and not args.exit_zero else 0


def revision_range(rev: str | None) -> tuple[str, str] | None:
    """``A..B`` from --rev, else pre-commit's from/to refs (pre-push, ``run --from-ref``)."""
    if rev:
        base, sep, head = rev.partition("..")
        if not base or (sep and not head):
            raise UsageError(f"--rev: expected A..B or A, got {rev!r}")
        return base, head or "HEAD"
    return pre_commit_range()


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _tokens(value: str | None, option: str) -> list[str] | None:
    """The codes, prefixes or names of ``--select`` / ``--ignore``; one that names no rule is a usage error."""
    from imagelint.rules.selection import unknown_rule_token

    tokens = [token.strip() for token in value.split(",") if token.strip()] if value else None
    for token in tokens or ():
        problem = unknown_rule_token(token)
        if problem:
            raise UsageError(f"{option}: {problem}")
    return tokens
