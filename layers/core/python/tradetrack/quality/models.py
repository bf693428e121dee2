"""The GET /v1/data-quality payload: what the journal cannot compute without the user."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class UnmatchedExitOut(BaseModel):
    """Units of a delivery sell that no lot covers: left out of P&L until an opening lot does."""

    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    instrument: str
    symbol: str
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


class OrphanedAnnotationOut(BaseModel):
    """The user's notes on a trade that no longer exists (its opening fill was deleted): kept."""

    model_config = ConfigDict(populate_by_name=True)

    account_id: str = Field(alias="accountId")
    instrument: str
    symbol: str
    anchor: str = Field(description="The id of the trade the annotation was made on")
    notes: str
    tags: list[str]
    strategy: str | None
    category: str | None = Field(description="The category override the user set, if any")


class QualityCounts(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unmatched_exits: int = Field(alias="unmatchedExits")
    unmatched_units: int = Field(alias="unmatchedUnits")
    orphaned_annotations: int = Field(alias="orphanedAnnotations")
    instruments: int = Field(description="(account, instrument) pairs with at least one issue")


class DataQualityReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unmatched_exits: list[UnmatchedExitOut] = Field(alias="unmatchedExits")
    orphaned_annotations: list[OrphanedAnnotationOut] = Field(alias="orphanedAnnotations")
    counts: QualityCounts
