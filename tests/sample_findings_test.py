"""IMG5xx findings judged once per class sample (``rules.sample_findings``), on real images."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from shortcuts_test import arrangement

from imagelint.cli import main
from imagelint.config import Config
from imagelint.facts.image_facts import read_image_facts
from imagelint.facts.index import FactsIndex
from imagelint.rules import sample_findings as judged
from imagelint.stats.split_profiles import ClassSample


def _samples(index: FactsIndex, plant: str) -> tuple[ClassSample, ...]:
    """The arrangement's classes as samples, their facts stored in ``index``."""
    by_class: dict[str, list[str]] = {}
    facts = []
    for path, data in arrangement(plant).items():
        facts.append(read_image_facts(data, 10**8))
        by_class.setdefault(path.split("/")[2], []).append(facts[-1].md5)
    index.store(facts, {})
    return tuple(ClassSample("data/train", label, tuple(sorted(md5s))) for label, md5s in sorted(by_class.items()))


def _kept(folder: Path) -> list[Path]:
    return sorted((folder / judged.FOLDER).glob("*.json"))


def test_a_judged_sample_is_read_back_without_its_facts(tmp_path: Path) -> None:
    samples = _samples(FactsIndex(tmp_path / "warm"), "camera")
    found = judged.sample_findings(samples, Config(min_class_images=1), FactsIndex(tmp_path / "warm"))
    assert [f.code for f in found] == ["IMG501"] and "camera 'Canon EOS 5D'" in found[0].message
    assert len(_kept(tmp_path / "warm")) == 1
    # the facts gone, the findings still come back: they were read, not judged again
    for path in (tmp_path / "warm").glob("facts-*"):
        path.unlink()
    assert judged.sample_findings(samples, Config(min_class_images=1), FactsIndex(tmp_path / "warm")) == found


@pytest.mark.parametrize("change", ["threshold", "sample", "label"])
def test_what_the_findings_depend_on_is_judged_again(tmp_path: Path, change: str) -> None:
    index = FactsIndex(tmp_path)
    samples = _samples(index, "camera")
    config = Config(min_class_images=1)
    judged.sample_findings(samples, config, index)
    if change == "threshold":
        config = replace(config, shortcut_threshold=0.99, diversity_threshold=0.99)
    elif change == "sample":
        samples = (replace(samples[0], md5s=samples[0].md5s[1:]), *samples[1:])
    else:
        samples = (*samples[:-1], replace(samples[-1], label="zz"))
    judged.sample_findings(samples, config, index)
    assert len(_kept(tmp_path)) == 2


def test_a_sample_with_an_image_without_facts_is_not_kept(tmp_path: Path) -> None:
    index = FactsIndex(tmp_path)
    samples = _samples(index, "camera")
    unknown = (replace(samples[0], md5s=(*samples[0].md5s, "0" * 32)), *samples[1:])
    assert [f.code for f in judged.sample_findings(unknown, Config(min_class_images=1), index)] == ["IMG501"]
    assert _kept(tmp_path) == []


def test_a_damaged_kept_file_is_judged_again(tmp_path: Path) -> None:
    index = FactsIndex(tmp_path)
    samples = _samples(index, "camera")
    found = judged.sample_findings(samples, Config(min_class_images=1), index)
    for text in ("{", '[["a", "IMG501"]]', '[["a", "IMG501", "r", "fatal", "m", []]]',
                 '[["a", "IMG501", "r", "warning", 5, []]]', '[["a", "IMG501", "r", "warning", "m", [7]]]'):
        _kept(tmp_path)[0].write_text(text)
        assert judged.sample_findings(samples, Config(min_class_images=1), index) == found
        assert json.loads(_kept(tmp_path)[0].read_text())[0][1] == "IMG501"


def test_the_oldest_judged_samples_are_removed(tmp_path: Path) -> None:
    index = FactsIndex(tmp_path)
    samples = _samples(index, "")
    for n in range(judged.KEPT + 3):
        judged.sample_findings(samples, Config(min_class_images=1, shortcut_threshold=0.5 + n / 100), index)
    assert len(_kept(tmp_path)) == judged.KEPT


def test_a_second_check_reports_the_same_shortcut_from_the_kept_sample(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    for path, data in arrangement("camera").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    runs = []
    for _ in range(2):
        assert main(["check", "--select", "IMG5", "--format", "json", str(tmp_path / "data")]) == 0
        runs.append([(f["code"], f["message"]) for f in json.loads(capsys.readouterr().out)["findings"]])
    assert runs[0] == runs[1] and [code for code, _ in runs[0]] == ["IMG501"]
    assert len(_kept(tmp_path / "cache")) == 1


def test_each_class_sample_is_its_smallest_md5s_in_order() -> None:
    """Against a full sort, for classes below, at and far above ``CLASS_SAMPLE``, with rows in
    no class and md5s that share their first bytes."""
    import numpy as np

    from imagelint.stats.split_profiles import CLASS_SAMPLE, class_samples

    rng = np.random.default_rng(5)
    sizes = [3, CLASS_SAMPLE, CLASS_SAMPLE + 1, 5_000, 60_000]
    groups = rng.permutation(np.concatenate([np.full(n, g) for g, n in enumerate([*sizes, 700])]))
    groups[groups == len(sizes)] = -1
    md5 = rng.integers(0, 256, size=(len(groups), 16), dtype=np.uint8)
    md5[: len(groups) // 3, :3] = 0  # a third share their first three bytes
    names = [("data/train", f"c{g}") for g in range(len(sizes))]
    samples = class_samples(groups, names, md5)
    hexes = [bytes(row).hex() for row in md5]
    assert [s.label for s in samples] == [label for _, label in names]
    for g, sample in enumerate(samples):
        expected = sorted(hexes[i] for i in np.flatnonzero(groups == g))[:CLASS_SAMPLE]
        assert list(sample.md5s) == expected
