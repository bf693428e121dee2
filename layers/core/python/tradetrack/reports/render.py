"""Report files from the layout (tradetrack.reports.layout): CSV, XLSX (xlsxwriter, imported on
first use by the report worker only) and PDF (tradetrack.reports.pdf).

Text cells go through tradetrack.exports.neutralise in CSV and XLSX alike: text starting with
= + - @ tab or CR gets a leading quote, so no spreadsheet evaluates it (OWASP "CSV Injection").
XLSX text is written with write_string, never as a formula; money is a number cell formatted to
the paisa, dates are date cells (IST).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tradetrack.display import amount
from tradetrack.exports import neutralise, write_csv
from tradetrack.models.analytics import TaxPnlOut
from tradetrack.models.trades import TradeOut
from tradetrack.reports.layout import HISTORY, Cell, Column, Section, Sheet, history_row, tax_sheets
from tradetrack.reports.pdf import A4_LANDSCAPE, PdfDocument, fit
from tradetrack.timeutil import IST

MARGIN = 30.0
_RIGHT = frozenset({"money", "int", "rate"})
ROW = 10.5
FONT = 6.8


def csv_text(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> str:
    def plain(cell: Cell) -> str | int | Decimal | datetime | None:
        if isinstance(cell, date) and not isinstance(cell, datetime):
            return cell.isoformat()
        return cell

    return write_csv([c.title for c in columns], ([plain(cell) for cell in row] for row in rows))


# ---- XLSX --------------------------------------------------------------------------------------


def _ist_naive(moment: datetime) -> datetime:
    return moment.astimezone(IST).replace(tzinfo=None) if moment.tzinfo else moment


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    import xlsxwriter  # the report worker only: 0.1-0.4 s of import the API functions never pay

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    styles: dict[str, Any] = {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "heading": book.add_format({"bold": True, "font_size": 11}),
        "header": book.add_format({"bold": True, "bg_color": "#E8E8E8", "bottom": 1}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "rate": book.add_format({"num_format": "0.0#"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "total": book.add_format({"bold": True, "top": 1}),
        "total_money": book.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
    }
    for sheet in sheets:
        page = book.add_worksheet(sheet.name[:31])
        page.write_string(0, 0, neutralise(sheet.title), styles["title"])
        width = max((len(s.columns) for s in sheet.sections), default=1)
        page.set_column(0, 0, 22)
        page.set_column(1, width - 1, 15)
        line = 2
        for section in sheet.sections:
            line = _xlsx_section(page, styles, section, line) + 1
    book.close()
    return out.getvalue()


def _xlsx_cell(
    page: Any, styles: dict[str, Any], row: int, col: int, cell: Cell, kind: str, total: bool
) -> None:
    if cell is None:
        return
    if isinstance(cell, str):
        page.write_string(row, col, neutralise(str(cell)), styles["total"] if total else None)
    elif isinstance(cell, datetime):
        page.write_datetime(row, col, _ist_naive(cell), styles["datetime"])
    elif isinstance(cell, date):
        page.write_datetime(row, col, datetime(cell.year, cell.month, cell.day), styles["date"])
    elif kind == "money":
        page.write_number(row, col, cell, styles["total_money" if total else "money"])
    elif kind == "rate":
        page.write_number(row, col, cell, styles["rate"])
    else:
        page.write_number(row, col, cell, styles["total"] if total else None)


def _xlsx_section(page: Any, styles: dict[str, Any], section: Section, line: int) -> int:
    page.write_string(line, 0, neutralise(section.heading), styles["heading"])
    line += 1
    for col, column in enumerate(section.columns):
        page.write_string(line, col, column.title, styles["header"])
    line += 1
    for row in section.rows:
        for col, (cell, column) in enumerate(zip(row, section.columns, strict=True)):
            _xlsx_cell(page, styles, line, col, cell, column.kind, False)
        line += 1
    if section.total is not None:
        for col, (cell, column) in enumerate(zip(section.total, section.columns, strict=True)):
            _xlsx_cell(page, styles, line, col, cell, column.kind, True)
        line += 1
    if section.note:
        page.write_string(line, 0, neutralise(section.note), styles["note"])
        line += 1
    return line


# ---- PDF ---------------------------------------------------------------------------------------


def pdf_text(cell: Cell, kind: str) -> str:
    """A cell as the PDF prints it: money to the paisa with Indian grouping, dates ISO."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(IST).strftime("%Y-%m-%d %H:%M") if cell.tzinfo else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Decimal) and kind == "money":
        return amount(cell, symbol="")
    return str(cell)


class TablePages:
    """Draws sections top to bottom, starting a new page (with the table header again) when full."""

    def __init__(self, doc: PdfDocument, header: str) -> None:
        self.doc, self.header, self.y = doc, header, 0.0
        self.width = doc.width - 2 * MARGIN
        self.start()

    def start(self) -> None:
        self.doc.new_page()
        self.doc.text(MARGIN, MARGIN, self.header, size=8, bold=True)
        self.doc.rule(MARGIN, MARGIN + 4, self.doc.width - MARGIN, MARGIN + 4)
        self.y = MARGIN + 18

    def room(self, height: float) -> None:
        if self.y + height > self.doc.height - MARGIN - 14:
            self.start()

    def title(self, text: str) -> None:
        self.room(40)
        self.doc.text(MARGIN, self.y + 10, text, size=12, bold=True)
        self.y += 20

    def section(self, section: Section) -> None:
        self.room(ROW * 4 + 16)
        self.doc.text(MARGIN, self.y + 9, section.heading, size=9.5, bold=True)
        self.y += 14
        widths = self._widths(section.columns)
        self._header(section.columns, widths)
        for row in section.rows:
            if self.y + ROW > self.doc.height - MARGIN - 14:
                self.start()
                self._header(section.columns, widths)
            self._row(row, section.columns, widths, bold=False)
        if section.total is not None:
            self.room(ROW + 2)
            self.doc.rule(MARGIN, self.y, MARGIN + self.width, self.y, width=0.6)
            self._row(section.total, section.columns, widths, bold=True)
        if section.note:
            self.room(ROW + 2)
            self.doc.text(MARGIN, self.y + 8, fit(section.note, self.width, FONT), size=FONT)
            self.y += ROW
        self.y += 8

    def _widths(self, columns: Sequence[Column]) -> list[float]:
        total = sum(c.weight for c in columns)
        return [self.width * c.weight / total for c in columns]

    def _header(self, columns: Sequence[Column], widths: Sequence[float]) -> None:
        self.doc.band(MARGIN, self.y, self.width, ROW + 1)
        self._cells([c.title for c in columns], columns, widths, bold=True)

    def _row(
        self, row: Sequence[Cell], columns: Sequence[Column], widths: Sequence[float], *, bold: bool
    ) -> None:
        self._cells(
            [pdf_text(cell, c.kind) for cell, c in zip(row, columns, strict=True)], columns, widths, bold=bold
        )

    def _cells(
        self, texts: Sequence[str], columns: Sequence[Column], widths: Sequence[float], *, bold: bool
    ) -> None:
        x, baseline = MARGIN, self.y + 8
        for text, column, width in zip(texts, columns, widths, strict=True):
            if not text:
                pass
            elif column.kind in _RIGHT:
                self.doc.text(
                    x + width - 2, baseline, text, size=FONT, bold=bold, align="right", width=width - 10
                )
            else:
                left = x + (2 if x == MARGIN else 8)
                self.doc.text(left, baseline, text, size=FONT, bold=bold, width=width - 10)
            x += width
        self.y += ROW


def pdf_bytes(sheets: Sequence[Sheet], title: str) -> bytes:
    doc = PdfDocument(A4_LANDSCAPE, title=title)
    pages = TablePages(doc, title)
    for sheet in sheets:
        pages.title(sheet.title)
        for section in sheet.sections:
            pages.section(section)
    count = len(doc.pages)
    for index in range(count):
        doc.text(
            doc.width - MARGIN,
            doc.height - MARGIN + 6,
            f"page {index + 1} of {count}",
            size=7,
            align="right",
            page=index,
        )
    return doc.to_bytes()


def tax_file(tax: TaxPnlOut, file_format: str, generated_at: datetime) -> bytes:
    """The FY tax P&L as XLSX or PDF."""
    sheets = tax_sheets(tax, generated_at)
    if file_format == "xlsx":
        return xlsx_bytes(sheets)
    return pdf_bytes(sheets, f"TradeTrack tax P&L statement, FY {tax.fy}")


def history_file(trades: Sequence[TradeOut], file_format: str, period: str) -> bytes:
    """The trade history as CSV (UTF-8, CRLF) or XLSX."""
    rows = [history_row(trade) for trade in trades]
    if file_format == "csv":
        return csv_text(HISTORY, rows).encode()
    title = f"Trade history, FY {period}: {len(rows)} trades"
    return xlsx_bytes([Sheet("Trades", title, [Section("Trades", HISTORY, rows)])])
