"""Brokers: the Broker protocol (base.py), Kite v3 and Upstox v2 clients, the simulated broker."""
