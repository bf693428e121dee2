"""A lean API Gateway Management API client: PostToConnection and DeleteConnection over kept-alive
HTTP/1.1 connections, signed with SigV4 (issue #14 item 7: boto3 costs about 1 ms of CPU a post,
urllib3 alone 0.2-0.4 ms; this client about 0.07 ms).

Requests are what boto3's apigatewaymanagementapi client sends: `POST {endpoint}/@connections/{id}`
with the frame as body (DELETE without one), the id percent-encoded as botocore encodes a URI label,
and an Authorization header whose signature is byte-identical to botocore.auth.SigV4Auth's for the
same request, credentials and second (tests/unit/test_ws_management_client.py checks it). The
signing key is derived once per day and secret; a request costs two SHA-256 hashes and one HMAC.

Responses are mapped as botocore maps them: 410 raises GoneException (a ClientError whose
response["Error"]["Code"] is "GoneException", what push.post_bytes checks), and `post` answers
False instead; 429 and 5xx, and connection failures, are retried (3 attempts, as boto3's standard
mode) with jittered exponential backoff that never sleeps past the caller's deadline; other
statuses (400, 403, 413 ...) raise ManagementApiError at once, as does an untrusted certificate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, Protocol
from urllib.parse import quote, urlsplit

from botocore.exceptions import ClientError

if TYPE_CHECKING:  # imported on use: ssl for https endpoints, urllib3 by the urllib3 transport
    import ssl

    import urllib3

SERVICE = "execute-api"  # the Management API's SigV4 signing name
USER_AGENT = "tradetrack-management/1"  # not signed, as in botocore
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_ERROR_CODES = {  # when a response names no x-amzn-ErrorType
    400: "BadRequestException",
    403: "ForbiddenException",
    410: "GoneException",
    413: "PayloadTooLargeException",
    429: "LimitExceededException",
}
_URI_LABEL_SAFE = "-._~"  # botocore.utils.percent_encode's safe characters
_CREDENTIALS_CHECK_S = 1.0  # how stale the frozen credentials may be (botocore refreshes 15 min early)


class Credentials(Protocol):
    """botocore's Credentials / RefreshableCredentials (what Session.get_credentials() returns)."""

    def get_frozen_credentials(self) -> Any: ...


class ManagementApiError(ClientError):
    """A Management API error response, shaped as botocore's ClientError for the same response."""

    def __init__(
        self, status: int, code: str, message: str, operation: str, *, request_id: str = "", retries: int = 0
    ) -> None:
        super().__init__(
            {
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {
                    "RequestId": request_id,
                    "HostId": "",
                    "HTTPStatusCode": status,
                    "HTTPHeaders": {},
                    "RetryAttempts": retries,
                },
            },
            operation,
        )
        self.status = status
        self.code = code


class GoneException(ManagementApiError):
    """410: the connection is gone (closed or never existed) and should be forgotten."""


def host_of(endpoint: str) -> str:
    """The Host header (and signed host) of an endpoint: lowercase, the port only when not the default."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _remove_dot_segments(path: str) -> str:
    """botocore.utils.remove_dot_segments: RFC 3986 5.2.4, consecutive slashes collapsed."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def _canonical_path(path: str) -> str:
    """The canonical URI botocore's SigV4Auth signs: dot segments removed, then percent-encoded again."""
    return quote(_remove_dot_segments(path) or "/", safe="/~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


class SigV4Signer:
    """SigV4 headers for Management API requests, identical to botocore.auth.SigV4Auth's.

    Only host, x-amz-date and x-amz-security-token are signed (as botocore does for these requests:
    it adds no other signable header); the payload is always hashed (as botocore does: the Management
    API does not disable payload signing)."""

    def __init__(self, credentials: Credentials, region: str, host: str) -> None:
        self.credentials = credentials
        self.region = region
        self.host = host
        self._frozen: Any = None
        self._checked_at = float("-inf")
        self._keys: dict[tuple[str, str], bytes] = {}
        self._second = -1
        self._stamp = ""

    def frozen_credentials(self, now: float) -> Any:
        """Credentials to sign with: re-read at most once a second, so a refreshable set (temporary
        credentials) rotates when botocore refreshes it, without its lock and clock on every post."""
        if now - self._checked_at >= _CREDENTIALS_CHECK_S or self._frozen is None:
            self._frozen = self.credentials.get_frozen_credentials()
            self._checked_at = now
        return self._frozen

    def signing_key(self, secret: str, day: str) -> bytes:
        key = self._keys.get((secret, day))
        if key is None:
            k_date = _hmac(f"AWS4{secret}".encode(), day)
            key = _hmac(_hmac(_hmac(k_date, self.region), SERVICE), "aws4_request")
            self._keys = {(secret, day): key}  # one day and secret at a time; a swap, not a mutation
        return key

    def amz_date(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._stamp, self._second = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second)), second
        return self._stamp

    def headers(
        self, method: str, canonical_path: str, body: bytes, now: float | None = None
    ) -> dict[str, str]:
        """Host, X-Amz-Date, X-Amz-Security-Token (temporary credentials) and Authorization."""
        now = time.time() if now is None else now
        credentials = self.frozen_credentials(now)
        stamp = self.amz_date(now)
        day = stamp[:8]
        token = credentials.token
        if token:
            signed = "host;x-amz-date;x-amz-security-token"
            canonical_headers = (
                f"host:{self.host}\nx-amz-date:{stamp}\nx-amz-security-token:{' '.join(token.split())}\n"
            )
        else:
            signed = "host;x-amz-date"
            canonical_headers = f"host:{self.host}\nx-amz-date:{stamp}\n"
        payload_hash = hashlib.sha256(body).hexdigest()
        canonical_request = f"{method}\n{canonical_path}\n\n{canonical_headers}\n{signed}\n{payload_hash}"
        scope = f"{day}/{self.region}/{SERVICE}/aws4_request"
        string_to_sign = (
            f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n"
            f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
        )
        signature = hmac.new(
            self.signing_key(credentials.secret_key, day), string_to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        headers = {
            "Host": self.host,
            "User-Agent": USER_AGENT,
            "X-Amz-Date": stamp,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
                f"SignedHeaders={signed}, Signature={signature}"
            ),
        }
        if token:
            headers["X-Amz-Security-Token"] = token
        return headers


class Response(NamedTuple):
    status: int
    error_type: str | None  # x-amzn-ErrorType
    body: bytes
    request_id: str = ""  # x-amzn-RequestId


class Transport(Protocol):
    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Send one request; OSError (ConnectionError, TimeoutError ...) when no response came."""
        ...


class _Connection:
    __slots__ = ("reader", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class StaleConnection(ConnectionError):
    """A kept-alive connection the server had closed: nothing of a response arrived."""


class KeepAliveTransport:
    """HTTP/1.1 over kept-alive sockets (TLS for https, checked against botocore's CA bundle), at most
    `size` of them kept idle: one per posting thread. A request is one sendall of its bytes and a
    buffered read of the status line, headers and body (Content-Length, chunked, or to the close).

    Why not urllib3 / http.client: they cost 200-400 µs of CPU a request (header validation, the email
    parser for response headers); this costs about 50 µs, which is what makes a 500-post shard cheap."""

    MAX_LINE = 65_536
    MAX_HEADERS = 100

    def __init__(
        self,
        endpoint: str,
        *,
        size: int,
        connect_timeout_s: float = 2.0,
        read_timeout_s: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        self.tls = parts.scheme == "https"
        self.hostname = parts.hostname or ""
        self.port = parts.port or (443 if self.tls else 80)
        self.size = size
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.ssl_context = ssl_context
        if self.tls and ssl_context is None:
            import ssl

            from botocore.httpsession import get_cert_path

            self.ssl_context = ssl.create_default_context(cafile=get_cert_path(True))
        self._idle: deque[_Connection] = deque()

    def _connect(self) -> _Connection:
        sock = socket.create_connection((self.hostname, self.port), timeout=self.connect_timeout_s)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.hostname)
            sock.settimeout(self.read_timeout_s)
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        head = f"{method} {path} HTTP/1.1\r\n"
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
        message = f"{head}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        try:
            connection = self._idle.pop()
        except IndexError:
            return self._exchange(self._connect(), message, method)
        try:
            return self._exchange(connection, message, method)
        except StaleConnection:  # closed while idle: the request never reached the server's handler
            return self._exchange(self._connect(), message, method)

    def _exchange(self, connection: _Connection, message: bytes, method: str) -> Response:
        keep = False
        try:
            try:
                connection.sock.sendall(message)
                line = connection.reader.readline(self.MAX_LINE)
            except (BrokenPipeError, ConnectionResetError) as exc:
                raise StaleConnection(str(exc)) from exc
            if not line:
                raise StaleConnection("the server closed the connection before responding")
            response, keep = self._read(connection.reader, line, method)
            return response
        finally:
            if keep and len(self._idle) < self.size:
                self._idle.append(connection)
            else:
                connection.close()

    def _read(self, reader: BinaryIO, line: bytes, method: str) -> tuple[Response, bool]:
        """The response whose status line is `line`, and whether the connection may be kept."""
        version, status_text = line.split(None, 2)[:2]
        status = int(status_text)
        while 100 <= status < 200:  # an interim response: skip it and its headers
            self._headers(reader)
            line = reader.readline(self.MAX_LINE)
            version, status_text = line.split(None, 2)[:2]
            status = int(status_text)
        headers = self._headers(reader)
        persistence = headers.get(b"connection", b"").lower()
        keep = (version == b"HTTP/1.1" and persistence != b"close") or persistence == b"keep-alive"
        if method == "HEAD" or status in {204, 304}:
            return _response(status, headers, b""), keep
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            body = self._chunked(reader)
        elif b"content-length" in headers:
            length = int(headers[b"content-length"])
            body = reader.read(length) if length else b""
            if len(body) != length:
                raise ConnectionError("the response ended before its Content-Length")
        else:
            body, keep = reader.read(), False  # delimited by the close
        return _response(status, headers, body), keep

    def _headers(self, reader: BinaryIO) -> dict[bytes, bytes]:
        headers: dict[bytes, bytes] = {}
        for _ in range(self.MAX_HEADERS):
            line = reader.readline(self.MAX_LINE)
            if line in {b"\r\n", b"\n"}:
                return headers
            if not line:
                raise ConnectionError("the response ended in its headers")
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        raise ConnectionError(f"more than {self.MAX_HEADERS} response headers")

    def _chunked(self, reader: BinaryIO) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(reader.readline(self.MAX_LINE).split(b";", 1)[0], 16)
            if size == 0:
                self._headers(reader)  # trailers, up to the blank line
                return b"".join(parts)
            parts.append(reader.read(size))
            reader.readline(self.MAX_LINE)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def _response(status: int, headers: dict[bytes, bytes], body: bytes) -> Response:
    if status < 300:
        return Response(status, None, body)
    error_type = headers.get(b"x-amzn-errortype")
    return Response(
        status,
        error_type.decode("latin-1") if error_type is not None else None,
        body,
        headers.get(b"x-amzn-requestid", b"").decode("latin-1"),
    )


class Urllib3Transport:
    """The same requests over a urllib3 pool (more CPU a request than KeepAliveTransport)."""

    def __init__(self, pool: urllib3.HTTPConnectionPool) -> None:
        from urllib3.exceptions import (
            ConnectTimeoutError,
            NewConnectionError,
            ProtocolError,
            ReadTimeoutError,
        )

        self.pool = pool
        self.failures = (ProtocolError, NewConnectionError, ConnectTimeoutError, ReadTimeoutError)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        try:
            response = self.pool.urlopen(
                method,
                path,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=True,
            )
        except self.failures as exc:
            raise ConnectionError(str(exc)) from exc
        return Response(
            response.status,
            response.headers.get("x-amzn-ErrorType"),
            response.data,
            response.headers.get("x-amzn-RequestId", ""),
        )


class ManagementApi:
    """PostToConnection / DeleteConnection for one Management API endpoint, safe to share between
    threads (the transport hands each thread its own kept-alive connection)."""

    def __init__(
        self,
        endpoint: str,
        *,
        region: str,
        credentials: Credentials,
        transport: Transport,
        max_attempts: int = 3,
        backoff_base_s: float = 0.05,
        backoff_max_s: float = 1.0,
        remaining_s: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint)
        self.endpoint = endpoint
        self.transport = transport
        self.signer = SigV4Signer(credentials, region, host_of(endpoint))
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.remaining_s = remaining_s  # e.g. the Lambda context's remaining time, in seconds
        self.sleep = sleep
        self._path = f"{parts.path.rstrip('/')}/@connections/"
        self._canonical_prefix = _canonical_path(self._path)

    def path_of(self, connection_id: str) -> tuple[str, str]:
        """(request path, canonical path): the id encoded as botocore encodes a URI label."""
        label = quote(connection_id.encode("utf-8"), safe=_URI_LABEL_SAFE)
        if label in {"", ".", ".."}:  # dot segments: botocore's normalisation, whatever it makes of them
            return self._path + label, _canonical_path(self._path + label)
        return self._path + label, self._canonical_prefix + label.replace("%", "%25")

    def post(self, connection_id: str, data: bytes, *, deadline: float | None = None) -> bool:
        """Send one frame; False when the connection is gone (410). `deadline`: epoch seconds past
        which no retry is attempted."""
        try:
            self._call("POST", "PostToConnection", connection_id, data, deadline)
        except GoneException:
            return False
        return True

    def post_to_connection(self, *, ConnectionId: str, Data: bytes) -> dict[str, Any]:  # noqa: N803 - boto3's names
        """boto3's signature: raises GoneException (a ClientError) when the connection is gone."""
        status = self._call("POST", "PostToConnection", ConnectionId, Data, None)
        return {"ResponseMetadata": {"HTTPStatusCode": status}}

    def delete_connection(self, *, ConnectionId: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        """Close a connection; GoneException when it is already gone."""
        status = self._call("DELETE", "DeleteConnection", ConnectionId, b"", None)
        return {"ResponseMetadata": {"HTTPStatusCode": status}}

    def _deadline(self, deadline: float | None) -> float:
        bounds = [] if deadline is None else [deadline]
        if self.remaining_s is not None:
            bounds.append(time.time() + self.remaining_s())
        return min(bounds, default=float("inf"))

    def _call(
        self, method: str, operation: str, connection_id: str, body: bytes, deadline: float | None
    ) -> int:
        path, canonical = self.path_of(connection_id)
        attempt = 1
        while True:
            headers = self.signer.headers(method, canonical, body)  # re-signed: a retry is a new second
            try:
                response = self.transport.request(method, path, headers, body)
            except OSError as exc:  # no response: refused, reset, timed out (a bad certificate: no retry)
                if _untrusted(exc) or not self._backoff(attempt, deadline):
                    raise
            else:
                if response.status < 300:
                    return response.status
                if response.status not in RETRYABLE_STATUSES or not self._backoff(attempt, deadline):
                    raise _error(response, operation, attempt - 1)
            attempt += 1

    def _backoff(self, attempt: int, deadline: float | None) -> bool:
        """Sleep before another attempt; False when the attempts or the time are spent."""
        if attempt >= self.max_attempts:
            return False
        delay = random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2**attempt))  # noqa: S311 - jitter
        if time.time() + delay >= self._deadline(deadline):
            return False
        self.sleep(delay)
        return True


def _untrusted(exc: OSError) -> bool:
    import ssl

    return isinstance(exc, ssl.SSLCertVerificationError)


def _error(response: Response, operation: str, retries: int) -> ManagementApiError:
    """The error botocore would raise: code from x-amzn-ErrorType (its part before ':'), else by status."""
    status = response.status
    code = (response.error_type or "").split(":", 1)[0] or _ERROR_CODES.get(status, str(status))
    message = ""
    try:
        parsed = json.loads(response.body) if response.body else {}
        if isinstance(parsed, dict):
            message = str(parsed.get("message") or parsed.get("Message") or "")
    except ValueError:
        message = response.body[:200].decode("utf-8", "replace")
    kind = GoneException if status == 410 else ManagementApiError
    return kind(status, code, message, operation, request_id=response.request_id, retries=retries)


def urllib3_pool(
    endpoint: str, *, size: int, connect_timeout_s: float = 2.0, read_timeout_s: float = 5.0
) -> urllib3.HTTPConnectionPool:
    """A urllib3 pool for Urllib3Transport: `size` kept-alive connections, TCP keep-alive, boto3's
    timeouts, botocore's CA bundle, no retries of its own (ManagementApi retries)."""
    import urllib3
    from botocore.httpsession import get_cert_path
    from urllib3.connection import HTTPConnection

    options = [*HTTPConnection.default_socket_options, (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    extra: dict[str, Any] = {}
    if urlsplit(endpoint).scheme == "https":
        extra = {"cert_reqs": "CERT_REQUIRED", "ca_certs": get_cert_path(True)}
    return urllib3.connection_from_url(
        endpoint,
        maxsize=size,
        block=False,
        timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
        retries=False,
        socket_options=options,
        **extra,
    )


def management_api(
    endpoint: str, *, region: str, pool_size: int, credentials: Credentials | None = None
) -> ManagementApi:
    """A client for `endpoint` (https://{api}.execute-api.{region}.amazonaws.com/{stage}) posting from
    up to `pool_size` threads, signing with the given credentials or the default chain's (Lambda's
    role: re-read as botocore refreshes them)."""
    if credentials is None:
        import botocore.session

        credentials = botocore.session.get_session().get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials to sign Management API requests with")
    return ManagementApi(
        endpoint,
        region=region,
        credentials=credentials,
        transport=KeepAliveTransport(endpoint, size=pool_size),
    )
