"""Peak memory of one image's facts, above the interpreter, for the largest inputs imagelint accepts.

Each case runs ``read_image_facts`` in a forked child (imagelint and its libraries already
loaded, as in a decode worker) and reports the child's peak RSS growth (``ru_maxrss`` from
``wait4``) against the decode budget, with the CPU seconds it took. Inputs are generated:
100-megapixel images at the default ``max-pixels`` in the modes that cost most, and the bomb
shapes the fuzzer found.

Run from the repository root with imagelint's interpreter::

    .venv/bin/python bench/decode_memory.py
"""
from __future__ import annotations

import io
import os
import resource
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Callable

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))

from imagelint.facts.decode_budget import DECODE_BUDGET  # noqa: E402
from imagelint.facts.image_facts import read_image_facts  # noqa: E402

Image.MAX_IMAGE_PIXELS = None  # only for generating the inputs here


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def photo_like(size: tuple[int, int], mode: str) -> Image.Image:
    tile = Image.effect_noise((1000, 1000), 60).convert("L")
    bands = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    image = Image.merge(mode, [tile.rotate(90 * band) for band in range(bands)]) if bands > 1 else tile
    return image.resize(size, Image.Resampling.NEAREST)


def tall_png(height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\0" * 1000)) + chunk(b"IEND", b""))


def growing_gif() -> bytes:
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    return header + b"," + struct.pack("<HHHHB", 0, 0, 0xFFFF, 0xFFFF, 0) + b"\x02\x02\x44\x01\x00;"


def transparent_screen() -> bytes:
    data = bytearray(encoded(Image.new("P", (1, 1)), "GIF", transparency=0))
    data[6:10] = struct.pack("<HH", 10_000, 10_000)
    return bytes(data)


CASES: dict[str, Callable[[], bytes]] = {
    "PNG RGB 10000x10000": lambda: encoded(photo_like((10_000, 10_000), "RGB"), "PNG", compress_level=1),
    "PNG RGBA 10000x10000": lambda: encoded(photo_like((10_000, 10_000), "RGBA"), "PNG", compress_level=1),
    "PNG L 10000x10000": lambda: encoded(photo_like((10_000, 10_000), "L"), "PNG", compress_level=1),
    "BMP RGB 10000x10000": lambda: encoded(photo_like((10_000, 10_000), "RGB"), "BMP"),
    "JPEG RGB 10000x10000": lambda: encoded(photo_like((10_000, 10_000), "RGB"), "JPEG", quality=85),
    "GIF 1x1 frame, transparent 10000x10000 screen": transparent_screen,
    "GIF frame growing the canvas to 65535x65535": growing_gif,
    "PNG declaring 1x100000000": lambda: tall_png(100_000_000),
}


def measure(data: bytes) -> tuple[int, float, str]:
    """(peak RSS growth in bytes, CPU seconds, verdict) of ``read_image_facts`` in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.process_time()
        facts = read_image_facts(data, 100_000_000)
        verdict = f"{facts.width}x{facts.height} decoded={facts.decoded} error={facts.error}"
        os.write(write, f"{base} {time.process_time() - began} {verdict}".encode())
        os._exit(0)
    os.close(write)
    message = os.read(read, 4096).decode()
    os.close(read)
    _, _, usage = os.wait4(pid, 0)
    base, seconds, verdict = message.split(" ", 2)
    return (usage.ru_maxrss - int(base)) * 1024, float(seconds), verdict


def main() -> int:
    import imagelint.facts.phash  # noqa: F401 - loaded before forking, as decode workers have it

    print(f"decode budget: {DECODE_BUDGET >> 20} MiB above the interpreter\n")
    print("| input | file size | peak above interpreter | CPU s | result |")
    print("|---|---|---|---|---|")
    worst = 0
    for name, make in CASES.items():
        data = make()
        grown, seconds, verdict = measure(data)
        worst = max(worst, grown)
        print(f"| {name} | {len(data):,} B | {grown / 2**20:.0f} MiB | {seconds:.2f} | {verdict} |", flush=True)
    print(f"\nworst case {worst / 2**20:.0f} MiB of the {DECODE_BUDGET >> 20} MiB budget")
    return 0 if worst <= DECODE_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
