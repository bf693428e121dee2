"""A tiny SpreadsheetML (XLSX) writer for tests and fixtures: what Excel writes, no dependency."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def xlsx_workbook(
    *sheets: str,
    shared: Sequence[str] = (),
    absolute_targets: bool = False,
    parts: Mapping[str, bytes] | None = None,
) -> bytes:
    """A minimal workbook: one worksheet per `<sheetData>` body, in tab order; `parts` override."""
    prefix = "/xl/" if absolute_targets else ""
    files: dict[str, bytes] = {
        "[Content_Types].xml": (
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
    }
    tabs = "".join(f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, len(sheets) + 1))
    files["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}"><sheets>{tabs}</sheets></workbook>'
    ).encode()
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{DOC_REL}/worksheet" Target="{prefix}worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    if shared:
        links += (
            f'<Relationship Id="rIdS" Type="{DOC_REL}/sharedStrings" Target="{prefix}sharedStrings.xml"/>'
        )
        items = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in shared)
        files["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{items}</sst>'.encode()
    files["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG_REL}">{links}</Relationships>'.encode()
    for n, body in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{n}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
        ).encode()
    files.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def grid_sheet(rows: Sequence[Sequence[str | Decimal | None]], shared: list[str]) -> str:
    """`<sheetData>` rows as Excel writes them: text into `shared`, numbers as `<v>`, None left out."""
    out = []
    for number, cells in enumerate(rows, start=1):
        xml = []
        for column, value in enumerate(cells):
            ref = f"{_column_letters(column)}{number}"
            if isinstance(value, Decimal):
                xml.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                shared.append(value)
                xml.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        out.append(f'<row r="{number}">{"".join(xml)}</row>')
    return "".join(out)


# Zerodha Console's holdings export: its table header (tradetrack.imports.holdings)
CONSOLE_HEADER = [
    "Symbol",
    "ISIN",
    "Sector",
    "Quantity Available",
    "Quantity Discrepant",
    "Quantity Long Term",
    "Quantity Pledged (Margin)",
    "Quantity Pledged (Loan)",
    "Average Price",
    "Previous Closing Price",
    "Unrealized P&L",
    "Unrealized P&L Pct.",
]
