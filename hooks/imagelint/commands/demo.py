"""``imagelint demo``: what a newcomer runs first, a real repository and the hooks at work."""
from __future__ import annotations

import argparse

DESCRIPTION = """\
Build the sample dataset repository (shipped in the package, imagelint/sample/) in DIR: git init,
dvc init, 'dvc add' of the train, val and test folders, a local DVC remote, and imagelint's
and DVC's hooks installed with pre-commit from the installed packages (no downloads). Then
narrate four steps with the real commands and their output:

  1. the first commit of the clean dataset passes and creates dataset-stats.json;
  2. a commit of bad files and of a training picture copied into test/ is refused;
  3. 40 more pictures of one class: the stats hook updates dataset-stats.json;
  4. 'imagelint diff' and 'dvc metrics diff' show the drift.

Needs git, dvc and pre-commit (pip install "imagelint[demo]" installs the last two).
Exit status: 0 every step behaved as narrated, 1 a step did not (the last line names it),
2 a missing tool, a missing sample or a DIR that is not empty.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="build a sample git + DVC dataset repository and narrate the hooks at work",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", nargs="?", metavar="DIR",
                        help="new or empty folder for the repository (default: a new temporary folder)")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of internal errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.demo.story import run_demo

    return run_demo(args.directory)
