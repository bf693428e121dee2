"""An Angel One SmartAPI stand-in over StubBooks, speaking the wire format of smartapi-python 1.5.5.

Logins: GET /publisher-login?api_key=..&state=.. answers 302 to `redirect_url` with auth_token,
feed_token, refresh_token and the state (the user is the `user_id` query parameter, else the first
book's); POST /rest/auth/angelbroking/user/v1/loginByPassword takes {"clientcode", "password" (the
PIN in `pins`), "totp" (six digits)}. The jwtToken is a JWT whose `exp` is 24 hours on, its signature
an HMAC, so it needs no state. Then, with `X-PrivateKey: <api_key>` and `Authorization: Bearer <jwt>`:
getProfile, getTradeBook, getOrderBook, getPosition, getHolding and logout, each in SmartAPI's
envelope {"status": true, "message": "SUCCESS", "errorcode": "", "data": ...}. Errors: the gateway's
{"message", "errorCode": "AG8001", "status": false} for a bad token, the failure envelope with
"errorcode" otherwise, and past a rate limit (fail_next(429)) HTTP 403 in plain text.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from aiohttp import web

from local.broker_stubs.common import StubBook, StubBrokerServer, StubError, StubOrder, json_reply
from tradetrack.brokers import angelone as wire
from tradetrack.timeutil import to_ist

DEFAULT_API_KEY = "angelone_stub_key"
DEFAULT_API_SECRET = "angelone_stub_secret"  # noqa: S105 - the stand-in's, not a credential
DEFAULT_PIN = "1234"
PUBLISHER_LOGIN = "/publisher-login"
RATE_TEXT = "Access denied because of exceeding access rate"
_PRODUCTS = {"CNC": "DELIVERY", "MIS": "INTRADAY", "NRML": "CARRYFORWARD"}
_TOTP = re.compile(r"^\d{6}$")


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _symbol(order: StubOrder) -> str:
    return f"{order.symbol}-EQ" if order.exchange in ("NSE", "BSE") else order.symbol


class AngelOneStubServer(StubBrokerServer):
    thread_name = "angelone-stub"

    def __init__(self, books: dict[str, StubBook] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("api_key", DEFAULT_API_KEY)
        kwargs.setdefault("api_secret", DEFAULT_API_SECRET)
        super().__init__(books=books, **kwargs)
        self.pins: dict[str, str] = {}

    @property
    def login_url(self) -> str:
        return f"{self.url}{PUBLISHER_LOGIN}"

    # -- tokens: a JWT the server can check without state ------------------------------------------

    def access_token(self, user_id: str) -> str:
        expires = int((self.now() + timedelta(hours=24)).timestamp())
        head = _b64({"alg": "HS512"}) + "." + _b64({"username": user_id, "exp": expires})
        return f"{head}.{self.mac('jwt', head)}"

    def token_user(self, token: str) -> str | None:
        head, _, mac = token.rpartition(".")
        if not head or not hmac.compare_digest(mac, self.mac("jwt", head)):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(head.split(".")[1] + "=="))
        except ValueError:
            return None
        if int(claims["exp"]) <= self.now().timestamp():
            raise StubError(401, "AG8002", "Token Expired")
        user_id = str(claims["username"])
        return None if user_id in self.revoked_users else user_id

    # -- the app -----------------------------------------------------------------------------------

    def routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(PUBLISHER_LOGIN, self._publisher_login),
            web.post(wire.LOGIN_PATH, self._login),
            web.post(wire.LOGOUT_PATH, self._logout),
            web.get(wire.PROFILE_PATH, self._profile),
            web.get(wire.TRADE_BOOK_PATH, self._trades),
            web.get(wire.ORDER_BOOK_PATH, self._orders),
            web.get(wire.POSITIONS_PATH, self._positions),
            web.get(wire.HOLDINGS_PATH, self._holdings),
        ]

    def error_reply(self, status: int, code: str, message: str, retry_after_s: float | None) -> web.Response:
        headers = {"Retry-After": f"{retry_after_s:g}"} if retry_after_s is not None else {}
        if status == 429:  # the gateway refuses in plain text, with a 403
            return web.Response(status=403, text=RATE_TEXT, headers=headers)
        if status >= 500:
            body = {"status": False, "message": message, "errorcode": "AB2001", "data": None}
            return json_reply(body, status, headers)
        if code.startswith("AG"):
            return json_reply({"message": message, "errorCode": code, "status": False, "data": ""}, status)
        body = {"status": False, "message": message, "errorcode": code or "AB2000", "data": None}
        return json_reply(body, status, headers)

    @staticmethod
    def _ok(data: Any) -> web.Response:
        return json_reply({"status": True, "message": "SUCCESS", "errorcode": "", "data": data})

    def _user(self, request: web.Request) -> str:
        if request.headers.get("X-PrivateKey") != self.api_key:
            raise StubError(401, "AG8001", "Invalid API Key")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            raise StubError(401, "AG8003", "Token missing")
        user_id = self.token_user(token)
        if user_id is None:
            raise StubError(401, "AG8001", "Invalid Token")
        return user_id

    # -- logins ------------------------------------------------------------------------------------

    async def _publisher_login(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("api_key") != self.api_key:
            raise StubError(400, "AB1000", "Invalid API Key")
        user_id = request.query.get("user_id") or next(iter(self.books), "S123456")
        params = {
            "auth_token": self.log_in(user_id),
            "feed_token": self.mac("feed", user_id),
            "refresh_token": self.mac("refresh", user_id),
            "state": request.query.get("state", ""),
        }
        return self.redirect(params)

    async def _login(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-PrivateKey") != self.api_key:
            raise StubError(400, "AB1000", "Invalid API Key")
        body = await request.json()
        user_id, pin, totp = (str(body.get(name) or "") for name in ("clientcode", "password", "totp"))
        if not user_id or self.pins.get(user_id, DEFAULT_PIN) != pin:
            raise StubError(200, "AB1007", "Login Id or password is invalid")
        if not _TOTP.match(totp):
            raise StubError(200, "AB1050", "Invalid totp")
        return self._ok(
            {
                "jwtToken": self.log_in(user_id),
                "refreshToken": self.mac("refresh", user_id),
                "feedToken": self.mac("feed", user_id),
            }
        )

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self.revoke(self._user(request))
        return self._ok("")

    async def _profile(self, request: web.Request) -> web.StreamResponse:
        user_id = self._user(request)
        return self._ok(
            {
                "clientcode": user_id,
                "name": f"STUB TRADER {user_id}",
                "email": "",
                "mobileno": "",
                "exchanges": '["NSE","BSE","NFO"]',
                "products": '["MARGIN","MIS","NRML","CNC"]',
                "lastlogintime": "",
                "brokerid": "B2C",
            }
        )

    # -- the books ---------------------------------------------------------------------------------

    async def _trades(self, request: web.Request) -> web.StreamResponse:
        fills = self.book(self._user(request)).fills(self.now())
        if not fills:
            return self._ok(None)
        return self._ok(
            [
                {
                    "exchange": fill.order.exchange,
                    "producttype": _PRODUCTS[fill.order.product],
                    "tradingsymbol": _symbol(fill.order),
                    "instrumenttype": "",
                    "symbolgroup": "EQ",
                    "strikeprice": "-1",
                    "optiontype": "",
                    "expirydate": "",
                    "marketlot": "1",
                    "precision": "2",
                    "multiplier": "-1",
                    "tradevalue": format(fill.order.price * fill.quantity, "f"),
                    "transactiontype": fill.order.side,
                    "fillprice": format(fill.order.price, "f"),
                    "fillsize": str(fill.quantity),
                    "orderid": fill.order.order_id,
                    "fillid": fill.trade_id,
                    "filltime": fill.at.strftime("%H:%M:%S"),
                }
                for fill in fills
            ]
        )

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        book = self.book(self._user(request))
        day = to_ist(self.now()).strftime("%d-%b-%Y")
        rows = []
        for order in book.orders:
            filled = sum(order.fill_quantities())
            stamp = f"{day} {order.placed_at.strftime('%H:%M:%S')}"
            rows.append(
                {
                    "variety": "NORMAL",
                    "ordertype": "LIMIT",
                    "producttype": _PRODUCTS[order.product],
                    "duration": "DAY",
                    "price": format(order.price, "f"),
                    "triggerprice": "0",
                    "quantity": str(order.quantity),
                    "tradingsymbol": _symbol(order),
                    "transactiontype": order.side,
                    "exchange": order.exchange,
                    "cancelsize": str(order.quantity - filled if order.status == "CANCELLED" else 0),
                    "averageprice": format(order.price, "f") if filled else "0",
                    "filledshares": str(filled),
                    "unfilledshares": str(order.quantity - filled),
                    "orderid": order.order_id,
                    "text": order.message,
                    "status": order.status.lower(),
                    "orderstatus": order.status.lower(),
                    "updatetime": stamp,
                    "exchtime": stamp,
                    "exchorderupdatetime": stamp,
                    "parentorderid": "",
                }
            )
        return self._ok(rows or None)

    async def _positions(self, request: web.Request) -> web.StreamResponse:
        positions = self.book(self._user(request)).positions(self.now())
        return self._ok(
            [
                {
                    "exchange": p.exchange,
                    "producttype": _PRODUCTS[p.product],
                    "tradingsymbol": f"{p.symbol}-EQ" if p.exchange in ("NSE", "BSE") else p.symbol,
                    "symbolname": p.symbol,
                    "buyqty": str(p.buy_quantity),
                    "sellqty": str(p.sell_quantity),
                    "netqty": str(p.quantity),
                    "netprice": format(p.average_price, "f"),
                    "avgnetprice": format(p.average_price, "f"),
                }
                for p in positions
            ]
            or None
        )

    async def _holdings(self, request: web.Request) -> web.StreamResponse:
        holdings = self.book(self._user(request)).holdings
        return self._ok(
            [
                {
                    "tradingsymbol": f"{h.symbol}-EQ",
                    "exchange": h.exchange,
                    "isin": h.isin,
                    "t1quantity": 0,
                    "realisedquantity": h.quantity,
                    "quantity": h.quantity,
                    "authorisedquantity": 0,
                    "product": "DELIVERY",
                    "collateralquantity": None,
                    "collateraltype": None,
                    "haircut": 0,
                    "averageprice": h.average_price,
                    "ltp": h.last_price,
                    "close": h.close_price,
                }
                for h in holdings
            ]
            or None
        )
