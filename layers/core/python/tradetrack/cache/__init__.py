"""Redis: the client, caches, rate limits, sessions and WebSocket connection state."""
