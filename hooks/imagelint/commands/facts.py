"""``imagelint facts``: the facts index of the dataset, built once for every image.

``facts build`` is what a team runs when it adopts imagelint on an existing dataset: it decodes
every image the index does not know yet, on this machine's process pool or on a Dask cluster,
so that the commits after it decode only what they add.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from imagelint.commands.common import add_common_options, load_context
from imagelint.errors import UsageError

BUILD_DESCRIPTION = """\
Decode every git-tracked and DVC-tracked image whose content the facts index does not know
yet, and store the facts, so later checks and commits decode only new images. Facts are
stored as they arrive: an interrupted build resumes where it stopped.

Without --scheduler the images are decoded by a local process pool (--jobs). With
--scheduler ADDRESS they are decoded by the workers of that Dask cluster (tcp://host:8786;
needs the imagelint[dask] extra), and with --scheduler local by a Dask LocalCluster started
here. Workers read the bytes themselves: from paths every worker sees (the DVC cache and the
workspace), or with --remote from the DVC remote through DVC's filesystem (needs the remote's
DVC plugin and credentials on every worker). No image passes through this machine.

Exit status: 0 every image has facts, 1 some images could not be read (IMG901 per image),
2 usage or configuration error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("facts", help="build the facts index of the whole dataset (first scan)")
    actions = parser.add_subparsers(dest="facts_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="decode every image the index does not know yet",
                               description=BUILD_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler address, or 'local' for a "
                       "LocalCluster on this machine (default: the local process pool)")
    build.add_argument("--remote", action="store_true", help="workers read DVC-tracked images from the "
                       "DVC remote (needs the imagelint[dvc] extra)")
    build.add_argument("-j", "--jobs", type=int, metavar="N", help="local worker processes (default: one "
                       "per CPU); ignored with --scheduler")
    build.add_argument("--partition-size", type=int, default=16, metavar="N",
                       help="images per task sent to a worker (default: 16; a few hundred on a large cluster)")
    build.add_argument("--format", dest="output_format", choices=("text", "json", "github"), default="text",
                       help="output format of the findings (default: text)")
    add_common_options(build)
    build.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    _, config = load_context(args)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.partition_size < 1:
        raise UsageError("--partition-size must be at least 1")
    from imagelint.facts import build
    from imagelint.facts.index import FactsIndex
    from imagelint.output.report import render

    index = FactsIndex(config.resolved_cache_dir())
    started = time.perf_counter()
    try:
        plan = build.plan_build(Path.cwd(), config, index, use_remote=args.remote,
                                partition_size=args.partition_size)
        result = build.run_build(plan, index, scheduler=args.scheduler, jobs=args.jobs)
    except _unavailable() as exc:
        raise UsageError(str(exc)) from None
    for note in plan.notes:
        print(f"imagelint: warning: {note}", file=sys.stderr)
    findings = build.missing_findings(result)
    where = f"the Dask cluster at {args.scheduler}" if args.scheduler else "the local process pool"
    print(f"imagelint: facts of {plan.images} images: {plan.known} already known, {result.decoded} decoded "
          f"by {where} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if findings:
        sys.stdout.write(render(findings, plan.images, args.output_format))
    return 1 if findings else 0


def _unavailable() -> tuple[type[Exception], ...]:
    from imagelint.facts.cluster import ClusterUnavailable
    from imagelint.sources.dvc_remote import RemoteUnavailable

    return ClusterUnavailable, RemoteUnavailable
