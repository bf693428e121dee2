"""A small PDF 1.4 writer (ISO 32000-1) for tabular reports: text in the standard Helvetica fonts,
rules and shaded bands, A4 pages. Standard library only, so the Lambda layer carries no PDF library
(fpdf2 brings Pillow and fontTools: about 53 MB unzipped, measured in docs/reports.md).

The 14 standard fonts need no embedding (§9.6.2.2); text is WinAnsi (cp1252), and a character
outside it is written as "?" (the rupee sign as "Rs"). Widths are Adobe's Helvetica and
Helvetica-Bold AFM metrics (character codes 32-126; others count as 556), so right-aligned
numbers line up. Content streams are Flate-compressed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "right"]
Rgb = tuple[float, float, float]
A4_LANDSCAPE = (842.0, 595.0)
A4_PORTRAIT = (595.0, 842.0)

# AFM WX of codes 32..126 (Helvetica, Helvetica-Bold).
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
    722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
    278, 333, 584, 556, 278, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip


# Width units per WinAnsi byte (codes outside 32-126 count as 556).
_WIDTHS = {
    False: tuple(_REGULAR[code - 32] if 32 <= code <= 126 else 556 for code in range(256)),
    True: tuple(_BOLD[code - 32] if 32 <= code <= 126 else 556 for code in range(256)),
}


def win_ansi(text: str) -> bytes:
    """The text in WinAnsi (cp1252); the rupee sign as "Rs", anything else outside it as "?"."""
    if text.isascii() and text.isprintable():
        return text.encode("ascii")
    text = text.replace("₹", "Rs ").replace("\n", " ").replace("\r", " ")
    return text.encode("cp1252", errors="replace")


def _units(data: bytes, bold: bool) -> int:
    return sum(map(_WIDTHS[bold].__getitem__, data))


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    return _units(win_ansi(text), bold) * size / 1000


def _fit(data: bytes, width: float, size: float, bold: bool) -> bytes:
    limit = width * 1000 / size
    if _units(data, bold) <= limit:
        return data
    dots = _units(b"..", bold)
    while data and _units(data, bold) + dots > limit:
        data = data[:-1]
    return data + b".."


def fit(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """The text, cut and ended with ".." when it is wider than `width` points."""
    return _fit(win_ansi(text), width, size, bold).decode("cp1252")


def _literal(data: bytes) -> bytes:
    if b"\\" in data or b"(" in data or b")" in data:
        data = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + data + b")"


def _num(value: float) -> bytes:
    return b"%.2f" % value


@dataclass
class PdfDocument:
    """Pages drawn in points from the top-left corner (y grows downwards, unlike PDF's own space)."""

    size: tuple[float, float] = A4_LANDSCAPE
    title: str = ""
    pages: list[list[bytes]] = field(default_factory=list)

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def height(self) -> float:
        return self.size[1]

    def new_page(self) -> None:
        self.pages.append([])

    def _ops(self) -> list[bytes]:
        if not self.pages:
            self.new_page()
        return self.pages[-1]

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = 9,
        bold: bool = False,
        align: Align = "left",
        page: int | None = None,
        width: float | None = None,
    ) -> None:
        """Text whose baseline is at y; align "right" ends it at x; on `page` (default: the last);
        cut to `width` points (ended with "..") when given."""
        data = win_ansi(text)
        if width is not None:
            data = _fit(data, width, size, bold)
        if align == "right":
            x -= _units(data, bold) * size / 1000
        ops = self._ops() if page is None else self.pages[page]
        font = b"/F2" if bold else b"/F1"
        ops.append(b"BT %s %.2f Tf %.2f %.2f Td %s Tj ET" % (font, size, x, self.height - y, _literal(data)))

    def rule(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        h = self.height
        self._ops().append(
            _num(width) + b" w " + _num(x1) + b" " + _num(h - y1) + b" m "
            + _num(x2) + b" " + _num(h - y2) + b" l S"
        )  # fmt: skip

    def band(
        self, x: float, y: float, w: float, h: float, *, gray: float = 0.92, rgb: Rgb | None = None
    ) -> None:
        """A filled rectangle with its top-left corner at (x, y), gray or in an RGB colour (0-1)."""
        fill = b"%.3f %.3f %.3f rg" % rgb if rgb is not None else _num(gray) + b" g"
        self._ops().append(
            b"q " + fill + b" " + _num(x) + b" " + _num(self.height - y - h) + b" "
            + _num(w) + b" " + _num(h) + b" re f Q"
        )  # fmt: skip

    def polyline(
        self, points: list[tuple[float, float]], *, width: float = 1.0, rgb: Rgb = (0, 0, 0)
    ) -> None:
        """A line through the points (top-left origin), in an RGB colour."""
        if len(points) < 2:
            return
        path = b" ".join(
            b"%.2f %.2f %s" % (x, self.height - y, b"l" if i else b"m") for i, (x, y) in enumerate(points)
        )
        self._ops().append(b"q %.3f %.3f %.3f RG " % rgb + _num(width) + b" w " + path + b" S Q")

    def to_bytes(self) -> bytes:
        if not self.pages:
            self.new_page()
        # Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then (page, content) pairs.
        objects: list[bytes] = [b"", b"", b"", b"", b""]
        kids: list[bytes] = []
        for ops in self.pages:
            page_no, content_no = len(objects) + 1, len(objects) + 2
            kids.append(f"{page_no} 0 R".encode())
            stream = zlib.compress(b"\n".join(ops))
            objects.append(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + _num(self.width) + b" "
                + _num(self.height) + b"] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents "
                + f"{content_no} 0 R".encode() + b" >>"
            )  # fmt: skip
            objects.append(
                b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
                + stream + b"\nendstream"
            )  # fmt: skip
        objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
        objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + f"] /Count {len(kids)} >>".encode()
        font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
        objects[2] = font % b"Helvetica"
        objects[3] = font % b"Helvetica-Bold"
        objects[4] = b"<< /Title " + _literal(win_ansi(self.title)) + b" /Producer (TradeTrack) >>"
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets: list[int] = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>"
        out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)
