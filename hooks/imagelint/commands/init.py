"""``imagelint init``: set up a dataset repository for imagelint in one step."""
from __future__ import annotations

import argparse

from imagelint.commands.common import add_common_options, load_context
from imagelint.init_repo import DEFAULT_REPO_URL, DEFAULT_REV

DESCRIPTION = """\
Set up this repository: write the [tool.imagelint] table into pyproject.toml (created if
missing), add the imagelint and imagelint-stats hooks to .pre-commit-config.yaml (beside any
DVC hooks already there) and, in a DVC repository, declare the stats file under metrics and
plots in dvc.yaml. Existing content is kept as it is: a file that already holds the setting
is left alone, and every file touched or skipped gets one line. Then run 'pre-commit install'.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init", help="add imagelint settings, hooks and DVC metrics declarations to this repository",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repo-url", default=DEFAULT_REPO_URL, help=f"hook repository (default: {DEFAULT_REPO_URL})")
    parser.add_argument("--rev", default=DEFAULT_REV, help=f"hook repository revision (default: {DEFAULT_REV})")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.init_repo import init_repo

    root, config = load_context(args)
    for action in init_repo(root, config.stats_file, args.repo_url, args.rev):
        print(action.line())
    return 0
