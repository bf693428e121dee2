"""Phone verification (issue #15 item 8): a code by SMS through moto SNS, hashed, expiring,
attempt- and rate-limited; then SMS notifications reach the verified number, and SMS alerts are
refused before it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis

from tests.support.auth import Account, new_account
from tests.support.gateway import Gateway
from tests.support.notify import Db, deliver, make_user, sms_to, trade_event
from tradetrack.aws import aws_client
from tradetrack.errors import RateLimited, SemanticError
from tradetrack.phone import service

PHONE = "+919876543210"
OTHER = "+919812345678"


def request_code(gateway: Gateway, account: Account, phone: str = PHONE) -> Any:
    return gateway.request("POST", "/v1/me/phone", token=account.access_token, json_body={"phone": phone})


def sent_code(phone: str = PHONE) -> str:
    """The code in the latest SMS moto recorded for this number."""
    texts = [sms["message"] for sms in sms_to(phone)]
    assert texts, f"no SMS to {phone}"
    found = re.match(
        r"^(\d{6}) is your TradeTrack verification code\. It expires in 10 minutes\.$", texts[-1]
    )
    assert found, texts[-1]
    return found.group(1)


def verify(gateway: Gateway, account: Account, code: str) -> Any:
    return gateway.request(
        "POST", "/v1/me/phone/verify", token=account.access_token, json_body={"code": code}
    )


def me(gateway: Gateway, account: Account) -> dict[str, Any]:
    reply = gateway.request("GET", "/v1/me", token=account.access_token)
    assert reply.status == 200
    return dict(reply.body)


def test_a_code_by_sms_verifies_the_number(
    notify_ready: Gateway, mongo_db: Db, redis_client: redis.Redis
) -> None:
    # Given a user without a phone
    account = new_account(notify_ready)
    # When they ask for a code for their Indian mobile number
    reply = request_code(notify_ready, account)
    # Then 202, one SMS went to the number through SNS, and only a salted digest of the code is kept
    assert reply.status == 202, reply.text
    assert reply.body == {"phone": PHONE, "expiresIn": 600, "resendAfter": 60}
    code = sent_code()
    stored = redis_client.hgetall(f"phone:otp:{account.user_id}")
    assert code not in "".join(str(value) for value in stored.values())
    assert me(notify_ready, account)["phoneVerified"] is False
    # When they send the code back
    verified = verify(notify_ready, account, code)
    # Then the number is theirs and verified, and the code cannot be used again
    assert verified.status == 200, verified.text
    assert verified.body == {"phone": PHONE, "phoneVerified": True}
    profile = me(notify_ready, account)
    assert (profile["phone"], profile["phoneVerified"]) == (PHONE, True)
    again = verify(notify_ready, account, code)
    assert again.status == 422 and again.body["error"]["details"] == [{"field": "code", "issue": "no_code"}]


def test_a_wrong_code_is_refused_and_five_wrong_codes_burn_it(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a code sent to the user
    account = new_account(notify_ready)
    assert request_code(notify_ready, account).status == 202
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # When a wrong code is sent: 422 saying how many attempts are left, and nothing is verified
    first = verify(notify_ready, account, wrong)
    assert first.status == 422
    assert first.body["error"]["message"] == "wrong code: 4 attempts left"
    assert me(notify_ready, account)["phoneVerified"] is False
    # When four more wrong codes are sent, the last one burns the code
    messages = [verify(notify_ready, account, wrong).body["error"]["message"] for _ in range(4)]
    assert messages == [
        "wrong code: 3 attempts left",
        "wrong code: 2 attempts left",
        "wrong code: 1 attempt left",
        "wrong code, and no attempts are left: request a new one",
    ]
    # Then even the right code no longer verifies
    late = verify(notify_ready, account, code)
    assert late.status == 422 and late.body["error"]["details"][0]["issue"] == "no_code"
    assert me(notify_ready, account)["phoneVerified"] is False


@pytest.mark.parametrize(
    ("phone", "status"),
    [("+91987654321", 400), ("+915876543210", 400), ("9876543210", 400), ("+14155550123", 202)],
)
def test_only_valid_mobile_numbers_get_a_code(notify_ready: Gateway, phone: str, status: int) -> None:
    # Given Indian numbers with 9 digits or a landline-like first digit, a number without +, a US one
    account = new_account(notify_ready)
    # When a code is asked for / Then only the valid ones are texted
    reply = request_code(notify_ready, account, phone)
    assert reply.status == status, reply.text
    assert len(sms_to(phone)) == (1 if status == 202 else 0)


def test_codes_are_rate_limited_per_user_and_per_number(notify_ready: Gateway) -> None:
    # Given a code just sent to a user
    account, stranger = new_account(notify_ready), new_account(notify_ready)
    assert request_code(notify_ready, account).status == 202
    # When the same user asks again within the minute, or another user asks for the same number
    again = request_code(notify_ready, account, OTHER)
    same_number = request_code(notify_ready, stranger, PHONE)
    # Then both are refused with 429 and a Retry-After, and no second SMS went out
    for reply in (again, same_number):
        assert reply.status == 429, reply.text
        assert 1 <= int(reply.headers["Retry-After"]) <= 60
    assert len(sms_to(PHONE)) == 1 and sms_to(OTHER) == []


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_code_expires_after_ten_minutes(
    mongo_db: Db, redis_client: redis.Redis, notify_ready: Gateway
) -> None:
    # Given a code sent at T
    account = new_account(notify_ready)
    clock = Clock()
    service.send_code(
        redis_client, aws_client("sns"), account.user_id, PHONE, clock=clock, code_factory=lambda: "123456"
    )
    # When it comes back 10 minutes later
    clock.now += 600
    # Then it is refused as expired, and the number stays unverified
    with pytest.raises(SemanticError) as refused:
        service.verify_code(mongo_db, redis_client, account.user_id, "123456", clock=clock)
    assert refused.value.details == [{"field": "code", "issue": "expired"}]
    assert me(notify_ready, account)["phoneVerified"] is False


def test_five_codes_an_hour_at_most_one_a_minute(
    mongo_db: Db, redis_client: redis.Redis, notify_ready: Gateway
) -> None:
    # Given a user sending a code every minute
    account = new_account(notify_ready)
    clock = Clock()
    sns = aws_client("sns")
    for _ in range(5):
        service.send_code(redis_client, sns, account.user_id, PHONE, clock=clock)
        clock.now += 60
    # When a sixth is asked within the hour of the first
    with pytest.raises(RateLimited) as limited:
        service.send_code(redis_client, sns, account.user_id, OTHER, clock=clock)
    # Then it is refused until the first send leaves the hour window
    assert limited.value.retry_after_s == 3600 - 300
    clock.now += 3600 - 300
    sent = service.send_code(redis_client, sns, account.user_id, OTHER, clock=clock)
    assert sent.phone == OTHER
    assert len(sms_to(PHONE)) == 5 and len(sms_to(OTHER)) == 1


def test_after_verification_sms_notifications_are_delivered_and_a_new_number_must_be_verified_again(
    notify_ready: Gateway, mongo_db: Db
) -> None:
    # Given a user with SMS on who verified their number through the API
    account = make_user(notify_ready, mongo_db, sms=True)
    assert request_code(notify_ready, account).status == 202
    assert verify(notify_ready, account, sent_code()).status == 200
    # When a trade confirmation is delivered
    assert deliver(trade_event(account.user_id)) == []
    # Then moto SNS recorded the SMS to the verified number
    assert [sms["message"] for sms in sms_to(PHONE)][-1] == "LONG INFY x10 closed, net P&L Rs 80.25"
    # When the user changes the number through PATCH /v1/me
    patched = notify_ready.request("PATCH", "/v1/me", token=account.access_token, json_body={"phone": OTHER})
    # Then it is no longer verified, and the next notification sends no SMS anywhere
    assert patched.status == 200 and patched.body["phoneVerified"] is False
    assert deliver(trade_event(account.user_id)) == []
    assert sms_to(OTHER) == [] and len(sms_to(PHONE)) == 2  # the code and the first confirmation


def test_an_sms_alert_needs_a_verified_number(notify_ready: Gateway, mongo_db: Db) -> None:
    # Given a user whose number is not verified
    account = make_user(notify_ready, mongo_db, phone=PHONE, verified=False, sms=True)
    body = {"symbol": "NSE:INFY", "condition": "above", "value": "1500", "channels": ["email", "sms"]}
    # When they create an SMS alert / Then 409 says why, and no alert was stored
    refused = notify_ready.request("POST", "/v1/alerts", token=account.access_token, json_body=body)
    assert refused.status == 409, refused.text
    assert refused.body["error"]["details"] == [{"field": "channels", "issue": "phone_not_verified"}]
    assert mongo_db["alerts"].count_documents({"userId": account.user_id}) == 0
    # And an email-only alert is fine
    email_only = {**body, "channels": ["email"]}
    assert (
        notify_ready.request("POST", "/v1/alerts", token=account.access_token, json_body=email_only).status
        == 201
    )
    # When the number is verified / Then the SMS alert is accepted
    assert request_code(notify_ready, account).status == 202
    assert verify(notify_ready, account, sent_code()).status == 200
    accepted = notify_ready.request("POST", "/v1/alerts", token=account.access_token, json_body=body)
    assert accepted.status == 201, accepted.text
    assert accepted.body["channels"] == ["email", "sms"]


def test_a_second_request_while_a_code_is_being_sent_is_refused(
    mongo_db: Db, redis_client: redis.Redis, notify_ready: Gateway
) -> None:
    from tradetrack.phone import repository

    # Given a request sending a code to the number right now (another user's)
    account = new_account(notify_ready)
    with repository.sending(redis_client, "usr_other", PHONE) as alone:
        assert alone
        # When this user asks for a code for the same number at the same moment
        with pytest.raises(RateLimited):
            service.send_code(redis_client, aws_client("sns"), account.user_id, PHONE)
    # Then nothing was sent; once the first is done the number may be asked for again
    assert sms_to(PHONE) == []
    assert service.send_code(redis_client, aws_client("sns"), account.user_id, PHONE).phone == PHONE
    assert redis_client.keys("phone:sending:*") == []
