"""Thumbnails of cleaned screenshots, with Pillow: imported by the attachment worker only, whose
function alone carries the images layer (layers/images: Pillow, about 21 MB unzipped on arm64);
the API's functions never import it.

The image is decoded in full (a file that does not decode is refused, whatever its signature said)
after its pixel count is checked (a small file can hold a huge canvas: a decompression bomb), then
scaled to THUMBNAIL_WIDTH pixels wide (never enlarged) and written as a JPEG without metadata,
transparency flattened onto white."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from tradetrack.attachments.images import ImageRejected

THUMBNAIL_WIDTH = 320
MAX_PIXELS = 40_000_000  # 40 megapixels: a 1 GB decoded canvas at most stays out; screens are far smaller
_FORMATS = ("PNG", "JPEG", "WEBP")


def thumbnail(cleaned: bytes) -> tuple[tuple[int, int], bytes, tuple[int, int]]:
    """((width, height) of the image, the JPEG thumbnail, its (width, height)); ImageRejected when
    the bytes do not decode as a PNG, JPEG or WebP image of at most MAX_PIXELS pixels."""
    try:
        with Image.open(io.BytesIO(cleaned), formats=_FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(
                    f"the image is {width}x{height}: at most {MAX_PIXELS:,} pixels are accepted"
                )
            image.load()
            small_width = min(THUMBNAIL_WIDTH, width)
            small_height = max(1, round(height * small_width / width))
            source = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
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
    return (width, height), out.getvalue(), flat.size
