"""Broker sync (flow 3): scheduler → sync queue → sync worker → trade-updates queue → trade updates."""
