"""``imagelint facts``: the facts of the dataset, built once for every image and shared.

``facts build`` is what a team runs when it adopts imagelint on an existing dataset: it decodes
every image the index does not know yet, on this machine's process pool or on a Dask cluster,
so that the commits after it decode only what they add. ``facts push`` and ``facts pull``
share those facts as snapshots through the DVC remote, so no other machine decodes them again.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from imagelint.commands.common import add_common_options, load_context, positive_int, pre_commit_range
from imagelint.errors import UsageError

if TYPE_CHECKING:
    from imagelint.config import Config
    from imagelint.facts.image_facts import ImageFacts
    from imagelint.facts.index import FactsIndex
    from imagelint.facts.areas import FolderArea, Transfer
    from imagelint.sources.dataset import ImageRef

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


SHARE_DESCRIPTION = """\
Share what imagelint knows about the dataset's images (hashes, dimensions, quality signals)
so that no other machine has to read or decode them again.

For every DVC-tracked folder at REV (default: HEAD), one snapshot file holds the facts of
all its images, keyed by the folder's .dir manifest: imagelint/snapshots/... on the DVC
remote, beside DVC's own files/ (nothing of DVC's is touched; a snapshot once written is
never rewritten). With --to/--from DIR the same files go to a plain folder instead, for CI
systems that cache a folder between runs.

  imagelint facts push     after 'dvc push' on the main branch (CI): snapshots of HEAD
  imagelint facts pull     on a fresh clone or runner: facts of the dataset, no image bytes
  imagelint facts push --changes
                           a contributor's pre-push (the imagelint-changes hook): what each
                           pushed commit changed in its folders' manifests, a few kB

'check --remote' pulls the snapshots of the range's base by itself (never the
head's, which a pull request could have written). 'push' builds a
snapshot from the index, decoding local images it lacks, then images read from the remote,
and refuses a folder with any image it cannot describe. It also stores, for every folder REV
changed, the change from its first parent's manifest (imagelint/changes/...): 'check --remote'
rebuilds a pull request's manifests from the base's and those changes, checked against their
names, instead of downloading them (8 MB at 100,000 images). Needs the imagelint[dvc] extra
unless --to/--from is given.

With --changes only the changes are pushed, for REV, each commit of a range A..B that changes
a .dvc file or dvc.lock, or (no REV) the commits being pushed (PRE_COMMIT_FROM_REF..
PRE_COMMIT_TO_REF); a remote that cannot be reached is a warning, since CI then reads the
manifests themselves.

Exit status: 0 done, 1 a snapshot could not be pushed (incomplete), 2 usage or remote error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("facts", help="build the facts of the whole dataset (first scan), push or "
                                   "pull them (DVC remote or a folder)")
    actions = parser.add_subparsers(dest="facts_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="decode every image the index does not know yet",
                               description=BUILD_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler address, or 'local' for a "
                       "LocalCluster on this machine (default: the local process pool)")
    build.add_argument("--remote", action="store_true", help="workers read DVC-tracked images from the "
                       "DVC remote (needs the imagelint[dvc] extra)")
    build.add_argument("-j", "--jobs", type=positive_int, metavar="N", help="local worker processes (default: one "
                       "per CPU); ignored with --scheduler")
    build.add_argument("--partition-size", type=positive_int, default=16, metavar="N",
                       help="images per task sent to a worker (default: 16; a few hundred on a large cluster)")
    build.add_argument("--format", dest="output_format", choices=("text", "json", "github"), default="text",
                       help="output format of the findings (default: text)")
    add_common_options(build)
    build.set_defaults(run=run_build)
    for name, help_text, folder in (("push", "store snapshots and manifest changes of REV on the remote", "--to"),
                                    ("pull", "fetch snapshots of REV from the remote", "--from")):
        action = actions.add_parser(name, help=help_text, description=SHARE_DESCRIPTION,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        action.add_argument("revisions", nargs="*", metavar="REV", help="git revisions (default: HEAD)")
        action.add_argument(folder, dest="folder", metavar="DIR", help="a plain folder instead of the DVC remote")
        action.add_argument("-j", "--jobs", type=positive_int, metavar="N", help="worker processes for images to decode")
        if name == "push":
            action.add_argument("--changes", action="store_true", help="push only what each commit changed in "
                                "its folders' manifests (a contributor's pre-push; REV may be A..B)")
        add_common_options(action)
        action.set_defaults(run=run_share)


def run_build(args: argparse.Namespace) -> int:
    _, config = load_context(args)
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


def run_share(args: argparse.Namespace) -> int:
    from imagelint.facts.index import FactsIndex
    from imagelint.facts.areas import FolderArea, describe
    from imagelint.facts.sharing import pull_from_remote, pull_snapshots
    from imagelint.sources import gitfiles
    from imagelint.sources.outs import outs_of

    root, config = load_context(args)
    if gitfiles.repo_root(root) is None:
        raise UsageError("facts: not inside a git repository")
    index = FactsIndex(config.resolved_cache_dir())
    folder = FolderArea(Path(args.folder)) if args.folder else None
    changes_only = getattr(args, "changes", False)
    try:
        if changes_only:
            transfer = _push_changes(root, _commits(root, args.revisions), config, folder)
            where = f"to {args.folder}" if folder else "to the DVC remote"
        elif args.facts_command == "pull":
            revisions = args.revisions or ["HEAD"]
            if folder is None:
                transfer = pull_from_remote(root, revisions, config, index)
            else:
                outs, notes = outs_of(root, revisions)
                transfer = pull_snapshots(outs, config, index, folder)
                transfer = replace(transfer, notes=notes + transfer.notes)
            where = f"from {args.folder}" if folder else "from the DVC remote"
        else:
            transfer = _push(root, args.revisions or ["HEAD"], config, index, folder, args.jobs)
            where = f"to {args.folder}" if folder else "to the DVC remote"
    except gitfiles.GitError as exc:
        raise UsageError(str(exc)) from None
    for note in transfer.notes:
        print(f"imagelint: warning: {note}", file=sys.stderr)
    print(describe(transfer, "pulled" if args.facts_command == "pull" else "pushed", where, not changes_only))
    incomplete = args.facts_command == "push" and transfer.unavailable
    return 1 if incomplete else 0


def _push(root: Path, revisions: list[str], config: Config, index: FactsIndex, folder: FolderArea | None,
          jobs: int | None) -> Transfer:
    """Push to ``folder``, or to each DVC repository's remote. The parents' snapshots are pulled
    first, so that only images new since then are decoded (their bytes read from the remote)."""
    from imagelint.facts.areas import Transfer
    from imagelint.facts.changes import push_changes
    from imagelint.facts.remote_bytes import inspect_from_remote
    from imagelint.facts.sharing import fetch_manifests, pull_snapshots, push_snapshots
    from imagelint.sources import dvc_remote
    from imagelint.sources.outs import outs_of, parent_pairs

    outs, notes = outs_of(root, revisions)
    pairs = parent_pairs(root, revisions)
    parents = [parent for parent, _ in pairs]
    if folder is not None:
        pull_snapshots(parents, config, index, folder)
        return Transfer(notes=notes) + push_snapshots(outs, config, index, folder, jobs) + \
            push_changes(pairs, config, folder)
    done = Transfer(notes=notes)
    for dvc_root in sorted({out.dvc_root for out in outs}):
        group = [out for out in outs if out.dvc_root == dvc_root]

        def from_remote(refs: Sequence[ImageRef], dvc_root: Path = dvc_root) -> list[ImageFacts]:
            fetched = inspect_from_remote(dvc_root, refs, config, jobs, index)
            return [item.facts for item in fetched.inspections.values() if item.facts is not None]

        try:
            with dvc_remote.remote_area(dvc_root) as area:
                pull_snapshots([out for out in parents if out.dvc_root == dvc_root], config, index, area)
                fetch_manifests(group, config)
                done += push_snapshots(group, config, index, area, jobs, from_remote)
                done += push_changes([pair for pair in pairs if pair[1].dvc_root == dvc_root], config, area)
        except dvc_remote.RemoteUnavailable as exc:
            raise UsageError(str(exc)) from None
    return done


def _commits(root: Path, revisions: Sequence[str]) -> list[str]:
    """The commits whose changes ``facts push --changes`` stores: each REV, each commit of a range
    ``A..B`` that changes a pointer, or (none given) those of the push pre-commit runs for."""
    from imagelint.sources import gitfiles

    pushed = pre_commit_range()
    given = list(revisions) or ([f"{pushed[0]}..{pushed[1]}"] if pushed else ["HEAD"])
    commits: list[str] = []
    for rev in given:
        commits += gitfiles.pointer_commits(root, rev) if ".." in rev else [rev]
    return commits


def _push_changes(root: Path, commits: list[str], config: Config, folder: FolderArea | None) -> Transfer:
    """Only the manifest changes of ``commits``; a remote that cannot be reached is a note, not an
    error: without the changes, CI reads the manifests themselves."""
    from imagelint.facts.areas import Transfer
    from imagelint.facts.changes import push_changes
    from imagelint.sources import dvc_remote
    from imagelint.sources.outs import parent_pairs

    pairs = parent_pairs(root, commits)
    if folder is not None:
        return push_changes(pairs, config, folder)
    done = Transfer()
    for dvc_root in sorted({out.dvc_root for _, out in pairs}):
        try:
            with dvc_remote.remote_area(dvc_root) as area:
                done += push_changes([pair for pair in pairs if pair[1].dvc_root == dvc_root], config, area)
        except dvc_remote.RemoteUnavailable as exc:
            done += Transfer(notes=(f"{exc}: manifest changes not pushed",))
    return done
