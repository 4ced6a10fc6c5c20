"""Loader rules (006-010): images that decode differently in each training loader.

All of them read header facts only (mode, bit depth, alpha, EXIF orientation), so they hold
for images above the pixel limit too. Most loaders cope with these files in some way, so most
are warnings; a 16-bit image is an error because the usual ``Image.open(p).convert("RGB")``
clips it to white.
"""
from __future__ import annotations

from imagelint.facts.image_facts import ImageFacts
from imagelint.findings import Finding, Severity
from imagelint.rules import Rule
from imagelint.sources.dataset import ImageRef

E, W = Severity.ERROR, Severity.WARNING

ORIENTATION = Rule("IMG006", "exif-orientation", W, "The EXIF orientation tag rotates or mirrors the image on display.", """
What: reads the EXIF orientation tag (0x0112) and flags any value other than 1 (upright).
Why: viewers and labelling tools turn such an image upright, but loaders that ignore EXIF
(Pillow's Image.open, OpenCV with IMREAD_IGNORE_ORIENTATION, raw JPEG decoders on the GPU) see
the stored pixels: sideways or mirrored, and bounding boxes drawn on the upright view no longer
fit. imagelint hashes the upright image, so a rotated copy is still found as a duplicate.
Options: none (raise it to an error for detection datasets: severity = {IMG006 = "error"}).
Fix: rotate the pixels and drop the tag (exiftran -ai, or ImageOps.exif_transpose and save).
""")
CMYK = Rule("IMG007", "cmyk", W, "The image is stored in CMYK (print) colours, not RGB.", """
What: flags images whose colour mode is CMYK (usually JPEGs exported for print).
Why: loaders convert CMYK differently (Adobe's inverted CMYK comes out as a negative in some),
so the same image trains as different colours on different machines.
Options: none.
Fix: convert to RGB with a colour-managed tool, e.g. Pillow's convert("RGB") with the ICC profile.
""")
HIGH_BIT_DEPTH = Rule("IMG008", "high-bit-depth", E, "The image has more than 8 bits per channel.", """
What: flags 16-bit (and 32-bit) images, from the PNG or TIFF header or Pillow's mode.
Why: training loaders expect 8 bits: Pillow's convert("RGB") clips a 16-bit grey image to
nearly white, OpenCV's default drops it to 8 bits, torchvision's decoders may refuse it.
Options: none (ignore it where 16-bit data is intended, e.g. depth maps: ignore = ["IMG008"]
in an override for those paths).
Fix: convert to 8 bits with a deliberate scaling (divide by 256, or by the image's range).
""")
ALPHA = Rule("IMG009", "alpha-channel", W, "The image has an alpha channel or a transparent colour.", """
What: flags images with transparency (RGBA, LA, PA, or a palette or RGB image with a
transparent colour).
Why: convert("RGB") throws the alpha away and shows whatever colour the transparent pixels hold
(often black), so a dataset of photos gains images with black or checkered backgrounds, and
the background becomes a feature of the classes that have them.
Options: none.
Fix: flatten the image onto the background it should have, then save it as RGB.
""")
PALETTE = Rule("IMG010", "palette", W, "The image is a palette (indexed-colour) image, not a photo's RGB.", """
What: flags images stored with a palette of at most 256 colours (mode P; GIFs, optimised PNGs).
Why: in a dataset of photos, a palette image is posterised: its banding and dithering are
artefacts no camera image has, which a model can learn to tell classes apart.
Options: none (ignore it for datasets of drawings or icons).
Fix: use the original RGB image; converting back to RGB does not restore the lost colours.
""")

RULES = [ORIENTATION, CMYK, HIGH_BIT_DEPTH, ALPHA, PALETTE]

#: What a viewer does for each orientation value.
_TURNS = {2: "mirror it", 3: "rotate it 180 degrees", 4: "flip it upside down",
          5: "mirror it and rotate it 90 degrees anticlockwise", 6: "rotate it 90 degrees clockwise",
          7: "mirror it and rotate it 90 degrees clockwise", 8: "rotate it 90 degrees anticlockwise"}


def loader_findings(ref: ImageRef, facts: ImageFacts) -> list[Finding]:
    """The loader problems of one image whose header was read."""
    found = []

    def add(rule: Rule, message: str) -> None:
        found.append(Finding(ref.path, rule.code, rule.name, rule.severity, message))

    if facts.orientation and facts.orientation != 1:
        add(ORIENTATION, f"EXIF orientation {facts.orientation} tells viewers to {_TURNS[facts.orientation]}; "
            "loaders that ignore EXIF see it turned: rotate the pixels and drop the tag (exiftran -ai)")
    if facts.mode == "CMYK":
        add(CMYK, "stored as CMYK: loaders convert it to different colours; convert it to RGB")
    if facts.bit_depth and facts.bit_depth > 8:
        add(HIGH_BIT_DEPTH, f"{facts.bit_depth} bits per channel (mode {facts.mode}): loaders that expect 8 bits "
            "clip or refuse it; convert it to 8 bits with a deliberate scaling")
    if facts.alpha:
        add(ALPHA, f"has transparency (mode {facts.mode}): converting to RGB drops it and shows the hidden colour; "
            "flatten it onto its background and save it as RGB")
    if facts.mode == "P":
        add(PALETTE, "a palette image (at most 256 colours) among photos: use the original RGB image")
    return found
