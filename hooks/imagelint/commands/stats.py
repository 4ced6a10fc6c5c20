"""``imagelint stats``: keep the committed class-balance stats file up to date (the imagelint-stats hook)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from imagelint.commands.common import add_common_options, load_context

DESCRIPTION = """\
Compute statistics of the dataset at the state being committed (the git index and the DVC
manifests it points to): images and share per class in each split, imbalance ratio, width and
height, formats, bytes, exact duplicates, and how each class looks (quartiles of brightness,
contrast, saturation, colourfulness, aspect ratio, megapixels and JPEG quality; cameras and
formats; object sizes with detection labels; near-copy redundancy). Write them to the stats file (stats-file, default
dataset-stats.json) as sorted, indented JSON that reads well in 'git diff' and serves as a DVC
metrics and plots file.

Exit status: 0 the staged file is up to date (or --stage staged it), 1 the file was rewritten
and needs 'git add' (or, with --check, is out of date), 2 usage or configuration error. When
the dataset's bytes are not all on this machine (a clone without 'dvc pull'), the file is left
as it is with a warning: exit 0, or 1 with --check.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats", help="update the committed dataset stats file (the imagelint-stats hook)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 (IMG403) when the committed or staged file is out of date")
    mode.add_argument("--stage", action="store_true", help="'git add' the file after updating it and exit 0")
    mode.add_argument("--stdout", action="store_true", help="print the stats instead of writing the file")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for images never "
                        "inspected before (default: one per CPU)")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.atomic import write_text_atomic
    from imagelint.output.escape import printable
    from imagelint.rules.balance import outdated_finding
    from imagelint.stats.document import stats_text
    from imagelint.stats.source import committed_text, dataset_stats, recount_needed

    root, config = load_context(args)
    under_hook = os.environ.get("PRE_COMMIT") and not (args.check or args.stdout or args.config)
    if under_hook and not recount_needed(root, config):
        return 0
    computed = dataset_stats(Path.cwd(), config, jobs=args.jobs)
    for note in computed.notes:
        print(f"imagelint: warning: {printable(note)}", file=sys.stderr)
    name = config.stats_file
    if computed.invalid:  # the commit carries a broken pointer: refuse it, whatever the mode
        from imagelint.rules.image import INVALID_POINTER

        for item in computed.invalid:
            print(f"{printable(item.path)}: {INVALID_POINTER.code} {INVALID_POINTER.name}: {printable(item.reason)}")
        print(f"imagelint: not updating {name}: {computed.problem}", file=sys.stderr)
        return 1
    if computed.stats is None:  # never write partial stats; only CI's --check fails for it, not every commit
        verb = "cannot check" if args.check else "not updating"
        print(f"imagelint: {verb} {name}: {computed.problem}", file=sys.stderr)
        return 1 if args.check else 0
    text = stats_text(computed.stats)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    staged = committed_text(computed.root, "", name)
    if args.check:
        if staged == text:
            return 0
        reason = f"{name} is not committed" if staged is None else f"{name} does not match the dataset"
        finding = outdated_finding(name, reason)
        print(f"{finding.path}: {finding.code} {finding.rule}: {finding.message}")
        return 1
    path = computed.root / name
    written = _read(path) != text
    if written:
        write_text_atomic(path, text)
    if staged == text or (not written and not (computed.root / ".git").exists()):
        return 0
    if args.stage:
        subprocess.run(["git", "add", "--", name], cwd=computed.root, check=True)
        print(f"updated and staged {name}")
        return 0
    print(f"updated {name}: review and git add it" if written else f"{name} is not staged: review and git add it")
    return 1


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
