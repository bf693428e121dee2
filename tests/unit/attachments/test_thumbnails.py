"""Thumbnails of cleaned screenshots (tradetrack.attachments.thumbnails, Pillow): their size, what
they carry, and the files that do not decode or would decode into a huge canvas."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tradetrack.attachments.images import ImageRejected, clean_image
from tradetrack.attachments.thumbnails import MAX_PIXELS, THUMBNAIL_WIDTH, thumbnail


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def chart(width: int, height: int, mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (width, height), (250, 250, 250, 255)[: len(mode)])
    for x in range(width):  # a red line across the middle
        image.putpixel((x, height // 2), (220, 20, 20, 255)[: len(mode)])
    return image


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [
        ("PNG", (1920, 1080), (320, 180)),
        ("JPEG", (1000, 333), (320, 107)),  # 333 × 320 / 1000 = 106.56, rounded
        ("WEBP", (640, 1280), (320, 640)),
        ("PNG", (200, 150), (200, 150)),  # narrower than a thumbnail: never enlarged
    ],
)
def test_a_thumbnail_is_320_pixels_wide_at_the_images_proportions(
    fmt: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    # Given a cleaned screenshot of a given size
    _, cleaned = clean_image(encoded(chart(*size), fmt))
    # When it is thumbnailed
    found, data, thumb_size, _ = thumbnail(cleaned)
    # Then the image's size is told, and the thumbnail is a JPEG of the expected size
    assert found == size
    assert thumb_size == expected
    small = Image.open(io.BytesIO(data))
    assert (small.format, small.size) == ("JPEG", expected)
    assert THUMBNAIL_WIDTH == 320


def test_transparency_is_flattened_onto_white_and_no_metadata_is_written() -> None:
    # Given a transparent PNG with a red line
    image = Image.new("RGBA", (640, 200), (0, 0, 0, 0))
    for x in range(640):
        image.putpixel((x, 100), (255, 0, 0, 255))
    _, cleaned = clean_image(encoded(image, "PNG"))
    # When it is thumbnailed
    _, data, _, _ = thumbnail(cleaned)
    # Then the transparent parts are white, and the JPEG has no EXIF
    small = Image.open(io.BytesIO(data)).convert("RGB")
    red, green, blue = small.getpixel((10, 5))  # type: ignore[misc]
    assert min(red, green, blue) >= 250
    assert not small.getexif()
    assert b"Exif" not in data


def test_a_file_with_an_image_signature_that_does_not_decode_is_refused() -> None:
    # Given a JPEG header followed by the bytes of something else (it passes the signature check)
    fake = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xda\x00\x02"
        + b"MZ" * 500
    )
    _, cleaned = clean_image(fake)
    # When it is thumbnailed, Then it is refused
    with pytest.raises(ImageRejected, match="does not decode"):
        thumbnail(cleaned)


def test_a_small_file_of_a_huge_canvas_is_refused_before_it_is_decoded() -> None:
    # Given a PNG of a blank 8000 × 6000 canvas (48 megapixels) that compresses to a few kilobytes
    data = encoded(Image.new("1", (8000, 6000)), "PNG", optimize=True)
    assert len(data) < 100_000 and MAX_PIXELS < 8000 * 6000
    _, cleaned = clean_image(data)
    # When it is thumbnailed, Then it is refused by its pixel count
    with pytest.raises(ImageRejected, match="at most 40,000,000 pixels"):
        thumbnail(cleaned)
