"""The /v1/admin/corporate-actions and /v1/corporate-actions payloads (docs/corporate-actions.md).

`ratio` is "a:b" as the exchanges and companies state it, per kind:
- split: old face value : new face value, "10:1" (Rs 10 → Re 1: each share becomes 10);
- consolidation: old : new face value, "1:10" (10 shares become 1);
- bonus: a new shares for every b held, "1:1" (100 become 200), "3:2" (100 become 250);
- demerger: a shares of the new company (newIsin) for every b held, "1:1";
- rename: none (or "1:1").
Either side may have up to 4 decimals ("2.5:1" is 25:10).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tradetrack.models.executions import Isin, Symbol
from tradetrack.models.uploads import Rejection

ActionKindIn = Literal["split", "consolidation", "bonus", "demerger", "rename"]
Scope = Literal["platform", "user"]
_RATIO = re.compile(r"^\s*(\d{1,7}(?:\.\d{1,4})?)\s*:\s*(\d{1,7}(?:\.\d{1,4})?)\s*$")
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


def parse_ratio(text: str) -> tuple[int, int]:
    """ "a:b" → (a, b) as whole numbers of the same scale ("2.5:1" → (25, 10)); both above 0."""
    match = _RATIO.match(text)
    if match is None:
        raise ValueError('must be "a:b" with positive numbers, e.g. "10:1" or "2.5:1"')
    left, right = Decimal(match[1]), Decimal(match[2])
    if left <= 0 or right <= 0:
        raise ValueError("both sides of the ratio must be above 0")
    places = max(0, -int(left.normalize().as_tuple().exponent), -int(right.normalize().as_tuple().exponent))
    scale = 10**places
    return int(left * scale), int(right * scale)


def _ratio(text: str) -> str:
    parse_ratio(text)
    return text.strip().replace(" ", "")


def _printable(text: str) -> str:
    if not _PRINTABLE.match(text):
        raise ValueError("control characters are not allowed")
    return text


Ratio = Annotated[str, StringConstraints(max_length=32), AfterValidator(_ratio)]
CostPercent = Annotated[Decimal, Field(gt=0, lt=100, max_digits=5, decimal_places=2)]
Purpose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_printable)]
EARLIEST_EX_DATE = date(2000, 1, 1)


class CorporateActionIn(BaseModel):
    """One corporate action on one security, named by its symbol and/or ISIN."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    kind: ActionKindIn
    symbol: Symbol | None = Field(None, description="NSE symbol; symbol or isin is required")
    isin: Isin = Field(None, description="The security's ISIN before the action")
    ex_date: date = Field(alias="exDate", description="Ex-date, YYYY-MM-DD: applies before that day's fills")
    ratio: Ratio | None = Field(None, description='"a:b", per kind (see the docs); none for a rename')
    new_isin: Isin = Field(
        None, alias="newIsin", description="rename: the new ISIN; demerger: the new company's"
    )
    new_symbol: Symbol | None = Field(None, alias="newSymbol")
    cost_percent: CostPercent | None = Field(
        None, alias="costPercent", description="demerger: % of the cost that moves to the new company"
    )
    purpose: Purpose | None = Field(None, description="Free text kept with the action (the source's words)")


class CorporateActionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    action_id: str = Field(alias="actionId")
    scope: Scope = Field(description="platform: for every user; user: the caller's own")
    kind: str
    symbol: str | None
    isin: str | None
    instrument: str
    keys: list[str] = Field(description="The instrument keys whose fills the action adjusts")
    ex_date: date = Field(alias="exDate")
    ratio: str | None
    multiplier: str = Field(
        description="numerator:denominator — split/bonus: units after per unit before; "
        "demerger: new-company units per unit held"
    )
    new_isin: str | None = Field(alias="newIsin")
    new_symbol: str | None = Field(alias="newSymbol")
    cost_percent: str | None = Field(alias="costPercent")
    purpose: str | None
    source: str = Field(description="admin, nse (an NSE file import) or user")
    disabled: bool
    created_at: datetime = Field(alias="createdAt")


class CorporateActionPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[CorporateActionOut]
    next_cursor: str | None = Field(alias="nextCursor")


class UserCorporateActions(BaseModel):
    """The actions in force on the caller's instruments, and the platform actions they disabled."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[CorporateActionOut]
    disabled: list[CorporateActionOut] = Field(
        description="The caller's disablings of platform actions: DELETE one to enable the action again"
    )


class NseImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(description='NSE\'s corporate actions download ("CF-CA-equities" CSV), as text')


class UnknownPurpose(BaseModel):
    line: int
    symbol: str
    purpose: str


class NseImportReport(BaseModel):
    imported: int = Field(description="Actions stored now (new, or an earlier NSE import's with new terms)")
    unchanged: int = Field(description="Actions already stored")
    ignored: int = Field(description="Rows that state no capital change (dividends, meetings, buy-backs)")
    unknown: list[UnknownPurpose] = Field(
        description="Rows that look like a capital change but are not read (rights, demergers, schemes): "
        "enter them by hand"
    )
    rejected: list[Rejection] = Field(description="Rows that could not be read (line, reason)")
