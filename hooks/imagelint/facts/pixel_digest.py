"""A digest of the coded picture without its metadata: the same pixels under different bytes.

A copy that only lost or changed its metadata (EXIF, XMP, comments, text chunks) has other
bytes, so another md5, but it is the same image. Proving identical pixels by decoding would
cost a full decode, which imagelint never makes, and a digest of the reduced decode is no proof
(it sees an eighth of the resolution). So the digest covers what determines the decoded pixels
exactly, read from the bytes without decoding:

- JPEG (and MPO): every segment but APPn and COM, and everything from the first scan on;
- PNG: IHDR, PLTE, tRNS and the compressed IDAT stream;

plus the EXIF orientation, which changes what a viewer shows. Equal digests mean equal coded
data, hence equal pixels. The converse does not hold: a lossless re-compression (another PNG
compression level) has the same pixels and another digest; such a copy is a near duplicate at
distance 0. Other formats have no digest (None): only their md5 makes them exact copies.
"""
from __future__ import annotations

import hashlib
import struct

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT"}
_JPEG_METADATA = set(range(0xE0, 0xF0)) | {0xFE}  # APP0-APP15, COM
_SOS = 0xDA


def pixel_digest(data: bytes, image_format: str | None, orientation: int | None) -> int | None:
    """64 bits of the coded picture and orientation, or None for other formats or odd files."""
    if image_format in ("JPEG", "MPO"):
        parts = _jpeg_parts(data)
    elif image_format == "PNG":
        parts = _png_parts(data)
    else:
        return None
    if parts is None:
        return None
    digest = hashlib.sha256()
    digest.update(bytes([orientation or 1]))
    for part in parts:
        digest.update(part)
    return int.from_bytes(digest.digest()[:8], "big")


def _jpeg_parts(data: bytes) -> list[memoryview] | None:
    view, parts, at = memoryview(data), [], 2
    if data[:2] != b"\xff\xd8":
        return None
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == _SOS:
            parts.append(view[at:])
            return parts
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker not in _JPEG_METADATA:
            parts.append(view[at:at + 2 + length])
        at += 2 + length
    return None


def _png_parts(data: bytes) -> list[memoryview] | None:
    view, parts, at = memoryview(data), [], len(_PNG_SIGNATURE)
    if not data.startswith(_PNG_SIGNATURE):
        return None
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind in _PNG_PIXEL_CHUNKS:
            parts.append(view[at + 4:at + 8 + length])
        if kind == b"IEND":
            return parts
        at += 12 + length
    return None
