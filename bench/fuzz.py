"""Fuzz the readers that take pull-request bytes: the image reader and the DVC readers.

Contract under test: ``read_image_facts`` never raises and stays within the decode budget and
two CPU seconds per input; the DVC readers raise nothing but ``PointerError``/``ManifestError``, and
every out or manifest entry they return has a valid md5 and a path inside the repository.

Two engines. ``mutate`` (the default, pure Python) mutates generated seed files and any
``--corpus`` folders; inputs run in batches in a forked child, which reports each input's
CPU time and its peak memory (``ru_maxrss``, monotonic, so the first input to push it past the
budget is the one that overran) and is killed after ``--hang`` CPU seconds on one input (or
ten times that in wall-clock time, for an input that blocks). ``atheris`` (``pip
install atheris``) is coverage-guided, in process; libFuzzer's ``-rss_limit_mb`` and
``-timeout`` are set from the same budget. Findings are written to ``--out`` in the
reproducer format: image bytes, or for DVC inputs a first byte picking the reader (0 ``.dvc``,
1 ``dvc.lock``, 2 ``dvc.lock`` + NUL NUL NUL + ``dvc.yaml``, 3 ``.dir``, 4 ``.dvc/config``).

Run from the repository root with imagelint's interpreter::

    nice .venv/bin/python bench/fuzz.py --minutes 30 --out /tmp/fuzz-findings [--corpus DIR ...]
    .venv/bin/python bench/fuzz.py --replay DIR          # each file once, e.g. saved findings
    .venv/bin/python bench/fuzz.py --engine atheris --target image -- -max_total_time=600
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import select
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))

from fuzz_seeds import dvc_seeds, image_seeds, mutate  # noqa: E402
from imagelint.facts.decode_budget import DECODE_BUDGET  # noqa: E402
from imagelint.facts.image_facts import read_image_facts  # noqa: E402
from imagelint.facts.quiet_stderr import c_stderr_silenced  # noqa: E402
from imagelint.sources.dataset import IMAGE_SUFFIXES  # noqa: E402
from imagelint.sources import dvcfiles  # noqa: E402
from imagelint.sources.pointer_checks import is_md5, stays_inside  # noqa: E402

MAX_PIXELS = 100_000_000
SLOW_SECONDS = 2.0
BATCH = 40
#: A child that makes no progress for this many times ``--hang`` in wall-clock time is blocked.
WALL_LIMIT = 10


class ContractError(Exception):
    """A reader returned something its documentation rules out."""


def image_target(data: bytes) -> None:
    facts = read_image_facts(data, MAX_PIXELS)
    if facts.size != len(data):
        raise ContractError("size differs from the input length")


def dvc_target(data: bytes) -> None:
    kind, body = (data[0] % 5, data[1:]) if data else (0, b"")
    try:
        if kind == 0:
            _check_outs(dvcfiles.dvc_file_outs("data/x.dvc", body))
        elif kind in (1, 2):
            lock, _, stages = body.partition(b"\0\0\0") if kind == 2 else (body, b"", b"")
            _check_outs(dvcfiles.lock_outs("stage/dvc.lock", lock, stages if kind == 2 else None))
        elif kind == 3:
            for relpath, md5 in dvcfiles.parse_manifest(body).items():
                if not (stays_inside(relpath) and is_md5(md5)):
                    raise ContractError(f"manifest entry {relpath!r}: {md5!r} accepted")
        else:
            _config_target(body)
    except (dvcfiles.PointerError, dvcfiles.ManifestError):
        pass


def _check_outs(outs: Sequence[dvcfiles.Out]) -> None:
    for out in outs:
        if not (is_md5(out.md5, directory=True) and stays_inside(out.path)):
            raise ContractError(f"out {out.path!r} with md5 {out.md5!r} accepted")


def _config_target(body: bytes) -> None:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"imagelint-fuzz-{os.getpid()}" / ".dvc"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").write_bytes(body)
    if not isinstance(dvcfiles.cache_dir(folder), Path):
        raise ContractError("cache_dir did not return a path")


TARGETS: dict[str, Callable[[bytes], None]] = {"image": image_target, "dvc": dvc_target}


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run_batch_child(target: Callable[[bytes], None], inputs: list[bytes], write: int) -> None:
    """In the forked child: one JSON line per input, written before (start) and after (done)."""
    base = _peak_bytes()
    with c_stderr_silenced():
        for number, data in enumerate(inputs):
            os.write(write, json.dumps({"start": number}).encode() + b"\n")
            began = time.process_time()  # CPU time: the machine may be busy, the verdict must not depend on it
            error = None
            try:
                target(data)
            except BaseException as exc:  # noqa: BLE001 - every escaping exception is a finding
                error = f"{type(exc).__name__}: {str(exc)[:200]}"
            grown = _peak_bytes() - base
            os.write(write, json.dumps({"done": number, "seconds": time.process_time() - began,
                                        "grown": grown, "error": error}).encode() + b"\n")
            if grown > DECODE_BUDGET:
                break  # the peak only grows: later inputs could not be measured in this child
    os._exit(0)


def run_batch(target: Callable[[bytes], None], inputs: list[bytes], hang: float) -> list[tuple[int, str, str]]:
    """(input number, kind, detail) for every finding of the batch; inputs after an overrun are rerun."""
    findings: list[tuple[int, str, str]] = []
    start = 0
    while start < len(inputs):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            _run_batch_child(target, inputs[start:], write)
        os.close(write)
        current, last_done, buffer = None, -1, b""
        started_wall, started_cpu = time.monotonic(), _cpu_seconds(pid)
        while True:
            ready, _, _ = select.select([read], [], [], 1.0)
            if not ready:
                spent_cpu, spent_wall = _cpu_seconds(pid) - started_cpu, time.monotonic() - started_wall
                if spent_cpu > hang or spent_wall > WALL_LIMIT * hang:  # busy, or blocked (a FIFO would be)
                    os.kill(pid, 9)
                    findings.append((start + (current or 0), "hang",
                                     f"no verdict after {spent_cpu:.0f} CPU s ({spent_wall:.0f} s wall)"))
                    break
                continue
            chunk = os.read(read, 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                record = json.loads(line)
                if "start" in record:
                    current, started_wall, started_cpu = record["start"], time.monotonic(), _cpu_seconds(pid)
                    continue
                last_done = record["done"]
                number = start + last_done
                if record["error"]:
                    findings.append((number, "exception", record["error"]))
                if record["grown"] > DECODE_BUDGET:
                    findings.append((number, "memory", f"peak grew by {record['grown'] >> 20} MiB"))
                elif record["seconds"] > SLOW_SECONDS:
                    findings.append((number, "slow", f"{record['seconds']:.1f} CPU seconds"))
        os.close(read)
        _, status, _ = os.wait4(pid, 0)
        if current is None:
            break
        if last_done < current and not any(n == start + current for n, _, _ in findings):
            findings.append((start + current, "crash", f"child ended with status {status}"))
        start += current + 1  # the input after the last one started: past a hang, crash or overrun
    return findings


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a running child, from ``/proc`` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def save(out: Path, target: str, kind: str, data: bytes, detail: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{target}-{kind}-{hashlib.sha1(data).hexdigest()[:12]}.bin"
    path.write_bytes(data)
    with open(out / "findings.tsv", "a", encoding="utf-8") as log:
        log.write(f"{path.name}\t{detail}\n")
    return path


def corpus_inputs(folders: Sequence[Path], target: str) -> list[bytes]:
    inputs = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            data = path.read_bytes()
            if target == "image" and ("-facts-" in path.name or path.suffix.lower() in IMAGE_SUFFIXES):
                inputs.append(data)
            elif target == "dvc" and "-facts-" not in path.name and path.suffix.lower() not in (*IMAGE_SUFFIXES, ".md", ".tsv"):
                inputs.append(data if path.suffix == ".bin" else _as_dvc_input(path, data))
    return inputs


def _as_dvc_input(path: Path, data: bytes) -> bytes:
    name = path.name
    kind = 1 if name.endswith("lock") else 4 if name == "config" or "config" in path.parts else 3 if name.endswith(".dir") else 0
    return bytes([kind]) + data


def fuzz(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    rng = random.Random(args.seed)
    pools = {"image": image_seeds(), "dvc": dvc_seeds()}
    for target in pools:
        pools[target] += corpus_inputs(args.corpus, target)
    counts = {target: {"inputs": 0} for target in pools}
    end = time.monotonic() + args.minutes * 60
    reported = time.monotonic()
    targets = [args.target] if args.target != "all" else list(pools)
    while time.monotonic() < end:
        for target in targets:
            batch = [mutate(rng, rng.choice(pools[target]), pools[target]) for _ in range(BATCH)]
            for number, kind, detail in run_batch(TARGETS[target], batch, args.hang):
                counts[target][kind] = counts[target].get(kind, 0) + 1
                save(args.out, target, kind, batch[number], detail)
            counts[target]["inputs"] += len(batch)
        if time.monotonic() - reported > 60:
            reported = time.monotonic()
            print(json.dumps(counts), flush=True)
    return counts


def replay(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    counts = {}
    for target in ("image", "dvc"):
        inputs = corpus_inputs([args.replay], target)
        findings = run_batch(TARGETS[target], inputs, args.hang) if inputs else []
        for number, kind, detail in findings:
            print(f"{target} input {number}: {kind}: {detail}")
        counts[target] = {"inputs": len(inputs), "findings": len(findings)}
    return counts


def run_atheris(args: argparse.Namespace, extra: list[str]) -> None:
    """Coverage-guided: imagelint's Python code is instrumented, seeds and ``--corpus`` start the corpus."""
    import atheris

    name = args.target if args.target != "all" else "image"
    target = TARGETS[name]
    corpus = args.out / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = (image_seeds() if name == "image" else dvc_seeds()) + corpus_inputs(args.corpus, name)
    for data in seeds:
        (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)
    base_mb = _peak_bytes() >> 20

    def one_input(data: bytes) -> None:
        with c_stderr_silenced():
            target(data)

    flags = [f"-rss_limit_mb={base_mb + (DECODE_BUDGET >> 20)}", f"-timeout={int(args.hang)}",
             f"-artifact_prefix={args.out}/", *extra, str(corpus)]
    atheris.instrument_all()
    atheris.Setup([sys.argv[0], *flags], one_input)
    atheris.Fuzz()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("mutate", "atheris"), default="mutate")
    parser.add_argument("--target", choices=("all", "image", "dvc"), default="all")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--hang", type=float, default=10.0, help="CPU seconds on one input that count as a hang "
                        "(or ten times as many wall-clock seconds, for an input that blocks)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, action="append", default=[], help="extra seed folder (repeatable)")
    parser.add_argument("--replay", type=Path, help="run every file of this folder once and report")
    parser.add_argument("--out", type=Path, default=Path("/tmp/imagelint-fuzz"))
    args, extra = parser.parse_known_args(argv)
    if args.engine == "atheris":
        run_atheris(args, [flag for flag in extra if flag != "--"])
        return 0
    counts = replay(args) if args.replay else fuzz(args)
    print(json.dumps(counts, sort_keys=True))
    return 1 if any(value for target in counts.values() for key, value in target.items() if key != "inputs") else 0


if __name__ == "__main__":
    sys.exit(main())
