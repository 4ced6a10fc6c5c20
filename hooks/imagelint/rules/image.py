"""Per-image rules: decode and format (0xx; loader rules in ``loading``), size (1xx), quality (2xx),
availability (9xx)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from imagelint.config import Limits
from imagelint.sources.dataset import ImageRef
from imagelint.findings import Finding, Severity
from imagelint.facts.decode_budget import DECODE_BUDGET
from imagelint.facts.image_facts import ImageFacts
from imagelint.rules import Rule
from imagelint.rules.loading import loader_findings

E, W = Severity.ERROR, Severity.WARNING

UNREADABLE = Rule("IMG001", "unreadable", E, "The file is empty, not an image, or its data is truncated or corrupt.", """
What: decodes the image (a reduced decode that still reads every byte of the compressed data)
and fails on empty files, files that are not images (an HTML page saved as .jpg), truncated
files and corrupt data (a broken PNG checksum). Pillow's verify() alone passes half-truncated
JPEGs, so imagelint always decodes; truncated images are never loaded leniently.
Every picture of an MPO file is checked. Only regular files are read: a FIFO, device, socket
or directory named like an image, a file under a symlinked folder and a file that cannot be
read (permission denied) are reported here without waiting or following anything.
Why: a training job that meets a corrupt file crashes hours in, or silently trains on garbage.
Options: none.
Fix: re-export or re-download the original file; replace a special file with the image itself.
""")
FORMAT = Rule("IMG002", "format", E, "The real format, read from the content, is not in the allowed list.", """
What: reads the format from the file's content (not its name) and compares it with 'formats'.
Why: data loaders and augmentation pipelines are tested on a few formats; others (GIF frames,
16-bit TIFF, WebP) behave differently or fail.
Options: formats (default ["JPEG", "PNG", "BMP"]; names as Pillow reports them).
Fix: convert the image to an allowed format, or add its format to 'formats'.
""")
EXTENSION = Rule("IMG003", "extension-mismatch", E, "The file extension disagrees with the content (a PNG named .jpg).", """
What: compares the extension with the format read from the content.
Why: tools that trust extensions (web servers, some loaders, DVC plots) misread such files,
and a mismatch usually means a careless conversion.
Options: none.
Fix: rename the file to the extension of its real format, or re-encode it.
""")
MAX_PIXELS = Rule("IMG004", "max-pixels", E, "More pixels than the limit; decided from the header, never decoded.", """
What: reads width and height from the header and refuses to decode images above 'max-pixels'.
A GIF whose frames grow its canvas counts at the grown size. Images within the limit are also
refused when their decode would not fit imagelint's memory budget of 512 MiB per image (a
1 x 100000000 PNG needs 800 MB for its row pointers alone; a transparent colour PNG above about
89 megapixels or a 16-bit one above about 50 does not fit either; JPEGs decode reduced).
Why: a decompression bomb (a tiny file declaring 40000 x 40000 pixels) exhausts memory in
every tool that opens it; very large images are rarely intended training data.
Options: max-pixels (default 100000000); the memory budget is fixed.
Fix: downscale the image, or raise 'max-pixels' for the paths that need it.
""")
SYMLINK = Rule("IMG005", "symlink", E, "The image path is a symbolic link; it is reported, never followed.", """
What: flags image paths that are symlinks without reading what they point to.
Why: a link can point outside the repository (to /etc/passwd, to a private drive) and breaks
on every other machine; datasets must hold the image itself.
Options: none.
Fix: replace the link with the image file, or track the image with DVC.
""")
FILE_SIZE = Rule("IMG101", "file-size", E, "The file is larger than the limit.", """
What: compares the size in bytes with 'max-file-size'.
Why: collection guidance caps images at 6 MB; larger files slow every clone, pull and epoch and
usually mean an uncompressed or oversized export.
Options: max-file-size (default "6MB"; units B, KB, MB, GB are powers of 1000, KiB, MiB, GiB
powers of 1024; a bare number is bytes).
Fix: re-encode (JPEG quality 90 is plenty) or downscale, or raise the limit.
""")
MIN_RESOLUTION = Rule("IMG102", "min-resolution", E, "Width or height is below the minimum.", """
What: compares width and height with 'min-resolution'.
Why: collection guidance asks for at least 256 x 256 (720p for generative fine-tuning, the
"generative" preset); smaller images are upscaled into blur at training time.
Options: min-resolution (default [256, 256]); preset = "generative" sets [1280, 720].
Fix: use a larger original, or lower the limit for paths that hold thumbnails.
""")
BLURRY = Rule("IMG201", "blurry", W, "The image has very little edge detail: probably out of focus or upscaled.", opt_in=True, doc="""
What: measures the edge strength (standard deviation of the Laplacian of a grayscale thumbnail
of at most 128 pixels, from the reduced decode) and flags images below 'blur-threshold'.
Why: blurry images teach a model that blur is normal for a class, or add label noise.
Off unless selected (select = ["IMG201"]; preset = "generative" selects it): on real photos
no threshold kept false alarms at or below 1% (bench/QUALITY.md), because smooth,
shallow-focus and gradient images look blurred to any cheap measure. Worth enabling for a dataset whose images should all be sharp.
Options: blur-threshold (default 3.0).
Fix: replace the image with a sharp one, or remove it.
""")
DARK = Rule("IMG202", "too-dark", W, "The image is almost black.", """
What: the 99th percentile of luminance, divided by 255, below 'dark-threshold'.
Why: under-exposed images carry little signal; a class of dark images is a shortcut the model
will learn (brightness instead of content).
Options: dark-threshold (default 0.25; cleanvision's 0.32 flagged 1.9% of real photos in
bench/QUALITY.md, 0.25 flags 0.4% and still catches every nearly black image).
Fix: replace with a well-exposed image, or make sure every class has similar lighting.
""")
LIGHT = Rule("IMG203", "too-bright", W, "The image is almost white (over-exposed).", """
What: one minus the 5th percentile of luminance divided by 255, below 'light-threshold'.
Why: over-exposed images carry little signal and can become a brightness shortcut.
Options: light-threshold (default 0.05, cleanvision's).
Fix: replace with a well-exposed image.
""")
LOW_INFORMATION = Rule("IMG204", "low-information", W, "The image is a blank or nearly uniform frame.", """
What: the grey levels (of 255) spanned by the middle 98% of the pixels of a grayscale
thumbnail (at most 128 pixels), below 'low-information-threshold': black, white, blank and
nearly uniform frames. A page of text, a logo on white or a dark photo with a few lights spans
far more, since 1% of the pixels is enough to widen the range.
Why: blank frames, placeholder images and solid fills are not training data.
Options: low-information-threshold (default 16 grey levels; measured in bench/QUALITY.md).
Fix: remove the image or replace it with a real one.
""")
NOT_IN_CACHE = Rule("IMG901", "not-in-cache", E, "The image's bytes are neither in the DVC cache nor in the workspace.", """
What: a DVC pointer names content (by md5) that this machine does not have, so it cannot be
checked. The commit would reference data nobody can retrieve from here.
Why: usually the image was changed after 'dvc add', or this clone has not pulled the data.
Options: none; 'imagelint check --remote' reads missing objects from the DVC remote (needs
the 'imagelint[dvc]' extra).
Fix: run 'dvc add' or 'dvc commit' for new data, or 'dvc pull' in a fresh clone.
""")

INVALID_POINTER = Rule("IMG902", "invalid-pointer", E, "A .dvc, dvc.lock or .dir manifest is malformed or points outside the repository.", """
What: reads every DVC pointer and manifest as untrusted input and reports, on that file, the
first thing wrong with it and the line where there is one: merge-conflict markers, YAML or JSON
that does not parse (impossible dates, unknown tags, huge numbers, deep nesting), a field of
the wrong type, an md5 that is not 32 hex digits (plus '.dir'), an out path or manifest
relpath that leaves the repository. Nothing it names is touched on disk before it passes.
The rest of the run goes on; the images behind the pointer cannot be listed, so the
dataset-wide rules stay quiet.
Why: DVC itself would fail on such a pointer, or read data from outside the repository, and
a commit that carries one breaks every clone's 'dvc pull'.
Options: none.
Fix: resolve the merge conflict ('dvc checkout' and 'dvc commit' after choosing a side), or
regenerate the pointer with 'dvc add' / 'dvc repro'.
""")

RULES = [UNREADABLE, FORMAT, EXTENSION, MAX_PIXELS, SYMLINK, FILE_SIZE, MIN_RESOLUTION,
         BLURRY, DARK, LIGHT, LOW_INFORMATION, NOT_IN_CACHE, INVALID_POINTER]

#: Formats Pillow may report, with the extensions that name them honestly.
EXTENSIONS = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "MPO": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "PNG": (".png",),
    "BMP": (".bmp", ".dib"),
    "GIF": (".gif",),
    "TIFF": (".tif", ".tiff"),
    "WEBP": (".webp",),
}


def finding(ref: ImageRef, rule: Rule, message: str, related: tuple[str, ...] = ()) -> Finding:
    return Finding(ref.path, rule.code, rule.name, rule.severity, message, related)


def image_findings(ref: ImageRef, facts: ImageFacts | None, limits: Limits) -> list[Finding]:
    """Every per-image problem of one image, at default severity (selection comes later)."""
    if ref.is_symlink:
        return [finding(ref, SYMLINK, "is a symbolic link (not followed): commit the image file itself")]
    if facts is None:
        where = f"md5 {ref.md5}" if ref.md5 else "no readable file"
        return [finding(ref, NOT_IN_CACHE, f"not in the DVC cache nor the workspace ({where}): "
                        "run 'dvc add' or 'dvc commit' for new data, or 'dvc pull' in a fresh clone")]
    found = [*_size_findings(ref, facts, limits)]
    if not facts.was_read:
        if facts.error:
            return found + [finding(ref, UNREADABLE, facts.error)]
        return [replace(f, message=f"{f.message} (too large to read, so nothing else was checked)")
                for f in found]
    if facts.format is None or facts.error:
        reason = facts.error or "not an image"
        return found + [finding(ref, UNREADABLE, f"{reason}: re-export or re-download the original")]
    found += _format_findings(ref, facts, limits) + loader_findings(ref, facts)
    if not facts.decoded and facts.pixels <= limits.max_pixels:
        found.append(finding(ref, MAX_PIXELS, f"{facts.width}x{facts.height} cannot be decoded within "
                             f"imagelint's {DECODE_BUDGET >> 20} MiB memory budget (not decoded): downscale it"))
        return found
    if not facts.decoded:
        found.append(finding(ref, MAX_PIXELS, f"{facts.width}x{facts.height} is {facts.pixels / 1e6:.1f} "
                             f"megapixels, above the {limits.max_pixels / 1e6:g} megapixel limit (not decoded): "
                             "downscale it or raise 'max-pixels'"))
        return found
    return found + _quality_findings(ref, facts, limits)


def unlisted_finding(pointer: str) -> Finding:
    """A DVC pointer whose manifest is missing: none of its images can even be listed."""
    return Finding(pointer, NOT_IN_CACHE.code, NOT_IN_CACHE.name, NOT_IN_CACHE.severity,
                   "the manifest of the data it tracks is not in the DVC cache, so its images cannot be "
                   "checked: run 'dvc pull' in a fresh clone or 'dvc commit' after 'dvc add --no-commit', "
                   "or pass --remote to read it from the DVC remote")


def invalid_pointer_finding(pointer: str, message: str) -> Finding:
    """A DVC pointer or manifest that was refused as input; ``message`` says why and where."""
    return Finding(pointer, INVALID_POINTER.code, INVALID_POINTER.name, INVALID_POINTER.severity, message)


def _size_findings(ref: ImageRef, facts: ImageFacts, limits: Limits) -> list[Finding]:
    if facts.size <= limits.max_file_size:
        return []
    return [finding(ref, FILE_SIZE, f"{_human(facts.size)} is above the {_human(limits.max_file_size)} limit: "
                    "re-encode or downscale it, or raise 'max-file-size'")]


def _format_findings(ref: ImageRef, facts: ImageFacts, limits: Limits) -> list[Finding]:
    found = []
    family = "JPEG" if facts.format == "MPO" else facts.format
    if family not in limits.formats:
        found.append(finding(ref, FORMAT, f"format {facts.format} is not allowed (allowed: "
                             f"{', '.join(limits.formats)}): convert it or add it to 'formats'"))
    suffix = PurePosixPath(ref.path).suffix.lower()
    honest = EXTENSIONS.get(str(facts.format), ())
    if honest and suffix not in honest:
        found.append(finding(ref, EXTENSION, f"content is {facts.format} but the extension is '{suffix}': "
                             f"rename it to '{honest[0]}' or re-encode it"))
    width, height = limits.min_resolution
    if facts.width < width or facts.height < height:
        found.append(finding(ref, MIN_RESOLUTION, f"{facts.width}x{facts.height} is below the minimum "
                             f"{width}x{height}: use a larger original or lower 'min-resolution'"))
    return found


def _quality_findings(ref: ImageRef, facts: ImageFacts, limits: Limits) -> list[Finding]:
    found = []
    low_information = facts.tonal_range is not None and facts.tonal_range < limits.low_information_threshold
    if low_information:
        found.append(finding(ref, LOW_INFORMATION, f"98% of the pixels span only {facts.tonal_range} grey levels "
                             f"(below {limits.low_information_threshold:g}): a blank or nearly uniform frame; "
                             "remove or replace it"))
    if facts.dark_score is not None and facts.dark_score < limits.dark_threshold:
        found.append(finding(ref, DARK, f"brightest pixels reach only {facts.dark_score:.2f} of full scale "
                             f"(limit {limits.dark_threshold:g}): replace it with a well-exposed image"))
    if facts.light_score is not None and facts.light_score < limits.light_threshold:
        found.append(finding(ref, LIGHT, f"darkest pixels are at {1 - facts.light_score:.2f} of full scale "
                             f"(light score {facts.light_score:.3f} < {limits.light_threshold:g}): over-exposed; "
                             "replace it with a well-exposed image"))
    if not low_information and facts.edge_strength is not None and facts.edge_strength < limits.blur_threshold:
        found.append(finding(ref, BLURRY, f"edge strength {facts.edge_strength:.1f} is below "
                             f"{limits.blur_threshold:g}: probably out of focus or upscaled; replace it"))
    return found


def _human(size: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} B"
