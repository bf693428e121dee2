"""The lean Management API client (tradetrack.websocket.management): its SigV4 headers are botocore's
byte for byte, its requests are boto3's, and responses map to outcomes as boto3's do."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import ClientError

from tradetrack.websocket.management import (
    GoneException,
    ManagementApi,
    ManagementApiError,
    Response,
    SigV4Signer,
    host_of,
)
from tradetrack.websocket.push import post_bytes

REGION = "ap-south-1"
ENDPOINT = "https://abc123defg.execute-api.ap-south-1.amazonaws.com/prod"
TEMPORARY = Credentials(
    "ASIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjE/+token=="
)
LONG_TERM = Credentials("AKIDEXAMPLE", "secret/with+chars")
IDS = ["Zm9vYmFyYmF6cXV4=", "a/b+c==", "sp ace~tilde", "ünï", "%41", ".", "..", "x.y", "-_."]
AT = datetime.datetime(2026, 12, 6, 16, 7, 6, tzinfo=datetime.UTC)


class NoTransport:
    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        raise AssertionError("no request expected")


def client(endpoint: str = ENDPOINT, credentials: Any = TEMPORARY, transport: Any = None) -> ManagementApi:
    return ManagementApi(
        endpoint,
        region=REGION,
        credentials=credentials,
        transport=transport or NoTransport(),
        sleep=lambda _: None,
    )


def botocore_signed(
    method: str, url: str, body: bytes, credentials: Credentials, at: datetime.datetime
) -> dict[str, str]:
    """The headers botocore's own SigV4Auth adds to the same request at the same time."""
    request = AWSRequest(method=method, url=url, data=body)
    with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    return {
        k: v
        for k, v in request.headers.items()
        if k in {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}
    }


def ours(
    api: ManagementApi, method: str, connection_id: str, body: bytes, at: datetime.datetime
) -> dict[str, str]:
    _, canonical = api.path_of(connection_id)
    headers = api.signer.headers(method, canonical, body, now=at.timestamp())
    return {k: v for k, v in headers.items() if k in {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}}


@pytest.mark.parametrize("connection_id", IDS)
@pytest.mark.parametrize("credentials", [TEMPORARY, LONG_TERM], ids=["temporary", "long-term"])
@pytest.mark.parametrize(
    "endpoint",
    [
        ENDPOINT,
        ENDPOINT + "/",
        "http://127.0.0.1:8443",
        "https://Example.COM:443/a/b",
        "http://localhost:80/dev",
    ],
)
def test_signature_is_botocores_for_the_same_request_and_time(
    connection_id: str, credentials: Credentials, endpoint: str
) -> None:
    # Given our client and botocore's signer, the same credentials, request and second
    api = client(endpoint, credentials)
    path, _ = api.path_of(connection_id)
    base = endpoint.split("/", 3)
    url = f"{base[0]}//{base[2]}{path}"
    body = b'{"type":"quote","ltp":123.45}'
    for method, data in (("POST", body), ("DELETE", b"")):
        # When both sign it, Then Authorization, X-Amz-Date and the token are byte-identical
        expected = botocore_signed(method, url, data, credentials, AT)
        assert ours(api, method, connection_id, data, AT) == expected
        assert ("X-Amz-Security-Token" in expected) == (credentials.token is not None)


def test_signatures_match_across_a_day_boundary_with_a_new_signing_key() -> None:
    # Given one client signing at the last second of a day and the first of the next
    api = client()
    path, _ = api.path_of("abc=")
    for at in (
        datetime.datetime(2026, 12, 6, 23, 59, 59, tzinfo=datetime.UTC),
        AT + datetime.timedelta(days=1),
    ):
        # Then each day's signature is botocore's (the cached key does not outlive its day)
        expected = botocore_signed("POST", ENDPOINT.rsplit("/", 1)[0] + path, b"x", TEMPORARY, at)
        assert ours(api, "POST", "abc=", b"x", at) == expected


def test_request_and_signature_are_what_the_boto3_client_sends() -> None:
    # Given boto3's own apigatewaymanagementapi client, stopped just before it sends
    sent: list[Any] = []

    def capture(request: Any, **_: Any) -> Any:
        sent.append(request)
        return mock.Mock(status_code=200, headers={}, content=b"", raw=mock.Mock())

    boto = boto3.client(
        "apigatewaymanagementapi",
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=TEMPORARY.access_key,
        aws_secret_access_key=TEMPORARY.secret_key,
        aws_session_token=TEMPORARY.token,
    )
    boto.meta.events.register("before-send.*", capture)
    api = client()
    for connection_id in IDS[:5]:
        with mock.patch("botocore.auth.get_current_datetime", return_value=AT.replace(tzinfo=None)):
            boto.post_to_connection(ConnectionId=connection_id, Data=b"frame")
        request = sent.pop()
        # When ours builds the same post, Then path, Host and signature headers equal boto3's
        path, _ = api.path_of(connection_id)
        assert request.url == ENDPOINT.rsplit("/", 1)[0] + path
        assert host_of(ENDPOINT) == "abc123defg.execute-api.ap-south-1.amazonaws.com"
        expected = {
            k: (v.decode() if isinstance(v, bytes) else v)
            for k, v in request.headers.items()
            if k in {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}
        }
        assert ours(api, "POST", connection_id, b"frame", AT) == expected


def test_rotated_temporary_credentials_are_used_once_botocore_refreshes_them() -> None:
    # Given refreshable credentials that expire, and a refresh giving new ones
    clock = {"now": datetime.datetime(2026, 12, 6, 16, 0, tzinfo=datetime.UTC)}
    issued = iter(["KEY1", "KEY2"])

    def refresh() -> dict[str, str]:
        key = next(issued)
        expiry = clock["now"] + datetime.timedelta(minutes=30)
        return {
            "access_key": key,
            "secret_key": f"s-{key}",
            "token": f"t-{key}",
            "expiry_time": expiry.isoformat(),
        }

    issued_first = refresh()
    credentials = RefreshableCredentials(
        issued_first["access_key"],
        issued_first["secret_key"],
        issued_first["token"],
        datetime.datetime.fromisoformat(issued_first["expiry_time"]),
        refresh,
        "test",
        time_fetcher=lambda: clock["now"],  # botocore's clock for expiry
    )
    signer = SigV4Signer(credentials, REGION, "h")
    first = signer.headers("POST", "/p", b"", now=clock["now"].timestamp())
    # When the credentials pass their refresh point (botocore refreshes 15 min before expiry)
    clock["now"] += datetime.timedelta(minutes=20)
    later = signer.headers("POST", "/p", b"", now=clock["now"].timestamp())
    # Then later requests are signed with the rotated key and token
    assert "Credential=KEY1/" in first["Authorization"]
    assert first["X-Amz-Security-Token"] == "t-KEY1"
    assert "Credential=KEY2/" in later["Authorization"]
    assert later["X-Amz-Security-Token"] == "t-KEY2"


class Scripted:
    """A transport answering each request with the next scripted response (or raising it)."""

    def __init__(self, *answers: Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        self.requests.append((method, path, headers, body))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


OK = Response(200, None, b"")
GONE = Response(410, "GoneException", b'{"message":"Gone"}', "req-1")


@pytest.fixture
def slept() -> list[float]:
    return []


def scripted_client(transport: Scripted, slept: list[float]) -> ManagementApi:
    api = client(transport=transport)
    api.sleep = slept.append
    return api


def test_a_post_sends_the_frame_to_the_connection_path(slept: list[float]) -> None:
    # Given a Management API that accepts the post
    transport = Scripted(OK)
    # When a frame is posted
    assert scripted_client(transport, slept).post("a/b+c==", b"frame") is True
    # Then it went as boto3 sends it: POST to the encoded connection path with the frame as body
    ((method, path, headers, body),) = transport.requests
    assert (method, path, body) == ("POST", "/prod/@connections/a%2Fb%2Bc%3D%3D", b"frame")
    assert headers["Host"] == "abc123defg.execute-api.ap-south-1.amazonaws.com"


def test_gone_is_false_from_post_and_a_gone_client_error_from_post_to_connection(slept: list[float]) -> None:
    # Given a connection the API says is gone (410)
    api = scripted_client(Scripted(GONE, GONE, GONE), slept)
    # Then post answers False, push.post_bytes too, and the boto3-shaped call raises GoneException,
    # a ClientError whose code is what code written for boto3 checks
    assert api.post("c", b"x") is False
    assert post_bytes(api, "c", b"x") is False
    with pytest.raises(ClientError) as raised:
        api.post_to_connection(ConnectionId="c", Data=b"x")
    assert isinstance(raised.value, GoneException)
    assert raised.value.response["Error"] == {"Code": "GoneException", "Message": "Gone"}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert not slept  # a 410 is not retried


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (Response(403, "ForbiddenException", b'{"message":"Forbidden"}'), "ForbiddenException"),
        (Response(400, None, b'{"message":"bad"}'), "BadRequestException"),
        (
            Response(413, "PayloadTooLargeException:http://internal.amazon.com/", b"{}"),
            "PayloadTooLargeException",
        ),
    ],
)
def test_client_errors_raise_at_once_without_retry(response: Response, code: str, slept: list[float]) -> None:
    # Given an API refusing the request
    transport = Scripted(response)
    # When posting, Then the error is raised with botocore's code, after one request
    with pytest.raises(ManagementApiError) as raised:
        scripted_client(transport, slept).post("c", b"x")
    assert raised.value.response["Error"]["Code"] == code
    assert not isinstance(raised.value, GoneException)
    assert len(transport.requests) == 1
    assert not slept


def test_throttling_and_server_errors_are_retried_with_backoff_then_succeed(slept: list[float]) -> None:
    # Given a throttled request, then a reset connection, then success
    transport = Scripted(Response(429, "LimitExceededException", b"{}"), ConnectionResetError("reset"), OK)
    # When posting, Then it succeeds on the third attempt after two jittered, growing waits
    assert scripted_client(transport, slept).post("c", b"x") is True
    assert len(transport.requests) == 3
    assert len(slept) == 2
    assert all(0 <= s <= 1.0 for s in slept)


def test_retries_stop_after_three_attempts(slept: list[float]) -> None:
    # Given an API failing every time with 503
    transport = Scripted(*[Response(503, None, b"")] * 5)
    # When posting, Then the third failure is raised (boto3's standard mode: 3 attempts)
    with pytest.raises(ManagementApiError) as raised:
        scripted_client(transport, slept).post("c", b"x")
    assert raised.value.response["Error"]["Code"] == "503"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(transport.requests) == 3


def test_no_retry_waits_past_the_deadline(slept: list[float]) -> None:
    # Given a throttled API and a deadline already reached (a Lambda about to time out)
    transport = Scripted(Response(429, None, b""), OK)
    api = scripted_client(transport, slept)
    api.remaining_s = lambda: 0.0
    # When posting, Then the throttling error is raised without sleeping or another attempt
    with pytest.raises(ManagementApiError):
        api.post("c", b"x")
    assert (len(transport.requests), slept) == (1, [])


def test_a_connection_failure_past_the_attempts_is_raised(slept: list[float]) -> None:
    # Given a Management API that cannot be reached
    transport = Scripted(*[ConnectionRefusedError("refused")] * 3)
    # When posting, Then the connection error is raised after three attempts
    with pytest.raises(ConnectionRefusedError):
        scripted_client(transport, slept).post("c", b"x")
    assert len(transport.requests) == 3
