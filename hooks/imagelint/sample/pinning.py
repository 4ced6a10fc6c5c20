"""Each sample picture's perceptual hash pinned to a word of a code, so no two are near duplicates.

Random drawings alone would put a few pairs within reach of the near-duplicate threshold by
chance. So each picture's 64-bit pHash (as imagelint computes it) is pinned to its own word of
a code whose words differ in at least ``MIN_CODE_DISTANCE`` bits, by adding a faint
low-frequency lighting field.
"""
from __future__ import annotations

import io
import random
from functools import lru_cache

import numpy as np
from PIL import Image

from imagelint.sample.drawing import CLASSES

JPEG_QUALITY = 90
#: Fewest differing bits between the hashes of two distinct pictures.
MIN_CODE_DISTANCE = 24
#: Fewest differing bits between one picture's hash and another's mirrored hash (flip matching).
MIN_MIRROR_DISTANCE = 20
CODEBOOK_SIZE = 256
#: Hash code words kept for the bad files that decode, counted from the end of the codebook.
SPECIAL_SLOTS = ("tiny", "actually-png", "huge")
#: Smallest |DCT coefficient| (as a cosine amplitude in grey levels) the hash pinning leaves.
PIN_MARGIN = 3.0


#: Coefficients a horizontal mirror negates: odd horizontal frequency (row-major 8x8 index).
_ODD_COLUMNS = np.array([(k % 8) % 2 == 1 for k in range(64)])


@lru_cache(maxsize=None)
def codebook() -> np.ndarray:
    """Balanced 64-bit words (DC bit set), pairwise far apart and far from each other's mirrors.

    Greedy selection from a fixed-seed shuffle; returns +1/-1 signs, shape (CODEBOOK_SIZE, 64).
    """
    rnd = random.Random(1789)
    words = np.zeros((0, 64), dtype=np.int32)
    mirrors = np.zeros((0, 64), dtype=np.int32)
    while len(words) < CODEBOOK_SIZE:
        bits = [1] * 31 + [-1] * 32
        rnd.shuffle(bits)
        word = np.array([1, *bits], dtype=np.int32)
        mirror = np.where(_ODD_COLUMNS, -word, word)
        # For +/-1 vectors of length 64, distance = (64 - dot) / 2.
        if len(words) and (
            (64 - words @ word).min() // 2 < MIN_CODE_DISTANCE
            or (64 - words @ mirror).min() // 2 < MIN_MIRROR_DISTANCE
            or (64 - mirrors @ word).min() // 2 < MIN_MIRROR_DISTANCE
        ):
            continue
        words = np.vstack([words, word])
        mirrors = np.vstack([mirrors, mirror])
    return words


def slot_of(class_name: str, number: int) -> int:
    """Codebook row of a dataset picture; classes interleave so any class can grow."""
    slot = number * len(CLASSES) + CLASSES.index(class_name)
    if number < 0 or slot >= CODEBOOK_SIZE - len(SPECIAL_SLOTS):
        raise ValueError(f"picture number {number} is outside the generator's range")
    return slot


def special_slot(role: str) -> int:
    return CODEBOOK_SIZE - 1 - SPECIAL_SLOTS.index(role)


def _dct_matrix(n: int) -> np.ndarray:
    """Unnormalised DCT-II (as scipy.fftpack.dct) for the first 8 frequencies."""
    k = np.arange(8)[:, None]
    i = np.arange(n)[None, :]
    return 2 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))


_DCT32 = _dct_matrix(32)


def hash_coefficients(data: bytes) -> np.ndarray:
    """The 8x8 low-frequency DCT block behind pHash, on imagelint's reduced decode of ``data``."""
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        image.draft("L", (64, 64))
    small = image.convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    return _DCT32 @ np.asarray(small, dtype=np.float64) @ _DCT32.T


def encode(array: np.ndarray, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    image = Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8))
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def pinned_bytes(array: np.ndarray, slot: int, fmt: str = "JPEG", quality: int = JPEG_QUALITY) -> bytes:
    """Encode ``array`` after adding the faint lighting that gives it codebook word ``slot``.

    Each coefficient whose sign disagrees with the word (or sits too close to zero) gets a
    cosine of the matching frequency; a balanced word with clear signs fixes every hash bit.
    """
    h, w = array.shape[:2]
    signs = codebook()[slot].reshape(8, 8)
    gain = np.where(np.arange(8) == 0, 64.0, 32.0)
    scale = np.outer(gain, gain)
    ys = np.cos(np.pi * np.arange(8)[:, None] * (np.arange(h)[None, :] + 0.5) / h)
    xs = np.cos(np.pi * np.arange(8)[:, None] * (np.arange(w)[None, :] + 0.5) / w)
    lighting = np.zeros((h, w))
    for _ in range(8):
        data = encode(array + lighting[..., None], fmt, quality)
        amplitude = hash_coefficients(data) / scale
        short = signs * amplitude < PIN_MARGIN
        short[0, 0] = False
        if not short.any():
            return data
        delta = np.where(short, signs * PIN_MARGIN * 1.6 - amplitude, 0.0)
        lighting += ((ys.T @ delta)[:, :, None] * xs[None, :, :]).sum(axis=1)
    raise RuntimeError(f"could not pin the hash of code word {slot}")
