"""WebSocket API: client frames, the connection registry and pushing to clients."""
