"""Set up a dataset repository: settings, the two hooks, and the stats file declared to DVC.

Existing files belong to the user: text is only ever appended or inserted, the bytes around it
are kept, and every edit is checked by parsing the result (the old content must read back
unchanged). When that cannot be guaranteed the file is left alone and the action says so.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagelint.atomic import write_text_atomic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEFAULT_REPO_URL = "https://github.com/imagelint/imagelint"
DEFAULT_REV = "v0.1.0"
HOOK_IDS = ("imagelint", "imagelint-stats")


@dataclass(frozen=True)
class Action:
    """What ``init`` did to one file: ``created``, ``updated`` or ``skipped``, and why."""

    path: str
    verb: str
    detail: str

    def line(self) -> str:
        return f"{self.verb} {self.path}: {self.detail}"


def init_repo(root: Path, stats_file: str, repo_url: str = DEFAULT_REPO_URL, rev: str = DEFAULT_REV) -> list[Action]:
    return [
        add_settings(root, stats_file),
        add_hooks(root, repo_url, rev),
        declare_stats(root, stats_file),
    ]


def settings_block(stats_file: str) -> str:
    return (
        "[tool.imagelint]\n"
        "# Every key not listed keeps its default; `imagelint config` prints them all.\n"
        'layout = "{split}/{class}/"  # a split folder (train, val, test), then one folder per class\n'
        "min-class-images = 50        # IMG401 class-count: fewer images of a class in a split warn\n"
        "max-class-ratio = 2.0        # IMG402 class-ratio: largest over smallest class, per split\n"
        f"stats-file = {json.dumps(stats_file)}  # kept up to date by the imagelint-stats hook; commit it\n"
    )


def add_settings(root: Path, stats_file: str) -> Action:
    if (root / ".imagelint.toml").is_file():
        return Action("pyproject.toml", "skipped", "settings live in .imagelint.toml; left unchanged")
    path = root / "pyproject.toml"
    if not path.is_file():
        write_text_atomic(path, settings_block(stats_file))
        return Action(path.name, "created", "[tool.imagelint] with the default settings")
    text = path.read_text(encoding="utf-8")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return Action(path.name, "skipped", "not valid TOML; left unchanged")
    if "imagelint" in document.get("tool", {}):
        return Action(path.name, "skipped", "already has a [tool.imagelint] table; left unchanged")
    write_text_atomic(path, _separated(text) + settings_block(stats_file))
    return Action(path.name, "updated", "appended [tool.imagelint] with the default settings")


def _separated(text: str) -> str:
    """``text`` ending in a blank line, ready for a new block (nothing added to an empty file)."""
    if not text:
        return text
    return text + ("" if text.endswith("\n") else "\n") + ("" if text.endswith("\n\n") else "\n")


def hooks_entry(repo_url: str, rev: str) -> list[str]:
    """The repository entry; ``verbose`` spelled out, since pre-commit hides a passing hook's warnings."""
    return [
        f"repo: {_scalar(repo_url)}", f"rev: {_scalar(rev)}", "hooks:",
        "  - id: imagelint", "    verbose: true  # print warnings (near duplicates, balance) on commits that pass",
        "  - id: imagelint-stats  # rewrites and stages the stats file when the dataset changed",
    ]


def add_hooks(root: Path, repo_url: str, rev: str) -> Action:
    path = root / ".pre-commit-config.yaml"
    entry = hooks_entry(repo_url, rev)
    detail = f"the {' and '.join(HOOK_IDS)} hooks ({repo_url} {rev})"
    if not path.is_file():
        write_text_atomic(path, "repos:\n" + "".join(_list_item(entry, "  ", " ")))
        return Action(path.name, "created", f"with {detail}")
    text = path.read_text(encoding="utf-8")
    document = _yaml(text) if text.strip() else {}
    if not isinstance(document, dict):
        return Action(path.name, "skipped", "not a pre-commit configuration (a YAML mapping); left unchanged")
    present = sorted(
        {hook.get("id") for repo in document.get("repos") or [] if isinstance(repo, dict)
         for hook in repo.get("hooks") or [] if isinstance(hook, dict)} & set(HOOK_IDS)
    )
    if present:
        return Action(path.name, "skipped", f"already has hook {', '.join(present)}; left unchanged")
    updated = add_list_item(text, "repos", entry)
    if updated is None:
        return Action(path.name, "skipped", f"could not add {detail} without rewriting the file; add them by hand")
    write_text_atomic(path, updated)
    return Action(path.name, "updated", f"added {detail}")


def declare_stats(root: Path, stats_file: str) -> Action:
    path = root / "dvc.yaml"
    if not (root / ".dvc").is_dir():
        return Action(path.name, "skipped", "no .dvc/ folder: not a DVC repository")
    plot = [f"{_scalar(stats_file)}:", "  template: bar_horizontal", "  x: count", "  y: name",
            "  title: Images per class"]
    if not path.is_file():
        text = "metrics:\n" + "".join(_list_item([_scalar(stats_file)], "  ", " "))
        text += "plots:\n" + "".join(_list_item(plot, "  ", " "))
        write_text_atomic(path, text)
        return Action(path.name, "created", f"{stats_file} declared under metrics and plots")
    text = path.read_text(encoding="utf-8")
    document = _yaml(text) if text.strip() else {}
    if not isinstance(document, dict):
        return Action(path.name, "skipped", "not a YAML mapping; left unchanged")
    added = []
    for key, item, declared in (
        ("metrics", [_scalar(stats_file)], lambda entry: entry == stats_file),
        ("plots", plot, lambda entry: entry == stats_file or (isinstance(entry, dict) and stats_file in entry)),
    ):
        if any(declared(entry) for entry in document.get(key) or []):
            continue
        updated = add_list_item(text, key, item)
        if updated is None:
            return Action(path.name, "skipped", f"could not add {stats_file} under '{key}' without rewriting "
                          "the file; add it by hand")
        text, document = updated, _yaml(updated)
        added.append(key)
    if not added:
        return Action(path.name, "skipped", f"{stats_file} is already declared under metrics and plots")
    write_text_atomic(path, text)
    return Action(path.name, "updated", f"{stats_file} declared under {' and '.join(added)}")


def add_list_item(text: str, key: str, item: list[str]) -> str | None:
    """``text`` with ``item`` (YAML lines, relative indentation) appended to the top-level block
    list ``key`` (created at the end when absent), or None if the result would not parse to the
    old document plus the item."""
    lines = text.splitlines(keepends=True)
    heading = next((i for i, line in enumerate(lines) if re.match(rf"{re.escape(key)}:\s*(#.*)?$", line)), None)
    if heading is None:
        if any(re.match(rf"{re.escape(key)}\s*:", line) for line in lines):
            return None  # a flow-style value: only a rewrite could extend it
        updated = _separated_line(text) + f"{key}:\n" + "".join(_list_item(item, "  ", " "))
    else:
        end, indent, gap = heading + 1, "  ", " "
        style_found = False
        for i in range(heading + 1, len(lines)):
            line = lines[i]
            if line.strip() and not line[0].isspace() and not line.startswith(("-", "#")):
                break
            if line.strip() and not line.lstrip().startswith("#"):
                end = i + 1
                dash = re.match(r"([ \t]*)-([ \t]+)", line)
                if dash and not style_found:
                    indent, gap, style_found = dash.group(1), dash.group(2), True
        before = "".join(lines[:end])
        updated = _separated_line(before) + "".join(_list_item(item, indent, gap)) + "".join(lines[end:])
    return updated if _only_appended(text, updated, key) else None


def _separated_line(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _list_item(item: list[str], indent: str, gap: str) -> list[str]:
    inner = indent + " " * (1 + len(gap))
    return [f"{indent}-{gap}{item[0]}\n", *(f"{inner}{line}\n" for line in item[1:])]


def _only_appended(old: str, new: str, key: str) -> bool:
    before, after = _yaml(old), _yaml(new)
    before = {} if before is None else before
    if not isinstance(after, dict) or not isinstance(after.get(key), list) or not isinstance(before, dict):
        return False
    old_list = before.get(key) or []
    rest_same = {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
    return rest_same and after[key][:-1] == old_list and len(after[key]) == len(old_list) + 1


def _yaml(text: str) -> Any:
    import yaml  # only `imagelint init` needs it here: a check of plain folders starts without it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return _INVALID


_INVALID: Any = object()  # what an unparsable file reads as: equal to no document


def _scalar(value: str) -> str:
    """A YAML scalar for ``value``: plain when safe, else double-quoted."""
    plain = re.fullmatch(r"[A-Za-z0-9_./:@+-]+", value) and value[0] not in "-.:" and ": " not in value
    return value if plain else json.dumps(value)
