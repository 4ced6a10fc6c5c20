"""Small JPEG previews as data URIs, so a review page is one file with no external requests.

The bytes come from the same sources the check read (the DVC cache object or the workspace
file), accepted only when they hash to the image's md5. An image a rule found unreadable, too
large or absent gets no preview: a bad file is never decoded for display.
"""
from __future__ import annotations

import base64
import hashlib
import io
from typing import Iterable, Mapping

from imagelint.findings import ImageSummary
from imagelint.safe_open import read_limit, read_regular_file
from imagelint.sources.dataset import ImageRef

SIZE = 240  # pixels on the longer side: sharp enough to compare two copies side by side
#: Codes after which a file is not opened again for display.
NO_PREVIEW = {"IMG001", "IMG004", "IMG005", "IMG901"}


def thumbnails(
    refs: Mapping[str, ImageRef], images: Mapping[str, ImageSummary], skip: Iterable[str], max_pixels: int,
    max_file_size: int,
) -> dict[str, str]:
    """``path -> data:image/jpeg;base64,...`` for every image that can be shown; files are read
    as the check reads them (regular files only, no links, at most the check's read limit)."""
    skipped = set(skip)
    previews = {}
    for path, image in images.items():
        ref = refs.get(path)
        if ref is None or path in skipped or ref.is_symlink or not image.width or not image.height:
            continue
        if image.width * image.height > max_pixels:
            continue
        data = _verified_bytes(ref, image.md5, read_limit(max_file_size))
        preview = _preview(data) if data is not None else None
        if preview is not None:
            previews[path] = preview
    return previews


def _verified_bytes(ref: ImageRef, md5: str | None, limit: int) -> bytes | None:
    for source in ref.sources:
        data = read_regular_file(source, limit).data
        if data is not None and (md5 is None or hashlib.md5(data).hexdigest() == md5):
            return data
    return None


def _preview(data: bytes) -> str | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (SIZE, SIZE))
            image.thumbnail((SIZE, SIZE))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=82)
    except Exception:  # noqa: BLE001 - a file Pillow cannot show simply has no preview
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
