"""``imagelint report``: the review page, one self-contained HTML file for people and CI artifacts."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from imagelint.commands.check import revision_range
from imagelint.commands.common import add_common_options, load_context, positive_int
from imagelint.config import Config
from imagelint.rules.baseline import BASELINE_FILE

DESCRIPTION = """\
Check the images as 'imagelint check' would (the next commit, --rev A..B, --all or PATHs) and
write one HTML file to look at: every finding with a thumbnail, duplicate pairs and groups side
by side with their pHash distance, dimensions and sizes (to pick the copy to keep), the class
balance of each split as a chart, and the per-class figures of the stats file for the state
checked. Thumbnails are embedded, so the file needs nothing else: open it, or keep it as a CI
artifact. Unreadable or oversized images are never decoded for display.

Exit status: 0 the page was written (use 'imagelint check' as the gate), 2 usage,
configuration or internal error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="write an HTML review page: findings with thumbnails, duplicates side by side, balance",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="image files, folders, .dvc files or dvc.lock")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page to write")
    parser.add_argument("--all", dest="check_all", action="store_true", help="every image of the repository")
    parser.add_argument("--rev", metavar="A..B", help="what changed between two revisions (for CI)")
    parser.add_argument("--remote", action="store_true", help="fetch the dataset's facts snapshots from the DVC "
                        "remote first, then read the images no snapshot describes and the cache lacks from the "
                        "remote (needs the imagelint[dvc] extra)")
    parser.add_argument("--no-baseline", action="store_true", help=f"show the findings {BASELINE_FILE} accepts too")
    parser.add_argument("-j", "--jobs", type=positive_int, metavar="N", help="worker processes for decoding")
    add_common_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.atomic import write_text_atomic
    from imagelint.checking import check_images
    from imagelint.output.review_page import PageData, render_page
    from imagelint.output.thumbnails import NO_PREVIEW, thumbnails
    from imagelint.rules.baseline import read_baseline

    root, config = load_context(args)
    rev_range = revision_range(args.rev)
    baseline = None if args.no_baseline else read_baseline(root / BASELINE_FILE)
    result = check_images(Path.cwd(), args.paths, config, check_all=args.check_all, rev_range=rev_range,
                          use_remote=args.remote, jobs=args.jobs, baseline=baseline)
    for note in result.notes:
        print(f"imagelint: warning: {note}", file=sys.stderr)
    images = result.shown_images()
    unreadable = {f.path for f in result.findings if f.code in NO_PREVIEW}
    previews = thumbnails(result.refs, images, unreadable, config.limits.max_pixels, config.limits.max_file_size)
    stats = _stats(root, config, rev_range[1] if rev_range else None)
    scope = (f"Changes {rev_range[0]}..{rev_range[1]}" if rev_range else "Every image" if args.check_all
             else ", ".join(args.paths) if args.paths else "The next commit")
    page = PageData(f"imagelint review: {root.name}", scope, result.findings, images, previews, stats,
                    result.checked, len(result.accepted))
    output = Path(args.output)
    write_text_atomic(output, render_page(page))
    print(f"wrote {output}: {len(result.findings)} findings, {len(previews)} thumbnails")
    return 0


def _stats(root: Path, config: Config, rev: str | None) -> dict[str, Any] | None:
    """The stats of the state checked: the committed file at ``rev``, else computed."""
    from imagelint.stats.source import committed_stats, dataset_stats

    if rev is not None:
        committed = committed_stats(root, rev, config.stats_file)
        if committed is not None:
            return committed
    computed = dataset_stats(Path.cwd(), config, rev=rev, exact=False)
    return computed.stats
