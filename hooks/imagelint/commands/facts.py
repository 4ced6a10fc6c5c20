"""``imagelint facts push`` / ``imagelint facts pull``: share the dataset's facts through the DVC remote."""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from imagelint.commands.common import add_common_options, load_context
from imagelint.errors import UsageError

if TYPE_CHECKING:
    from imagelint.config import Config
    from imagelint.facts.image_facts import ImageFacts
    from imagelint.facts.index import FactsIndex
    from imagelint.facts.sharing import FolderArea, Transfer
    from imagelint.sources.dataset import ImageRef
    from imagelint.sources.outs import DirOut

DESCRIPTION = """\
Share what imagelint knows about the dataset's images (hashes, dimensions, quality signals)
so that no other machine has to read or decode them again.

For every DVC-tracked folder at REV (default: HEAD), one snapshot file holds the facts of
all its images, keyed by the folder's .dir manifest: imagelint/snapshots/... on the DVC
remote, beside DVC's own files/ (nothing of DVC's is touched; a snapshot once written is
never rewritten). With --to/--from DIR the same files go to a plain folder instead, for CI
systems that cache a folder between runs.

  imagelint facts push     after 'dvc push' on the main branch (CI): snapshots of HEAD
  imagelint facts pull     on a fresh clone or runner: facts of the dataset, no image bytes

'check --remote' pulls the snapshots of both sides of the range by itself. 'push' builds a
snapshot from the index, decoding local images it lacks, then images read from the remote,
and refuses a folder with any image it cannot describe. Needs the imagelint[dvc] extra
unless --to/--from is given.

Exit status: 0 done, 1 a snapshot could not be pushed (incomplete), 2 usage or remote error.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("facts", help="push or pull the dataset's facts snapshots (DVC remote or a folder)",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text, folder in (("push", "store snapshots of REV on the remote", "--to"),
                                    ("pull", "fetch snapshots of REV from the remote", "--from")):
        action = actions.add_parser(name, help=help_text, description=DESCRIPTION,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        action.add_argument("revisions", nargs="*", metavar="REV", help="git revisions (default: HEAD)")
        action.add_argument(folder, dest="folder", metavar="DIR", help="a plain folder instead of the DVC remote")
        action.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for images to decode")
        add_common_options(action)
        action.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from imagelint.facts.index import FactsIndex
    from imagelint.facts.sharing import FolderArea, describe, outs_of, pull_from_remote, pull_snapshots
    from imagelint.sources import gitfiles

    root, config = load_context(args)
    if gitfiles.repo_root(root) is None:
        raise UsageError("facts: not inside a git repository")
    revisions = args.revisions or ["HEAD"]
    index = FactsIndex(config.resolved_cache_dir())
    folder = FolderArea(Path(args.folder)) if args.folder else None
    try:
        if args.action == "pull":
            if folder is None:
                transfer = pull_from_remote(root, revisions, config, index)
            else:
                outs, notes = outs_of(root, revisions)
                transfer = pull_snapshots(outs, config, index, folder)
                transfer = replace(transfer, notes=notes + transfer.notes)
            where = f"from {args.folder}" if folder else "from the DVC remote"
        else:
            transfer = _push(root, revisions, config, index, folder, args.jobs)
            where = f"to {args.folder}" if folder else "to the DVC remote"
    except gitfiles.GitError as exc:
        raise UsageError(str(exc)) from None
    for note in transfer.notes:
        print(f"imagelint: warning: {note}", file=sys.stderr)
    print(describe(transfer, "pulled" if args.action == "pull" else "pushed", where))
    incomplete = args.action == "push" and transfer.unavailable
    return 1 if incomplete else 0


def _push(root: Path, revisions: list[str], config: Config, index: FactsIndex, folder: FolderArea | None,
          jobs: int | None) -> Transfer:
    """Push to ``folder``, or to each DVC repository's remote. The parents' snapshots are pulled
    first, so that only images new since then are decoded (their bytes read from the remote)."""
    from imagelint.facts.remote_bytes import inspect_from_remote
    from imagelint.facts.sharing import Transfer, fetch_manifests, outs_of, pull_snapshots, push_snapshots
    from imagelint.sources import dvc_remote

    outs, notes = outs_of(root, revisions)
    parents = _parent_outs(root, revisions)
    if folder is not None:
        pull_snapshots(parents, config, index, folder)
        done = push_snapshots(outs, config, index, folder, jobs)
        return Transfer(done.snapshots, done.images, done.bytes, done.unavailable, notes + done.notes)
    moved = images = size = 0
    unavailable: list[str] = []
    for dvc_root in sorted({out.dvc_root for out in outs}):
        group = [out for out in outs if out.dvc_root == dvc_root]

        def from_remote(refs: Sequence[ImageRef], dvc_root: Path = dvc_root) -> list[ImageFacts]:
            fetched = inspect_from_remote(dvc_root, refs, config, jobs, index)
            return [item.facts for item in fetched.inspections.values() if item.facts is not None]

        try:
            with dvc_remote.remote_area(dvc_root) as area:
                pull_snapshots([out for out in parents if out.dvc_root == dvc_root], config, index, area)
                fetch_manifests(group, config)
                done = push_snapshots(group, config, index, area, jobs, from_remote)
        except dvc_remote.RemoteUnavailable as exc:
            raise UsageError(str(exc)) from None
        moved, images, size = moved + done.snapshots, images + done.images, size + done.bytes
        unavailable += done.unavailable
        notes += done.notes
    return Transfer(moved, images, size, tuple(unavailable), notes)


def _parent_outs(root: Path, revisions: list[str]) -> list[DirOut]:
    """The directory outs of each revision's first parent (none for a root commit)."""
    from imagelint.facts.sharing import outs_of
    from imagelint.sources import gitfiles

    found: list[DirOut] = []
    for rev in revisions:
        try:
            found += outs_of(root, [f"{rev}^"])[0]
        except gitfiles.GitError:
            continue
    return found
