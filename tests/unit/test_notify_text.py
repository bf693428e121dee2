"""What notifications say: one-segment SMS, Indian-grouped amounts to the paisa, alert sentences,
escaped templates, signed links."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradetrack.display import amount, price
from tradetrack.errors import BadRequest
from tradetrack.notify.events import LIVE_EVENTS, Notice, parse_event
from tradetrack.notify.render import content, email_body
from tradetrack.notify.sms import fit_one_segment, is_e164, is_gsm7, length
from tradetrack.notify.unsubscribe import LinkExpired, make_token, verify_token

KEY = b"k" * 48


def notice(raw: dict[str, object]) -> Notice:
    event = parse_event(raw)
    assert not isinstance(event, LIVE_EVENTS)
    return event


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1234567.5", "₹12,34,567.50"),
        ("123456.78", "₹1,23,456.78"),
        ("-57.5", "-₹57.50"),
        ("-66.9249", "-₹66.92"),
        ("-66.925", "-₹66.93"),
        ("0.0125", "₹0.01"),
        ("-0.0049", "₹0.00"),
        ("100", "₹100.00"),
        ("999", "₹999.00"),
        ("1000", "₹1,000.00"),
        ("10000000", "₹1,00,00,000.00"),
    ],
)
def test_amounts_are_shown_to_the_paisa_with_indian_grouping(value: str, shown: str) -> None:
    # Given a stored amount (up to four decimals) / When it is shown / Then rounded half up to the
    # paisa, the minus before the rupee, digits grouped the Indian way
    assert amount(Decimal(value)) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1502.35", "1,502.35"), ("1500", "1,500.00"), ("82.1225", "82.1225"), ("2450000.5", "24,50,000.50")],
)
def test_prices_keep_their_tick_precision(value: str, shown: str) -> None:
    assert price(Decimal(value)) == shown


def _alert(condition: str, value: str, last: str, change_pct: str | None = None) -> dict[str, object]:
    return {
        "type": "price_alert",
        "userId": "usr_1",
        "alertId": "alr_1",
        "symbol": "NSE:INFY",
        "condition": condition,
        "value": value,
        "price": last,
        "changePct": change_pct,
        "channels": ["email", "sms"],
        "message": "NSE:INFY rose to or above 1500: last price 1502.35",
        "triggeredAt": "2026-12-04T05:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("condition", "value", "last", "change_pct", "line"),
    [
        ("above", "1500", "1502.35", None, "NSE:INFY crossed above 1,500.00 at 1,502.35"),
        ("below", "1480.5", "1479.9", None, "NSE:INFY crossed below 1,480.50 at 1,479.90"),
        (
            "pct_change_above",
            "3",
            "1502.35",
            "3.1",
            "NSE:INFY is up 3.10% on the day (alert at +3.00%), at 1,502.35",
        ),
        (
            "pct_change_below",
            "-2",
            "1420",
            "-2.456",
            "NSE:INFY is down 2.46% on the day (alert at -2.00%), at 1,420.00",
        ),
    ],
)
def test_an_alert_says_what_crossed_what(
    condition: str, value: str, last: str, change_pct: str | None, line: str
) -> None:
    # Given a fired alert / When its notification is written / Then the line names the level and price
    text = content(notice(_alert(condition, value, last, change_pct)))
    assert text.line == line
    assert text.title == "Price alert: NSE:INFY"
    body = email_body(text, unsubscribe_url="https://api.example/u")
    assert body.text.startswith(f"Price alert: NSE:INFY\n\n{line}\n\nLast price: {price(Decimal(last))}")


def test_a_trade_confirmation_shows_prices_and_pnl_to_the_paisa() -> None:
    # Given a closed trade whose P&L has four stored decimals
    event = notice(
        {
            "type": "trade_confirmation",
            "userId": "usr_1",
            "tradeId": "trd_1",
            "symbol": "NSE:INFY",
            "direction": "LONG",
            "status": "closed",
            "quantity": 10,
            "avgEntry": "1500.05",
            "avgExit": "1493.4",
            "netPnl": "-66.9249",
        }
    )
    # When it is written / Then the line and the email say "-₹66.92" (never "₹-66.92")
    text = content(event)
    assert text.line == "LONG NSE:INFY x10 closed, net P&L -₹66.92"
    body = email_body(text, unsubscribe_url="https://api.example/u")
    assert "Average entry: ₹1,500.05\nAverage exit: ₹1,493.40\nNet P&L: -₹66.92" in body.text
    assert fit_one_segment(text.line) == "LONG NSE:INFY x10 closed, net P&L -Rs 66.92"


def test_a_backfill_is_one_summary_that_follows_trade_confirmation_preferences() -> None:
    event = notice(
        {
            "type": "backfill_summary",
            "userId": "usr_1",
            "accountId": "acc_1",
            "broker": "upstox",
            "syncId": "sync_1",
            "fills": 1234,
            "since": "2025-04-01",
        }
    )
    text = content(event)
    assert text.title == "Upstox history imported"
    assert text.line == "Imported 1,234 fills from Upstox since 2025-04-01: your trades are in your journal."
    assert text.type == "trade_confirmation"
    body = email_body(text, unsubscribe_url="https://api.example/u")
    assert "TradeTrack imported 1,234 fills from your Upstox account since 2025-04-01." in body.text
    assert "trade confirmations are switched on" in body.text


def test_a_short_gsm_text_is_sent_as_is_and_the_rupee_is_spelt_out() -> None:
    assert fit_one_segment("P&L ₹80.25") == "P&L Rs 80.25"
    assert is_gsm7("P&L Rs 80.25")


def test_a_long_gsm_text_is_cut_at_a_word_to_one_160_septet_segment() -> None:
    text = "NSE:INFY rose to or above 1500 " * 10
    sms = fit_one_segment(text)
    assert length(sms) <= 160 and sms.endswith("...")
    assert text.startswith(sms[:-3])
    assert not sms[:-3].endswith(" ")


def test_extension_characters_count_twice() -> None:
    sms = fit_one_segment("[" * 100)
    assert length(sms) <= 160 and len(sms) < 100


def test_a_non_gsm_text_fits_one_70_character_ucs2_segment() -> None:
    text = "आपका ट्रेड बंद हो गया है " * 5
    sms = fit_one_segment(text)
    assert not is_gsm7(sms) and len(sms) <= 70


@pytest.mark.parametrize(("number", "ok"), [("+919876543210", True), ("9876543210", False), ("+0123", False)])
def test_only_e164_numbers(number: str, ok: bool) -> None:
    assert is_e164(number) is ok


def test_html_bodies_escape_what_the_event_carries() -> None:
    event = notice(
        {
            "type": "sync_failed",
            "userId": "usr_1",
            "accountId": "acc_1",
            "broker": "zerodha",
            "error": "<script>alert(1)</script>",
        }
    )
    body = email_body(content(event), unsubscribe_url="https://api.example/u?token=a&b")
    assert "<script>" not in body.html and "&lt;script&gt;" in body.html
    assert 'href="https://api.example/u?token=a&amp;b"' in body.html
    assert "<script>alert(1)</script>" in body.text


def test_a_genuine_token_names_its_user_and_type() -> None:
    token = make_token("usr_1", "price_alert", key=KEY, expires_at=2_000)
    assert verify_token(token, key=KEY, now=1_999) == ("usr_1", "price_alert")


def test_an_expired_token_is_gone_but_a_forged_one_is_invalid_first() -> None:
    token = make_token("usr_1", "price_alert", key=KEY, expires_at=2_000)
    with pytest.raises(LinkExpired):
        verify_token(token, key=KEY, now=2_001)
    forged = token.replace("usr_1", "usr_2")
    with pytest.raises(BadRequest):
        verify_token(forged, key=KEY, now=2_001)
    with pytest.raises(BadRequest):
        verify_token(token, key=b"x" * 48, now=1_000)
