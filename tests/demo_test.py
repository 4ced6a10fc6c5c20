"""imagelint demo: the sample repository end to end, and how the narration reports a failing step."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from imagelint.cli import main
from imagelint.demo.runner import Demo, Step, StepFailed, Tools, failed_hooks, run_steps, trimmed
from imagelint.demo.story import EXPECTED_FINDINGS, GROWN_CLASS, GROWN_COUNT, GROWN_SPLIT, STATS_FILE, STEPS, run_demo


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[str], Path]:
    """One full demo run shared by the end-to-end tests: exit code, output lines, repository."""
    root = tmp_path_factory.mktemp("demo") / "repo"
    out = io.StringIO()
    code = run_demo(str(root), out)
    return code, out.getvalue().splitlines(), root.resolve()


def test_demo_passes_every_step(demo_run: tuple[int, list[str], Path]) -> None:
    code, lines, root = demo_run
    assert code == 0, "\n".join(lines)
    assert lines[0] == f"imagelint demo: a dataset repository in {root}"
    assert lines[-1] == f"Demo finished: all {len(STEPS)} steps behaved as described. Repository: {root}"


def test_demo_narrates_each_step_with_its_commands(demo_run: tuple[int, list[str], Path]) -> None:
    _, lines, _ = demo_run
    headings = [line for line in lines if line.startswith("== Step ")]
    assert headings == [f"== Step {n}/{len(STEPS)}: {step.title} ==" for n, step in enumerate(STEPS, 1)]
    for command in ("$ pre-commit install", "$ git commit -m 'Add the clean sample dataset'", "$ dvc push",
                    "$ git show --stat --format= HEAD", "$ imagelint diff HEAD~1 HEAD --format md",
                    "$ dvc metrics diff HEAD~1"):
        assert command in lines
    assert sum(line.startswith("-> ") for line in lines) >= len(STEPS)


@pytest.mark.parametrize(("path", "code"), EXPECTED_FINDINGS)
def test_refused_commit_shows_each_bad_file_with_its_rule(
    demo_run: tuple[int, list[str], Path], path: str, code: str
) -> None:
    _, lines, _ = demo_run
    assert any(line.strip().startswith(f"{path}: {code} ") for line in lines)


def test_demo_repository_holds_two_commits_and_the_grown_class(demo_run: tuple[int, list[str], Path]) -> None:
    _, _, root = demo_run

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    assert git("status", "--porcelain") == ""
    counts = [
        json.loads(git("show", f"{rev}:{STATS_FILE}"))["roots"]["(root)"]["splits"][GROWN_SPLIT]["classes"][GROWN_CLASS]["count"]
        for rev in ("HEAD~1", "HEAD")
    ]
    assert counts[1] - counts[0] == GROWN_COUNT
    assert (root / ".demo" / "dvc-remote" / "files" / "md5").is_dir()


def test_a_failing_step_is_named_and_stops_the_demo(tmp_path: Path) -> None:
    ran: list[str] = []

    def passes(demo: Demo) -> None:
        ran.append("one")

    def fails(demo: Demo) -> None:
        raise StepFailed("the hook output has no IMG001 line")

    out = io.StringIO()
    steps = [Step("one", passes), Step("two", fails), Step("three", passes)]
    demo = Demo(tmp_path, Tools("git", "dvc", "pre-commit"), out)
    assert run_steps(demo, steps) == 1
    lines = out.getvalue().splitlines()
    assert lines[-1] == "Demo failed at step 2 (two): the hook output has no IMG001 line"
    assert "== Step 3/3: three ==" not in lines
    assert ran == ["one"]


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["demo", str(tmp_path)]) == 2
    assert "is not an empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_demo_without_dvc_or_pre_commit_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("imagelint.demo.runner.shutil.which", lambda name, path=None: None)
    assert main(["demo", str(tmp_path / "repo")]) == 2
    assert "pip install dvc pre-commit" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("\n\none\ntwo  \n\n", 5, ["one", "two"]),
    ("a\nb\nc\nd\n", 2, ["a", "b", "... (2 more lines)"]),
    ("", 3, []),
])
def test_trimmed_output(text: str, limit: int, expected: list[str]) -> None:
    assert trimmed(text, limit) == expected


def test_failed_hooks_reads_pre_commit_status_lines() -> None:
    output = ("imagelint......Failed\n- hook id: imagelint\n- exit code: 1\n\n"
              "imagelint dataset stats......Failed\n- hook id: imagelint-stats\n"
              "DVC pre-commit......Passed\n- hook id: dvc-pre-commit\n")
    assert failed_hooks(output) == ["imagelint", "imagelint-stats"]
