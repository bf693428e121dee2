"""TradeTrack local stack: API Gateway REST/WebSocket, SQS and EventBridge emulation over functions/."""
