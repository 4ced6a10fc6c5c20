"""``imagelint baseline``: accept a dataset's legacy findings, so only new ones fail."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imagelint.commands.common import add_common_options, load_context
from imagelint.errors import UsageError
from imagelint.rules.baseline import BASELINE_FILE

DESCRIPTION = f"""\
Check every image of the repository (as 'imagelint check --all') and record its findings in
{BASELINE_FILE} at the repository root. Commit that file: 'imagelint check', the hook and
CI then report and fail only on findings it does not hold.

An entry is a rule code and the content md5 of the image (of both images for a duplicate
pair), so renaming or moving an image keeps its entry and a pair matches whichever image it is
reported on. The file is sorted, one entry per line, with no timestamps: branches merge.

  imagelint baseline            record every current finding (replaces the file)
  imagelint baseline --update   drop the entries no longer found (fixed, or the images left the
                                dataset); adds nothing, so the baseline only ever shrinks
  imagelint baseline --check    for CI: exit 1 when entries are no longer found

Exit status: 0 written (or up to date), 1 with --check: entries to drop, 2 usage or
configuration error, or a dataset that could not be checked in full.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "baseline", help=f"accept the current findings in {BASELINE_FILE}; later runs fail only on new ones",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="drop entries no longer found, add none")
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 when entries are no longer found")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for decoding "
                        "(default: one per CPU)")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.checking import check_images
    from imagelint.rules.baseline import entry_for, read_baseline, write_baseline

    root, config = load_context(args)
    path = root / BASELINE_FILE
    existing = read_baseline(path)
    if (args.update or args.check) and existing is None:
        raise UsageError(f"no {BASELINE_FILE} to {'update' if args.update else 'check'}: run 'imagelint baseline'")
    result = check_images(Path.cwd(), [], config, check_all=True, jobs=args.jobs, baseline=existing)
    for note in result.notes:
        print(f"imagelint: warning: {note}", file=sys.stderr)
    if not result.complete:  # a partial run would accept too little or drop entries still valid
        raise UsageError(f"the dataset could not be checked in full, so {BASELINE_FILE} is left as it is")
    md5_of = result.md5s()
    if existing is None or not (args.update or args.check):
        entries = [entry_for(finding, md5_of) for finding in [*result.findings, *result.accepted]]
        written = write_baseline(path, entries)
        state = "wrote" if written else "unchanged"
        print(f"{state} {BASELINE_FILE}: {len(set(entries))} findings accepted")
        return 0
    found = {entry_for(finding, md5_of).key() for finding in result.accepted}
    kept = [entry for entry in existing if entry.key() in found]
    dropped = sorted(set(existing) - set(kept))
    for entry in dropped:
        print(f"{BASELINE_FILE}: {entry.describe()}: no longer found" + ("" if args.check else ", dropped"))
    if args.check:
        return 1 if dropped else 0
    written = write_baseline(path, kept)
    print(f"{'updated' if written else 'unchanged'} {BASELINE_FILE}: {len(set(kept))} findings accepted, "
          f"{len(dropped)} dropped")
    return 0
