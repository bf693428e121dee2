"""Screenshots by their bytes, stripped of metadata (tradetrack.attachments.images): real PNG, JPEG
and WebP files made with Pillow (a dev dependency; the layer does not carry it), carrying EXIF with
a GPS position, XMP and text, read back with Pillow after cleaning."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image, PngImagePlugin

from tradetrack.attachments.images import MAX_BYTES, ImageRejected, clean_image, sniff

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def screenshot() -> Image.Image:
    image = Image.new("RGB", (64, 48), (20, 120, 200))
    image.putpixel((3, 4), (255, 0, 0))
    return image


def exif() -> Image.Exif:
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"  # Make
    tags[0x0132] = "2025:01:02 03:04:05"  # DateTime
    tags[0x8825] = {1: "N", 2: (12.0, 58.0, 0.0)}  # GPS: latitude
    return tags


def saved(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    screenshot().save(out, fmt, **options)
    return out.getvalue()


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Trader's phone")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return saved("PNG", exif=exif(), pnginfo=info)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("image/png", png_with_metadata()),
        ("image/jpeg", saved("JPEG", exif=exif(), comment=b"shot on a phone", quality=90)),
        ("image/webp", saved("WEBP", exif=exif(), xmp=XMP, lossless=True)),
    ],
)
def test_metadata_is_stripped_and_the_picture_kept(kind: str, data: bytes) -> None:
    # Given a screenshot with EXIF (maker, time, GPS), XMP and text in it
    before = Image.open(io.BytesIO(data))
    assert before.getexif() and b"PhoneMaker" in data
    # When it is cleaned
    found, cleaned = clean_image(data)
    # Then it is told by its bytes, and no metadata is left in the file
    assert found == kind
    assert b"PhoneMaker" not in cleaned and b"xmpmeta" not in cleaned and b"Trader's phone" not in cleaned
    assert b"shot on a phone" not in cleaned
    after = Image.open(io.BytesIO(cleaned))
    after.load()
    assert not after.getexif() and "exif" not in after.info and "xmp" not in after.info
    # And the picture is the same (PNG and lossless WebP pixel for pixel; JPEG decodes the same)
    assert after.size == (64, 48) and after.format == before.format
    assert after.convert("RGB").tobytes() == before.convert("RGB").tobytes()
    # And cleaning again changes nothing
    assert clean_image(cleaned) == (kind, cleaned)


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><body>not a picture</body></html>",
        b"%PDF-1.4\n",
        b"GIF89a" + bytes(20),
        b"",
    ],
)
def test_anything_but_png_jpeg_and_webp_is_refused_whatever_its_name(data: bytes) -> None:
    assert sniff(data) is None
    with pytest.raises(ImageRejected, match="not a PNG, JPEG or WebP image"):
        clean_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_or_damaged_file_is_refused(fmt: str) -> None:
    data = saved(fmt)
    with pytest.raises(ImageRejected, match="damaged"):
        clean_image(data[: len(data) // 3] if fmt != "JPEG" else data[:40])
    if fmt == "PNG":  # a flipped bit in IHDR fails its CRC
        broken = bytearray(data)
        broken[20] ^= 0x01
        with pytest.raises(ImageRejected, match="bad CRC in IHDR"):
            clean_image(bytes(broken))


def test_over_5_mb_is_refused_before_it_is_read() -> None:
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", MAX_BYTES) + b"IDAT" + bytes(MAX_BYTES)
    with pytest.raises(ImageRejected, match="over 5,242,880 bytes"):
        clean_image(data)
