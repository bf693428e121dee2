"""NSE PURPOSE texts: capital changes read exactly, everything else counted or left for a person."""

from __future__ import annotations

import pytest

from tradetrack.corporate.purposes import Term, read_purpose


@pytest.mark.parametrize(
    ("purpose", "terms"),
    [
        (
            "Face Value Split (Sub-Division) - From Rs 10/- Per Share To Re 1/- Per Share",
            [Term("split", 10, 1)],
        ),
        (
            "Face Value Split (Sub-Division) - From Rs 2/- Per Share To Re 1/- Per Share",
            [Term("split", 2, 1)],
        ),
        (" Face Value Split (Sub-Division) - From Rs 2 Per Share To Rs 1 Per Share", [Term("split", 2, 1)]),
        ("Face Value Split From Rs.10/- To Re.1/-", [Term("split", 10, 1)]),
        ("Fv Split Rs.10/- To Rs.2/", [Term("split", 10, 2)]),
        ("Fv Splt Frm Rs 10 To Re 1", [Term("split", 10, 1)]),
        ("FVSPLT FRM RS 5 TO RS 2", [Term("split", 5, 2)]),
        ("Face Value Split From Rs 2.50 To Re 1", [Term("split", 25, 10)]),
        ("Consolidation of shares From Rs 1/- To Rs 10/-", [Term("consolidation", 1, 10)]),
        (
            "Consolidation Of Equity Shares From Re 1 Per Share To Rs 10 Per Share",
            [Term("consolidation", 1, 10)],
        ),
        ("Bonus 1:1", [Term("bonus", 1, 1)]),
        ("Bonus 3:2", [Term("bonus", 3, 2)]),
        (" Bonus 1:2", [Term("bonus", 1, 2)]),
        ("BONUS - 1:1", [Term("bonus", 1, 1)]),
        ("Bonus Issue 1:2", [Term("bonus", 1, 2)]),
        (
            "Bonus 1:1 And Face Value Split From Rs.10/- To Rs.5/-",
            [Term("bonus", 1, 1), Term("split", 10, 5)],
        ),
        (
            "Bonus 1:1 / Face Value Split From Rs 10/- Per Share To Rs 2/- Per Share",
            [Term("bonus", 1, 1), Term("split", 10, 2)],
        ),
        (
            "Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 5/- Per Share And Bonus 1:1",
            [Term("split", 10, 5), Term("bonus", 1, 1)],
        ),
        (
            "Dividend Rs.6/- Per Share And Face Value Split From Rs.2/- To Re.1/-",
            [Term("split", 2, 1)],
        ),
    ],
)
def test_capital_changes_are_read_in_the_order_the_text_states_them(purpose: str, terms: list[Term]) -> None:
    # Given a purpose NSE wrote for a split, consolidation, bonus or a combination
    # When it is read
    reading = read_purpose(purpose)
    # Then each capital change is one term, in text order, with its face values or bonus ratio
    assert reading.verdict == "capital_change"
    assert list(reading.terms) == terms


@pytest.mark.parametrize(
    "purpose",
    [
        "Rights 1:5",
        "Rights 1:26 @ Premium Rs 817/-",
        "Demerger",
        "Scheme Of Arrangement",
        "Scheme Of Arrangement & Reconstruction",
        "Amalgamation",
        "Capital Reduction",
        "Bonus Ncrps 4:1",
        "Scheme Of Arrangement - Bonus Ncrps 1:1",
        "Bonus 1:1 And Rights 1:2",
        "Interim Dividend - Rs 2 Per Share And Rights 1:4",
        "Annual General Meeting/Demerger",
        "Face Value Split (Sub-Division)",
        "Face Value Split From Rs 1 To Rs 10",
        "Consolidation of shares From Rs 10/- To Rs 1/-",
        "Sub-Division w.e.f. 12-08-2024 From Rs.10/- To Re.1/-",
        "Bonus 0:1",
        "Something the exchange has never written",
        "",
    ],
)
def test_what_looks_like_a_capital_change_but_is_not_fully_read_is_unknown(purpose: str) -> None:
    # Given a purpose that is a capital change the reader does not model, or only partly matches
    # When it is read, Then it is unknown and nothing is applied
    assert read_purpose(purpose).verdict == "unknown"
    assert read_purpose(purpose).terms == ()


@pytest.mark.parametrize(
    "purpose",
    [
        "Interim Dividend - Rs 5.50/- Per Share",
        " Final Dividend Rs 6/- Plus Special Dividend Rs 4/- Per Share",
        "Annual General Meeting/Dividend - Rs 3 Per Share",
        "Annual General Meeting",
        " Extraordinary General Meeting",
        "Buy Back",
        " Buyback Of Shares",
        "Interest Payment",
        "Payment Of Interest & Buyback Amount To Bondholders",
        "Distribution - Rs 2 Per Unit Consisting Of Interest - Re 1.57 Per Unit / "
        "Return Of Capital - Re 0.15 Per Unit/Dividend - Re 0.28 Per Unit",
    ],
)
def test_purposes_that_change_no_capital_are_not_capital_changes(purpose: str) -> None:
    # Given a dividend, meeting, interest, buy-back or trust distribution
    # When it is read, Then it is not a capital change
    assert read_purpose(purpose).verdict == "not_capital_change"
