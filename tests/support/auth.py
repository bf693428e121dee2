"""Accounts and tokens for tests, and the cross-user isolation check every route must pass."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tests.support.gateway import Gateway, Reply

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    access_token: str
    refresh_token: str


def register(gateway: Gateway, email: str | None = None, *, name: str = "Test Trader") -> dict[str, Any]:
    email = email or f"trader-{uuid.uuid4().hex[:8]}@example.in"
    reply = gateway.request(
        "POST", "/v1/auth/register", json_body={"email": email, "password": PASSWORD, "name": name}
    )
    assert reply.status == 201, reply.text
    return dict(reply.body)


def login(gateway: Gateway, email: str, password: str = PASSWORD, *, source_ip: str | None = None) -> Reply:
    """Log in from `source_ip`, by default a fresh address (logins are limited per IP)."""
    ip = source_ip or f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return gateway.request(
        "POST", "/v1/auth/login", json_body={"email": email, "password": password}, source_ip=ip
    )


def new_account(gateway: Gateway, email: str | None = None) -> Account:
    user = register(gateway, email)
    reply = login(gateway, user["email"])
    assert reply.status == 200, reply.text
    return Account(user["userId"], user["email"], reply.body["accessToken"], reply.body["refreshToken"])


@dataclass(frozen=True)
class OwnedRoute:
    """A request on an object that belongs to one user; "{id}" in the path stands for it."""

    method: str
    path: str  # may contain "{id}"
    json_body: dict[str, Any] | None = None


def assert_isolated(
    gateway: Gateway,
    owner: Account,
    intruder: Account,
    routes: Iterable[OwnedRoute],
    object_id: str,
    *,
    owner_view: Callable[[], Any],
) -> None:
    """The intruder can neither read nor change the owner's object through any of `routes`.

    Each route, called by the intruder with the owner's object id, must answer 404 (API.md: another
    user's object is "not found", never "forbidden", so ids cannot be probed), and `owner_view` —
    what the owner sees — must be the same before and after.
    """
    before = owner_view()
    for route in routes:
        reply = gateway.request(
            route.method,
            route.path.replace("{id}", object_id),
            json_body=route.json_body,
            token=intruder.access_token,
        )
        assert reply.status == 404, (
            f"{route.method} {route.path}: intruder got {reply.status} {reply.text[:200]}"
        )
        assert reply.error_code() == "NOT_FOUND"
    assert owner_view() == before, "the owner's object changed through another user's request"
