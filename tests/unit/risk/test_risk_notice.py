"""The risk_violation notification: parsed from its queue body, said in words, inbox references."""

from __future__ import annotations

import json

from tradetrack.notify.events import LIVE_EVENTS, RiskViolation, parse_event, to_body
from tradetrack.notify.render import content, email_body
from tradetrack.notify.service import references, type_enabled

RAW = {
    "type": "risk_violation",
    "eventId": "risk:u1:pa_1:max_loss_per_day:2026-03-02",
    "userId": "u1",
    "violationId": "rv_1",
    "accountId": "pa_1",
    "rule": "max_loss_per_day",
    "message": "Day P&L -₹5,200.00 of pa_1 is past its max loss per day ₹5,000.00.",
    "day": "2026-03-02",
    "value": "-5200",
    "limit": "5000",
    "squaredOff": True,
}


def test_a_violation_round_trips_through_the_queue_body_and_reads_as_a_notice() -> None:
    # Given a risk_violation event as a producer sends it
    event = parse_event(RAW)
    # When it is written back to a body and read again
    again = parse_event(json.loads(to_body(event)))
    # Then it is the same notice (not a live event), with its fields
    assert not isinstance(event, LIVE_EVENTS)
    assert isinstance(again, RiskViolation)
    assert again == event
    assert again.squared_off is True and str(again.limit) == "5000"


def test_its_words_say_the_rule_the_figures_and_the_square_off() -> None:
    # Given the event
    event = parse_event(RAW)
    assert isinstance(event, RiskViolation)
    # When its content and email are rendered
    text = content(event)
    mail = email_body(text, unsubscribe_url="https://x.test/u")
    # Then the title names the rule, the line says what was done, the email shows the figures
    assert text.title == "Risk limit breached: max_loss_per_day"
    assert text.line.endswith("Its positions were squared off and its pending orders canceled.")
    assert "-₹5,200.00" in mail.text and "₹5,000.00" in mail.text
    assert "risk alerts" in mail.text
    # and the inbox item references the violation and the account, on by default
    assert references(event) == {"violationId": "rv_1", "accountId": "pa_1", "rule": "max_loss_per_day"}
    assert type_enabled({}, "risk_violation") is True
    assert type_enabled({"types": {"risk_violation": False}}, "risk_violation") is False


def test_an_alert_only_violation_says_nothing_was_done() -> None:
    # Given a violation of a real account (alert only)
    event = parse_event({**RAW, "accountId": "ba_1", "squaredOff": False})
    assert isinstance(event, RiskViolation)
    # When rendered, then the email says nothing was done
    mail = email_body(content(event), unsubscribe_url="https://x.test/u")
    assert "Nothing was done on the account" in mail.text
    assert "squared off" not in content(event).line
