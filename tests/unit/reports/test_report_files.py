"""Golden report files: a known FY 2024-25 book (tests/unit/reports/golden.py, every figure worked
by hand) rendered as XLSX and PDF tax P&L statements and a trade history as CSV and XLSX, then read
back as a person's tools read them: the XLSX through tradetrack.imports.xlsx, the CSV through the
csv module, the PDF through Debian's pdftotext. Page 1 of the PDF is kept as a PNG (pdftoppm) in
build/report-artifacts/ for a look."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.reports.golden import GENERATED, HEADS, SPLIT, TOTAL, tax
from tradetrack.imports.xlsx import read_xlsx_rows
from tradetrack.journal import to_trade_out
from tradetrack.reports.pdf import PdfDocument
from tradetrack.reports.render import history_file, tax_file

ARTIFACTS = Path(__file__).resolve().parents[3] / "build" / "report-artifacts"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils not installed (make servers installs it)",
)
R = 10_000
HOSTILE = ['=HYPERLINK("http://x","y")', "+91 98", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def pdf_lines(data: bytes) -> list[str]:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return [" ".join(line.split()) for line in done.stdout.decode().splitlines() if line.strip()]


def indian(text: str) -> str:
    """A hand-computed amount as the PDF prints it: two decimals, Indian grouping."""
    whole, _, fraction = f"{abs(int(text)):,}.00".partition(".")
    digits = whole.replace(",", "")
    grouped = digits[-3:]
    rest = digits[:-3]
    while rest:
        grouped = f"{rest[-2:]},{grouped}"
        rest = rest[:-2]
    return ("-" if text.startswith("-") else "") + f"{grouped}.{fraction}"


def test_tax_xlsx_cells_equal_the_hand_computed_figures() -> None:
    # Given the known book's tax P&L / When rendered as XLSX and read back
    data = tax_file(tax(), "xlsx", GENERATED)
    summary = read_xlsx_rows(data, sheet=0)
    # Then the summary by head, its total and the 23 Jul 2024 split are the worked figures
    assert summary[0] == ["Tax P&L statement, FY 2024-25"]
    header = summary.index(["Head", "Trades", "Turnover", "Realized P&L", "Charges", "Net P&L"])
    expected = [[h, str(n), *money] for h, n, *money in [*HEADS, TOTAL]]
    assert summary[header + 1 : header + 6] == expected
    split = summary.index(["Head", "Sold", "Rate %", "Sales", "Realized P&L", "Charges", "Net P&L"])
    assert summary[split + 1 : split + 5] == [[h, b, r, str(n), *money] for h, b, r, n, *money in SPLIT]
    assert summary[split + 5] == ["s.112A exemption on the FY's aggregate LTCG: ₹1,25,000.00"]
    charges = summary.index(["Head", "Sales rows", "Charges"])
    assert summary[charges + 5] == ["Total", "7", "120"]
    # And the LTCG sheet has per-scrip and per-sale rows (dates as Excel serials: 2024-08-20 = 45524)
    ltcg = read_xlsx_rows(data, sheet=3)
    assert ltcg[0] == ["Long-term capital gains (LTCG), FY 2024-25: turnover ₹8,800.00"]
    scrip = ltcg.index(
        [
            "Symbol",
            "Exchange",
            "ISIN",
            "Sales",
            "Quantity",
            "Entry value",
            "Exit value",
            "Cost",
            "Realized P&L",
            "Charges",
            "Net P&L",
        ]
    )
    assert ltcg[scrip + 1 : scrip + 4] == [
        ["HDFCBANK", "NSE", "INEHDFCBA01", "1", "10", "10000", "17000", "10000", "7000", "5", "6995"],
        ["RELIANCE", "NSE", "INERELIAN01", "1", "2", "4000", "5800", "4000", "1800", "3", "1797"],
        ["Total", "", "", "2", "", "14000", "22800", "14000", "8800", "8", "8792"],
    ]
    sale = ltcg.index(
        [
            "Symbol",
            "ISIN",
            "Acquired",
            "Sold",
            "Days",
            "Quantity",
            "Entry value",
            "Exit value",
            "Cost",
            "Realized P&L",
            "Charges",
            "Net P&L",
            "Period",
        ]
    )
    assert ltcg[sale + 2] == [
        "HDFCBANK",
        "INEHDFCBA01",
        "44936",
        "45524",
        "588",
        "10",
        "10000",
        "17000",
        "10000",
        "7000",
        "5",
        "6995",
        "on or after 23 Jul 2024",
    ]
    fno = read_xlsx_rows(data, sheet=4)
    assert fno[0] == ["F&O (non-speculative business income), FY 2024-25: turnover ₹1,800.00"]
    # buy 50 x 100 + 15 x 200 = 8,000; sell 50 x 130 + 15 x 180 = 9,200
    assert ["Total", "", "", "2", "", "8000", "9200", "8000", "1200", "70", "1130"] in fno


@needs_poppler
def test_tax_pdf_text_equals_the_hand_computed_figures() -> None:
    # Given the known book's tax P&L / When rendered as PDF and its text extracted by pdftotext
    data = tax_file(tax(), "pdf", GENERATED)
    lines = pdf_lines(data)
    # Then every head, the total and the split carry the worked figures, Indian-grouped
    for head, trades, *money in [*HEADS, TOTAL]:
        assert f"{head} {trades} {' '.join(indian(m) for m in money)}" in lines
    for head, bucket, rate, sales, *money in SPLIT:
        assert f"{head} {bucket} {rate} {sales} {' '.join(indian(m) for m in money)}" in lines
    assert "s.112A exemption on the FY's aggregate LTCG: Rs 1,25,000.00" in lines
    # And per-scrip and per-sale rows of each head, and page numbers
    assert "SBIN NSE INESBIN01 1 100 80,000.00 79,500.00 80,000.00 -500.00 12.00 -512.00" in lines
    assert (
        "RELIANCE INERELIAN01 2022-03-01 2024-05-15 806 2 4,000.00 5,800.00 4,000.00 1,800.00 3.00 "
        "1,797.00 before 23 Jul 2024"
    ) in lines
    assert "BANKNIFTY24NOV52000PE NFO 1 15 3,000.00 2,700.00 3,000.00 -300.00 30.00 -330.00" in lines
    assert "F&O (non-speculative business income), FY 2024-25: turnover Rs 1,800.00" in lines
    pages = [line for line in lines if line.startswith("page ")]
    assert pages and pages[-1] == f"page {len(pages)} of {len(pages)}"
    # And page 1 as a PNG for a person to look at
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "tax-pnl-2024-25.pdf").write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(ARTIFACTS / "tax-pnl-2024-25.pdf"),
            str(ARTIFACTS / "tax-pnl-2024-25"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "tax-pnl-2024-25.png").read_bytes().startswith(b"\x89PNG")


def trade_doc(number: int, notes: str, tags: list[str], strategy: str | None) -> dict[str, Any]:
    opened = datetime(2024, 9, 2, 4, 0, tzinfo=UTC)  # 09:30 IST
    return {
        "_id": f"trd_{number:024x}",
        "accountId": "manual",
        "symbol": "INFY",
        "exchange": "NSE",
        "segment": "EQ",
        "direction": "LONG",
        "status": "closed",
        "category": "intraday",
        "openedAt": opened,
        "closedAt": opened.replace(hour=9, minute=45),
        "quantity": 10,
        "avgEntry": 1_400 * R,
        "avgExit": 1_412_5000,
        "realizedPnl": 125 * R,
        "charges": 12_3456,
        "netPnl": 125 * R - 12_3456,
        "holdingDays": 0,
        "notes": notes,
        "tags": tags,
        "strategy": strategy,
    }


def history() -> list[Any]:
    docs = [trade_doc(1, "plain note, with a comma", ["breakout"], "ORB")]
    docs += [trade_doc(i + 2, text, [text], text) for i, text in enumerate(HOSTILE)]
    return [to_trade_out(doc) for doc in docs]


def test_history_csv_cells_and_formula_neutralisation() -> None:
    # Given trades whose notes, tags and strategy start with = + - @ tab or CR
    data = history_file(history(), "csv", "2024-25")
    # When the CSV is parsed
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    # Then the header, and the first trade's cells (IST times, money to the paisa as given)
    assert rows[0][:4] == ["Trade", "Account", "Symbol", "Exchange"]
    assert rows[1] == [
        f"trd_{1:024x}",
        "manual",
        "INFY",
        "NSE",
        "EQ",
        "LONG",
        "closed",
        "intraday",
        "2024-09-02T09:30:00+05:30",
        "2024-09-02T15:15:00+05:30",
        "10",
        "1400",
        "1412.5",
        "125",
        "12.3456",
        "112.6544",
        "0",
        "ORB",
        "breakout",
        "plain note, with a comma",
    ]
    # And every hostile text cell begins with a quote, so no spreadsheet evaluates it
    for row, text in zip(rows[2:], HOSTILE, strict=True):
        assert row[17:] == [f"'{text}"] * 3
    assert len(rows) == 1 + 1 + len(HOSTILE)


def test_history_xlsx_cells_and_formula_neutralisation() -> None:
    data = history_file(history(), "xlsx", "2024-25")
    rows = read_xlsx_rows(data)
    assert rows[0] == ["Trade history, FY 2024-25: 7 trades"]
    header = next(i for i, row in enumerate(rows) if row[:1] == ["Trade"])
    first = rows[header + 1]
    # money as numbers, IST date-times as Excel serials (2024-09-02 09:30 = 45537.395833...)
    assert first[:8] == [f"trd_{1:024x}", "manual", "INFY", "NSE", "EQ", "LONG", "closed", "intraday"]
    assert first[8].startswith("45537.39583") and first[10:17] == [
        "10",
        "1400",
        "1412.5",
        "125",
        "12.3456",
        "112.6544",
        "0",
    ]
    for row, text in zip(rows[header + 2 :], HOSTILE, strict=True):
        assert row[17:] == [f"'{text}"] * 3
    # and no cell is a formula: the workbook has no <f> element anywhere
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert all(b"<f>" not in book.read(name) for name in book.namelist() if name.endswith(".xml"))


@needs_poppler
def test_pdf_writer_escapes_text_and_replaces_what_winansi_lacks() -> None:
    # Given text with PDF string delimiters, a backslash, the rupee sign and a Devanagari word
    doc = PdfDocument(title="t")
    doc.text(40, 40, r"(a) \ b")
    doc.text(300, 60, "₹1,500 नमस्ते", align="right")
    # When extracted / Then the delimiters survive, the rupee is "Rs" and the rest is "?"
    assert pdf_lines(doc.to_bytes()) == [r"(a) \ b", "Rs 1,500 ??????"]
