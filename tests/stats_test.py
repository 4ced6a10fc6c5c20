"""The stats document and the exact bytes of the committed stats file."""
from __future__ import annotations

import json
import os
import random
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from images import write_photo
from imagelint.atomic import write_text_atomic
from imagelint.config import Config
from imagelint.stats.labels import ImageLabels
from imagelint.stats.document import ImageRecord, class_counts_stats, compute_stats, folder_record, labelled_record, stats_text
from imagelint.stats.properties import NONE, Profile

GOLDEN = Path(__file__).parent / "golden"


def known_records(config: Config) -> list[ImageRecord]:
    """A small dataset with every case: two splits, an odd and an even count, a PNG, an exact
    duplicate across splits, an image whose bytes were unavailable, one outside the layout."""
    rows = [
        ("data/train/cat/1.jpg", "a1", 1000, "JPEG", 640, 480),
        ("data/train/cat/2.jpg", "a2", 1200, "JPEG", 800, 600),
        ("data/train/cat/3.png", "a3", 3000, "PNG", 512, 512),
        ("data/train/dog/1.jpg", "b1", 900, "JPEG", 640, 427),
        ("data/val/cat/1.jpg", "a1", 1000, "JPEG", 640, 480),
        ("data/val/dog/1.jpg", "b2", 950, "JPEG", 300, 200),
        ("data/val/dog/2.jpg", None, None, None, None, None),
        ("data/README.png", "c1", 50, "PNG", 100, 20),
    ]
    return [
        folder_record(path, config, md5=md5, size=size, format=fmt, width=w, height=h,
                      profile=_profile(i, fmt, w, h) if md5 else None)
        for i, (path, md5, size, fmt, w, h) in enumerate(rows)
    ]


def _profile(i: int, image_format: str, width: int, height: int) -> Profile:
    """Fixed, made-up properties: what the stats file summarises per class."""
    numbers = (0.3 + 0.05 * i, 0.2, 0.1 * i, 10.0 * i, round(width / height, 3), round(width * height / 1e6, 3),
               None if image_format == "PNG" else 90.0 - i)
    camera = "Canon EOS 5D" if i % 2 else NONE
    return Profile(numbers, (camera, image_format, "RGB", "blue"), 0xF0F0F0F0F0F0F0F0 ^ ((1 << 2 * i) - 1))


def test_golden_stats_file() -> None:
    config = Config()
    text = stats_text(compute_stats(known_records(config), config))
    assert text == (GOLDEN / "dataset-stats.json").read_text(encoding="utf-8")


def test_same_bytes_whatever_the_input_order() -> None:
    config = Config()
    records = known_records(config)
    texts = set()
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        texts.add(stats_text(compute_stats(shuffled, config)))
    assert len(texts) == 1


def test_text_is_canonical() -> None:
    config = Config()
    text = stats_text(compute_stats(known_records(config), config))
    document = json.loads(text)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(document, indent=2, sort_keys=True) + "\n"
    train = document["roots"]["data"]["splits"]["train"]
    assert {label: (entry["count"], entry["share"]) for label, entry in train["classes"].items()} == {
        "cat": (3, 0.75), "dog": (1, 0.25)}
    cat = train["classes"]["cat"]
    assert cat["properties"]["brightness"] == {"median": 0.35, "q1": 0.325, "q3": 0.375}
    assert cat["properties"]["jpeg_quality"] == {"median": 89.5, "q1": 89.25, "q3": 89.75}  # the PNG has none
    assert cat["cameras"] == {"(none)": 2, "Canon EOS 5D": 1} and cat["formats"] == {"JPEG": 2, "PNG": 1}
    assert cat["redundancy"] == {"images": 3, "median_nearest_distance": 2, "near_share": 1}
    assert "cameras" not in document["roots"]["data"]["splits"]["val"]["classes"]["cat"]  # no camera at all
    assert train["imbalance_ratio"] == 3 and isinstance(train["imbalance_ratio"], int)
    assert train["width"] == {"max": 800, "median": 640, "min": 512}
    assert train["height"]["median"] == 496  # even count: the mean of the two middle values (480, 512)
    assert train["duplicates"] == {"exact": 1}
    assert document["roots"]["data"]["splits"]["val"]["formats"] == {"JPEG": 2, "unavailable": 1}
    assert document["totals"] == {"bytes": 8100, "classes": 2, "duplicates": {"exact": 1}, "images": 8}


def test_per_class_records_feed_dvc_plots() -> None:
    config = Config()
    per_class = compute_stats(known_records(config), config)["per_class"]
    assert [(r["name"], r["count"]) for r in per_class] == [
        ("data/train/cat", 3), ("data/train/dog", 1), ("data/val/cat", 1), ("data/val/dog", 2)
    ]
    assert set(per_class[0]) == {"class", "count", "name", "root", "share", "split"}


def test_shares_round_to_four_decimals() -> None:
    config = Config()
    paths = [f"train/a/{i}.jpg" for i in range(1)] + [f"train/b/{i}.jpg" for i in range(2)]
    classes = class_counts_stats(paths, config)["roots"]["(root)"]["splits"]["train"]["classes"]
    assert classes == {"a": {"count": 1, "share": 0.3333}, "b": {"count": 2, "share": 0.6667}}


def test_layout_without_split_puts_images_in_one_unnamed_split() -> None:
    config = Config(layout="{class}/")
    stats = class_counts_stats(["photos/cat/1.jpg", "photos/dog/1.jpg"], config)
    assert list(stats["roots"]["photos"]["splits"]) == ["(no split)"]
    assert [r["name"] for r in stats["per_class"]] == ["photos/cat", "photos/dog"]


def test_detection_labels_count_images_and_objects() -> None:
    config = Config(layout="images/{split}/", labels="yolo")
    records = [
        labelled_record("images/train/1.jpg", ImageLabels(("car", "person"), (("car", 3), ("person", 1)), "",
                                                          (("car", 0.1), ("car", 0.2), ("car", 0.3), ("person", 0.5))),
                        config),
        labelled_record("images/train/2.jpg", ImageLabels(("car",), (("car", 1),), "", (("car", 0.6),)), config),
        labelled_record("images/train/3.jpg", None, config),
    ]
    train = compute_stats(records, config)["roots"]["(root)"]["splits"]["train"]
    assert train["classes"] == {
        "car": {"count": 2, "object_size": {"median": 0.25, "q1": 0.175, "q3": 0.375}, "objects": 4,
                "share": 0.6667},
        "person": {"count": 1, "object_size": {"median": 0.5, "q1": 0.5, "q3": 0.5}, "objects": 1,
                   "share": 0.3333},
    }
    assert train["unlabelled"] == 1 and train["images"] == 3


def test_atomic_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "stats" / "dataset-stats.json"
    write_text_atomic(target, "one\n")
    os.chmod(target, 0o640)
    write_text_atomic(target, "two\n")
    assert target.read_bytes() == b"two\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(target.parent) == ["dataset-stats.json"]


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "dataset-stats.json"
    target.write_text("old\n")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["dataset-stats.json"]


# --- the command and the hook, in real git / pre-commit / DVC repositories -------------------

def run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=_env())
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def _env() -> dict[str, str]:
    """The test's environment, with the package importable by the subprocesses."""
    hooks = str(Path(__file__).resolve().parents[1] / "hooks")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths or [hooks])}


def imagelint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, sys.executable, "-m", "imagelint", *args, check=False)


def dataset_repo(root: Path, counts: dict[str, int]) -> Path:
    pytest.importorskip("imagelint.sources.resolve")
    run(root, "git", "init", "-q", "-b", "main")
    for n, (label, count) in enumerate(counts.items()):
        for i in range(count):
            write_photo(root / "data" / "train" / label / f"{i}.jpg", seed=100 * n + i, size=(96, 64))
    return root


HOOK_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: imagelint-stats
        name: imagelint dataset stats
        entry: {python} -m imagelint stats{options}
        language: system
        always_run: true
        pass_filenames: false
        require_serial: true
"""


def train_counts(root: Path, rev: str = "") -> dict[str, int]:
    text = run(root, "git", "show", f"{rev}:dataset-stats.json").stdout
    classes = json.loads(text)["roots"]["data"]["splits"]["train"]["classes"]
    return {label: entry["count"] for label, entry in classes.items()}


def install_hook(root: Path, options: str = "") -> None:
    config = HOOK_CONFIG.format(python=shlex.quote(sys.executable), options=options)
    (root / ".pre-commit-config.yaml").write_text(config)
    run(root, sys.executable, "-m", "pre_commit", "install")


def test_hook_updates_the_stats_on_a_deletion_only_commit(tmp_path: Path) -> None:
    root = dataset_repo(tmp_path, {"cat": 3, "dog": 2})
    install_hook(root)
    run(root, "git", "add", ".")
    first = run(root, "git", "commit", "-qm", "images", check=False)
    assert first.returncode == 1 and "updated dataset-stats.json: review and git add it" in first.stdout + first.stderr
    run(root, "git", "add", "dataset-stats.json")
    run(root, "git", "commit", "-qm", "images and stats")
    assert train_counts(root, "HEAD") == {"cat": 3, "dog": 2}

    run(root, "git", "rm", "-q", "data/train/cat/0.jpg")
    blocked = run(root, "git", "commit", "-qm", "remove a cat", check=False)
    assert blocked.returncode == 1
    assert "updated dataset-stats.json: review and git add it" in blocked.stdout + blocked.stderr
    run(root, "git", "add", "dataset-stats.json")
    run(root, "git", "commit", "-qm", "remove a cat")
    assert train_counts(root, "HEAD") == {"cat": 2, "dog": 2}
    assert run(root, "git", "status", "--porcelain").stdout == ""
    assert imagelint(root, "stats").returncode == 0  # up to date: nothing to do
    assert imagelint(root, "stats", "--check").returncode == 0


def test_stage_option_commits_in_one_step(tmp_path: Path) -> None:
    root = dataset_repo(tmp_path, {"cat": 2, "dog": 1})
    install_hook(root, " --stage")
    run(root, "git", "add", ".")
    run(root, "git", "commit", "-qm", "images")
    assert train_counts(root, "HEAD") == {"cat": 2, "dog": 1}
    assert run(root, "git", "status", "--porcelain").stdout == ""


def test_check_reports_an_outdated_file(tmp_path: Path) -> None:
    root = dataset_repo(tmp_path, {"cat": 2, "dog": 1})
    run(root, "git", "add", ".")
    missing = imagelint(root, "stats", "--check")
    assert missing.returncode == 1 and missing.stdout == (
        "dataset-stats.json: IMG403 stats-outdated: dataset-stats.json is not committed: "
        "run 'imagelint stats' and commit the file\n"
    )
    assert not (root / "dataset-stats.json").exists()
    assert imagelint(root, "stats").returncode == 1
    run(root, "git", "add", "dataset-stats.json")
    assert imagelint(root, "stats", "--check").returncode == 0
    run(root, "git", "rm", "-qf", "data/train/dog/0.jpg")
    stale = imagelint(root, "stats", "--check")
    assert stale.returncode == 1 and "does not match the dataset" in stale.stdout
    printed = imagelint(root, "stats", "--stdout")
    classes = json.loads(printed.stdout)["roots"]["data"]["splits"]["train"]["classes"]
    assert list(classes) == ["cat"] and (classes["cat"]["count"], classes["cat"]["share"]) == (2, 1)
    assert classes["cat"]["formats"] == {"JPEG": 2} and classes["cat"]["redundancy"]["images"] == 2


def test_dvc_metrics_and_imagelint_diff_show_the_per_class_change(tmp_path: Path) -> None:
    root = dataset_repo(tmp_path, {"cat": 3, "dog": 2})
    run(root, sys.executable, "-m", "dvc", "init", "-q")
    assert [line for line in imagelint(root, "init").stdout.splitlines()] == [
        "created pyproject.toml: [tool.imagelint] with the default settings",
        "created .pre-commit-config.yaml: with the imagelint and imagelint-stats hooks "
        "(https://github.com/imagelint/imagelint v0.1.0)",
        "created dvc.yaml: dataset-stats.json declared under metrics and plots",
    ]
    run(root, "git", "add", ".")
    imagelint(root, "stats")
    run(root, "git", "add", ".")
    run(root, "git", "commit", "-qm", "first")
    write_photo(root / "data/train/dog/9.jpg", seed=999, size=(96, 64))
    run(root, "git", "add", ".")
    assert "updated dataset-stats.json" in imagelint(root, "stats").stdout
    run(root, "git", "add", ".")
    run(root, "git", "commit", "-qm", "one more dog")

    metrics = run(root, sys.executable, "-m", "dvc", "metrics", "diff", "HEAD~1", "HEAD", "--json").stdout
    changes = json.loads(metrics)["dataset-stats.json"]
    assert changes["roots.data.splits.train.classes.dog.count"] == {"old": 2, "new": 3, "diff": 1}
    assert "roots.data.splits.train.classes.cat.count" not in changes  # unchanged rows are left out

    report = imagelint(root, "diff", "HEAD~1", "HEAD", "--format", "md")
    assert report.returncode == 0, report.stderr
    assert "| dog | 2 | 3 | +1 | 40.0% | 50.0% | +10.0 pt | ⚠️ drift |" in report.stdout
    assert "```mermaid\nxychart-beta\n" in report.stdout
    assert imagelint(root, "diff").stdout.startswith("HEAD -> staged: 6 -> 6 images (0)\n")


def test_stats_of_a_dvc_tracked_folder(tmp_path: Path) -> None:
    root = dataset_repo(tmp_path, {"cat": 3, "dog": 2})
    run(root, sys.executable, "-m", "dvc", "init", "-q")
    run(root, sys.executable, "-m", "dvc", "add", "-q", "data")
    run(root, "git", "add", ".")
    assert imagelint(root, "stats").returncode == 1
    run(root, "git", "add", "dataset-stats.json")
    run(root, "git", "commit", "-qm", "dataset")
    assert train_counts(root, "HEAD") == {"cat": 3, "dog": 2}

    (root / "data/train/dog/0.jpg").unlink()
    run(root, sys.executable, "-m", "dvc", "add", "-q", "data")
    run(root, "git", "add", "data.dvc")
    stale = imagelint(root, "stats", "--check")
    assert stale.returncode == 1 and "IMG403 stats-outdated" in stale.stdout
    assert imagelint(root, "stats").returncode == 1
    run(root, "git", "add", "dataset-stats.json")
    assert train_counts(root) == {"cat": 3, "dog": 1}
