"""Accounts for end-to-end tests, made the way a client makes them: over the REST API."""

from __future__ import annotations

import uuid

import requests

PASSWORD = "correct horse battery"


def register_and_login(rest_url: str, *, prefix: str = "e2e", name: str = "E2E Trader") -> tuple[str, str]:
    """(userId, accessToken) of a new user registered and logged in through the REST API."""
    credentials = {"email": f"{prefix}-{uuid.uuid4().hex[:8]}@example.in", "password": PASSWORD}
    registered = requests.post(f"{rest_url}/v1/auth/register", json={**credentials, "name": name}, timeout=30)
    assert registered.status_code == 201, registered.text
    login = requests.post(f"{rest_url}/v1/auth/login", json=credentials, timeout=30)
    assert login.status_code == 200, login.text
    return str(registered.json()["userId"]), str(login.json()["accessToken"])
