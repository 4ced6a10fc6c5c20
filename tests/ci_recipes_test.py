"""The GitHub Action and the GitLab CI recipe call imagelint with options it has."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from imagelint.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
CI_DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
GITLAB = yaml.safe_load(re.search(r"```yaml\n(# \.gitlab-ci\.yml\n.*?)```", CI_DOC, re.S).group(1))


def imagelint_commands(script: str) -> list[list[str]]:
    """Each ``imagelint ...`` command of a shell script, variables as placeholder words."""
    commands = []
    for line in script.splitlines():
        line = re.sub(r"\$\{\{[^}]*\}\}", "X", line)
        for part in re.split(r"[;|{}]|&&", line):
            part = part.strip().removeprefix("- ")
            if part.startswith("imagelint "):
                words = shlex.split(part.split(">")[0].replace("$REMOTE", ""), comments=True)
                commands.append([word if "$" not in word else "X..Y" for word in words[1:]])
    return commands


ACTION_COMMANDS = [c for step in ACTION["runs"]["steps"] for c in imagelint_commands(step.get("run", ""))]
GITLAB_COMMANDS = [c for line in GITLAB["imagelint"]["script"] for c in imagelint_commands(line)]


def test_the_action_is_composite_and_uses_check_report_and_diff() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert sorted({command[0] for command in ACTION_COMMANDS}) == ["check", "diff", "report"]
    uses = [step["uses"].split("@")[0] for step in ACTION["runs"]["steps"] if "uses" in step]
    assert uses == ["actions/setup-python", "actions/upload-artifact", "github/codeql-action/upload-sarif"]
    assert all(step.get("shell") == "bash" for step in ACTION["runs"]["steps"] if "run" in step)


@pytest.mark.parametrize("command", ACTION_COMMANDS + GITLAB_COMMANDS, ids=" ".join)
def test_every_command_parses(command: list[str]) -> None:
    args = build_parser().parse_args(command)
    assert callable(args.run)


def test_the_gitlab_recipe_reports_code_quality_and_keeps_the_page() -> None:
    job = GITLAB["imagelint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert "imagelint-review.html" in job["artifacts"]["paths"]
    assert {command[0] for command in GITLAB_COMMANDS} == {"check", "report", "diff"}
