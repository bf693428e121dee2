"""Email through SES v2: a raw MIME message (text + HTML alternatives) with one-click unsubscribe.

Raw content, not Simple: it carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) exactly
as written here, and moto keeps the whole message, so tests see what a mailbox would receive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from botocore.exceptions import ClientError

from tradetrack.notify.render import EmailBody

_ADDRESS = re.compile(r"^[^@\s\x00-\x1f<>\",;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# SES v2 errors that say this message will never be accepted: recorded, not retried.
PERMANENT_ERRORS = frozenset(
    {"BadRequestException", "MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"}
)


def is_deliverable_address(address: str) -> bool:
    return bool(_ADDRESS.match(address))


def build_message(
    *, sender: str, recipient: str, body: EmailBody, unsubscribe_url: str, unsubscribe_mailto: str = ""
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = body.subject
    message["From"] = sender
    message["To"] = str(Address(addr_spec=recipient))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    targets = [f"<{unsubscribe_url}>"] + ([f"<mailto:{unsubscribe_mailto}>"] if unsubscribe_mailto else [])
    message["List-Unsubscribe"] = ", ".join(targets)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body.text)
    message.add_alternative(body.html, subtype="html")
    return message


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
        "Content": {"Raw": {"Data": message.as_bytes()}},
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
