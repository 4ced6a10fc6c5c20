"""``imagelint diff``: how the classes moved between two revisions, for people and pull requests."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from imagelint.commands.common import add_common_options, load_context, pre_commit_range
from imagelint.config import Config
from imagelint.errors import UsageError

STAGED = "staged"
#: How the notes about a committed stats file begin; they go into the report itself as well.
STATS_NOTE = "stats file"

DESCRIPTION = """\
Compare the dataset stats of two revisions: per split, each class's image count before and
after, the change and the change of its share in points, with flags for a share that moved
more than share-drift-points, a class that appeared or vanished, and an imbalance ratio that
crossed max-class-ratio.

  imagelint diff                 HEAD against the staged state (the next commit)
  imagelint diff A               A against the staged state
  imagelint diff A B, diff A..B  A against B (in CI: the pull request's base against its head)

A revision's stats are read from the committed stats file, or computed from the dataset at
that revision when the file is not there. A committed file is first checked against the
dataset at its revision (class counts from the paths, no image read): when it does not match,
the stats are computed from the dataset instead and the report says so; when the dataset
cannot be listed, the report says the file could not be verified. The staged state is always
computed.
--format md writes a pull-request comment with a Mermaid chart GitHub renders inline.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff", help="compare class balance between two revisions (text, Markdown, JSON)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("revisions", nargs="*", metavar="REV", help="A, A B or A..B (default: HEAD, staged)")
    parser.add_argument("--format", dest="output_format", choices=("text", "md", "json"), default="text",
                        help="output format (default: text)")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.stats.diff import RENDERERS, compare_stats

    root, config = load_context(args)
    old_rev, new_rev = revisions(args.revisions)
    (old, old_notes), (new, new_notes) = _stats_at(root, config, old_rev), _stats_at(root, config, new_rev)
    for note in (*old_notes, *new_notes):
        print(f"imagelint: warning: {note}", file=sys.stderr)
    warnings = tuple(note for note in (*old_notes, *new_notes) if note.startswith(STATS_NOTE))
    comparison = compare_stats(old, new, config, old_rev, new_rev, warnings)
    sys.stdout.write(RENDERERS[args.output_format](comparison))
    return 0


def revisions(values: list[str]) -> tuple[str, str]:
    """(old, new) from the arguments, else pre-commit's from/to refs, else HEAD and the staged state."""
    if len(values) > 2:
        raise UsageError("diff takes at most two revisions")
    if len(values) == 1 and ".." in values[0]:
        base, _, head = values[0].partition("..")
        if not base:
            raise UsageError(f"expected A..B, got {values[0]!r}")
        return base, head or "HEAD"
    if values:
        return values[0], values[1] if len(values) == 2 else STAGED
    return pre_commit_range() or ("HEAD", STAGED)


def _stats_at(root: Path, config: Config, rev: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The stats at ``rev`` and warnings about them."""
    from imagelint.stats.source import committed_stats, dataset_stats, revision_exists

    if rev == STAGED:
        computed = dataset_stats(root, config, exact=False)
    elif not revision_exists(root, rev):
        if rev == "HEAD":
            return {}, ()  # no commit yet: everything is new
        raise UsageError(f"unknown revision {rev!r}")
    else:
        committed = committed_stats(root, rev, config.stats_file)
        if committed is not None:
            from imagelint.stats.verify import verify_committed

            verdict = verify_committed(root, config, rev, committed)
            name = f"{STATS_NOTE} {config.stats_file} at {rev}"
            if verdict.matches:
                return committed, ()
            if verdict.matches is None:
                return committed, (f"{name} could not be verified: {verdict.problem}",)
            stale = (f"{name} does not match the dataset at that revision ({verdict.listed} images); "
                     "the stats below are computed from the dataset: run 'imagelint stats' and commit the file",)
            computed = dataset_stats(root, config, rev=rev, exact=False)
            if computed.stats is None:
                return committed, (f"{name} does not match the dataset at that revision and cannot be "
                                   f"recomputed: {computed.problem}",)
            return computed.stats, (*stale, *computed.notes)
        computed = dataset_stats(root, config, rev=rev, exact=False)
    if computed.stats is None:
        raise UsageError(f"cannot compute the stats of {rev}: {computed.problem}")
    return computed.stats, computed.notes
