"""MongoDB: the client, index definitions and repositories."""
