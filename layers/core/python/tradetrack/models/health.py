from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

DependencyStatus = Literal["ok", "down"]


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    dependencies: dict[str, DependencyStatus]
