"""SMS through SNS: transactional, E.164 numbers only, sized to one SMS segment.

A GSM-7 text fits 160 characters in one SMS (characters of the extension table, such as € or [,
take two); anything else goes as UCS-2, 70 characters. Longer texts are cut at a word boundary
with "..." so a notification costs one segment, never a surprise multi-part message. The rupee
sign is not GSM-7: amounts are written "Rs" so the 160-character budget applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
GSM7_LIMIT, UCS2_LIMIT = 160, 70
ELLIPSIS = "..."
E164 = re.compile(r"^\+[1-9]\d{7,14}$")  # the rule models.users applies to PATCH /v1/me

# SNS errors that say this number (or text) will never be accepted: recorded, not retried.
PERMANENT_ERRORS = frozenset({"InvalidParameter", "InvalidParameterValue", "EndpointDisabled"})


class InvalidNumber(ValueError):
    """The user's phone number is not an E.164 number: nothing is sent."""


def is_e164(number: str) -> bool:
    return bool(E164.match(number))


def _cost(char: str) -> int | None:
    """Septets a character takes in GSM-7, None when it is not GSM-7."""
    if char in GSM7_BASIC:
        return 1
    if char in GSM7_EXTENDED:
        return 2
    return None


def is_gsm7(text: str) -> bool:
    return all(_cost(char) is not None for char in text)


def length(text: str) -> int:
    """Length in the unit the segment limit counts: septets for GSM-7, characters for UCS-2."""
    return sum(_cost(char) or 1 for char in text) if is_gsm7(text) else len(text)


def limit(text: str) -> int:
    return GSM7_LIMIT if is_gsm7(text) else UCS2_LIMIT


def fit_one_segment(text: str) -> str:
    """The text, shortened at a word boundary with "..." when it would need more than one SMS."""
    text = re.sub(r"\s+", " ", text.replace("₹", "Rs ")).strip()
    budget = limit(text)
    if length(text) <= budget:
        return text
    room = budget - len(ELLIPSIS)
    cut = ""
    for char in text:
        if length(cut + char) > room:
            break
        cut += char
    word_cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    if len(word_cut) >= len(cut) * 2 // 3:  # don't throw away most of the text for one long word
        cut = word_cut
    return cut.rstrip(" ,.;:-") + ELLIPSIS


@dataclass(frozen=True)
class SmsResult:
    message_id: str | None
    error: str | None = None  # set: a permanent failure


def send_sms(sns: Any, number: str, text: str, *, sender_id: str = "") -> SmsResult:
    """Publish one transactional SMS; transient errors (throttling, outage) raise to be retried."""
    if not is_e164(number):
        return SmsResult(None, "invalid_number: not an E.164 phone number")
    attributes: dict[str, Any] = {
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
    }
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    try:
        response = sns.publish(
            PhoneNumber=number, Message=fit_one_segment(text), MessageAttributes=attributes
        )
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in PERMANENT_ERRORS:
            return SmsResult(None, f"rejected: {code}: {exc.response.get('Error', {}).get('Message', '')}")
        raise
    return SmsResult(str(response["MessageId"]))
