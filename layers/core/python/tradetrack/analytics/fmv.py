"""/v1/analytics/fmv: the FMV of 31 January 2018 per ISIN that grandfathering needs (the tax P&L
lists the ISINs that need one as `needsFmv`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo.database import Database

from tradetrack.db import fmv
from tradetrack.errors import NotFound, ValidationFailed
from tradetrack.instruments.isin import normalize_isin
from tradetrack.money import money_str, to_scaled

Document = dict[str, Any]


class FmvIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: Annotated[Decimal, Field(gt=0, le=Decimal("100000000"), max_digits=14, decimal_places=4)] = Field(
        description="FMV per unit on 31 Jan 2018 (a listed share: its highest price on the exchange that day)"
    )


class FmvOut(BaseModel):
    isin: str
    price: str


def _isin(text: str) -> str:
    try:
        found = normalize_isin(text)
    except ValueError as exc:
        raise ValidationFailed(str(exc), details=[{"field": "path.isin", "issue": "invalid_isin"}]) from None
    assert found is not None
    return found


def set_fmv(db: Database[Document], user_id: str, isin_text: str, request: FmvIn) -> FmvOut:
    isin = _isin(isin_text)
    fmv.save_fmv(db, user_id, isin, to_scaled(request.price))
    return FmvOut(isin=isin, price=money_str(to_scaled(request.price)))


def list_fmv(db: Database[Document], user_id: str) -> list[FmvOut]:
    return [
        FmvOut(isin=isin, price=money_str(price)) for isin, price in sorted(fmv.fmv_of(db, user_id).items())
    ]


def delete_fmv(db: Database[Document], user_id: str, isin_text: str) -> None:
    if not fmv.delete_fmv(db, user_id, _isin(isin_text)):
        raise NotFound("no FMV for this ISIN")
