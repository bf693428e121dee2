"""The trade detail's screenshots in a real browser (Debian's chromium driven by playwright-core
from web/e2e/screenshots.mjs) against the local stack serving web/dist: a file over 5 MB refused
by the page without a request; a PNG made by the journey uploaded by the presigned POST to the
stack's S3 (moto, another origin), confirmed, thumbnailed by the worker and shown linking to the
original; a text file named .png refused by the worker; the PNG deleted after its confirmation.
Screenshots land in build/web-screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import run_journey
from tests.e2e.test_web_app import SHOTS, WEB
from tests.e2e.test_web_app_pages import App, app

pytestmark = pytest.mark.e2e

JOURNEY = WEB / "e2e" / "screenshots.mjs"
__all__ = ["app"]  # the stack serving the built app, shared with the account pages' test


def test_attach_see_and_delete_a_trade_screenshot(app: App) -> None:
    # Given the local stack serving the built app (its attachments queue consumed by the stack's poller)
    # When a trader attaches screenshots to a trade in chromium
    seen = run_journey(JOURNEY, app.url)
    # Then the journey passes its checks
    assert seen["ok"] is True
    # over 5 MB: refused by the page, no request to the API
    assert seen["tooLargeRequests"] == 0
    # the PNG went to S3 by one form POST without the bearer token, the API says ready, the thumbnail
    # drew and the original's link answers the cleaned PNG
    upload = seen["upload"]
    assert upload["s3Posts"] == 1 and upload["s3Authorization"] is None
    assert upload["s3CrossOrigin"] is True  # moto's S3 on its own port: the browser's CORS check passed
    assert upload["apiStatuses"] == ["ready"]
    assert upload["thumbnailLoaded"] is True
    assert upload["originalStatus"] == 200 and upload["originalType"] == "image/png"
    # a text file named .png: refused by the worker, said on the page and in the grid
    assert seen["rejected"]["badge"] == "Rejected"
    assert "not a PNG, JPEG or WebP image" in seen["rejected"]["shown"]
    # deleted after its confirmation: only the rejected one is left
    assert seen["afterDelete"] == ["rejected"]
    assert (SHOTS / "trade-screenshots.png").stat().st_size > 0
