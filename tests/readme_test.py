"""README, the hook manifest, the rule registry and .ci/run must tell the same story."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from imagelint.config import ALL_KEYS
from imagelint.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None and README.index(block.group(0)) < README.index("\n## ")
    demo, tests = block.group(1).strip().splitlines()
    assert demo.endswith("imagelint demo")
    assert tests.endswith("python -m pytest")
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_hook_is_documented() -> None:
    assert [hook["id"] for hook in HOOKS] == ["imagelint", "imagelint-stats", "imagelint-changes"]
    for hook in HOOKS:
        assert f"| `{hook['id']}` |" in README


def test_the_rule_table_matches_the_registry() -> None:
    table = re.findall(r"^\| (IMG\d{3}) \| `([a-z-]+)` \| (\w+) \|", README, re.M)
    expected = [(r.code, r.name, "off" if r.opt_in else r.severity.value) for r in all_rules().values()]
    assert table == expected


def test_every_config_key_is_documented() -> None:
    documented = set(re.findall(r"^([a-z-]+) = ", README, re.M)) - {"paths"} | {"overrides"}
    assert documented == set(ALL_KEYS)


def test_the_image_hook_matches_image_and_pointer_files_in_any_case() -> None:
    pattern = re.compile(HOOKS[0]["files"])
    for path in ["a.jpg", "b/C.JPEG", "x.Png", "y.bmp", "z.gif", "t.tif", "u.TIFF", "w.webp", "data/train.dvc",
                 "dvc.lock", "sub/dvc.lock"]:
        assert pattern.search(path), path
    for path in ["a.txt", "notdvc.locked", "jpg", "a.jpg.bak"]:
        assert not pattern.search(path), path
