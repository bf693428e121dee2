"""CSV exports neutralise spreadsheet formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tradetrack.exports import Cell, neutralise, write_csv


@pytest.mark.parametrize(
    "cell", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", '=HYPERLINK("x")']
)
def test_formula_text_is_prefixed_with_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["INFY", "NIFTY 50", "54311212", "", "a=b"])
def test_plain_text_is_unchanged(cell: str) -> None:
    assert neutralise(cell) == cell


def test_numbers_are_written_as_numbers() -> None:
    assert neutralise(Decimal("-12.50")) == "-12.50"
    assert neutralise(-3) == "-3"
    assert neutralise(None) == ""


def test_a_written_file_reads_back_with_every_formula_inert() -> None:
    # Given rows with formula-looking values, quotes and commas
    rows: list[list[Cell]] = [["=1+1", 'say "hi", ok', Decimal("10.5")], ["@x", "-y", -1]]
    # When written and read back as CSV
    text = write_csv(["=h", "b", "c"], rows)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    # Then no cell starts with a formula trigger, and the data survives
    assert parsed == [["'=h", "b", "c"], ["'=1+1", 'say "hi", ok', "10.5"], ["'@x", "'-y", "-1"]]
    assert text.startswith('"\'=h"')
