"""The all-pairs near-duplicate search spread over a real Dask LocalCluster: exactly the local answer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster, get_task_stream
from PIL import Image

from imagelint.rules import near_search
from imagelint.rules.cluster_search import all_pairs_on_cluster


def clustered(n: int, seed: int) -> np.ndarray:
    """Hashes around n/2 centres with up to 8 flipped bits: about one near pair per hash."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2**63, size=n // 2, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n // 2).astype(np.uint64)
    picked = centres[rng.integers(0, len(centres), n)]
    flips = np.zeros(n, dtype=np.uint64)
    for _ in range(8):
        flips |= np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64)
    return picked ^ (flips * (rng.random(n) < 0.5).astype(np.uint64))


@pytest.mark.parametrize("threshold", [4, 10])
def test_the_cluster_finds_exactly_the_pairs_of_the_local_search(dask_cluster: LocalCluster, threshold: int) -> None:
    hashes = clustered(30_000, seed=threshold)
    units = near_search.search_units(len(hashes), threshold, 8)
    assert units is not None and len(units) >= 20  # many units, on both workers
    expected = near_search.all_pairs_within(hashes, threshold)
    assert len(expected) > 1000
    with Client(dask_cluster.scheduler_address) as client:
        assert all_pairs_on_cluster(hashes, threshold, client) == expected


def test_few_hashes_are_searched_by_brute_force_without_the_cluster(dask_cluster: LocalCluster) -> None:
    hashes = clustered(200, seed=1)
    with Client(dask_cluster.scheduler_address) as client:
        assert all_pairs_on_cluster(hashes, 10, client) == near_search.all_pairs_within(hashes, 10)


def test_check_all_runs_its_pair_search_on_the_cluster(dask_cluster: LocalCluster, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for n in range(2100):  # past ALL_PAIRS_FROM: one all-pairs search instead of one query per image
        folder = tmp_path / "data" / "train" / f"c{n % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((rng.random((8, 8, 3)) * 255).astype(np.uint8)).resize((64, 64)).save(folder / f"{n}.png")
    (tmp_path / "data" / "test" / "c0").mkdir(parents=True)
    Image.open(tmp_path / "data" / "train" / "c0" / "0.png").resize((60, 60)).save(tmp_path / "data" / "test" / "c0" / "leak.png")
    (tmp_path / ".imagelint.toml").write_text("min-resolution = [32, 32]\nmin-class-images = 1\nmax-class-ratio = 1000\n")
    with Client(dask_cluster.scheduler_address) as client, get_task_stream(client) as stream:
        out = subprocess.run([sys.executable, "-m", "imagelint", "check", "data", "--scheduler",
                              dask_cluster.scheduler_address], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    units = [task for task in stream.data if str(task["key"]).startswith("_unit_pairs")]
    assert out.returncode == 1, out.stderr
    leaks = [line for line in out.stdout.splitlines() if "IMG3" in line]
    assert len(leaks) == 1 and "IMG303 split-leak" in leaks[0]
    assert "data/train/c0/0.png" in leaks[0] and "data/test/c0/leak.png" in leaks[0]
    assert len(units) >= 2
