"""The two queues' message bodies: a sync request per account, and the new executions it found."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradetrack.brokers.names import BrokerName
from tradetrack.models.executions import ExecutionIn

SyncReason = Literal["schedule", "manual", "connect"]
_Id = Annotated[str, Field(min_length=1, max_length=128)]
# Executions per trade-updates message: ~350 bytes each keeps a message far below SQS's 256 KB.
EXECUTIONS_PER_MESSAGE = 200


def new_sync_id() -> str:
    return f"sync_{uuid.uuid4().hex}"


class _Message(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class SyncRequest(_Message):
    user_id: _Id = Field(alias="userId")
    account_id: _Id = Field(alias="accountId")
    sync_id: _Id = Field(alias="syncId")
    reason: SyncReason = "schedule"
    requested_at: datetime = Field(alias="requestedAt")
    backfill: bool = False  # first sync after connecting: fetch history where the broker has it

    def body(self) -> str:
        return self.model_dump_json(by_alias=True)


class TradeUpdate(_Message):
    """New executions of one account from one sync (a part of them, when there are many)."""

    user_id: _Id = Field(alias="userId")
    account_id: _Id = Field(alias="accountId")
    broker: BrokerName
    sync_id: _Id = Field(alias="syncId")
    part: int = Field(0, ge=0)
    executions: list[ExecutionIn] = Field(min_length=1, max_length=EXECUTIONS_PER_MESSAGE)
    # From the account's first sync: its past days' trades get no confirmation each (one summary).
    backfill: bool = False

    def body(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)

    @property
    def key(self) -> str:
        """What makes a delivery of this message the same work as another (idempotency)."""
        return f"{self.account_id}:{self.sync_id}:{self.part}"


def trade_update_bodies(
    *,
    user_id: str,
    account_id: str,
    broker: Any,
    sync_id: str,
    executions: list[ExecutionIn],
    backfill: bool = False,
) -> list[str]:
    return [
        TradeUpdate(
            user_id=user_id,
            account_id=account_id,
            broker=broker,
            sync_id=sync_id,
            part=part,
            executions=executions[start : start + EXECUTIONS_PER_MESSAGE],
            backfill=backfill,
        ).body()
        for part, start in enumerate(range(0, len(executions), EXECUTIONS_PER_MESSAGE))
    ]
