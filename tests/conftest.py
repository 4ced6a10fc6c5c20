"""Shared fixtures: an isolated git identity and imagelint cache for every test."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real git needs an identity; the index and pre-commit must not touch the user's caches."""
    for key, value in {
        "GIT_AUTHOR_NAME": "imagelint tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "imagelint tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "DVC_NO_ANALYTICS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(tmp_path_factory.mktemp("imagelint-cache")))
    for key in ("PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "GIT_INDEX_FILE", "GIT_DIR"):
        monkeypatch.delenv(key, raising=False)
