"""NSE's corporate actions CSV: real rows in, capital changes, counts and unknowns out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tradetrack.corporate.nse import nse_date, parse_nse_actions
from tradetrack.errors import ValidationFailed
from tradetrack.imports.fields import RowError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "corporate" / "nse_actions.csv"
HEADER = (
    '"SYMBOL","COMPANY NAME","SERIES","PURPOSE","FACE VALUE","EX-DATE","RECORD DATE",'
    '"BOOK CLOSURE START DATE","BOOK CLOSURE END DATE"'
)


def test_real_rows_become_capital_changes_ignored_counts_and_unknowns() -> None:
    # Given 27 real rows of NSE's download (2016-2025)
    text = FIXTURE.read_text(encoding="utf-8")
    # When they are parsed
    result = parse_nse_actions(text)
    # Then splits and bonuses are actions with the row's ex-date, in file order
    assert [(a.symbol, a.kind, a.ratio_from, a.ratio_to, a.ex_date) for a in result.actions] == [
        ("KOTHARIPRO", "bonus", 1, 2, date(2016, 1, 5)),
        ("GREENPLY", "split", 5, 1, date(2016, 1, 6)),
        ("MOLDTKPAC", "split", 10, 5, date(2016, 2, 17)),
        ("HDFCBANK", "split", 2, 1, date(2019, 9, 19)),
        ("PREMIERPOL", "split", 5, 1, date(2024, 11, 5)),
        ("MOTISONS", "split", 10, 1, date(2024, 11, 8)),
        ("ROTO", "split", 2, 1, date(2024, 11, 8)),
        ("SHAKTIPUMP", "bonus", 5, 1, date(2024, 11, 25)),
        ("PARAS", "split", 10, 5, date(2025, 7, 4)),
        ("ROTO", "bonus", 2, 1, date(2025, 7, 11)),
    ]
    # And their multipliers are what holders saw: 1:2 bonus 3 for 2, 5:1 bonus 6 for 1
    multipliers = {(a.symbol, a.kind): a.quantity_multiplier() for a in result.actions}
    assert multipliers[("KOTHARIPRO", "bonus")] == (3, 2)
    assert multipliers[("SHAKTIPUMP", "bonus")] == (6, 1)
    assert multipliers[("MOTISONS", "split")] == (10, 1)
    # And rights, schemes, capital reduction and the demerger are left for a person
    assert result.unknown == [
        (6, "JMCPROJECT", "Rights 2:7"),
        (7, "ABIRLANUVO", "Scheme Of Arrangement"),
        (10, "3PLAND", "Scheme Of Arrangement & Reconstruction"),
        (14, "TATACONSUM", "Rights 1:26 @ Premium Rs 817/-"),
        (21, "EASTSILK", "Capital Reduction"),
        (24, "EXICOM", "Rights 3:20 @ Premium Rs 133/-"),
        (27, "DBREALTY", "Demerger"),
    ]
    # And dividends, meetings, interest, buy-backs and the REIT distribution are only counted
    assert result.ignored == 10
    assert result.rejected == []


def test_actions_keep_the_source_and_the_purpose_text() -> None:
    # Given the real KOTHARIPRO row, whose PURPOSE starts with a space
    first = parse_nse_actions(FIXTURE.read_text(encoding="utf-8")).actions[0]
    # Then the action says where it came from and keeps NSE's words (trimmed)
    assert (first.source, first.purpose, first.isin) == ("nse", "Bonus 1:2", None)


def test_bom_combined_purposes_and_bad_rows() -> None:
    # Given a file with a BOM, a combined bonus and split, a consolidation, and rows that cannot
    # be actions: no ex-date, an impossible date, an empty purpose, no symbol
    text = "\ufeff" + "\n".join(
        [
            HEADER,
            '"ONGC","Oil & Natural Gas Corporation Limited","EQ",'
            '"Bonus 1:1 And Face Value Split From Rs.10/- To Rs.5/-","5","01-Feb-2011","-","-","-"',
            '"ABC","Abc Limited","EQ","Consolidation of shares From Rs 1/- To Rs 10/-","10",'
            '"15-JUL-2024","-","-","-"',
            '"NODATE","Nodate Limited","EQ","Bonus 1:1","10","-","-","-","-"',
            '"BADDATE","Baddate Limited","EQ","Bonus 1:1","10","31-Feb-2024","-","-","-"',
            '"EMPTY","Empty Limited","EQ","","10","15-Jul-2024","-","-","-"',
            '"","Nameless Limited","EQ","Bonus 1:1","10","15-Jul-2024","-","-","-"',
            '"AGMONLY","Agmonly Limited","EQ","Annual General Meeting","10","-","-",'
            '"16-Jul-2024","22-Jul-2024"',
        ]
    )
    # When parsed
    result = parse_nse_actions(text)
    # Then the combined purpose is two actions in text order, the consolidation one
    assert [(a.symbol, a.kind, a.quantity_multiplier(), a.ex_date) for a in result.actions] == [
        ("ONGC", "bonus", (2, 1), date(2011, 2, 1)),
        ("ONGC", "split", (2, 1), date(2011, 2, 1)),
        ("ABC", "consolidation", (1, 10), date(2024, 7, 15)),
    ]
    # And the bad rows are rejected with reasons; an AGM without ex-date is still just ignored
    assert result.rejected == [
        (4, "EX-DATE is missing"),
        (5, "EX-DATE '31-Feb-2024' is not a date"),
        (6, "PURPOSE is empty"),
        (7, "SYMBOL is empty"),
    ]
    assert result.ignored == 1


def test_an_isin_column_when_present_is_validated() -> None:
    # Given a variant of the file that carries ISINs, one with a wrong check digit
    text = (
        "SYMBOL,ISIN,PURPOSE,EX-DATE\n"
        "INFY,INE009A01021,Bonus 1:1,15-Jul-2024\n"
        "TCS,INE467B01028,Bonus 1:1,15-Jul-2024\n"
    )
    # When parsed, Then the good ISIN is kept and the bad row rejected
    result = parse_nse_actions(text)
    assert [(a.symbol, a.isin) for a in result.actions] == [("INFY", "INE009A01021")]
    assert [line for line, _ in result.rejected] == [3]
    assert "check digit" in result.rejected[0][1]


def test_a_file_without_the_purpose_column_is_refused() -> None:
    # Given a CSV that is not NSE's corporate actions download
    with pytest.raises(ValidationFailed, match="purpose"):
        parse_nse_actions("SYMBOL,SERIES,EX-DATE\nINFY,EQ,15-Jul-2024\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15-Jul-2024", date(2024, 7, 15)), ("5-jul-2024", date(2024, 7, 5)), ("2024-07-15", date(2024, 7, 15))],
)
def test_nse_dates_are_read_without_the_locale(text: str, expected: date) -> None:
    assert nse_date(text, "EX-DATE") == expected


@pytest.mark.parametrize("text", ["15-Jly-2024", "", "-", "15/Jul/2024"])
def test_what_is_not_an_nse_date_is_a_row_error(text: str) -> None:
    with pytest.raises(RowError):
        nse_date(text, "EX-DATE")
