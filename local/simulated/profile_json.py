"""GET /user/profile of a simulated user."""

from __future__ import annotations

from typing import Any

from local.simulated.determinism import hash_int
from local.simulated.universe import DEMO_USER_ID

NAMES = (
    "Aarav Sharma",
    "Priya Iyer",
    "Rohan Mehta",
    "Ananya Reddy",
    "Vikram Nair",
    "Kavya Joshi",
    "Arjun Patel",
    "Meera Kulkarni",
    "Siddharth Rao",
    "Ishita Banerjee",
)


def profile_json(user_id: str) -> dict[str, Any]:
    """GET /user/profile."""
    name = "Demo Trader" if user_id == DEMO_USER_ID else NAMES[hash_int("name", user_id) % len(NAMES)]
    return {
        "user_id": user_id,
        "user_type": "individual",
        "email": f"{user_id.lower()}@example.com",
        "user_name": name,
        "user_shortname": name.split()[0],
        "broker": "ZERODHA",
        "exchanges": ["BFO", "MCX", "NSE", "CDS", "BSE", "BCD", "MF", "NFO"],
        "products": ["CNC", "NRML", "MIS", "BO", "CO"],
        "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
        "avatar_url": None,
        "meta": {"demat_consent": "physical"},
    }
