"""An ICICI Direct Breeze stand-in over StubBooks, speaking the wire format of breeze-connect 1.0.69.

Login: GET /apiuser/login?api_key=.. answers 302 to `redirect_url` with `apisession` (the API session
key; the user is the `user_id` query parameter, else the first book's). Under /breezeapi/api/v1:
GET customerdetails with {"SessionToken", "AppKey"} answers the base64("<user>:<key>") session_token;
every other call must carry X-AppKey, X-SessionToken, X-Timestamp and X-Checksum = "token " +
sha256(timestamp + body + api secret), else it is refused. trades (a trade list by exchange and
dates, or an order's trade detail by order_id), order (the order list), portfoliopositions,
portfolioholdings and dematholdings answer {"Success": ..., "Status": 200, "Error": null}; an empty
book is {"Success": null, "Status": 500, "Error": "No Data Found"}, as Breeze answers it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from local.broker_stubs.common import StubBook, StubBrokerServer, StubError, StubFill, StubOrder, json_reply
from tradetrack.brokers import breeze as wire
from tradetrack.timeutil import to_ist

DEFAULT_API_KEY = "breeze_stub_key"
DEFAULT_API_SECRET = "breeze_stub_secret"  # noqa: S105 - the stand-in's, not a credential
API_PREFIX = "/breezeapi/api/v1"
LOGIN_PATH = "/apiuser/login"
_PRODUCTS = {"CNC": "Cash", "MIS": "Margin", "NRML": "Futures"}
_STATUS = {"COMPLETE": "Executed", "CANCELLED": "Cancelled", "REJECTED": "Rejected", "OPEN": "Ordered"}
_ACTION = {"BUY": "Buy", "SELL": "Sell"}


class BreezeStubServer(StubBrokerServer):
    thread_name = "breeze-stub"

    def __init__(self, books: dict[str, StubBook] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("api_key", DEFAULT_API_KEY)
        kwargs.setdefault("api_secret", DEFAULT_API_SECRET)
        super().__init__(books=books, **kwargs)

    @property
    def api_url(self) -> str:
        return f"{self.url}{API_PREFIX}"

    @property
    def login_url(self) -> str:
        return f"{self.url}{LOGIN_PATH}"

    # -- tokens: the customer details' base64 "<user>:<session key>" -------------------------------

    def api_session(self, user_id: str) -> str:
        """The API session key the login page hands the app for `user_id`."""
        return f"{user_id}-{self.mac('apisession', user_id)[:12]}"

    def access_token(self, user_id: str) -> str:
        return base64.b64encode(f"{user_id}:{self.mac('session', user_id)[:16]}".encode()).decode()

    def token_user(self, token: str) -> str | None:
        try:
            user_id, _, key = base64.b64decode(token, validate=True).decode("ascii").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        valid = bool(user_id) and hmac.compare_digest(key, self.mac("session", user_id)[:16])
        return user_id if valid and user_id not in self.revoked_users else None

    # -- the app -----------------------------------------------------------------------------------

    def routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(LOGIN_PATH, self._login_page),
            web.get(API_PREFIX + wire.CUSTOMER_PATH, self._customer),
            web.get(API_PREFIX + wire.TRADES_PATH, self._trades),
            web.get(API_PREFIX + wire.ORDERS_PATH, self._orders),
            web.get(API_PREFIX + wire.POSITIONS_PATH, self._positions),
            web.get(API_PREFIX + wire.HOLDINGS_PATH, self._holdings),
            web.get(API_PREFIX + wire.DEMAT_PATH, self._demat),
        ]

    def error_reply(self, status: int, code: str, message: str, retry_after_s: float | None) -> web.Response:
        headers = {"Retry-After": f"{retry_after_s:g}"} if retry_after_s is not None else {}
        text = {429: "Limit exceeded", 401: "Invalid session."}.get(status, message)
        return json_reply({"Success": None, "Status": status, "Error": text}, status, headers)

    @staticmethod
    def _ok(data: Any) -> web.Response:
        if not data:
            return json_reply({"Success": None, "Status": 500, "Error": "No Data Found"})
        return json_reply({"Success": data, "Status": 200, "Error": None})

    async def _signed(self, request: web.Request) -> tuple[str, dict[str, Any]]:
        """The user and the JSON body of a signed call; StubError when the signature or session fails."""
        raw = await request.text()
        headers = request.headers
        if headers.get("X-AppKey") != self.api_key:
            raise StubError(403, "", "Public Key does not exist.")
        stamp = headers.get("X-Timestamp", "")
        expected = hashlib.sha256(f"{stamp}{raw}{self.api_secret}".encode()).hexdigest()
        if not stamp or not hmac.compare_digest(headers.get("X-Checksum", ""), f"token {expected}"):
            raise StubError(401, "", "Checksum mismatch.")
        user_id = self.token_user(headers.get("X-SessionToken", ""))
        if user_id is None:
            raise StubError(401, "", "Invalid session.")
        body = json.loads(raw or "{}")
        return user_id, body if isinstance(body, dict) else {}

    # -- login ---------------------------------------------------------------------------------------

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("api_key") != self.api_key:
            raise StubError(403, "", "Public Key does not exist.")
        user_id = request.query.get("user_id") or next(iter(self.books), "XY604721")
        return self.redirect({"apisession": self.api_session(user_id)})

    async def _customer(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.text() or "{}")
        if body.get("AppKey") != self.api_key:
            raise StubError(200, "", "Public Key does not exist.")
        user_id = str(body.get("SessionToken") or "").rpartition("-")[0]
        if not user_id or body.get("SessionToken") != self.api_session(user_id):
            raise StubError(200, "", "Invalid session.")
        return self._ok(
            {
                "idirect_userid": user_id,
                "session_token": self.log_in(user_id),
                "idirect_user_name": f"STUB TRADER {user_id}",
                "idirect_ORD_TYP": "N",
                "idirect_lastlogin_time": to_ist(self.now()).strftime("%d-%b-%Y %H:%M:%S"),
            }
        )

    # -- the books -----------------------------------------------------------------------------------

    async def _trades(self, request: web.Request) -> web.StreamResponse:
        user_id, body = await self._signed(request)
        exchange = str(body.get("exchange_code") or "")
        if not exchange:
            raise StubError(200, "", "Exchange-Code cannot be empty")
        fills = [f for f in self.book(user_id).fills(self.now()) if f.order.exchange == exchange]
        if body.get("order_id"):
            return self._ok([_detail(f) for f in fills if f.order.order_id == body["order_id"]])
        day = to_ist(self.now()).date().isoformat()
        if not str(body.get("from_date", day))[:10] <= day <= str(body.get("to_date", day))[:10]:
            return self._ok([])  # the book holds today's fills only
        return self._ok([_trade_row(f) for f in fills])

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        user_id, body = await self._signed(request)
        day = to_ist(self.now()).strftime("%d-%b-%Y")
        orders = [o for o in self.book(user_id).orders if o.exchange == body.get("exchange_code")]
        return self._ok([_order_row(o, day) for o in orders])

    async def _positions(self, request: web.Request) -> web.StreamResponse:
        user_id, _ = await self._signed(request)
        return self._ok(
            [
                {
                    "segment": "equity",
                    "product_type": _PRODUCTS[p.product],
                    "exchange_code": p.exchange,
                    "stock_code": p.symbol,
                    "expiry_date": None,
                    "strike_price": None,
                    "right": None,
                    "action": "NA" if p.quantity == 0 else ("Buy" if p.quantity > 0 else "Sell"),
                    "quantity": str(abs(p.quantity)),
                    "average_price": format(p.average_price, "f"),
                    "ltp": format(p.average_price, "f"),
                }
                for p in self.book(user_id).positions(self.now())
            ]
        )

    async def _holdings(self, request: web.Request) -> web.StreamResponse:
        user_id, body = await self._signed(request)
        holdings = [h for h in self.book(user_id).holdings if h.exchange == body.get("exchange_code")]
        return self._ok(
            [
                {
                    "stock_code": h.symbol,
                    "exchange_code": h.exchange,
                    "quantity": str(h.quantity),
                    "average_price": format(h.average_price, "f"),
                    "current_market_price": format(h.last_price, "f"),
                    "product_type": "Cash",
                    "expiry_date": None,
                    "strike_price": None,
                    "right": None,
                    "action": "NA",
                }
                for h in holdings
            ]
        )

    async def _demat(self, request: web.Request) -> web.StreamResponse:
        user_id, _ = await self._signed(request)
        return self._ok(
            [
                {"stock_code": h.symbol, "stock_ISIN": h.isin, "quantity": str(h.quantity)}
                for h in self.book(user_id).holdings
            ]
        )


def _trade_row(fill: StubFill) -> dict[str, Any]:
    return {
        "book_type": "Trade-Book",
        "trade_date": fill.at.strftime("%d-%b-%Y"),
        "stock_code": fill.order.symbol,
        "action": _ACTION[fill.order.side],
        "quantity": str(fill.quantity),
        "average_cost": format(fill.order.price, "f"),
        "product_type": _PRODUCTS[fill.order.product],
        "exchange_code": fill.order.exchange,
        "order_id": fill.order.order_id,
        "expiry_date": None,
        "right": None,
        "strike_price": None,
    }


def _detail(fill: StubFill) -> dict[str, Any]:
    return {
        "exchange_trade_id": fill.trade_id,
        "executed_quantity": str(fill.quantity),
        "action": fill.order.side[0],
        "execution_price": format(fill.order.price, "f"),
        "stock_code": fill.order.symbol,
        "exchange_code": fill.order.exchange,
        "trade_id": f"{fill.at:%Y}/{fill.trade_id}",
        "exchange_trade_time": fill.at.strftime("%d-%b-%Y %H:%M:%S"),
    }


def _order_row(order: StubOrder, day: str) -> dict[str, Any]:
    filled = sum(order.fill_quantities())
    cancelled = order.quantity - filled if order.status == "CANCELLED" else 0
    return {
        "order_id": order.order_id,
        "exchange_order_id": None,
        "exchange_code": order.exchange,
        "stock_code": order.symbol,
        "product_type": _PRODUCTS[order.product],
        "action": _ACTION[order.side],
        "order_type": "Limit",
        "stoploss": "0.00",
        "quantity": str(order.quantity),
        "price": format(order.price, "f"),
        "validity": "Day",
        "expiry_date": None,
        "right": None,
        "strike_price": 0.0,
        "average_price": format(order.price, "f") if filled else "0",
        "cancelled_quantity": str(cancelled),
        "pending_quantity": str(order.quantity - filled - cancelled if order.status == "OPEN" else 0),
        "status": _STATUS[order.status],
        "user_remark": order.message,
        "order_datetime": f"{day} {order.placed_at:%H:%M}",
        "parent_order_id": None,
        "exchange_acknowledgement_date": None,
    }
