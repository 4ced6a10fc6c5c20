"""``imagelint demo``: turn the sample (``imagelint/sample/``) into a real git + DVC repository and
narrate commits.

The steps are data: a title and a function that runs real commands in the demo repository,
prints each command with its trimmed output, and then checks the command's effects (exit codes,
commits, hook output, the stats file). A step that does not behave as its narration says raises
``StepFailed``, so the demo doubles as an end-to-end test of the hooks.
"""
from __future__ import annotations

import json
import shlex
import shutil
import sys
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence, TextIO

import yaml

import imagelint.sample
from imagelint.demo.runner import (
    LOCAL, MAX_LINES, Demo, Step, StepFailed, Tools, demo_root, failed_hooks, find_tools, run_steps, why_failed,
)
from imagelint.errors import UsageError
from imagelint.stats.document import ROOT_KEY

STATS_FILE = "dataset-stats.json"
CHECK_HOOK, STATS_HOOK = "imagelint", "imagelint-stats"
REMOTE = f"{LOCAL}/dvc-remote"
#: Where the pictures of steps 2 and 3 are drawn, in the background, until the steps add them.
PICTURES = f"{LOCAL}/pictures"
SPLITS = ("train", "val", "test")
BAD_FOLDER = "train/cherry"
LEAK_SOURCE, LEAK_COPY = "train/apple/001.jpg", "test/apple/001-resized.jpg"
GROWN_SPLIT, GROWN_CLASS, GROWN_COUNT = "train", "cherry", 40
#: What the refused commit must report: each file with the rule that names it.
EXPECTED_FINDINGS = (
    (f"{BAD_FOLDER}/truncated.jpg", "IMG001"),
    (f"{BAD_FOLDER}/tiny.jpg", "IMG102"),
    (f"{BAD_FOLDER}/actually-png.jpg", "IMG003"),
    (f"{BAD_FOLDER}/huge.jpg", "IMG101"),
    (LEAK_COPY, "IMG303"),
)
#: Settings of imagelint's hook manifest that the demo's local hooks keep.
HOOK_SETTINGS = ("args", "files", "always_run", "pass_filenames", "require_serial", "verbose", "stages")
#: DVC's hooks as its own manifest declares them (entry ``dvc git-hook STAGE``).
DVC_HOOKS: tuple[dict[str, Any], ...] = (
    {"id": "dvc-pre-commit", "name": "DVC pre-commit", "stage": "pre-commit", "verbose": True},
    {"id": "dvc-pre-push", "name": "DVC pre-push", "stage": "pre-push"},
    {"id": "dvc-post-checkout", "name": "DVC post-checkout", "stage": "post-checkout", "always_run": True},
)


@dataclass(frozen=True)
class Pictures:
    """The files steps 2 and 3 add: the bad examples and the grown class's new pictures."""

    bad: tuple[Path, ...]
    more: tuple[Path, ...]


class SampleDemo(Demo):
    """The demo of the sample dataset: its picture generator, and the pictures of steps 2 and 3,
    drawn in the background while the set-up and step 1 run their commands."""

    def __init__(self, root: Path, tools: Tools, generator: ModuleType, out: TextIO, background: Executor) -> None:
        super().__init__(root, tools, out)
        self.generator = generator
        self._background = background
        self._pictures: Future[Pictures] | None = None

    def draw_pictures(self) -> Future[Pictures]:
        """Start drawing the pictures of steps 2 and 3: it takes longer than any command, so
        it runs while the commands of the set-up and of step 1 do."""
        self._pictures = self._background.submit(draw_pictures, self.generator, self.root / PICTURES)
        return self._pictures

    def pictures(self) -> Pictures:
        return (self._pictures or self.draw_pictures()).result()


def run_demo(directory: str | None, out: TextIO = sys.stdout) -> int:
    """Build the demo repository in ``directory`` (default: a new temporary folder) and narrate."""
    sample = Path(imagelint.sample.__file__).resolve().parent
    manifest = sample / "pre-commit-hooks.yaml"
    if not (sample / "generate.py").is_file() or not manifest.is_file():
        raise UsageError(f"the demo's sample files are missing from {sample}: reinstall imagelint")
    tools = find_tools()
    from imagelint.sample import generate

    root, generator = demo_root(directory), generate
    with ThreadPoolExecutor(max_workers=1) as background:
        demo = SampleDemo(root, tools, generator, out, background)
        demo.say(f"imagelint demo: a dataset repository in {demo.root}")
        demo.say()
        demo.say("== Set-up: the sample as a git + DVC repository with the hooks installed ==")
        try:
            set_up(demo, sample, manifest)
        except StepFailed as exc:
            demo.say()
            demo.say(f"Demo failed at set-up: {exc}")
            return 1
        return run_steps(demo, STEPS)


def draw_pictures(generator: ModuleType, folder: Path) -> Pictures:
    bad = generator.write_bad_files(folder / "bad")
    more = generator.write_more_images(folder / GROWN_CLASS, GROWN_CLASS, GROWN_COUNT, generator.FIRST_FREE_NUMBER)
    return Pictures(tuple(bad.values()), tuple(more))


def moved(sources: Sequence[Path], folder: Path) -> list[Path]:
    """Move ``sources`` into ``folder``; returns their new paths."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.move(str(source), str(folder / source.name))) for source in sources]


def local_hooks_config(manifest: Path, sample_config: dict[str, Any], python: str, dvc: str) -> dict[str, Any]:
    """The sample's hooks as ``repo: local`` system hooks that run the installed imagelint and dvc."""
    hooks = [
        {"id": hook["id"], "name": hook["name"], "entry": f"{shlex.quote(python)} -m {hook['entry']}",
         "language": "system", **{key: hook[key] for key in HOOK_SETTINGS if key in hook}}
        for hook in yaml.safe_load(manifest.read_text(encoding="utf-8"))
    ]
    for hook in DVC_HOOKS:
        extra = {key: value for key, value in hook.items() if key not in ("id", "name", "stage")}
        hooks.append({"id": hook["id"], "name": hook["name"], "entry": f"{shlex.quote(dvc)} git-hook {hook['stage']}",
                      "language": "system", "require_serial": True, "stages": [hook["stage"]], **extra})
    return {
        "default_install_hook_types": sample_config["default_install_hook_types"],
        "repos": [{"repo": "local", "hooks": hooks}],
    }


def set_up(demo: SampleDemo, sample: Path, manifest: Path) -> None:
    root = demo.root
    demo.must_run("git", "-c", "init.defaultBranch=main", "init", "--quiet")
    if demo.quiet("git", "config", "commit.gpgsign", "false").code != 0:
        raise StepFailed("cannot configure the new git repository")
    (root / LOCAL).mkdir(exist_ok=True)
    with (root / ".git" / "info" / "exclude").open("a", encoding="utf-8") as exclude:
        exclude.write(f"/{LOCAL}/\n")
    demo.say(f"    ({LOCAL}/ holds the demo's caches and DVC remote; .git/info/exclude hides it from git)")
    demo.must_run("dvc", "init", "--quiet")
    written = demo.generator.write_clean_dataset(root)
    per_split = ", ".join(f"{split} {sum(p.relative_to(root).parts[0] == split for p in written)}" for split in SPLITS)
    demo.did("generate.write_clean_dataset(Path('.'))", f"{len(written)} pictures ({per_split})")
    demo.draw_pictures()
    demo.say("    (meanwhile generate.write_bad_files and generate.write_more_images draw the pictures of")
    demo.say(f"    steps 2 and 3 into {PICTURES}/)")
    for name in ("pyproject.toml", "dvc.yaml"):
        shutil.copyfile(sample / name, root / name)
    demo.say("    copied pyproject.toml ([tool.imagelint] settings) and dvc.yaml (stats as DVC metrics) from the sample")
    demo.must_run("dvc", "add", *SPLITS, limit=3)
    demo.must_run("dvc", "remote", "add", "--default", "local", REMOTE)

    sample_text = (sample / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    config = local_hooks_config(manifest, yaml.safe_load(sample_text), sys.executable, demo.tools.dvc)
    demo.say()
    demo.say("In your own repository, .pre-commit-config.yaml takes the hooks from their repositories")
    demo.say("(imagelint/sample/.pre-commit-config.yaml, comments left out):")
    for line in sample_text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            demo.say(f"    {line.split('  #')[0].rstrip()}")
    demo.say("The demo runs the same hooks from the installed imagelint and dvc instead (repo: local,")
    demo.say("language: system), so nothing is downloaded. Its .pre-commit-config.yaml:")
    for hook in config["repos"][0]["hooks"]:
        demo.say(f"    {hook['id']:<18} {hook['entry']}")
    (root / ".pre-commit-config.yaml").write_text(
        "# Written by 'imagelint demo': the sample's hooks, run from the installed imagelint and dvc.\n"
        + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    demo.must_run("pre-commit", "install")
    demo.explain("git tracks the .dvc pointers, DVC the images; every git commit now runs the hooks.")


def first_commit(demo: SampleDemo) -> None:
    demo.must_run("git", "add", ".")
    demo.must_run("git", "status", "--short")
    demo.explain("git sees three .dvc pointers, not the 62 images; the hooks look behind them.")
    ran = demo.run("git", "commit", "-m", "Add the clean sample dataset")
    if ran.code != 0:
        raise StepFailed(f"git commit of the clean dataset was refused: {why_failed(ran.output)}")
    if STATS_FILE not in committed_paths(demo):
        raise StepFailed(f"the commit does not contain {STATS_FILE}")
    demo.explain(f"The images passed; the stats hook wrote {STATS_FILE} and staged it, so the commit carries it.")
    demo.must_run("dvc", "push")
    demo.explain(f"The clean dataset is committed with {STATS_FILE}, and its images are in the DVC remote.")


def refused_commit(demo: SampleDemo) -> None:
    root = demo.root
    bad = moved(demo.pictures().bad, root / BAD_FOLDER)
    demo.did(f"move the bad examples (generate.write_bad_files) to {BAD_FOLDER}/", ", ".join(p.name for p in bad))
    demo.generator.write_resized_copy(root / LEAK_SOURCE, root / LEAK_COPY)
    demo.did(f"generate.write_resized_copy(Path('{LEAK_SOURCE}'), Path('{LEAK_COPY}'))",
             "a smaller, re-encoded copy of a training picture, now in test/")
    demo.must_run("dvc", "add", "train", "test")
    demo.must_run("git", "add", "train.dvc", "test.dvc")
    before = commit_count(demo)
    ran = demo.run("git", "commit", "-m", "Add more pictures", limit=2 * MAX_LINES)
    if ran.code == 0 or commit_count(demo) != before:
        raise StepFailed("git commit accepted the bad files")
    if CHECK_HOOK not in failed_hooks(ran.output):
        raise StepFailed(f"git commit was refused, but not by {CHECK_HOOK}: {why_failed(ran.output)}")
    lines = ran.output.splitlines()
    for path, code in EXPECTED_FINDINGS:
        if not any(path in line and code in line for line in lines):
            raise StepFailed(f"the refused commit's output has no {code} line for {path}")
    demo.explain("git commit refused: each bad file is named with its rule, the copy in test/ as a leak (IMG303); "
                 "warnings alone would not stop a commit.")
    if demo.quiet("git", "diff", "--name-only").output.strip():
        raise StepFailed("the refused commit left unstaged changes behind")
    demo.explain(f"Nothing to clean up: the stats hook staged its {STATS_FILE}, the next commit recounts it.")


def grown_class(demo: SampleDemo) -> None:
    root, pictures = demo.root, demo.pictures()
    for path in (*(root / BAD_FOLDER / bad.name for bad in pictures.bad), root / LEAK_COPY):
        path.unlink()
    demo.did(f"remove the bad examples from {BAD_FOLDER}/ and {LEAK_COPY}", f"{len(pictures.bad) + 1} files removed")
    folder = f"{GROWN_SPLIT}/{GROWN_CLASS}"
    more = moved(pictures.more, root / folder)
    demo.did(f"move {GROWN_COUNT} new {GROWN_CLASS} pictures (generate.write_more_images) to {folder}/",
             f"{more[0].name} to {more[-1].name}")
    demo.must_run("dvc", "add", "train", "test")
    demo.must_run("git", "add", "train.dvc", "test.dvc")
    before = commit_count(demo)
    ran = demo.run("git", "commit", "-m", f"Add {GROWN_COUNT} {GROWN_CLASS} pictures")
    if ran.code != 0 or commit_count(demo) != before + 1:
        raise StepFailed(f"the commit after the fix did not land: {why_failed(ran.output)}")
    demo.explain("The first commit after the refused one lands: the warning shows the class balance it "
                 f"changed, and the stats hook updated and staged {STATS_FILE}:")
    demo.must_run("git", "show", "--stat", "--format=", "HEAD")
    old, new = class_count(demo, "HEAD~1"), class_count(demo, "HEAD")
    if new - old != GROWN_COUNT:
        raise StepFailed(f"{STATS_FILE} counts {old} -> {new} {GROWN_SPLIT}/{GROWN_CLASS} images, "
                         f"not {GROWN_COUNT} more")
    demo.must_run("dvc", "push")
    demo.explain(f"{STATS_FILE} in the commit now counts {new} {GROWN_SPLIT}/{GROWN_CLASS} images instead of {old}.")


def drift(demo: SampleDemo) -> None:
    ran = demo.must_run("imagelint", "diff", "HEAD~1", "HEAD", "--format", "md", limit=2 * MAX_LINES)
    if GROWN_CLASS not in ran.output:
        raise StepFailed(f"imagelint diff does not mention {GROWN_CLASS}")
    demo.explain("The Markdown a pull request would get: class counts before and after, and the shift in share.")
    ran = demo.must_run("dvc", "metrics", "diff", "HEAD~1")
    if not any(f"{GROWN_CLASS}.count" in line and str(GROWN_COUNT) in line.split() for line in ran.output.splitlines()):
        raise StepFailed(f"dvc metrics diff shows no change of {GROWN_COUNT} for {GROWN_CLASS}")
    demo.explain(f"DVC reads the same committed {STATS_FILE} as metrics: {GROWN_CLASS} grew by {GROWN_COUNT}.")


def committed_paths(demo: SampleDemo) -> set[str]:
    return set(demo.quiet("git", "ls-tree", "--name-only", "HEAD").output.split())


def commit_count(demo: SampleDemo) -> int:
    ran = demo.quiet("git", "rev-list", "--count", "HEAD")
    return int(ran.output) if ran.code == 0 else 0


def class_count(demo: Demo, rev: str) -> int:
    """The committed image count of the grown class at ``rev``."""
    ran = demo.quiet("git", "show", f"{rev}:{STATS_FILE}")
    try:
        return int(json.loads(ran.output)["roots"][ROOT_KEY]["splits"][GROWN_SPLIT]["classes"][GROWN_CLASS]["count"])
    except (ValueError, KeyError, TypeError):
        raise StepFailed(f"{STATS_FILE} at {rev} has no count for {GROWN_SPLIT}/{GROWN_CLASS}") from None


STEPS: tuple[Step[SampleDemo], ...] = (
    Step("first commit of a clean dataset", first_commit),
    Step("bad files and a train/test leak are refused", refused_commit),
    Step(f"{GROWN_COUNT} more {GROWN_CLASS} pictures: the stats file follows", grown_class),
    Step("the drift, as imagelint and DVC show it", drift),
)
