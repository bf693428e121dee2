"""What every uploaded file shares (trades, opening holdings, corporate actions): the account its
rows are filed under, and the rows refused, each with why.

Its own module, so that code reading an upload's rows (the sync's opening lots among them) does not
build the import API's models (tradetrack.imports.models)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MAX_REJECTIONS_SHOWN = 1000

AccountId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


class Rejection(BaseModel):
    line: int = Field(description="1-based line of the CSV file, the header being line 1")
    reason: str
