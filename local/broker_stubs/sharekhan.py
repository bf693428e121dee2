"""A ShareKhan open API stand-in over StubBooks, speaking the wire format of shareconnect 1.0.0.11.

Login: GET /skapi/auth/login.html?api_key=..&state=.. answers 302 to `redirect_url` with the state and
an encrypted `request_token`: AES-256-GCM under the app's secret key (zero nonce, 16-byte tag) of
"<request id>|<customer id>" (the user is the `user_id` query parameter, else the first book's).
POST /skapi/services/access/token takes {"apiKey", "requestToken" (the same sealed the other way
round: "<customer id>|<request id>"), "state"} and answers the access token. Then, with `api-key`
and `access-token`: reports/{customerId}, orders/{exchange}/{customerId}/{orderId}/trades,
trades/{customerId} (positions) and holdings/{customerId}, in {"status": 200, "message", "timestamp",
"data"}. ShareKhan documents no response bodies: these rows are the SDK's request-side names, as
the client reads them. Errors: the SDK's {"error_type": "TokenException", "message"}; a 429 as
{"message", "errorType": "rate_limit"}.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from local.broker_stubs.common import StubBook, StubBrokerServer, StubError, StubOrder, json_reply
from tradetrack.brokers import sharekhan as wire
from tradetrack.timeutil import to_ist

DEFAULT_API_KEY = "sharekhan_stub_key"
DEFAULT_API_SECRET = "sharekhan_stub_secret_key_000032"  # noqa: S105 - 32 bytes, the stand-in's own
LOGIN_PATH = "/skapi/auth/login.html"
_EXCHANGES = {"NSE": "NC", "BSE": "BC", "NFO": "NF", "BFO": "BF", "CDS": "RN", "MCX": "MX"}
_PRODUCTS = {"CNC": "INVESTMENT", "MIS": "BIGTRADE", "NRML": "INVESTMENT"}
_STATUS = {"COMPLETE": "Fully Executed", "CANCELLED": "Cancelled", "REJECTED": "Rejected", "OPEN": "Pending"}
_TIME = "%d/%m/%Y %H:%M:%S"


class SharekhanStubServer(StubBrokerServer):
    thread_name = "sharekhan-stub"

    def __init__(self, books: dict[str, StubBook] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("api_key", DEFAULT_API_KEY)
        kwargs.setdefault("api_secret", DEFAULT_API_SECRET)
        super().__init__(books=books, **kwargs)
        self._requests_ids: dict[str, str] = {}  # request id -> customer id, until exchanged

    @property
    def login_url(self) -> str:
        return f"{self.url}{LOGIN_PATH}"

    def _cipher(self) -> AESGCM:
        return AESGCM(self.api_secret.encode())

    # -- the app -----------------------------------------------------------------------------------

    def routes(self) -> Iterable[web.RouteDef]:
        services = "/skapi/services"
        return [
            web.get(LOGIN_PATH, self._login_page),
            web.post(wire.TOKEN_PATH, self._access_token),
            web.get(services + "/reports/{customer}", self._reports),
            web.get(services + "/orders/{exchange}/{customer}/{order}/trades", self._order_trades),
            web.get(services + "/trades/{customer}", self._positions),
            web.get(services + "/holdings/{customer}", self._holdings),
        ]

    def error_reply(self, status: int, code: str, message: str, retry_after_s: float | None) -> web.Response:
        headers = {"Retry-After": f"{retry_after_s:g}"} if retry_after_s is not None else {}
        if status == 429:
            return json_reply({"message": "Too many requests", "errorType": "rate_limit"}, status, headers)
        kind = (
            code
            if code.endswith("Exception")
            else ("NetworkException" if status >= 500 else "GeneralException")
        )
        return json_reply({"error_type": kind, "message": message}, status, headers)

    def _ok(self, data: Any) -> web.Response:
        stamp = to_ist(self.now()).isoformat(timespec="seconds")
        return json_reply({"status": 200, "message": "success", "timestamp": stamp, "data": data})

    def _customer(self, request: web.Request) -> str:
        if request.headers.get("api-key") != self.api_key:
            raise StubError(403, "TokenException", "Invalid api-key.")
        user_id = self.token_user(request.headers.get("access-token", ""))
        if user_id is None or user_id != request.match_info["customer"]:
            raise StubError(403, "TokenException", "Invalid or expired access token.")
        return user_id

    # -- login ---------------------------------------------------------------------------------------

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("api_key") != self.api_key:
            raise StubError(400, "InputException", "Invalid api_key.")
        user_id = request.query.get("user_id") or next(iter(self.books), "1234567")
        request_id = secrets.token_hex(6)
        self._requests_ids[request_id] = user_id
        sealed = self._cipher().encrypt(bytes(16), f"{request_id}|{user_id}".encode(), None)
        token = base64.b64encode(sealed).decode()
        return self.redirect({"request_token": token, "state": request.query.get("state", "12345")})

    async def _access_token(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if body.get("apiKey") != self.api_key or request.headers.get("api-key") != self.api_key:
            raise StubError(400, "InputException", "Invalid api key.")
        try:
            raw = base64.b64decode(str(body.get("requestToken") or ""), validate=True)
            plain = self._cipher().decrypt(bytes(16), raw, None).decode()
        except (InvalidTag, ValueError):
            return json_reply({"message": "Request token is invalid", "errorType": "input_error"}, 400)
        user_id, _, request_id = plain.partition("|")
        if self._requests_ids.pop(request_id, None) != user_id or not isinstance(body.get("state"), int):
            return json_reply({"message": "Request token is invalid", "errorType": "input_error"}, 400)
        token = self.log_in(user_id)
        return self._ok({"token": token, "customerId": user_id, "loginId": user_id, "customerName": user_id})

    # -- the books -----------------------------------------------------------------------------------

    async def _reports(self, request: web.Request) -> web.StreamResponse:
        book = self.book(self._customer(request))
        day = to_ist(self.now()).strftime("%d/%m/%Y")
        return self._ok([_report_row(order, day) for order in book.orders])

    async def _order_trades(self, request: web.Request) -> web.StreamResponse:
        user_id = self._customer(request)
        order_id = request.match_info["order"]
        fills = [f for f in self.book(user_id).fills(self.now()) if f.order.order_id == order_id]
        if not fills:
            raise StubError(400, "OrderException", "Order not found.")
        return self._ok(
            [
                {
                    "orderId": order_id,
                    "tradeId": fill.trade_id,
                    "tradingSymbol": fill.order.symbol,
                    "exchange": _EXCHANGES[fill.order.exchange],
                    "transactionType": fill.order.side[0],
                    "tradeQty": fill.quantity,
                    "tradePrice": format(fill.order.price, "f"),
                    "tradeDateTime": fill.at.strftime(_TIME),
                    "productType": _PRODUCTS[fill.order.product],
                }
                for fill in fills
            ]
        )

    async def _positions(self, request: web.Request) -> web.StreamResponse:
        positions = self.book(self._customer(request)).positions(self.now())
        return self._ok(
            [
                {
                    "tradingSymbol": p.symbol,
                    "exchange": _EXCHANGES[p.exchange],
                    "productType": _PRODUCTS[p.product],
                    "buyQty": p.buy_quantity,
                    "sellQty": p.sell_quantity,
                    "netQuantity": p.quantity,
                    "averagePrice": format(p.average_price, "f"),
                }
                for p in positions
            ]
        )

    async def _holdings(self, request: web.Request) -> web.StreamResponse:
        holdings = self.book(self._customer(request)).holdings
        return self._ok(
            [
                {
                    "tradingSymbol": h.symbol,
                    "exchange": _EXCHANGES[h.exchange],
                    "isin": h.isin,
                    "quantity": h.quantity,
                    "averagePrice": format(h.average_price, "f"),
                    "ltp": format(h.last_price, "f"),
                }
                for h in holdings
            ]
        )


def _report_row(order: StubOrder, day: str) -> dict[str, Any]:
    filled = sum(order.fill_quantities())
    return {
        "orderId": order.order_id,
        "tradingSymbol": order.symbol,
        "exchange": _EXCHANGES[order.exchange],
        "transactionType": order.side[0],
        "quantity": order.quantity,
        "price": format(order.price, "f"),
        "triggerPrice": "0",
        "orderType": "NORMAL",
        "validity": "GFD",
        "productType": _PRODUCTS[order.product],
        "orderStatus": _STATUS[order.status],
        "executedQty": filled,
        "avgPrice": format(order.price, "f") if filled else "0",
        "orderDateTime": f"{day} {order.placed_at:%H:%M:%S}",
        "rejectionReason": order.message,
    }
