"""Seed inputs and mutations for ``fuzz.py``: small valid files of every kind imagelint reads."""
from __future__ import annotations

import io
import json
import random
import struct

from PIL import Image

#: Values that sit on the edges parsers get wrong, as 2- and 4-byte integers in both byte orders.
_EDGES = (0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 100_000_000)
#: Text that YAML and JSON readers get wrong, spliced into DVC seeds.
_TOKENS = (b"!!int ", b"!!float ", b"!!binary ", b"!!timestamp ", b"2024-02-30", b"9" * 5000, b"&a ", b"*a",
           b"[" * 200, b"{" * 200, b"<<<<<<< HEAD\n", b"=======\n", b">>>>>>> branch\n", b"../../", b"/etc/",
           b"\0", b"\xff\xfe", b": ", b"- ", b"null", b"~", b"md5: ", b"path: ", b".dir", b"outs:\n", b"wdir: ",
           b'"relpath": ', b'"md5": 5', b"\t", b"? ", b"%YAML 1.1\n", b"---\n")


def image_seeds() -> list[bytes]:
    """One small file per format and mode the image reader handles differently."""
    base = Image.radial_gradient("L").resize((64, 48))
    colour = Image.merge("RGB", (base, base.rotate(90).resize((64, 48)), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    cases = [
        (colour, "JPEG", {"quality": 80}), (colour, "JPEG", {"progressive": True}), (colour, "PNG", {}),
        (base, "PNG", {}), (colour.convert("RGBA"), "PNG", {}), (colour.convert("P"), "PNG", {"transparency": 0}),
        (base.convert("I").point(lambda v: v * 256).convert("I;16"), "PNG", {}), (colour, "BMP", {}),
        (colour.convert("P"), "BMP", {}), (colour.convert("P"), "GIF", {}), (colour, "TIFF", {"compression": "tiff_lzw"}),
        (Image.new("LAB", (32, 32), (128, 10, 10)), "TIFF", {}), (colour, "WEBP", {"quality": 50}),
        (colour.convert("CMYK"), "JPEG", {}), (base.convert("1"), "PNG", {}),
    ]
    seeds = []
    for image, image_format, options in cases:
        buffer = io.BytesIO()
        image.save(buffer, image_format, **options)
        seeds.append(buffer.getvalue())
    buffer = io.BytesIO()
    colour.save(buffer, "GIF", save_all=True, append_images=[colour.rotate(5), colour.rotate(10)], duration=50)
    seeds.append(buffer.getvalue())
    buffer = io.BytesIO()
    colour.save(buffer, "MPO", save_all=True, append_images=[colour.rotate(3)])
    seeds.append(buffer.getvalue())
    return seeds


def dvc_seeds() -> list[bytes]:
    """Pointers, locks, manifests and configs as DVC 2 and 3 write them, with the reader byte first."""
    md5 = "0123456789abcdef0123456789abcdef"
    pointer = f"outs:\n- md5: {md5}.dir\n  size: 1234\n  nfiles: 3\n  hash: md5\n  path: images\n".encode()
    old = f"md5: {md5}\nouts:\n- md5: {md5}\n  path: a.jpg\n  cache: true\nwdir: ..\n".encode()
    lock = (f"schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n    deps:\n    - path: raw\n"
            f"      md5: {md5}.dir\n    outs:\n    - path: data/train\n      hash: md5\n      md5: {md5}.dir\n").encode()
    stages = b"stages:\n  prepare:\n    wdir: sub\n    cmd: python prepare.py\n    outs:\n    - data/train\n"
    manifest = json.dumps([{"md5": md5, "relpath": "cat/1.jpg"}, {"md5": md5[::-1], "relpath": "dog/2.png"}]).encode()
    config = b"[core]\n    remote = store\n[cache]\n    dir = ../shared-cache\n['remote \"store\"']\n    url = /srv/x\n"
    return [b"\0" + pointer, b"\0" + old, b"\1" + lock, b"\2" + lock + b"\0\0\0" + stages, b"\3" + manifest,
            b"\4" + config]


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One to four random edits: bit flips, edge integers, inserted tokens, cuts, splices."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buffer:
            buffer += rng.choice(pool)
        position = rng.randrange(len(buffer))
        choice = rng.randrange(8)
        if choice == 0:
            buffer[position] ^= 1 << rng.randrange(8)
        elif choice == 1:
            buffer[position] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        elif choice == 2:
            size, order = rng.choice((("H", "<"), ("H", ">"), ("I", "<"), ("I", ">")))
            value = rng.choice(_EDGES) & (0xFFFF if size == "H" else 0xFFFFFFFF)
            packed = struct.pack(order + size, value)
            buffer[position:position + len(packed)] = packed
        elif choice == 3:
            buffer[position:position] = rng.choice(_TOKENS)
        elif choice == 4:
            del buffer[position:position + rng.randint(1, 64)]
        elif choice == 5:
            del buffer[max(1, position):]
        elif choice == 6:
            other = rng.choice(pool)
            cut = rng.randrange(len(other)) if other else 0
            buffer[position:] = other[cut:]
        else:
            length = rng.randint(1, 32)
            buffer[position:position] = buffer[position:position + length] * rng.randint(1, 64)
    return bytes(buffer[: 1 << 20])
