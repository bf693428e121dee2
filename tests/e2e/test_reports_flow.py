"""Reports through the local stack over real sockets: POST /v1/reports (202), the reports queue
delivered to the reports function by the stack's SQS poller, the file in moto's S3, GET
/v1/reports/{id} with a presigned URL that moto's server answers, the "report" WebSocket frame and
the inbox notification."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from typing import Any

import pytest
import requests
from websockets.sync.client import connect

from local.stack import LocalStack
from tests.e2e.accounts import register_and_login
from tests.e2e.doubles import wait_until
from tests.e2e.test_import_upload_flow import auth, stack

pytestmark = pytest.mark.e2e
__all__ = ["stack"]  # the local stack fixture, shared with the upload-flow tests (one per module)


def fill(local: LocalStack, token: str, side: str, price: str, day: str) -> None:
    body = {"symbol": "INFY", "exchange": "NSE", "side": side, "quantity": 10, "price": price,
            "fees": "1", "product": "CNC", "executedAt": f"{day}T10:00:00+05:30"}  # fmt: skip
    reply = requests.post(f"{local.rest_url}/v1/executions", json=body, headers=auth(token), timeout=30)
    assert reply.status_code == 201, reply.text


def status_of(local: LocalStack, token: str, report_id: str) -> dict[str, Any]:
    reply = requests.get(f"{local.rest_url}/v1/reports/{report_id}", headers=auth(token), timeout=30)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def ask(local: LocalStack, token: str, kind: str, file_format: str) -> str:
    body = {"kind": kind, "period": "2024-25", "format": file_format}
    reply = requests.post(f"{local.rest_url}/v1/reports", json=body, headers=auth(token), timeout=30)
    assert reply.status_code == 202, reply.text
    return str(reply.json()["reportId"])


def test_a_tax_pdf_is_rendered_by_the_worker_downloaded_and_announced(stack: LocalStack) -> None:
    # Given a trader with an STCG sale in FY 2024-25 (10 INFY @ 100 → 110, ₹1 fees a side) and an
    # open WebSocket
    user_id, token = register_and_login(stack.rest_url, prefix="report")
    fill(stack, token, "BUY", "100", "2024-09-02")
    fill(stack, token, "SELL", "110", "2024-09-05")
    with connect(f"{stack.ws_url}/?token={token}", open_timeout=10) as ws:
        assert wait_until(lambda: bool(stack.redis.smembers(f"ws:user:{user_id}")))
        # When they ask for the FY's tax P&L as PDF
        report_id = ask(stack, token, "tax_pnl", "pdf")
        # Then the worker makes it ready, and the WebSocket hears it
        assert wait_until(lambda: status_of(stack, token, report_id)["status"] == "ready", timeout_s=120)
        frames = [json.loads(ws.recv(timeout=30))]
        while frames[-1].get("type") != "report":
            frames.append(json.loads(ws.recv(timeout=30)))
        assert {k: frames[-1][k] for k in ("reportId", "status")} == {
            "reportId": report_id,
            "status": "ready",
        }
    # And the presigned URL (moto's S3 server) downloads the PDF under its safe name
    ready = status_of(stack, token, report_id)
    download = requests.get(ready["downloadUrl"], timeout=30)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-1.4")
    assert (
        download.headers["Content-Disposition"] == 'attachment; filename="tradetrack-tax-pnl-FY2024-25.pdf"'
    )
    assert download.headers["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=download.content, capture_output=True,
                              check=True).stdout.decode()  # fmt: skip
        lines = [" ".join(line.split()) for line in text.splitlines()]
        assert "Short-term capital gains (STCG) 1 100.00 100.00 2.00 98.00" in lines
    # And the inbox has the notification
    inbox = requests.get(f"{stack.rest_url}/v1/notifications", headers=auth(token), timeout=30).json()[
        "items"
    ]
    assert [n["type"] for n in inbox] == ["report_ready"]


def test_a_trade_history_csv_and_another_users_404(stack: LocalStack) -> None:
    _, token = register_and_login(stack.rest_url, prefix="history")
    _, other = register_and_login(stack.rest_url, prefix="intruder")
    fill(stack, token, "BUY", "100", "2024-09-02")
    fill(stack, token, "SELL", "110", "2024-09-05")
    report_id = ask(stack, token, "trade_history", "csv")
    assert wait_until(lambda: status_of(stack, token, report_id)["status"] == "ready", timeout_s=120)
    rows = list(csv.reader(io.StringIO(requests.get(status_of(stack, token, report_id)["downloadUrl"],
                                                    timeout=30).text)))  # fmt: skip
    assert [(row[2], row[15]) for row in rows] == [("Symbol", "Net P&L"), ("INFY", "98")]
    intruder = requests.get(f"{stack.rest_url}/v1/reports/{report_id}", headers=auth(other), timeout=30)
    assert intruder.status_code == 404
