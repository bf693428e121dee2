"""Notification fixtures (tests.support.notify): moto ready for SES, SNS and the unsubscribe key."""

from tests.support.notify import notify_ready

__all__ = ["notify_ready"]
