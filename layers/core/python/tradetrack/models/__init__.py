"""Pydantic models: the domain and the API payloads."""
