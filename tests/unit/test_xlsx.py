"""The standard-library XLSX reader: cell types, gaps, sheet choice, and hostile files refused.

Workbooks are written by tests.support.xlsx_writer.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest

from tests.support.xlsx_writer import MAIN, grid_sheet, xlsx_workbook
from tradetrack.imports import xlsx
from tradetrack.imports.xlsx import XlsxError, XlsxTooLarge, read_xlsx_rows


def test_shared_inline_and_number_cells_land_where_their_references_put_them() -> None:
    # Given row 1 with a shared string in A1 and an inline string in C1 (B1 omitted), no row 2,
    # and row 3 with numbers from E3 on
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Qty.</t></is></c></row>'
        '<row r="3"><c r="E3"><v>1502.35</v></c><c r="F3"><v>0.1</v></c>'
        '<c r="G3" s="2"><v>45488</v></c></row>'
    )
    data = xlsx_workbook(sheet, shared=["unused", "Symbol"])
    # When it is read
    rows = read_xlsx_rows(data)
    # Then gaps are empty, and numbers (a date serial too) keep the text the file stores
    assert rows == [["Symbol", "", "Qty."], [], ["", "", "", "", "1502.35", "0.1", "45488"]]


def test_cells_and_rows_without_references_follow_on() -> None:
    # Given rows and cells that omit their `r` attribute (allowed by the format)
    sheet = "<row><c><v>1</v></c><c><v>2</v></c></row><row><c t='inlineStr'><is><t>x</t></is></c></row>"
    # When read, Then each cell takes the next column and each row the next number
    assert read_xlsx_rows(xlsx_workbook(sheet)) == [["1", "2"], ["x"]]


def test_booleans_errors_formula_strings_and_empty_cells() -> None:
    # Given a boolean, an error, a formula with a string result, a styled empty cell and a blank inline
    sheet = (
        '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="e"><v>#N/A</v></c>'
        '<c r="D1" t="str"><f>A1&amp;"x"</f><v>TRUEx</v></c><c r="E1" s="3"/>'
        '<c r="F1" t="inlineStr"><is><t></t></is></c></row>'
    )
    # When read, Then they read as Excel shows them and trailing empties are dropped
    assert read_xlsx_rows(xlsx_workbook(sheet)) == [["TRUE", "FALSE", "#N/A", "TRUEx"]]


def test_rich_text_skips_phonetic_runs_and_decodes_escapes() -> None:
    # Given a shared string in two formatted runs with a phonetic run, and one with `_x000D_` and &amp;
    sst = (
        f'<sst xmlns="{MAIN}"><si><r><rPr><b/></rPr><t>Unrealized </t></r><r><t>P&amp;L</t></r>'
        "<rPh sb='0' eb='1'><t>IGNORED</t></rPh></si><si><t>line_x000D_end</t></si></sst>"
    )
    sheet = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    data = xlsx_workbook(sheet, shared=["placeholder"], parts={"xl/sharedStrings.xml": sst.encode()})
    # When read, Then runs are joined, the phonetic text left out and escapes decoded
    assert read_xlsx_rows(data) == [["Unrealized P&L", "line\rend"]]


def test_the_sheet_is_chosen_by_tab_order_and_absolute_targets_resolve() -> None:
    # Given two sheets whose relationships use absolute part names
    data = xlsx_workbook(
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        '<row r="1"><c r="A1"><v>2</v></c></row>',
        absolute_targets=True,
    )
    # When each is asked for, Then each comes back; a third does not exist
    assert read_xlsx_rows(data) == [["1"]]
    assert read_xlsx_rows(data, sheet=1) == [["2"]]
    with pytest.raises(XlsxError, match="no sheet 3"):
        read_xlsx_rows(data, sheet=2)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<sst xmlns="{MAIN}"><si><t>&lol3;</t></si></sst>'
)


@pytest.mark.parametrize(
    ("part", "content"),
    [
        ("xl/sharedStrings.xml", BILLION_LAUGHS.encode()),
        (
            "xl/worksheets/sheet1.xml",
            b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet><sheetData/></worksheet>',
        ),
        (
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w []><workbook/>'.encode("utf-16"),
        ),
    ],
    ids=["entity-expansion", "external-entity", "utf16-doctype"],
)
def test_a_part_with_a_dtd_is_refused(part: str, content: bytes) -> None:
    # Given a workbook one of whose parts declares a DTD (entity bombs, external entities; a
    # UTF-16 part, so no byte search would see "<!DOCTYPE")
    data = xlsx_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=["x"], parts={part: content})
    # When read, Then it is refused before any entity is expanded
    with pytest.raises(XlsxError, match="declares a DTD"):
        read_xlsx_rows(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"Instrument,Qty.\nINFY,1\n", "not an XLSX file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "legacy .xls"),
        (b"PK\x03\x04 but truncated", "not a readable XLSX"),
    ],
    ids=["csv", "ole", "broken-zip"],
)
def test_what_is_not_an_xlsx_is_a_clear_value_error(data: bytes, reason: str) -> None:
    # Given bytes that are not a workbook, When read, Then a ValueError says what they are
    with pytest.raises(ValueError, match=reason):
        read_xlsx_rows(data)


def test_a_zip_without_a_workbook_is_refused() -> None:
    # Given a ZIP that is some other document
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<document/>")
    # When read, Then it is refused
    with pytest.raises(XlsxError, match="no workbook"):
        read_xlsx_rows(buffer.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    # Given a part that declares 51 MB of spaces (it compresses to a few kilobytes)
    bomb = b"<worksheet><sheetData/></worksheet>" + b" " * (51 * 1024 * 1024)
    data = xlsx_workbook("", parts={"xl/worksheets/sheet1.xml": bomb})
    assert len(data) < 200_000
    # When read, Then it is refused as too large
    with pytest.raises(XlsxTooLarge, match="inflates to"):
        read_xlsx_rows(data)


def test_parts_inflate_only_within_the_remaining_budget() -> None:
    # Given a package whose declared sizes passed the check, with 2,000 bytes of budget left
    data = xlsx_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=["x" * 5000])
    package = xlsx._Package(data)
    package._budget = 2000
    # When a 5 kB part is inflated, Then reading stops at the budget instead of trusting headers
    with pytest.raises(XlsxTooLarge, match="more than"):
        package.read("xl/sharedStrings.xml")


def test_the_declared_size_of_all_parts_together_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a limit of 1,000 bytes and parts that together declare more
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED_BYTES", 1000)
    data = xlsx_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=["x" * 600])
    # When read, Then it is refused before anything is inflated
    with pytest.raises(XlsxTooLarge, match="inflates to"):
        read_xlsx_rows(data)


def test_more_rows_than_allowed_are_refused() -> None:
    # Given a sheet whose last row is row 11, and an empty row far below (a memory trap)
    many = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 12))
    far = '<row r="1048576"/>'
    # When read with max_rows=10, Then both are refused; 11 rows are fine with max_rows=11
    with pytest.raises(XlsxTooLarge, match="more than 10 rows"):
        read_xlsx_rows(xlsx_workbook(many), max_rows=10)
    with pytest.raises(XlsxTooLarge, match="more than 200000 rows"):
        read_xlsx_rows(xlsx_workbook(far))
    assert len(read_xlsx_rows(xlsx_workbook(many), max_rows=11)) == 11


@pytest.mark.parametrize(
    ("sheet", "reason"),
    [
        ('<row r="2"/><row r="1"/>', "out of order"),
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "shared string '7'"),
        ('<row r="1"><c r="1A"><v>1</v></c></row>', "not like A1"),
        ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "past column XFD"),
        ('<row r="1"><c r="A1" t="b"><v>yes</v></c></row>', "not 0 or 1"),
        ('<row r="1"><c r="A1"><v>1</v></row>', "not well-formed"),
    ],
    ids=["rows-out-of-order", "bad-shared-index", "bad-ref", "too-far-right", "bad-boolean", "malformed"],
)
def test_malformed_sheets_are_refused_with_the_reason(sheet: str, reason: str) -> None:
    # Given a sheet the format does not allow, When read, Then the error names the problem
    with pytest.raises(XlsxError, match=reason):
        read_xlsx_rows(xlsx_workbook(sheet, shared=["only"]))


def test_grid_sheet_round_trips_through_the_reader() -> None:
    # Given a grid written the way Console writes its holdings (text shared, numbers as numbers)
    shared: list[str] = []
    sheet = grid_sheet([[None, "Client ID", "AB1234"], [], [None, "INFY", Decimal("10.0000")]], shared)
    # When read back, Then the grid is what was written, column A left empty
    assert read_xlsx_rows(xlsx_workbook(sheet, shared=shared)) == [
        ["", "Client ID", "AB1234"],
        [],
        ["", "INFY", "10.0000"],
    ]
