"""Shared fixtures: an isolated git identity and imagelint cache for every test."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

from repo_helpers import GIT_IDENTITY

if TYPE_CHECKING:
    from dask.distributed import LocalCluster


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real git needs an identity; the index and pre-commit must not touch the user's caches."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(tmp_path_factory.mktemp("imagelint-cache")))
    for key in ("PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "GIT_INDEX_FILE", "GIT_DIR"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator["LocalCluster"]:
    """A real Dask LocalCluster of two single-threaded worker processes, shared by the tests."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster:
        yield cluster
