"""Builders of the events AWS hands to Lambda: API Gateway REST and WebSocket, SQS, EventBridge."""
