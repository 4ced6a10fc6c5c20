"""``imagelint init``: what it writes into new and existing files, and what it leaves alone."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imagelint.init_repo import add_list_item, init_repo, settings_block

DVC_HOOKS = """\
repos:
-   repo: https://github.com/iterative/dvc
    rev: 3.67.0
    hooks:
    -   id: dvc-pre-commit
        additional_dependencies: ['.[all]']
        language_version: python3
        stages: [pre-commit]
"""


def lines(root: Path) -> list[str]:
    return [action.line() for action in init_repo(root, "dataset-stats.json")]


def test_fresh_dvc_repository(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    assert lines(tmp_path) == [
        "created pyproject.toml: [tool.imagelint] with the default settings",
        "created .pre-commit-config.yaml: with the imagelint and imagelint-stats hooks "
        "(https://github.com/imagelint/imagelint v0.1.0)",
        "created dvc.yaml: dataset-stats.json declared under metrics and plots",
    ]
    assert (tmp_path / "pyproject.toml").read_text() == settings_block("dataset-stats.json")
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == (
        "repos:\n"
        "  - repo: https://github.com/imagelint/imagelint\n"
        "    rev: v0.1.0\n"
        "    hooks:\n"
        "      - id: imagelint\n"
        "        verbose: true  # print warnings (near duplicates, balance) on commits that pass\n"
        "      - id: imagelint-stats  # rewrites and stages the stats file when the dataset changed\n"
    )
    assert yaml.safe_load((tmp_path / "dvc.yaml").read_text()) == {
        "metrics": ["dataset-stats.json"],
        "plots": [{"dataset-stats.json": {"template": "bar_horizontal", "x": "count", "y": "name",
                                          "title": "Images per class"}}],
    }


def test_existing_files_are_kept_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    pyproject = '[project]\nname = "faces"'  # no trailing newline
    dvc_yaml = "stages:\n  train:\n    cmd: python train.py\nmetrics:\n- eval.json  # model metrics\n"
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / ".pre-commit-config.yaml").write_text(DVC_HOOKS)
    (tmp_path / "dvc.yaml").write_text(dvc_yaml)
    assert lines(tmp_path) == [
        "updated pyproject.toml: appended [tool.imagelint] with the default settings",
        "updated .pre-commit-config.yaml: added the imagelint and imagelint-stats hooks "
        "(https://github.com/imagelint/imagelint v0.1.0)",
        "updated dvc.yaml: dataset-stats.json declared under metrics and plots",
    ]
    assert (tmp_path / "pyproject.toml").read_text() == pyproject + "\n\n" + settings_block("dataset-stats.json")
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == DVC_HOOKS + (
        "-   repo: https://github.com/imagelint/imagelint\n"
        "    rev: v0.1.0\n"
        "    hooks:\n"
        "      - id: imagelint\n"
        "        verbose: true  # print warnings (near duplicates, balance) on commits that pass\n"
        "      - id: imagelint-stats  # rewrites and stages the stats file when the dataset changed\n"
    )
    assert (tmp_path / "dvc.yaml").read_text() == dvc_yaml + (
        "- dataset-stats.json\n"
        "plots:\n"
        "  - dataset-stats.json:\n"
        "      template: bar_horizontal\n"
        "      x: count\n"
        "      y: name\n"
        "      title: Images per class\n"
    )
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert lines(tmp_path) == [
        "skipped pyproject.toml: already has a [tool.imagelint] table; left unchanged",
        "skipped .pre-commit-config.yaml: already has hook imagelint, imagelint-stats; left unchanged",
        "skipped dvc.yaml: dataset-stats.json is already declared under metrics and plots",
    ]
    assert before == {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}


def test_without_dvc_and_with_imagelint_toml(tmp_path: Path) -> None:
    (tmp_path / ".imagelint.toml").write_text('layout = "{class}/"\n')
    assert lines(tmp_path)[0] == "skipped pyproject.toml: settings live in .imagelint.toml; left unchanged"
    assert lines(tmp_path)[2] == "skipped dvc.yaml: no .dvc/ folder: not a DVC repository"
    assert not (tmp_path / "pyproject.toml").exists() and not (tmp_path / "dvc.yaml").exists()


def test_repos_followed_by_another_key_gets_the_entry_inside_the_list() -> None:
    text = "repos:\n  - repo: local\n    hooks: []\n# comment\ndefault_stages: [pre-commit]\n"
    assert add_list_item(text, "repos", ["repo: x", "rev: y"]) == (
        "repos:\n  - repo: local\n    hooks: []\n  - repo: x\n    rev: y\n# comment\ndefault_stages: [pre-commit]\n"
    )


@pytest.mark.parametrize("text", ["repos: []\n", "repos:\n  [ {repo: local, hooks: []} ]\n"])
def test_flow_style_lists_are_left_alone(text: str) -> None:
    assert add_list_item(text, "repos", ["repo: x"]) is None


def test_unparsable_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: [\n")
    assert lines(tmp_path)[1] == (
        "skipped .pre-commit-config.yaml: not a pre-commit configuration (a YAML mapping); left unchanged"
    )
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == "repos: [\n"
