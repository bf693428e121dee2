"""Data quality: what the journal cannot compute without the user (GET /v1/data-quality)."""
