"""The GET /v1/data-quality payload: what the journal cannot compute without the user."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class PairIssueOut(BaseModel):
    """What every item of the report names: the (account, instrument) pair it is about."""

    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    instrument: str
    symbol: str


class UnmatchedExitOut(PairIssueOut):
    """Units of a delivery sell that no lot covers: left out of P&L until an opening lot does."""

    execution_id: str = Field(alias="executionId", description="The sell")
    quantity: int = Field(description="Units of the sell no lot covers")
    units_needed: int = Field(
        alias="unitsNeeded",
        description="Units an opening lot of this account and instrument must have to cover this sell "
        "and the unmatched sells of the instrument before it",
    )
    price: str
    executed_at: datetime = Field(alias="executedAt")
    resolve: str


class OrphanedAnnotationOut(PairIssueOut):
    """The user's notes on a trade that no longer exists (its opening fill was deleted): kept."""

    anchor: str = Field(description="The id of the trade the annotation was made on")
    notes: str
    tags: list[str]
    strategy: str | None
    category: str | None = Field(description="The category override the user set, if any")


class ExpiredContractOut(PairIssueOut):
    """A derivative contract still open past its expiry: the journal closes it at the settlement
    price once the user gives the underlying's price on that day (PUT /v1/settlements)."""

    exchange: str
    underlying: str
    expiry: date = Field(description="The expiry day: the position closes at 15:30 IST of it")
    resolve: str


class UnknownContractOut(PairIssueOut):
    """A derivative symbol the journal cannot read: its expiry is unknown, so nothing closes it."""

    resolve: str


class OpenIntradayOut(PairIssueOut):
    """An intraday position still open after its day: the broker's square-off fill is missing."""

    trade_id: str = Field(alias="tradeId")
    direction: str
    open_quantity: int = Field(alias="openQuantity")
    opened_at: datetime = Field(alias="openedAt")
    resolve: str


class QualityCounts(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unmatched_exits: int = Field(alias="unmatchedExits")
    unmatched_units: int = Field(alias="unmatchedUnits")
    orphaned_annotations: int = Field(alias="orphanedAnnotations")
    expired_contracts: int = Field(alias="expiredContracts")
    unknown_contracts: int = Field(0, alias="unknownContracts")
    open_intraday: int = Field(0, alias="openIntraday")
    instruments: int = Field(description="(account, instrument) pairs with at least one issue")


class DataQualityReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unmatched_exits: list[UnmatchedExitOut] = Field(alias="unmatchedExits")
    orphaned_annotations: list[OrphanedAnnotationOut] = Field(alias="orphanedAnnotations")
    expired_contracts: list[ExpiredContractOut] = Field(alias="expiredContracts")
    unknown_contracts: list[UnknownContractOut] = Field(
        default_factory=list,
        alias="unknownContracts",
        description="derivative symbols the journal cannot read: no expiry known, nothing closes them",
    )
    open_intraday: list[OpenIntradayOut] = Field(
        default_factory=list,
        alias="openIntraday",
        description="intraday (MIS) positions open after their day: the square-off fill is missing",
    )
    counts: QualityCounts


class AttachOrphanRequest(BaseModel):
    """POST /v1/data-quality/orphans/{anchor}/attach: the trade that takes the orphaned annotation."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    trade_id: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(alias="tradeId")
