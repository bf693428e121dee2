"""The local stack's demo trader: a user connected to the simulated broker, synced on the timer."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

DEMO_EMAIL = "demo@tradetrack.local"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - a local-only demo login, printed in the banner
DEMO_NAME = "Demo Trader"


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    user_id: str
    account_id: str


def session_clock() -> datetime:
    """The simulated broker's clock: now during and after a trading session, else the latest close,
    so the demo account has a day of activity to show on weekends, holidays and early mornings."""
    from tradetrack.market.calendar import OPEN, is_trading_day
    from tradetrack.sync.schedule import latest_close
    from tradetrack.timeutil import IST

    now = datetime.now(UTC)
    local = now.astimezone(IST)
    if is_trading_day(local.date()) and local.time() >= OPEN:
        return now
    return latest_close(now)


def _next_six_am_ist(now: datetime) -> datetime:
    from tradetrack.timeutil import IST

    local = now.astimezone(IST)
    expiry = datetime.combine(local.date(), time(6, 0), tzinfo=IST)
    return expiry if expiry > local else expiry + timedelta(days=1)


def seed_demo(access_token: str, broker_user_id: str, *, now: datetime | None = None) -> Demo:
    """Register the demo user (once) and connect it to the simulated broker (once); blocking."""
    from tradetrack.auth.service import register
    from tradetrack.aws import aws_client
    from tradetrack.brokers.tokens import encrypt_token
    from tradetrack.config import get_settings
    from tradetrack.db import broker_accounts
    from tradetrack.db.client import get_database
    from tradetrack.errors import Conflict
    from tradetrack.models.users import RegisterRequest

    moment = now or datetime.now(UTC)
    db, settings = get_database(), get_settings()
    with contextlib.suppress(Conflict):  # already there (a real Mongo keeps it across restarts)
        register(
            db,
            RegisterRequest(email=DEMO_EMAIL, password=DEMO_PASSWORD, name=DEMO_NAME),
            bcrypt_cost=settings.bcrypt_cost,
        )
    user = db["users"].find_one({"emailLower": DEMO_EMAIL})
    assert user is not None
    user_id = str(user["_id"])
    existing = [a for a in broker_accounts.user_accounts(db, user_id) if a["broker"] == "simulated"]
    account_id = existing[0]["_id"] if existing else broker_accounts.new_account_id()
    connection = {
        "status": "active",
        "tokenCiphertext": encrypt_token(
            aws_client("kms"),
            settings.broker_token_key_id,
            access_token,
            user_id=user_id,
            account_id=account_id,
        ),
        "tokenExpiresAt": _next_six_am_ist(moment),
        "connectedAt": moment,
        "failures": 0,
    }
    if existing:
        # A restart kept the account but not its token's key (moto's KMS is new each start) nor the
        # simulated broker's session: the connection is renewed, as a login would, its history kept.
        broker_accounts.set_fields(db, account_id, connection)
    else:
        broker_accounts.insert_account(
            db,
            {
                "_id": account_id,
                "userId": user_id,
                "broker": "simulated",
                "brokerUserId": broker_user_id,
                "createdAt": moment,
                **connection,
            },
        )
    return Demo(DEMO_EMAIL, DEMO_PASSWORD, user_id, account_id)
