"""Brokers: the Broker protocol (base.py), the clients (Kite v3, Upstox v2, ...), the shared wire
(http.py, retry.py, wire.py) and the registry of brokers (registry.py) the factory reads."""
