"""Construct ids from the manifest's kebab/snake-case names."""

from __future__ import annotations

import re


def pascal(name: str) -> str:
    """'sync-jobs' / 'broker_sync' -> 'SyncJobs' / 'BrokerSync'."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
