"""One-off migrations of stored data between releases, run by ops scripts (scripts/migrate_*.py).

Each module migrates one change, per user, idempotently: running it again changes nothing.
"""
