from __future__ import annotations

import multiprocessing
from pathlib import Path

from images import encode, photo
from imagelint.facts.image_facts import read_image_facts
from imagelint.facts.index import FactsIndex

FACTS = [read_image_facts(encode(photo(seed)), 10**8) for seed in range(3)]


def test_facts_round_trip_exactly(tmp_path: Path) -> None:
    index = FactsIndex(tmp_path)
    index.store(FACTS, {"ab" * 20: FACTS[0].md5})
    reopened = FactsIndex(tmp_path)
    assert reopened.lookup(f.md5 for f in FACTS) == {f.md5: f for f in FACTS}
    assert reopened.md5s_of_blobs(["ab" * 20, "cd" * 20]) == {"ab" * 20: FACTS[0].md5}


def test_hashes_with_the_top_bit_set_survive_sqlite(tmp_path: Path) -> None:
    from dataclasses import replace

    high = replace(FACTS[0], phash=2**64 - 1, phash_mirror=2**63)
    index = FactsIndex(tmp_path)
    index.store([high], {})
    assert index.lookup([high.md5])[high.md5] == high


def test_a_corrupt_index_file_is_rebuilt(tmp_path: Path) -> None:
    index = FactsIndex(tmp_path)
    index.store(FACTS, {})
    path = index.path
    index.close()
    path.write_bytes(b"this is not a database" * 100)
    rebuilt = FactsIndex(tmp_path)
    assert rebuilt.lookup([FACTS[0].md5]) == {}
    rebuilt.store(FACTS[:1], {})
    assert FactsIndex(tmp_path).lookup([FACTS[0].md5]) == {FACTS[0].md5: FACTS[0]}


def _writer(folder: str, seed: int) -> None:
    index = FactsIndex(Path(folder))
    for _ in range(20):
        index.store([read_image_facts(encode(photo(seed)), 10**8)], {})


def test_concurrent_writers_do_not_corrupt_the_index(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), seed)) for seed in (10, 11, 12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    expected = [read_image_facts(encode(photo(seed)), 10**8) for seed in (10, 11, 12)]
    assert FactsIndex(tmp_path).lookup(f.md5 for f in expected) == {f.md5: f for f in expected}


def test_the_index_stays_small_per_image(tmp_path: Path) -> None:
    from dataclasses import replace

    index = FactsIndex(tmp_path)
    base = FACTS[0]
    rows = [replace(base, md5=f"{i:032x}", phash=(i * 2654435761) % 2**64) for i in range(20000)]
    index.store(rows, {})
    index._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert index.path.stat().st_size / len(rows) < 150  # about 145 with the duplicate-search fingerprint


def test_a_library_version_change_keeps_the_facts(tmp_path: Path, monkeypatch) -> None:
    """Facts are keyed by (content md5, FACTS_VERSION): a Pillow or ImageHash upgrade keeps them."""
    import importlib.metadata

    import PIL
    import imagehash

    FactsIndex(tmp_path).store(FACTS, {})
    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "99.0" if name.lower() in ("pillow", "imagehash") else real_version(name))
    monkeypatch.setattr(PIL, "__version__", "99.0")
    monkeypatch.setattr(imagehash, "__version__", "99.0")
    upgraded = FactsIndex(tmp_path)
    assert upgraded.lookup(f.md5 for f in FACTS) == {f.md5: f for f in FACTS}


def test_a_facts_version_bump_starts_afresh(tmp_path: Path, monkeypatch) -> None:
    from imagelint.facts import image_facts

    FactsIndex(tmp_path).store(FACTS, {})
    monkeypatch.setattr(image_facts, "FACTS_VERSION", image_facts.FACTS_VERSION + 1)
    assert FactsIndex(tmp_path).lookup(f.md5 for f in FACTS) == {}
