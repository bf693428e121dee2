"""The raw email the notifier sends (tradetrack.notify.email.build_message), written out directly:
byte for byte what the email package's compat32 classes make of the same message, its reference."""

from __future__ import annotations

import email
import email.policy
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32

import pytest

from tradetrack.notify import email as notify_email
from tradetrack.notify.render import EmailBody

DATE = "Mon, 07 Dec 2026 17:14:44 GMT"
MESSAGE_ID = "<179666368492.8468.8665781970361207368@tradetrack.example>"


def reference(
    *, sender: str, recipient: str, body: EmailBody, unsubscribe_url: str, mailto: str = ""
) -> bytes:
    """The message as the email package builds it (how the notifier built it until 7 Dec)."""
    utf8 = Charset("utf-8")
    utf8.body_encoding = QP

    def one_line(value: str) -> str:
        line = " ".join(value.split())
        return line if line.isascii() else Header(line, "utf-8").encode()

    message = MIMEMultipart(
        "alternative", boundary=notify_email.BOUNDARY, policy=compat32.clone(max_line_length=None)
    )
    message["Subject"] = one_line(body.subject)
    message["From"] = one_line(sender)
    message["To"] = one_line(recipient)
    message["Date"] = DATE
    message["Message-ID"] = MESSAGE_ID
    targets = [f"<{unsubscribe_url}>"] + ([f"<mailto:{mailto}>"] if mailto else [])
    message["List-Unsubscribe"] = one_line(", ".join(targets))
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach(MIMEText(body.text, "plain", utf8))  # type: ignore[arg-type]
    message.attach(MIMEText(body.html, "html", utf8))  # type: ignore[arg-type]
    return message.as_bytes()


@pytest.fixture(autouse=True)
def fixed_date_and_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_email, "formatdate", lambda **_: DATE)
    monkeypatch.setattr(notify_email, "make_msgid", lambda **_: MESSAGE_ID)


LONG_URL = "https://app.tradetrack.example/v1/unsubscribe?token=" + "Ab9_" * 40
CASES = {
    "a trade confirmation": (
        "TradeTrack <no-reply@tradetrack.example>",
        "trader@example.com",
        EmailBody(
            subject="TradeTrack: Trade closed: INFY",
            text="Trade closed: INFY\n\nNet P&L: ₹80.25\nAverage entry: ₹1,500.05\n\n--\nUnsubscribe: "
            + LONG_URL
            + "\n",
            html='<!DOCTYPE html>\n<html lang="en">\n<body style="font-family: Arial, sans-serif; '
            'color: #1f2933; max-width: 600px; margin: 0 auto;">\n<p>Net P&amp;L: ₹80.25</p>\n'
            f'<a href="{LONG_URL}">Unsubscribe</a>\n</body>\n</html>',
        ),
        "",
    ),
    "non-ASCII subject, sender and recipient, a mailto, tabs, trailing spaces and '='": (
        "ट्रेडट्रैक सूचना <no-reply@tradetrack.example>",
        "Ünïcode Trader <trader@example.com>",
        EmailBody(
            subject="TradeTrack: दैनिक सारांश — ₹1,23,456.78 का लाभ, 42 सौदे, सबसे अच्छा INFY, सबसे खराब TCS",
            text="col\tcol2 \ntrailing space   \nline=with=equals\n" + "x" * 200 + "\nlast",
            html="<p>" + "é" * 120 + "</p>\t\n<p>a=b</p> ",
        ),
        "unsubscribe@tradetrack.example",
    ),
    "empty bodies": ("no-reply@tradetrack.example", "trader@example.com", EmailBody("S", "", ""), ""),
}


@pytest.mark.parametrize("case", CASES)
def test_the_raw_message_is_byte_for_byte_what_the_email_package_makes(case: str) -> None:
    # Given a sender, a recipient, a body and an unsubscribe target
    sender, recipient, body, mailto = CASES[case]
    # When the notifier builds the message
    built = notify_email.build_message(
        sender=sender, recipient=recipient, body=body, unsubscribe_url=LONG_URL, unsubscribe_mailto=mailto
    )
    # Then it is the email package's own message, byte for byte
    assert built == reference(
        sender=sender, recipient=recipient, body=body, unsubscribe_url=LONG_URL, mailto=mailto
    )


def test_a_body_containing_the_boundary_gets_a_boundary_of_its_own_and_reads_back_whole() -> None:
    # Given a body that contains the fixed multipart boundary
    text = f"quoting a message:\n--{notify_email.BOUNDARY}\nend ₹"
    body = EmailBody(subject="S", text=text, html=f"<pre>{notify_email.BOUNDARY}</pre>")
    # When the message is built
    built = notify_email.build_message(
        sender="no-reply@tradetrack.example", recipient="t@example.com", body=body, unsubscribe_url=LONG_URL
    )
    # Then its boundary is another, and a mail reader gets both alternatives back as written
    parsed = email.message_from_bytes(built, policy=email.policy.default)
    assert parsed.get_boundary() != notify_email.BOUNDARY
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == text + "\n" or plain.get_content() == text
    assert html.get_content().rstrip("\n") == body.html
