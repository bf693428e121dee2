"""POST /v1/me/phone and POST /v1/me/phone/verify payloads."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# India: +91, then a 10-digit mobile number (mobiles start with 6, 7, 8 or 9; TRAI numbering plan).
INDIAN_MOBILE = re.compile(r"^\+91[6-9]\d{9}$")
# Both rules in one pattern, for the OpenAPI document (the validator below says which one failed):
# +91 and a mobile number, or another country code (one starting with 9 but not 91, or 1-8).
MOBILE = re.compile(r"^\+(?:91[6-9]\d{9}|9[02-9]\d{6,13}|[1-8]\d{7,14})$")


def _phone(value: str) -> str:
    if value.startswith("+91") and not INDIAN_MOBILE.match(value):
        raise ValueError("an Indian mobile number is +91 followed by 10 digits starting with 6, 7, 8 or 9")
    return value


MobileNumber = Annotated[
    str,
    StringConstraints(pattern=E164.pattern, max_length=16),
    AfterValidator(_phone),
    Field(json_schema_extra={"pattern": MOBILE.pattern}),
]
Code = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class PhoneRequest(BaseModel):
    """The number to verify, in E.164 ("+919876543210")."""

    model_config = ConfigDict(extra="forbid")
    phone: MobileNumber


class VerifyRequest(BaseModel):
    """The 6-digit code the SMS carried."""

    model_config = ConfigDict(extra="forbid")
    code: Code


class CodeSent(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    phone: str
    expires_in: int = Field(alias="expiresIn", description="seconds the code stays valid")
    resend_after: int = Field(alias="resendAfter", description="seconds before another code may be sent")


class PhoneOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    phone: str
    phone_verified: bool = Field(alias="phoneVerified")
