"""A Zerodha Kite Connect v3 look-alike over the simulated broker, for the local stack and tests.

Login: GET /connect/login?v=3&api_key=...&redirect_params=... answers 302 to `redirect_url` with
action=login, type=login, status=success, request_token and the redirect params (the user is the
`user_id` query parameter, else the demo user). POST /session/token checks the checksum
sha256(api_key + request_token + api_secret) and gives an access token "<user_id>.<hmac>" that
needs no state, so it outlives a restart. Then, with `X-Kite-Version: 3` and
`Authorization: token api_key:access_token`: /user/profile, /orders, /orders/{id},
/orders/{id}/trades, /trades, /portfolio/positions, /portfolio/holdings, /quote, /quote/ltp,
/quote/ohlc, POST /charges/orders and DELETE /session/token. Errors use Kite's envelope
{"status": "error", "message", "data": null, "error_type"}.

`now` is the server's clock (tests move it); fail_next / delay_next inject faults.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from local.app_server import AppServer
from local.broker_faults import FaultInjection
from local.kite_charges import contract_note, decimal_json
from local.kite_errors import KiteError, kite_error, kite_success
from local.simulated import DEMO_USER_ID, SimulatedBroker, kite_time

DEFAULT_PORT = 3002
DEFAULT_API_KEY = "simulated_api_key"
DEFAULT_API_SECRET = "simulated_api_secret"  # noqa: S105 - the local stand-in's, not a credential
DEFAULT_REDIRECT_URL = "http://127.0.0.1:3000/v1/broker-accounts/callback/simulated"
REQUEST_TOKEN_TTL_S = 300.0
MAX_QUOTE_INSTRUMENTS = 500
MAX_LTP_INSTRUMENTS = 1000

Clock = Callable[[], datetime]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_USER_ID = re.compile(r"^[A-Z0-9]{2,12}$")


class SimulatedKiteServer(FaultInjection, AppServer):
    """Kite v3 over a SimulatedBroker. Run it in a running event loop (`await start()` / `async with`)
    or on a thread of its own (`start_in_thread()` / `with`); `url` is where it listens."""

    thread_name = "simulated-kite"

    def __init__(
        self,
        broker: SimulatedBroker | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        redirect_url: str = DEFAULT_REDIRECT_URL,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Clock | None = None,
        default_user_id: str = DEMO_USER_ID,
    ) -> None:
        FaultInjection.__init__(self)
        AppServer.__init__(self, host, port)
        self.broker = broker or SimulatedBroker()
        self.api_key = api_key
        self.api_secret = api_secret
        self.redirect_url = redirect_url
        self.now: Clock = now or (lambda: datetime.now(UTC))
        self.default_user_id = default_user_id
        # (method, path with query) of the requests served, oldest first (the last 10,000)
        self.requests: deque[tuple[str, str]] = deque(maxlen=10_000)
        self._revoked: set[str] = set()
        self._request_tokens: dict[str, tuple[str, float]] = {}

    @property
    def login_url(self) -> str:
        return f"{self.url}/connect/login"

    # -- tokens ----------------------------------------------------------------------------------

    def _mac(self, purpose: str, user_id: str) -> str:
        return hmac.new(
            self.api_secret.encode(), f"{purpose}:{user_id}".encode(), hashlib.sha256
        ).hexdigest()[:32]

    def access_token(self, user_id: str) -> str:
        """The access token a login of `user_id` gives (the local stack can seed a connection with it)."""
        return f"{user_id}.{self._mac('access', user_id)}"

    def _token_user(self, token: str) -> str | None:
        user_id, _, mac = token.rpartition(".")
        valid = bool(user_id) and hmac.compare_digest(mac, self._mac("access", user_id))
        return user_id if valid and token not in self._revoked else None

    def revoke(self, user_id: str) -> None:
        """Expire `user_id`'s access token (TokenException) until the user logs in again."""
        self._revoked.add(self.access_token(user_id))

    # -- the app ---------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        route = app.router
        route.add_get("/connect/login", self._login)
        route.add_post("/session/token", self._session)
        route.add_delete("/session/token", self._logout)
        route.add_get("/user/profile", self._profile)
        route.add_get("/orders", self._orders)
        route.add_get("/orders/{order_id}", self._order_history)
        route.add_get("/orders/{order_id}/trades", self._order_trades)
        route.add_get("/trades", self._trades)
        route.add_get("/portfolio/positions", self._positions)
        route.add_get("/portfolio/holdings", self._holdings)
        route.add_get("/quote", self._quote)
        route.add_get("/quote/ltp", self._ltp)
        route.add_get("/quote/ohlc", self._ohlc)
        route.add_post("/charges/orders", self._charges)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        fault = self._take_fault(request.path)
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.status:
                retry = (
                    {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else None
                )
                return kite_error(fault.status, fault.error_type, fault.message, retry)
        try:
            return await handler(request)
        except KiteError as error:
            return kite_error(error.status, error.error_type, error.message)
        except web.HTTPNotFound:
            return kite_error(404, "GeneralException", "Route not found")
        except web.HTTPMethodNotAllowed:
            return kite_error(405, "GeneralException", "Method not allowed")

    # -- login -----------------------------------------------------------------------------------

    async def _login(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("api_key") != self.api_key:
            raise KiteError(400, "InputException", "Invalid `api_key`.")
        if query.get("v", "3") != "3":
            raise KiteError(400, "InputException", "Invalid `v`: the API version must be 3.")
        user_id = query.get("user_id") or self.default_user_id
        if not _USER_ID.match(user_id):
            raise KiteError(400, "InputException", "Invalid `user_id`.")
        request_token = secrets.token_hex(16)
        self._request_tokens = {
            token: entry
            for token, entry in self._request_tokens.items()
            if time.monotonic() - entry[1] < REQUEST_TOKEN_TTL_S
        }
        self._request_tokens[request_token] = (user_id, time.monotonic())
        params = [
            ("action", "login"),
            ("type", "login"),
            ("status", "success"),
            ("request_token", request_token),
        ]
        params += parse_qsl(query.get("redirect_params", ""), keep_blank_values=True)
        separator = "&" if "?" in self.redirect_url else "?"
        return web.Response(
            status=302, headers={"Location": f"{self.redirect_url}{separator}{urlencode(params)}"}
        )

    def _check_version(self, request: web.Request) -> None:
        if request.headers.get("X-Kite-Version") != "3":
            raise KiteError(
                403, "TokenException", "Invalid or missing `X-Kite-Version` header: it must be 3."
            )

    async def _session(self, request: web.Request) -> web.StreamResponse:
        self._check_version(request)
        form = await request.post()
        fields = {name: str(form.get(name, "")) for name in ("api_key", "request_token", "checksum")}
        for name, value in fields.items():
            if not value:
                raise KiteError(400, "InputException", f"Missing `{name}`.")
        if fields["api_key"] != self.api_key:
            raise KiteError(403, "TokenException", "Invalid `api_key`.")
        expected = hashlib.sha256(
            f"{self.api_key}{fields['request_token']}{self.api_secret}".encode()
        ).hexdigest()
        if not hmac.compare_digest(fields["checksum"], expected):
            raise KiteError(403, "TokenException", "Invalid `checksum`.")
        entry = self._request_tokens.pop(fields["request_token"], None)
        if entry is None or time.monotonic() - entry[1] >= REQUEST_TOKEN_TTL_S:
            raise KiteError(403, "TokenException", "Token is invalid or has expired.")
        user_id = entry[0]
        access_token = self.access_token(user_id)
        self._revoked.discard(access_token)
        profile = self.broker.profile(user_id)
        profile.pop("user_id")
        meta = profile.pop("meta")
        return kite_success(
            {
                **profile,
                "user_id": user_id,
                "api_key": self.api_key,
                "access_token": access_token,
                "public_token": self._mac("public", user_id),
                "enctoken": self._mac("enc", user_id),
                "refresh_token": "",
                "silo": "",
                "login_time": kite_time(self.now()),
                "meta": meta,
            }
        )

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self._check_version(request)
        token = request.query.get("access_token", "")
        if not token:
            _, _, credentials = request.headers.get("Authorization", "").partition(" ")
            token = credentials.partition(":")[2]
        if request.query.get("api_key", self.api_key) != self.api_key or self._token_user(token) is None:
            raise KiteError(403, "TokenException", "Incorrect `api_key` or `access_token`.")
        self._revoked.add(token)
        return kite_success(True)

    def _user(self, request: web.Request) -> str:
        self._check_version(request)
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        api_key, _, token = credentials.partition(":")
        user_id = self._token_user(token) if scheme == "token" and api_key == self.api_key else None
        if user_id is None:
            raise KiteError(403, "TokenException", "Incorrect `api_key` or `access_token`.")
        return user_id

    # -- account ---------------------------------------------------------------------------------

    async def _profile(self, request: web.Request) -> web.StreamResponse:
        return kite_success(self.broker.profile(self._user(request)))

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        return kite_success(self.broker.orders(self._user(request), self.now()))

    async def _order_history(self, request: web.Request) -> web.StreamResponse:
        history = self.broker.order_history(self._user(request), request.match_info["order_id"], self.now())
        if history is None:
            raise KiteError(400, "InputException", "Couldn't find that `order_id`.")
        return kite_success(history)

    async def _order_trades(self, request: web.Request) -> web.StreamResponse:
        trades = self.broker.order_trades(self._user(request), request.match_info["order_id"], self.now())
        if trades is None:
            raise KiteError(400, "InputException", "Couldn't find that `order_id`.")
        return kite_success(trades)

    async def _trades(self, request: web.Request) -> web.StreamResponse:
        return kite_success(self.broker.trades(self._user(request), self.now()))

    async def _positions(self, request: web.Request) -> web.StreamResponse:
        return kite_success(self.broker.positions(self._user(request), self.now()))

    async def _holdings(self, request: web.Request) -> web.StreamResponse:
        return kite_success(self.broker.holdings(self._user(request), self.now()))

    # -- market data -----------------------------------------------------------------------------

    def _instruments(self, request: web.Request, limit: int) -> list[str]:
        self._user(request)
        instruments = request.query.getall("i", [])
        if not instruments:
            raise KiteError(400, "InputException", "No instruments specified.")
        if len(instruments) > limit:
            raise KiteError(400, "InputException", f"Too many instruments: at most {limit} a request.")
        return instruments

    def _market(
        self, request: web.Request, limit: int, entry: Callable[[str, datetime], Any]
    ) -> web.Response:
        now = self.now()
        data = {
            key: value for key in self._instruments(request, limit) if (value := entry(key, now)) is not None
        }
        return kite_success(data)

    async def _quote(self, request: web.Request) -> web.StreamResponse:
        return self._market(request, MAX_QUOTE_INSTRUMENTS, self.broker.quote)

    async def _ltp(self, request: web.Request) -> web.StreamResponse:
        return self._market(request, MAX_LTP_INSTRUMENTS, self.broker.ltp)

    async def _ohlc(self, request: web.Request) -> web.StreamResponse:
        return self._market(request, MAX_LTP_INSTRUMENTS, self.broker.ohlc)

    async def _charges(self, request: web.Request) -> web.StreamResponse:
        self._user(request)
        try:
            orders = decimal_json(await request.text())
        except ValueError as error:
            raise KiteError(400, "InputException", "The body must be a JSON list of orders.") from error
        if not isinstance(orders, list) or not orders:
            raise KiteError(400, "InputException", "The body must be a JSON list of orders.")
        return kite_success([contract_note(order) for order in orders])
