"""What a notification says: inbox title and line, email subject and bodies from the template files.

Templates live in templates/ beside this module (string.Template, `$name` placeholders):
layout.{html,txt} wrap <type>.{html,txt}. Values are HTML-escaped for the HTML body.

Money (P&L, charges) is shown to the paisa, rounded half up, with Indian digit grouping and the
sign before the rupee: "-₹66.92", "₹1,23,456.78". Prices keep the precision they are quoted in
(currency options tick in ₹0.0025) with at least two decimals: "1,502.35", "82.1225". A price
alert says what crossed what: "NSE:INFY crossed above 1,500.00 at 1,502.35".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from string import Template

from tradetrack.display import alert_sentence, amount, group_indian, price
from tradetrack.notify.events import (
    BackfillSummary,
    DailySummary,
    NeedsLogin,
    Notice,
    NotificationType,
    PaperOrder,
    PriceAlert,
    ReportReady,
    RiskViolation,
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
    "report_ready": "report notices",
    "risk_violation": "risk alerts",
    "paper_order": "paper order updates",
}


@dataclass(frozen=True)
class Content:
    """The words of one notification, before any channel formats them."""

    type: NotificationType  # whose preferences and unsubscribe link apply
    title: str  # inbox title and email heading
    line: str  # one line: the inbox message, the SMS text
    fields: dict[str, str]  # template values
    template: str = ""  # the templates' name when it is not the type's


@dataclass(frozen=True)
class EmailBody:
    subject: str
    text: str
    html: str


def alert_line(event: PriceAlert) -> str:
    """What crossed what (tradetrack.display.alert_sentence), else the event's own message."""
    sentence = alert_sentence(event.symbol, event.condition, event.value, event.price, event.change_pct)
    return sentence or event.message or f"{event.symbol} alert at {price(event.price)}"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else amount(value)


def _price(value: Decimal | None) -> str:
    return "-" if value is None else f"₹{price(value)}"


def _trade_line(line: TradeLine | None) -> str:
    return "-" if line is None else f"{line.symbol} {amount(line.net_pnl)}"


def content(event: Notice) -> Content:
    if isinstance(event, TradeConfirmation):
        fields = {
            "direction": event.direction,
            "symbol": event.symbol,
            "exchange": event.exchange,
            "status": event.status,
            "quantity": str(event.quantity),
            "avg_entry": _price(event.avg_entry),
            "avg_exit": _price(event.avg_exit),
            "net_pnl": _money(event.net_pnl),
        }
        pnl = f", net P&L {_money(event.net_pnl)}" if event.net_pnl is not None else ""
        line = f"{event.direction} {event.symbol} x{event.quantity} {event.status}{pnl}"
        return Content(event.type, f"Trade {event.status}: {event.symbol}", line, fields)
    if isinstance(event, PriceAlert):
        line = alert_line(event)
        fields = {
            "message": line,
            "symbol": event.symbol,
            "price": price(event.price),
            "triggered_at": to_ist(event.triggered_at).isoformat(timespec="seconds"),
        }
        return Content(event.type, f"Price alert: {event.symbol}", line, fields)
    if isinstance(event, SyncFailed):
        error = event.error or "the broker did not answer"
        fields = {"broker": event.broker.capitalize(), "error": error}
        line = f"{fields['broker']} sync failed: {error}"
        return Content(event.type, f"{fields['broker']} sync failed", line, fields)
    if isinstance(event, NeedsLogin):
        broker = event.broker.capitalize()
        line = f"Log in to {broker} again to resume syncing your trades."
        return Content(event.type, f"Reconnect your {broker} account", line, {"broker": broker})
    if isinstance(event, BackfillSummary | RiskViolation | PaperOrder):
        return _account_notice(event)
    return _summary(event) if isinstance(event, DailySummary) else _report(event)


def _report(event: ReportReady) -> Content:
    line = f"Your report {event.file_name} is ready to download."
    return Content(event.type, "Your report is ready", line, {"file_name": event.file_name})


def _account_notice(event: BackfillSummary | RiskViolation | PaperOrder) -> Content:
    if isinstance(event, BackfillSummary):
        return _backfill(event)
    return _risk(event) if isinstance(event, RiskViolation) else _paper(event)


_PAPER_TITLES = {
    "placed": "placed",
    "partially_executed": "partly filled",
    "executed": "filled",
    "canceled": "canceled",
    "expired": "expired",
    "rejected": "rejected",
}


def _paper(event: PaperOrder) -> Content:
    what = (
        f"{event.side} {event.quantity} {event.exchange}:{event.symbol} ({event.order_type}, {event.product})"
    )
    filled = f"{event.filled_quantity} of {event.quantity} filled"
    fill = (
        f"; last fill {event.last_fill_quantity} at {price(event.last_fill_price)}"
        if event.last_fill_quantity and event.last_fill_price is not None
        else ""
    )
    reason = f" ({event.reason})" if event.reason else ""
    line = f"Paper order {_PAPER_TITLES[event.event]}: {what}, {filled}{fill}{reason}."
    fields = {
        "order": what,
        "state": event.state,
        "filled": filled + fill,
        "reason": event.reason or "",
        "account": event.account_id,
    }
    return Content(event.type, f"Paper order {_PAPER_TITLES[event.event]}: {event.symbol}", line, fields)


def _risk(event: RiskViolation) -> Content:
    action = " Its positions were squared off and its pending orders canceled." if event.squared_off else ""
    line = f"{event.message.rstrip('.')}.{action}"
    fields = {
        "account": event.account_id,
        "rule": event.rule,
        "day": event.day.isoformat(),
        "message": event.message,
        "value": _money(event.value),
        "limit": _money(event.limit),
        "action": action.strip() or "Nothing was done on the account: review it.",
    }
    return Content(event.type, f"Risk limit breached: {event.rule}", line, fields)


def _backfill(event: BackfillSummary) -> Content:
    broker = event.broker.capitalize()
    count = group_indian(str(event.fills))
    fills = "fill" if event.fills == 1 else "fills"
    since = f" since {event.since.isoformat()}" if event.since is not None else ""
    line = f"Imported {count} {fills} from {broker}{since}: your trades are in your journal."
    fields = {"broker": broker, "count": count, "fills": fills, "since": since}
    return Content("trade_confirmation", f"{broker} history imported", line, fields, "backfill_summary")


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
    name = text.template or text.type
    plain = _template(f"{name}.txt").substitute(text.fields).strip()
    escaped = {key: html.escape(value) for key, value in text.fields.items()}
    fragment = _template(f"{name}.html").substitute(escaped).strip()
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
