"""``imagelint facts build``: the first full scan, on the local pool or a real Dask LocalCluster.

The cluster tests read from a real local-directory DVC remote with an empty DVC cache, so every
byte a worker decodes comes from the remote through DVC's filesystem object.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
import pytest
from dask.distributed import LocalCluster

from images import write_photo
from imagelint.checking import check_images
from imagelint.config import load_config
from imagelint.facts.build import plan_build, run_build
from imagelint.facts.bundle import FactsBundle, merge_bundles
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import FactsIndex
from repo_helpers import dvc, git, new_repo

IMAGES = 24


@pytest.fixture
def cluster(dask_cluster: LocalCluster) -> LocalCluster:
    return dask_cluster


@pytest.fixture
def pushed_dataset(tmp_path: Path) -> Path:
    """A DVC dataset of 24 photos pushed to a local remote, then removed from the cache and workspace."""
    repo = new_repo(tmp_path / "repo")
    dvc(repo, "remote", "add", "-q", "-d", "local", str(tmp_path / "remote"))
    for n in range(IMAGES):
        write_photo(repo / "data" / ("train" if n % 3 else "test") / f"c{n % 2}" / f"{n}.jpg", n, size=(300, 300))
    dvc(repo, "add", "-q", "data")
    dvc(repo, "push", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset")
    shutil.rmtree(repo / "data")
    for entry in (repo / ".dvc" / "cache" / "files" / "md5").iterdir():
        if entry.is_dir():
            for obj in entry.iterdir():
                if not obj.name.endswith(".dir"):
                    obj.unlink()
    return repo


def imagelint(cwd: Path, *args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "imagelint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def stored_facts(cache: Path) -> dict[str, ImageFacts]:
    index = FactsIndex(cache)
    rows = index._db.execute("SELECT lower(hex(md5)) FROM facts").fetchall()
    return index.lookup(row[0] for row in rows)


def local_build(repo: Path, cache: Path) -> dict[str, ImageFacts]:
    """The reference: the local process pool reading the same remote."""
    result = imagelint(repo, "facts", "build", "--remote", cache=cache)
    assert result.returncode == 0, result.stderr
    assert f"facts of {IMAGES} images: 0 already known, {IMAGES} decoded by the local process pool" in result.stderr
    return stored_facts(cache)


def test_a_cluster_build_from_the_remote_stores_the_facts_the_local_pool_does(
    pushed_dataset: Path, cluster: LocalCluster, tmp_path: Path
) -> None:
    result = imagelint(pushed_dataset, "facts", "build", "--remote", "--scheduler", cluster.scheduler_address,
                       "--partition-size", "5", cache=tmp_path / "cluster-cache")
    assert result.returncode == 0, result.stderr
    assert "Dask cluster of 2 workers, dashboard http" in result.stderr
    assert f"{IMAGES} decoded by the Dask cluster at {cluster.scheduler_address}" in result.stderr
    on_cluster = stored_facts(tmp_path / "cluster-cache")
    assert len(on_cluster) == IMAGES and all(facts.decoded and facts.phash for facts in on_cluster.values())
    assert on_cluster == local_build(pushed_dataset, tmp_path / "local-cache")
    assert not any((pushed_dataset / ".dvc" / "cache").rglob("*.jpg"))  # nothing was pulled into the user's cache


def test_a_worker_killed_mid_build_leaves_the_result_complete_and_identical(
    pushed_dataset: Path, cluster: LocalCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = local_build(pushed_dataset, tmp_path / "local-cache")
    monkeypatch.chdir(pushed_dataset)
    config = load_config(pushed_dataset, None)
    index = FactsIndex(tmp_path / "cluster-cache")
    plan = plan_build(pushed_dataset, config, index, use_remote=True, partition_size=1)
    clients, arrived, killed_at = [], [], []

    def kill_one_worker(bundle: FactsBundle) -> None:
        arrived.append(bundle)
        if len(arrived) == 1:
            pids = clients[0].run(os.getpid)
            os.kill(sorted(pids.values())[0], signal.SIGKILL)
            killed_at.append(len(arrived))

    from dask.distributed import Client

    with Client(cluster.scheduler_address) as client:
        result = run_build(plan, index, scheduler=cluster.scheduler_address, on_bundle=kill_one_worker,
                           on_client=clients.append)
        client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker
    assert killed_at == [1] and plan.jobs == IMAGES  # the kill came with 23 partitions still to do
    assert result.missing == () and result.decoded >= IMAGES
    assert stored_facts(tmp_path / "cluster-cache") == expected
    assert merge_bundles(arrived).facts == tuple(expected[md5] for md5 in sorted(expected))


def test_an_object_missing_from_the_remote_is_a_finding_and_the_rest_is_built(
    pushed_dataset: Path, cluster: LocalCluster, tmp_path: Path
) -> None:
    remote_objects = sorted(p for p in (tmp_path / "remote").rglob("*") if p.is_file() and not p.name.endswith(".dir"))
    lost = remote_objects[0]
    md5 = lost.parent.name + lost.name
    lost.unlink()
    result = imagelint(pushed_dataset, "facts", "build", "--remote", "--scheduler", cluster.scheduler_address,
                       cache=tmp_path / "cache")
    assert result.returncode == 1, result.stderr
    [finding] = [line for line in result.stdout.splitlines() if "IMG901" in line]
    assert finding.startswith("data/") and f"object {md5} is not on the DVC remote" in finding
    assert f"{IMAGES - 1} decoded" in result.stderr
    assert len(stored_facts(tmp_path / "cache")) == IMAGES - 1


def test_a_pointer_whose_manifest_is_nowhere_is_a_finding(pushed_dataset: Path, tmp_path: Path) -> None:
    for manifest in (pushed_dataset / ".dvc" / "cache").rglob("*.dir"):
        manifest.unlink()
    result = imagelint(pushed_dataset, "facts", "build", cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stdout.startswith("data.dvc: IMG901 not-in-cache: the manifest of the data it tracks")


def test_a_malformed_pointer_is_an_invalid_pointer_finding(pushed_dataset: Path, tmp_path: Path) -> None:
    (pushed_dataset / "broken.dvc").write_text("outs:\n- md5: ../../../../evil.dir\n  path: evil\n")
    subprocess.run(["git", "add", "broken.dvc"], cwd=pushed_dataset, check=True)
    result = imagelint(pushed_dataset, "facts", "build", cache=tmp_path / "cache")
    assert result.returncode == 1
    assert result.stdout.startswith("broken.dvc: IMG902 invalid-pointer: md5 '../../../../evil.dir' of 'evil' is "
                                    "not 32 hex digits (plus '.dir') (line 2)")


def test_after_a_cluster_build_a_check_of_the_whole_dataset_decodes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    for n in range(12):
        write_photo(repo / "data" / "train" / f"c{n % 2}" / f"{n}.jpg", n, size=(300, 300))
    write_photo(repo / "photos" / "git-tracked.jpg", 99, size=(300, 300))
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset")
    cache = tmp_path / "cache"
    built = imagelint(repo, "facts", "build", "--scheduler", "local", cache=cache)
    assert built.returncode == 0, built.stderr
    assert "facts of 13 images: 0 already known, 13 decoded by the Dask cluster at local" in built.stderr
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(cache))
    monkeypatch.chdir(repo)
    result = check_images(repo, [], load_config(repo, None), check_all=True)
    assert result.checked == 13 and result.decoded == 0
    again = imagelint(repo, "facts", "build", cache=cache)
    assert "facts of 13 images: 13 already known, 0 decoded" in again.stderr


def test_an_interrupted_build_keeps_what_it_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = new_repo(tmp_path / "repo", with_dvc=False)
    for n in range(10):
        write_photo(repo / "train" / "c" / f"{n}.jpg", n, size=(300, 300))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "images")
    monkeypatch.chdir(repo)
    config = load_config(repo, None)
    index = FactsIndex(tmp_path / "cache")

    def interrupt(bundle: FactsBundle) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_build(plan_build(repo, config, index, partition_size=4), index, jobs=1, on_bundle=interrupt)
    rest = plan_build(repo, config, index, partition_size=4)
    assert (rest.known, rest.jobs) == (4, 6)
    assert run_build(rest, index, jobs=1).decoded == 6


def test_bundles_merge_associatively_and_idempotently() -> None:
    a, b, c = (ImageFacts(md5=f"{n:032x}", size=n) for n in (1, 2, 3))
    first = FactsBundle((b, a), (c.md5,))
    second = FactsBundle((c,), ("path:x.jpg",))
    third = FactsBundle((a,), ())
    assert first.merge(second).merge(third) == first.merge(second.merge(third))
    assert first.merge(first) == merge_bundles([first])
    merged = merge_bundles([first, second, third])
    assert merged.facts == (a, b, c) and merged.missing == ("path:x.jpg",)  # found elsewhere counts as found


def test_the_hook_path_imports_neither_dask_nor_dvc(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    write_photo(repo / "data" / "train" / "c" / "1.jpg", 1, size=(300, 300))
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    probe = ("import sys\nfrom imagelint.cli import main\ncode = main(['check'])\n"
             "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'dvc')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "IMAGELINT_CACHE_DIR": str(tmp_path / "cache")})
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr


def test_a_remote_object_far_above_the_size_limit_is_measured_not_read_whole(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    repo = new_repo(tmp_path / "repo")
    dvc(repo, "remote", "add", "-q", "-d", "local", str(tmp_path / "remote"))
    (repo / ".imagelint.toml").write_text('max-file-size = "1KB"\n')  # reads stop at 2 KB + 1 MiB
    (repo / "data" / "train" / "c").mkdir(parents=True)
    noise = (np.random.default_rng(0).random((800, 800, 3)) * 255).astype(np.uint8)
    Image.fromarray(noise).save(repo / "data" / "train" / "c" / "big.png")
    size = (repo / "data" / "train" / "c" / "big.png").stat().st_size
    assert size > (1 << 20) + 2000
    dvc(repo, "add", "-q", "data")
    dvc(repo, "push", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset")
    result = imagelint(repo, "facts", "build", "--remote", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    [facts] = stored_facts(tmp_path / "cache").values()
    assert (facts.size, facts.decoded, facts.phash) == (size, False, None)
