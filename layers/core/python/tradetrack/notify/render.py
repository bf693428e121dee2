"""What a notification says: inbox title and line, email subject and bodies from the template files.

Templates live in templates/ beside this module (string.Template, `$name` placeholders):
layout.{html,txt} wrap <type>.{html,txt}. Values are HTML-escaped for the HTML body. Amounts are
shown exactly (at least two decimals, up to the four we store) with Indian digit grouping.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from string import Template

from tradetrack.notify.events import (
    DailySummary,
    NeedsLogin,
    NotificationEvent,
    NotificationType,
    PriceAlert,
    SyncFailed,
    TradeConfirmation,
    TradeLine,
)
from tradetrack.timeutil import to_ist

TEMPLATES = Path(__file__).resolve().parent / "templates"

# "You receive this email because <reason> are switched on"
REASONS: dict[NotificationType, str] = {
    "trade_confirmation": "trade confirmations",
    "price_alert": "price alerts",
    "sync_failed": "sync failure notices",
    "needs_login": "broker login reminders",
    "daily_summary": "daily summaries",
}


@dataclass(frozen=True)
class Content:
    """The words of one notification, before any channel formats them."""

    type: NotificationType
    title: str  # inbox title and email heading
    line: str  # one line: the inbox message, the SMS text
    fields: dict[str, str]  # template values


@dataclass(frozen=True)
class EmailBody:
    subject: str
    text: str
    html: str


def _group_indian(digits: str) -> str:
    """ "1234567" → "12,34,567" (the last three digits, then pairs)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def amount(value: Decimal, *, symbol: str = "₹") -> str:
    """An exact INR amount for people: "₹1,23,456.50", "-₹0.0125" (never rounded)."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{abs(value):.{places}f}"
    whole, _, fraction = text.partition(".")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{_group_indian(whole)}.{fraction}"


def _number(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _money(value: Decimal | None) -> str:
    return "-" if value is None else amount(value)


def _trade_line(line: TradeLine | None) -> str:
    return "-" if line is None else f"{line.symbol} {amount(line.net_pnl)}"


def content(event: NotificationEvent) -> Content:
    if isinstance(event, TradeConfirmation):
        fields = {
            "direction": event.direction,
            "symbol": event.symbol,
            "exchange": event.exchange,
            "status": event.status,
            "quantity": str(event.quantity),
            "avg_entry": _money(event.avg_entry),
            "avg_exit": _money(event.avg_exit),
            "net_pnl": _money(event.net_pnl),
        }
        pnl = f", net P&L {_money(event.net_pnl)}" if event.net_pnl is not None else ""
        line = f"{event.direction} {event.symbol} x{event.quantity} {event.status}{pnl}"
        return Content(event.type, f"Trade {event.status}: {event.symbol}", line, fields)
    if isinstance(event, PriceAlert):
        fields = {
            "message": event.message,
            "symbol": event.symbol,
            "price": _number(event.price),
            "triggered_at": to_ist(event.triggered_at).isoformat(timespec="seconds"),
        }
        return Content(event.type, f"Price alert: {event.symbol}", event.message, fields)
    if isinstance(event, SyncFailed):
        error = event.error or "the broker did not answer"
        fields = {"broker": event.broker.capitalize(), "error": error}
        line = f"{fields['broker']} sync failed: {error}"
        return Content(event.type, f"{fields['broker']} sync failed", line, fields)
    if isinstance(event, NeedsLogin):
        broker = event.broker.capitalize()
        line = f"Log in to {broker} again to resume syncing your trades."
        return Content(event.type, f"Reconnect your {broker} account", line, {"broker": broker})
    return _summary(event)


def _summary(event: DailySummary) -> Content:
    fields = {
        "day": event.day.isoformat(),
        "trade_count": str(event.trade_count),
        "realized_pnl": amount(event.realized_pnl),
        "charges": amount(event.charges),
        "net_pnl": amount(event.net_pnl),
        "best": _trade_line(event.best),
        "worst": _trade_line(event.worst),
    }
    line = (
        f"{event.day.isoformat()}: {event.trade_count} closed trades, net P&L {fields['net_pnl']} "
        f"(realized {fields['realized_pnl']}, charges {fields['charges']})"
    )
    return Content(event.type, f"Daily summary for {event.day.isoformat()}", line, fields)


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def email_body(text: Content, *, unsubscribe_url: str) -> EmailBody:
    reason = REASONS[text.type]
    plain = _template(f"{text.type}.txt").substitute(text.fields).strip()
    escaped = {key: html.escape(value) for key, value in text.fields.items()}
    fragment = _template(f"{text.type}.html").substitute(escaped).strip()
    common = {"title": text.title, "reason": reason, "unsubscribe_url": unsubscribe_url}
    return EmailBody(
        subject=f"TradeTrack: {text.title}",
        text=_template("layout.txt").substitute(common, content=plain),
        html=_template("layout.html").substitute(
            {key: html.escape(value) for key, value in common.items()},
            subject=html.escape(f"TradeTrack: {text.title}"),
            content=fragment,
        ),
    )
