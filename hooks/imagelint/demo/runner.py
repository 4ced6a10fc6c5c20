"""How the demo runs: real commands in its repository, each printed with its trimmed output,
and steps that stop the demo with ``StepFailed`` when a command does not have the effect the
narration describes. Nothing here knows the sample's story (``story`` tells it)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generic, Sequence, TextIO, TypeVar

from imagelint.errors import UsageError

#: Words shown without shell quotes: ``HEAD~1`` needs none, a ``~`` only expands at the start.
PLAIN_WORD = re.compile(r"[\w@%+=:,./-][\w@%+=:,./~-]*")
#: Lines of a command's output shown before "... (N more lines)".
MAX_LINES = 15
#: Seconds one command may take before the step counts as failed.
COMMAND_TIMEOUT = 300
#: Demo-local caches and the DVC remote, inside the repository and ignored by git.
LOCAL = ".demo"
#: Variables that would point git or the hooks at another repository or revision range.
INHERITED_STATE = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT", "PRE_COMMIT_FROM_REF",
                   "PRE_COMMIT_TO_REF")
DEMO_IDENTITY = {
    "GIT_AUTHOR_NAME": "imagelint demo", "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "imagelint demo", "GIT_COMMITTER_EMAIL": "demo@example.com",
}


class StepFailed(Exception):
    """A step's commands did not have the effect its narration describes; the message says which."""


@dataclass(frozen=True)
class Tools:
    git: str
    dvc: str
    pre_commit: str


@dataclass(frozen=True)
class Ran:
    code: int
    output: str


class Demo:
    """The demo repository, the environment its commands run in, and the narration stream."""

    def __init__(self, root: Path, tools: Tools, out: TextIO) -> None:
        self.root, self.tools, self.out = root, tools, out
        self.env = demo_environment(root, tools.git)
        self._programs = {
            "git": [tools.git], "dvc": [tools.dvc], "pre-commit": [tools.pre_commit],
            "imagelint": [sys.executable, "-m", "imagelint"],
        }

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def explain(self, text: str) -> None:
        self.say(f"-> {text}")

    def did(self, action: str, result: str) -> None:
        """Narrate what the demo did in Python (``generate`` is imagelint/sample/generate.py), and the result."""
        self.say(f">>> {action}")
        self.say(f"    {result}")

    def run(self, *words: str, limit: int = MAX_LINES) -> Ran:
        """Print ``$ words``, run them in the repository, print the trimmed output."""
        self.say(f"$ {command_line(words)}")
        ran = self.quiet(*words)
        for line in trimmed(ran.output, limit):
            self.say(f"    {line}")
        return ran

    def must_run(self, *words: str, limit: int = MAX_LINES) -> Ran:
        ran = self.run(*words, limit=limit)
        if ran.code != 0:
            raise StepFailed(f"'{command_line(words)}' exited with {ran.code}: {why_failed(ran.output)}")
        return ran

    def quiet(self, *words: str) -> Ran:
        """Run without narrating: the checks of a step's effects."""
        argv = [*self._programs[words[0]], *words[1:]]
        try:
            done = subprocess.run(argv, cwd=self.root, env=self.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace", timeout=COMMAND_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StepFailed(f"'{command_line(words)}' could not run: {exc}") from None
        return Ran(done.returncode, done.stdout)


D = TypeVar("D", bound=Demo)


@dataclass(frozen=True)
class Step(Generic[D]):
    title: str
    run: Callable[[D], None]


def run_steps(demo: D, steps: Sequence[Step[D]]) -> int:
    """Run the steps in order; stop at the first that fails and name it."""
    for number, step in enumerate(steps, 1):
        demo.say()
        demo.say(f"== Step {number}/{len(steps)}: {step.title} ==")
        try:
            step.run(demo)
        except StepFailed as exc:
            demo.say()
            demo.say(f"Demo failed at step {number} ({step.title}): {exc}")
            return 1
    demo.say()
    demo.say(f"Demo finished: all {len(steps)} steps behaved as described. Repository: {demo.root}")
    return 0


def find_tools() -> Tools:
    """git from PATH; dvc and pre-commit next to this interpreter (its venv) first, then PATH."""
    here = str(Path(sys.executable).parent)
    found = {name: shutil.which(name, path=here) or shutil.which(name) for name in ("dvc", "pre-commit")}
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise UsageError(f"the demo needs {' and '.join(missing)}: pip install dvc pre-commit "
                         f"(or pip install -e \".[test]\")")
    git = shutil.which("git")
    if not git:
        raise UsageError("the demo needs git on PATH")
    return Tools(git, str(found["dvc"]), str(found["pre-commit"]))


def demo_root(directory: str | None) -> Path:
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="imagelint-demo-")).resolve()
    root = Path(directory).expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError(f"{root} is not an empty folder: give a new or empty one, or no DIR for a temporary one")
    root.mkdir(parents=True, exist_ok=True)
    return root


def command_line(words: Sequence[str]) -> str:
    """The words as a shell takes them, quoted only where needed (``HEAD~1`` stays bare)."""
    return " ".join(word if PLAIN_WORD.fullmatch(word) else shlex.quote(word) for word in words)


def demo_environment(root: Path, git: str) -> dict[str, str]:
    """The caller's environment with every cache inside the demo, and a git identity if none is set."""
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_STATE}
    local = root / LOCAL
    env.update(
        DVC_NO_ANALYTICS="1",
        DVC_SITE_CACHE_DIR=str(local / "dvc-site-cache"),
        IMAGELINT_CACHE_DIR=str(local / "imagelint-cache"),
        PRE_COMMIT_HOME=str(local / "pre-commit"),
        PRE_COMMIT_COLOR="never",
    )
    configured = all(
        subprocess.run([git, "config", "--get", key], cwd=root, env=env, capture_output=True).returncode == 0
        for key in ("user.name", "user.email")
    )
    if not configured:
        for key, value in DEMO_IDENTITY.items():
            env.setdefault(key, value)
    return env


def trimmed(text: str, limit: int) -> list[str]:
    """At most ``limit`` lines of ``text`` without surrounding blank lines, then how many were left out."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"... ({len(lines) - limit} more lines)"]


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def failed_hooks(output: str) -> list[str]:
    """Ids of the hooks that pre-commit reported as failed in ``output``."""
    lines = output.splitlines()
    return [after.split(":", 1)[1].strip() for before, after in zip(lines, lines[1:])
            if before.endswith("Failed") and after.startswith("- hook id:")]


def why_failed(output: str) -> str:
    hooks = failed_hooks(output)
    return f"failed hooks: {', '.join(hooks)}" if hooks else last_line(output)
