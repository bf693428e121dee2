"""Screenshots as uploaded: PNG, JPEG or WebP, at most 5 MB, told by their bytes (never by a file
name or a declared type), and rewritten without their metadata (EXIF: camera, GPS position, time;
XMP; text and comment chunks), standard library only.

- PNG (ISO/IEC 15948, PNG 3rd ed. for eXIf): the chunks that draw the image are kept (IHDR, PLTE,
  IDAT, IEND, transparency, colour space, physical size, background, animation); every other
  ancillary chunk (eXIf, tEXt, zTXt, iTXt, tIME, private ones) is dropped. Each kept chunk's CRC is
  checked, so a damaged file is refused rather than passed on.
- JPEG (ITU-T T.81, JFIF, Exif 2.32): before the first scan, APPn segments other than APP0 (JFIF),
  APP2 (ICC profile) and APP14 (Adobe colour transform) go, and so do comments (COM); from the
  first SOS on, the data is copied as it is.
- WebP (RIFF, Google's container spec): the EXIF and "XMP " chunks are dropped, the VP8X header's
  EXIF and XMP flags cleared and the RIFF size recomputed.

The EXIF Orientation tag (a phone's portrait photo is stored sideways with Orientation 6) is read
before the metadata goes (`exif_orientation`); the attachment worker turns the picture upright
by it (tradetrack.attachments.thumbnails), since the cleaned file no longer says how to show it.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal

MAX_BYTES = 5 * 1024 * 1024
ImageType = Literal["image/png", "image/jpeg", "image/webp"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEPT = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs",
     b"bKGD", b"cICP", b"acTL", b"fcTL", b"fdAT"}
)  # fmt: skip
JPEG_KEPT_APP = frozenset({0xE0, 0xE2, 0xEE})  # APP0 JFIF, APP2 ICC profile, APP14 Adobe
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04
_EXIF_HEADER = b"Exif\x00\x00"
_ORIENTATION_TAG, _SHORT = 0x0112, 3


class ImageRejected(ValueError):
    """Not a PNG, JPEG or WebP image this service keeps; the message says why."""


def sniff(data: bytes) -> ImageType | None:
    """The image type the bytes are, by their signature; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_image(data: bytes, max_bytes: int | None = MAX_BYTES) -> tuple[ImageType, bytes]:
    """(type, the image without metadata); ImageRejected for anything else, over `max_bytes` (None:
    any size, for the worker's own re-encoding) or damaged."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageRejected(f"the image is over {max_bytes:,} bytes")
    kind = sniff(data)
    if kind is None:
        raise ImageRejected("not a PNG, JPEG or WebP image")
    try:
        if kind == "image/png":
            return kind, _png(data)
        if kind == "image/jpeg":
            return kind, _jpeg(data)
        return kind, _webp(data)
    except (struct.error, IndexError) as exc:
        raise ImageRejected(f"a damaged {kind.removeprefix('image/').upper()} file") from exc


def _png(data: bytes) -> bytes:
    out, at = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while True:
        (length,) = struct.unpack_from(">I", data, at)
        chunk_type = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise ImageRejected("a damaged PNG file: a chunk runs past the end")
        body = data[at + 8 : at + 8 + length]
        if chunk_type in PNG_KEPT:
            (crc,) = struct.unpack_from(">I", data, at + 8 + length)
            if zlib.crc32(chunk_type + body) != crc:
                raise ImageRejected(f"a damaged PNG file: bad CRC in {chunk_type.decode('latin-1')}")
            out.append(data[at:end])
        if chunk_type == b"IEND":
            return b"".join(out)
        at = end


def _jpeg(data: bytes) -> bytes:
    out, at = [b"\xff\xd8"], 2
    while True:
        if data[at] != 0xFF:
            raise ImageRejected("a damaged JPEG file: a segment does not start with a marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker in _JPEG_STANDALONE:
            out.append(data[at : at + 2])
            at += 2
            continue
        if marker == 0xD9:  # EOI before any scan
            raise ImageRejected("a damaged JPEG file: no image data")
        (length,) = struct.unpack_from(">H", data, at + 2)
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise ImageRejected("a damaged JPEG file: a segment runs past the end")
        if marker == 0xDA:  # SOS: the scans and everything after them, as they are
            out.append(data[at:])
            return b"".join(out)
        metadata = (0xE0 <= marker <= 0xEF and marker not in JPEG_KEPT_APP) or marker == 0xFE
        if not metadata:
            out.append(data[at:end])
        at = end


def _webp(data: bytes) -> bytes:
    (size,) = struct.unpack_from("<I", data, 4)
    if size + 8 > len(data) or size < 4:
        raise ImageRejected("a damaged WebP file: the RIFF size is wrong")
    chunks, at, end = [], 12, 8 + size
    while at + 8 <= end:
        fourcc = data[at : at + 4]
        (length,) = struct.unpack_from("<I", data, at + 4)
        stop = at + 8 + length + (length & 1)
        if at + 8 + length > end:
            raise ImageRejected("a damaged WebP file: a chunk runs past the end")
        chunk = data[at : min(stop, end)]
        if fourcc == b"VP8X":
            flags = chunk[8] & ~(_VP8X_EXIF | _VP8X_XMP)
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if fourcc not in (b"EXIF", b"XMP "):
            chunks.append(chunk)
        at = stop
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def exif_orientation(data: bytes) -> int:
    """The EXIF Orientation (1-8, TIFF 6.0 / Exif 2.32 tag 0x0112) of a PNG (eXIf), JPEG (APP1
    Exif) or WebP (EXIF chunk) as uploaded; 1, shown as stored, when there is none or it is unreadable."""
    try:
        tiff = _exif_block(data)
        found = _orientation(tiff) if tiff else 1
    except (struct.error, IndexError):
        return 1
    return found if 1 <= found <= 8 else 1


def _exif_block(data: bytes) -> bytes | None:
    """The TIFF structure of the image's EXIF, or None."""
    kind = sniff(data)
    if kind == "image/jpeg":
        return _jpeg_exif(data)
    if kind == "image/png":
        return _png_exif(data)
    return _webp_exif(data) if kind == "image/webp" else None


def _jpeg_exif(data: bytes) -> bytes | None:
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF or marker in _JPEG_STANDALONE:
            at += 1 if marker == 0xFF else 2
            continue
        if marker in (0xDA, 0xD9):  # the scans: no metadata segment comes after
            return None
        (length,) = struct.unpack_from(">H", data, at + 2)
        body = data[at + 4 : at + 2 + length]
        if marker == 0xE1 and body.startswith(_EXIF_HEADER):
            return body[len(_EXIF_HEADER) :]
        at += 2 + length
    return None


def _png_exif(data: bytes) -> bytes | None:
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, at)
        chunk_type = data[at + 4 : at + 8]
        if chunk_type == b"eXIf":
            return data[at + 8 : at + 8 + length]
        if chunk_type == b"IEND":
            return None
        at += 12 + length
    return None


def _webp_exif(data: bytes) -> bytes | None:
    at = 12
    while at + 8 <= len(data):
        (length,) = struct.unpack_from("<I", data, at + 4)
        if data[at : at + 4] == b"EXIF":
            body = data[at + 8 : at + 8 + length]
            return body.removeprefix(_EXIF_HEADER)
        at += 8 + length + (length & 1)
    return None


def _orientation(tiff: bytes) -> int:
    """Tag 0x0112 of IFD0 (a SHORT), or 1."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        return 1
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        tag, value_type = struct.unpack_from(order + "HH", tiff, entry)
        if tag == _ORIENTATION_TAG:
            return int(struct.unpack_from(order + "H", tiff, entry + 8)[0]) if value_type == _SHORT else 1
    return 1
