"""What notifications say: one-segment SMS, exact Indian-grouped amounts, escaped templates, signed links."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradetrack.errors import BadRequest
from tradetrack.notify.events import parse_event
from tradetrack.notify.render import amount, content, email_body
from tradetrack.notify.sms import fit_one_segment, is_e164, is_gsm7, length
from tradetrack.notify.unsubscribe import LinkExpired, make_token, verify_token

KEY = b"k" * 48


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1234567.5", "₹12,34,567.50"),
        ("-57.5", "-₹57.50"),
        ("0.0125", "₹0.0125"),
        ("100", "₹100.00"),
        ("999", "₹999.00"),
        ("1000", "₹1,000.00"),
        ("10000000", "₹1,00,00,000.00"),
    ],
)
def test_amounts_are_exact_with_indian_grouping(value: str, shown: str) -> None:
    assert amount(Decimal(value)) == shown


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
    event = parse_event(
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
