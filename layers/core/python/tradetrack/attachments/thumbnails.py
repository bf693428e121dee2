"""Thumbnails of cleaned screenshots, with Pillow: imported by the attachment worker only, whose
function alone carries the images layer (layers/images: Pillow, about 21 MB unzipped on arm64);
the API's functions never import it.

The image is decoded in full (a file that does not decode is refused, whatever its signature said)
after its pixel count is checked (a small file can hold a huge canvas: a decompression bomb), then
scaled to THUMBNAIL_WIDTH pixels wide (never enlarged) and written as a JPEG without metadata,
transparency flattened onto white.

The EXIF orientation read from the upload before its metadata went (images.exif_orientation) is
applied first, with the transpositions of Pillow's ImageOps.exif_transpose: a phone's portrait
photo stored sideways with Orientation 6 gets a portrait thumbnail, and the stored image itself is
re-encoded upright (in its own format, ICC profile kept, then cleaned again), since the cleaned
file no longer carries the tag that told viewers to turn it. An upright image (orientation 1, or
none) is kept byte for byte as cleaned; an animated one keeps its frames as they are."""

from __future__ import annotations

import io
from typing import NamedTuple

from PIL import Image, UnidentifiedImageError

from tradetrack.attachments.images import ImageRejected, clean_image

THUMBNAIL_WIDTH = 320
MAX_PIXELS = 40_000_000  # 40 megapixels: a 1 GB decoded canvas at most stays out; screens are far smaller
_FORMATS = ("PNG", "JPEG", "WEBP")
# EXIF Orientation → the transposition that shows the picture upright (ImageOps.exif_transpose's table)
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class Processed(NamedTuple):
    size: tuple[int, int]  # (width, height) as shown, after the orientation
    thumbnail: bytes  # JPEG, no metadata
    thumbnail_size: tuple[int, int]
    image: bytes | None = None  # the image re-encoded upright; None: keep the cleaned bytes as they are


def thumbnail(cleaned: bytes, orientation: int = 1) -> Processed:
    """The image's size, its JPEG thumbnail (and the image itself upright when `orientation`, its
    EXIF Orientation before cleaning, turns it); ImageRejected when the bytes do not decode as a
    PNG, JPEG or WebP image of at most MAX_PIXELS pixels."""
    turn = UPRIGHT.get(orientation)
    try:
        with Image.open(io.BytesIO(cleaned), formats=_FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(
                    f"the image is {width}x{height}: at most {MAX_PIXELS:,} pixels are accepted"
                )
            image.load()
            fmt, icc = str(image.format), image.info.get("icc_profile")
            animated = getattr(image, "n_frames", 1) > 1
            source = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
            if turn is not None:
                source = source.transpose(turn)
                width, height = source.size
            upright = None if turn is None or animated else _encoded(source, fmt, icc)
            small_width = min(THUMBNAIL_WIDTH, width)
            small_height = max(1, round(height * small_width / width))
            # reducing_gap: a box reduction first, then Lanczos over the last factor (several times faster)
            size = (small_width, small_height)
            small = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0).convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected("the image does not decode") from exc
    flat = Image.new("RGB", small.size, (255, 255, 255))
    flat.paste(small, mask=small.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=82, optimize=True)
    return Processed((width, height), out.getvalue(), flat.size, upright)


def _encoded(image: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    """The upright image in its own format, its ICC profile only, cleaned again (no EXIF, whatever
    the encoder writes)."""
    out = io.BytesIO()
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        image = image if image.mode in ("RGB", "L") else image.convert("RGB")
        image.save(out, "JPEG", quality=92, **options)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=90, **options)
    else:
        image.save(out, "PNG", optimize=False, **options)
    return clean_image(out.getvalue(), max_bytes=None)[1]
