"""Email and SMS "sent" through moto, read back from moto's in-process backends: GET /_local/outbox.

moto keeps every SES message (raw MIME for SES v2 raw sends) and every SMS published to a phone
number; nothing is delivered anywhere. The same readers serve the tests that run under mock_aws.
"""

from __future__ import annotations

import email
import email.policy
from typing import Any

from aiohttp import web

from local.events.common import ACCOUNT_ID, REGION


def _parts(raw: str) -> dict[str, Any]:
    message = email.message_from_string(raw, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "headers": {name: str(value) for name, value in message.items()},
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
    }


def sent_email(account: str = ACCOUNT_ID, region: str = REGION) -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    found = []
    for message in ses_backends[account][region].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is not None:
            found.append({"messageId": message.id, "destinations": list(message.destinations), **_parts(raw)})
        else:  # a Simple send: moto keeps one body only
            found.append(
                {
                    "messageId": message.id,
                    "destinations": [a for addrs in message.destinations.values() for a in addrs],
                    "from": message.source,
                    "to": ", ".join(message.destinations.get("ToAddresses", [])),
                    "subject": message.subject,
                    "headers": {},
                    "text": message.body,
                    "html": "",
                }
            )
    return found


def sent_sms(account: str = ACCOUNT_ID, region: str = REGION) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    messages = sns_backends[account][region].sms_messages
    return [
        {"messageId": mid, "phoneNumber": number, "message": text} for mid, (number, text) in messages.items()
    ]


async def outbox(_: web.Request) -> web.Response:
    return web.json_response({"email": sent_email(), "sms": sent_sms()})


def bootstrap_notifications() -> None:
    """What CDK creates in AWS, made in moto (blocking; run in a thread): the unsubscribe-link
    signing key in Secrets Manager and the sender's domain as a verified SES identity."""
    import contextlib
    import secrets
    from email.utils import parseaddr

    from tradetrack.aws import aws_client
    from tradetrack.config import get_settings
    from tradetrack.notify.unsubscribe import reset_key_cache

    settings = get_settings()
    manager = aws_client("secretsmanager")
    with contextlib.suppress(manager.exceptions.ResourceExistsException):
        manager.create_secret(Name=settings.unsubscribe_secret_name, SecretString=secrets.token_urlsafe(48))
    domain = parseaddr(settings.notify_from_email)[1].rpartition("@")[2]
    ses = aws_client("sesv2")
    with contextlib.suppress(ses.exceptions.AlreadyExistsException):
        ses.create_email_identity(EmailIdentity=domain)
    reset_key_cache()
