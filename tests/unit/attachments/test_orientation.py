"""A phone's photo stored sideways with an EXIF Orientation tag is shown upright once its EXIF is
gone (tradetrack.attachments.images.exif_orientation reads the tag before cleaning,
tradetrack.attachments.thumbnails.thumbnail applies it): the thumbnail and the stored image are
turned, the stored image keeps no EXIF. Pictures are made with Pillow: a grey canvas with one red
block in a known corner of the sensor's (stored) layout; where it must end up upright is worked
out by hand from the Exif 2.32 definition of each orientation value."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from tradetrack.attachments.images import clean_image, exif_orientation
from tradetrack.attachments.thumbnails import thumbnail

GREY, RED = (235, 235, 235), (220, 0, 0)
BLOCK = 100  # the red block's side, in pixels of the stored picture


def sensor_picture(size: tuple[int, int], corner: str) -> Image.Image:
    """A grey picture `size` with a red block in `corner` ("top-left", "bottom-right", ...)."""
    width, height = size
    image = Image.new("RGB", size, GREY)
    vertical, horizontal = corner.split("-")
    left = 0 if horizontal == "left" else width - BLOCK
    top = 0 if vertical == "top" else height - BLOCK
    image.paste(RED, (left, top, left + BLOCK, top + BLOCK))
    return image


def with_orientation(image: Image.Image, fmt: str, orientation: int) -> bytes:
    tags = Image.Exif()
    tags[0x0112] = orientation  # Orientation
    tags[0x010F] = "PhoneMaker"  # Make
    tags[0x8825] = {1: "N", 2: (12.0, 58.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, fmt, exif=tags, **({"quality": 95} if fmt != "PNG" else {}))
    return out.getvalue()


def red_corner(image: Image.Image) -> str:
    """Which corner holds the red block (sampled a few pixels in from each corner)."""
    image = image.convert("RGB")
    width, height = image.size
    inset_x, inset_y = max(2, width // 40), max(2, height // 40)
    corners = {
        "top-left": (inset_x, inset_y),
        "top-right": (width - 1 - inset_x, inset_y),
        "bottom-left": (inset_x, height - 1 - inset_y),
        "bottom-right": (width - 1 - inset_x, height - 1 - inset_y),
    }
    red = [name for name, at in corners.items() if _is_red(image.getpixel(at))]
    assert len(red) == 1, red
    return red[0]


def _is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    red, green, blue = pixel[:3]
    return bool(red > 150 and green < 90 and blue < 90)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_the_orientation_tag_is_read_from_the_upload_before_cleaning(fmt: str, orientation: int) -> None:
    # Given an image carrying EXIF with an Orientation tag (and a maker and GPS position)
    data = with_orientation(sensor_picture((160, 120), "top-left"), fmt, orientation)
    # When its orientation is read, Then it is the tag's value
    assert exif_orientation(data) == orientation
    # And once cleaned, there is no EXIF, and so no orientation, left
    _, cleaned = clean_image(data)
    assert exif_orientation(cleaned) == 1
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_a_big_endian_exif_and_images_without_one_read_as_upright() -> None:
    # Given a JPEG whose APP1 holds a Motorola-order (MM) TIFF with Orientation 6, written by hand
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
    tiff = b"MM" + struct.pack(">HI", 42, 8) + ifd
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    plain = io.BytesIO()
    sensor_picture((160, 120), "top-left").save(plain, "JPEG")
    jpeg = plain.getvalue()
    # When its orientation is read, Then it is 6
    assert exif_orientation(jpeg[:2] + app1 + jpeg[2:]) == 6
    # And a JPEG without EXIF, a damaged EXIF and something else are upright (1)
    assert exif_orientation(jpeg) == 1
    assert exif_orientation(jpeg[:2] + app1[:14] + jpeg[2:]) == 1
    assert exif_orientation(b"not an image") == 1


def test_a_portrait_phone_photo_stored_sideways_gets_an_upright_thumbnail_and_image() -> None:
    # Given a portrait photo as a phone stores it: an 800 × 600 landscape frame with Orientation 6
    # ("row 0 is the visual right side, column 0 the visual top"): the stored bottom-left corner
    # (last row, first column) is the picture's top-left corner
    data = with_orientation(sensor_picture((800, 600), "bottom-left"), "JPEG", 6)
    kind, cleaned = clean_image(data)
    # When the worker thumbnails it with the orientation read before cleaning
    size, thumb, thumb_size, upright = thumbnail(cleaned, exif_orientation(data))
    # Then the size told is the portrait one, and the thumbnail is portrait, red block top left
    assert size == (600, 800)
    small = Image.open(io.BytesIO(thumb))
    assert small.size == thumb_size == (320, 427)  # 800 × 320 / 600 = 426.7, rounded
    assert red_corner(small) == "top-left"
    # And the stored image is re-encoded upright, a JPEG 600 × 800 with the block top left and no EXIF
    assert upright is not None
    stored = Image.open(io.BytesIO(upright))
    assert (kind, stored.format, stored.size) == ("image/jpeg", "JPEG", (600, 800))
    assert red_corner(stored) == "top-left"
    assert not stored.getexif() and b"PhoneMaker" not in upright and b"Exif" not in upright


@pytest.mark.parametrize(
    ("orientation", "stored_corner", "shown_size"),
    [
        # 3: row 0 is the visual bottom, column 0 the visual right: turned half a turn
        (3, "bottom-right", (800, 600)),
        # 8: row 0 is the visual left side, column 0 the visual bottom: the stored top-right
        # (row 0, last column) is the visual top-left
        (8, "top-right", (600, 800)),
        # 2: row 0 is the visual top, column 0 the visual right: mirrored left to right
        (2, "top-right", (800, 600)),
    ],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_each_orientation_turns_the_picture_so_its_top_left_is_top_left(
    orientation: int, stored_corner: str, shown_size: tuple[int, int], fmt: str
) -> None:
    # Given a picture stored with its visual top-left block in `stored_corner`, and its orientation
    data = with_orientation(sensor_picture((800, 600), stored_corner), fmt, orientation)
    kind, cleaned = clean_image(data)
    # When it is thumbnailed with that orientation
    size, thumb, _, upright = thumbnail(cleaned, exif_orientation(data))
    # Then the thumbnail and the stored image show the block top left, at the shown size, no EXIF
    assert size == shown_size
    assert red_corner(Image.open(io.BytesIO(thumb))) == "top-left"
    assert upright is not None
    stored = Image.open(io.BytesIO(upright))
    assert (stored.format, stored.size, red_corner(stored)) == (fmt, shown_size, "top-left")
    assert not stored.getexif() and b"PhoneMaker" not in upright
    assert clean_image(upright) == (kind, upright)  # nothing left to strip


def test_an_upright_image_is_kept_byte_for_byte_as_cleaned() -> None:
    # Given a JPEG with Orientation 1 (and maker and GPS), cleaned
    data = with_orientation(sensor_picture((800, 600), "top-left"), "JPEG", 1)
    _, cleaned = clean_image(data)
    # When it is thumbnailed, Then no re-encoded image comes back: the cleaned bytes are stored
    size, thumb, _, upright = thumbnail(cleaned, exif_orientation(data))
    assert (size, upright) == ((800, 600), None)
    assert red_corner(Image.open(io.BytesIO(thumb))) == "top-left"
