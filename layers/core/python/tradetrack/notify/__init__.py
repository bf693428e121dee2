"""Notifications (flow 6): events from the queue → in-app inbox, SES email, SNS SMS, WebSocket push."""
