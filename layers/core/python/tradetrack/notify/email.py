"""Email through SES v2: a raw MIME message (text + HTML alternatives) with one-click unsubscribe.

Raw content, not Simple: it carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) exactly
as written here, and moto keeps the whole message, so tests see what a mailbox would receive.

Written out directly: byte for byte what the email package's compat32 classes (a MIMEMultipart of
two quoted-printable utf-8 MIMEText parts, flattened with no header folding) make of it
(tests/unit/test_notify_email.py holds that reference), at about a tenth of their CPU (~0.03 ms,
not ~0.3: the generator re-folds every header and encodes the bodies in Python; binascii's
quoted-printable is C). Header values are put on one line and non-ASCII ones RFC 2047-encoded here.
The multipart boundary is fixed unless a body contains it, so that whoever parses the message (SES;
moto in tests) meets one boundary pattern, not a new regular expression per message.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from botocore.exceptions import ClientError

from tradetrack.notify.render import EmailBody

_ADDRESS = re.compile(r"^[^@\s\x00-\x1f<>\",;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# SES v2 errors that say this message will never be accepted: recorded, not retried.
PERMANENT_ERRORS = frozenset(
    {"BadRequestException", "MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"}
)


BOUNDARY = "=_tradetrack_alternative_b7e1c2f0_="


def is_deliverable_address(address: str) -> bool:
    return bool(_ADDRESS.match(address))


def _header(value: str) -> str:
    """One line (a CR or LF in a value would start a header of its own); RFC 2047 when not ASCII."""
    line = " ".join(value.split())
    return line if line.isascii() else Header(line, "utf-8").encode()


def _part(subtype: str, text: str) -> bytes:
    """One alternative: its headers, then the body in quoted-printable utf-8 (readable, not base64)."""
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nMIME-Version: 1.0\n'
    body = binascii.b2a_qp(text.encode("utf-8"), istext=True, header=False)
    return (head + "Content-Transfer-Encoding: quoted-printable\n\n").encode("ascii") + body


def _boundary(text: str, html: str) -> str:
    boundary = BOUNDARY
    while boundary in text or boundary in html:  # a body that contains it: one of its own
        boundary = f"=_tradetrack_{secrets.token_hex(8)}_="
    return boundary


def build_message(
    *, sender: str, recipient: str, body: EmailBody, unsubscribe_url: str, unsubscribe_mailto: str = ""
) -> bytes:
    """The raw message: multipart/alternative, text then HTML, with the one-click unsubscribe headers."""
    boundary = _boundary(body.text, body.html)
    targets = [f"<{unsubscribe_url}>"] + ([f"<mailto:{unsubscribe_mailto}>"] if unsubscribe_mailto else [])
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    head = (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n'
        "MIME-Version: 1.0\n"
        f"Subject: {_header(body.subject)}\n"
        f"From: {_header(sender)}\n"
        f"To: {_header(recipient)}\n"
        f"Date: {formatdate(localtime=False, usegmt=True)}\n"
        f"Message-ID: {make_msgid(domain=domain)}\n"
        f"List-Unsubscribe: {_header(', '.join(targets))}\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n\n"
    )
    delimiter = f"--{boundary}\n".encode("ascii")
    return b"".join(
        (
            head.encode("ascii"),
            delimiter,
            _part("plain", body.text),
            b"\n",
            delimiter,
            _part("html", body.html),
            f"\n--{boundary}--\n".encode("ascii"),
        )
    )


@dataclass(frozen=True)
class EmailResult:
    message_id: str | None
    error: str | None = None  # set: a permanent failure


def send_email(
    ses: Any,
    *,
    sender: str,
    recipient: str,
    body: EmailBody,
    unsubscribe_url: str,
    configuration_set: str = "",
) -> EmailResult:
    """Send one email; transient errors (throttling, outage) raise so the event is retried."""
    if not is_deliverable_address(recipient):
        return EmailResult(None, "invalid_address: not a deliverable email address")
    message = build_message(sender=sender, recipient=recipient, body=body, unsubscribe_url=unsubscribe_url)
    request: dict[str, Any] = {
        "FromEmailAddress": sender,
        "Destination": {"ToAddresses": [recipient]},
        "Content": {"Raw": {"Data": message}},
    }
    if configuration_set:
        request["ConfigurationSetName"] = configuration_set
    try:
        response = ses.send_email(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in PERMANENT_ERRORS:
            return EmailResult(None, f"rejected: {code}: {error.get('Message', '')}")
        raise
    return EmailResult(str(response["MessageId"]))
