"""What an execution must be to enter the journal (ExecutionIn), and what is stored of it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import ValidationError

from tests.support.lambda_events import lambda_context, response_json, rest_event
from tradetrack.config import reset_settings
from tradetrack.db.executions import to_document, to_execution_out
from tradetrack.models.executions import ExecutionIn
from tradetrack.rest import LambdaHandler, make_rest_resolver, rest_handler
from tradetrack.timeutil import IST

REAL_TRADEBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "real"
AT = "2024-06-03T10:15:00"


def body(**overrides: Any) -> dict[str, Any]:
    fill = {"symbol": "INFY", "exchange": "NSE", "side": "BUY", "quantity": 10, "price": "1502.35"}
    return {**fill, "executedAt": AT, **overrides}


def refusal(**overrides: Any) -> tuple[str, str]:
    """(field, message) of the one error an invalid body gets."""
    with pytest.raises(ValidationError) as caught:
        ExecutionIn.model_validate(body(**overrides))
    [error] = caught.value.errors()
    return ".".join(str(part) for part in error["loc"]), error["msg"]


@pytest.mark.parametrize(
    ("exchange", "segment", "home"),
    [("NSE", "FO", "NFO"), ("BSE", "FO", "BFO"), ("NSE", "CDS", "CDS"), ("BSE", "CDS", "BCD")],
)
def test_a_derivative_segment_on_an_equity_exchange_is_refused(
    exchange: str, segment: str, home: str
) -> None:
    # Given an equity exchange with a derivative segment (NSE's F&O is the exchange NFO)
    # When validated
    field, message = refusal(symbol="NIFTYFUT", exchange=exchange, segment=segment)
    # Then the segment is refused, pointing at the exchange where that segment trades
    assert field == "segment"
    assert (
        f"not exchange {exchange}'s segment (EQ)" in message and f"trades on the exchange {home}" in message
    )


@pytest.mark.parametrize(("exchange", "segment"), [("MCX", "FO"), ("NFO", "EQ"), ("CDS", "COM")])
def test_a_segment_that_is_not_the_exchanges_is_refused(exchange: str, segment: str) -> None:
    field, message = refusal(symbol="ANYTHING", exchange=exchange, segment=segment)
    assert field == "segment" and f"segment {segment} is not exchange {exchange}'s" in message


@pytest.mark.parametrize(
    ("exchange", "segment"), [("NSE", "EQ"), ("BSE", "EQ"), ("NFO", "FO"), ("BCD", "CDS"), ("MCX", "COM")]
)
def test_the_exchanges_own_segment_is_accepted(exchange: str, segment: str) -> None:
    item = ExecutionIn.model_validate(body(exchange=exchange, segment=segment))
    assert item.effective_segment == segment


@pytest.mark.parametrize(
    ("symbol", "exchange", "home"),
    [
        ("NIFTY24JUN22000CE", "NSE", "NFO"),
        ("NIFTY2461322000CE", "NSE", "NFO"),
        ("BANKNIFTY24JUNFUT", "NSE", "NFO"),
        ("SENSEX24JUN75000PE", "BSE", "BFO"),
    ],
)
def test_a_derivative_symbol_on_an_equity_exchange_is_refused(symbol: str, exchange: str, home: str) -> None:
    # Given an F&O contract said to trade on an equity exchange
    # When validated
    field, message = refusal(symbol=symbol, exchange=exchange)
    # Then the exchange is refused, naming the exchange the contract trades on
    assert field == "exchange"
    assert (
        message
        == f"Value error, {symbol} is a derivative contract: {exchange} lists none (its F&O is {home})"
    )


@pytest.mark.parametrize(
    ("symbol", "exchange"),
    [
        ("NIFTY24JUN22000CE", "NFO"),
        ("NIFTY2461322000CE", "NFO"),
        ("SENSEX24JUN75000PE", "BFO"),
        ("USDINR24JUL83.5CE", "CDS"),
        ("CRUDEOIL24AUGFUT", "MCX"),
        ("BANKNIFTY 10APR2024 48000 CE", "NFO"),  # a format parse_derivative does not know
        ("SOMETHINGNEW", "NFO"),
    ],
)
def test_a_derivative_exchange_takes_contracts_and_unknown_symbols(symbol: str, exchange: str) -> None:
    assert ExecutionIn.model_validate(body(symbol=symbol, exchange=exchange)).symbol == symbol


def test_every_equity_symbol_of_a_real_tradebook_is_accepted_on_nse() -> None:
    # Given a year of a real Zerodha tradebook (ETFs, stocks: JUNIORBEES, LIQUIDCASE, ...)
    with (REAL_TRADEBOOK / "zerodha_tradebook_fy2024_25.csv").open(encoding="utf-8") as file:
        symbols = {row["symbol"] for row in csv.DictReader(file)}
    # When each is validated on NSE, Then none is mistaken for a derivative
    accepted = {ExecutionIn.model_validate(body(symbol=symbol)).symbol for symbol in symbols}
    assert accepted == symbols and len(symbols) > 10


@pytest.mark.parametrize("symbol", ["M&M", "BAJAJ-AUTO", "NIFTYBEES", "3MINDIA", "SETFNIF50"])
def test_equity_symbols_that_resemble_contracts_are_accepted(symbol: str) -> None:
    assert ExecutionIn.model_validate(body(symbol=symbol)).exchange == "NSE"


@pytest.mark.parametrize(
    "executed_at",
    ["2000-01-01T00:00:00", "2000-01-01T00:00:00+05:30", "1999-12-31T18:30:00Z"],
)
def test_the_first_moment_of_2000_in_ist_is_accepted(executed_at: str) -> None:
    item = ExecutionIn.model_validate(body(executedAt=executed_at))
    assert item.trade_date == date(2000, 1, 1)


@pytest.mark.parametrize(
    "executed_at", ["1999-12-31T23:59:59", "1999-12-31T18:29:59Z", "1970-01-01T00:00:00Z"]
)
def test_a_time_before_2000_in_ist_is_refused(executed_at: str) -> None:
    field, message = refusal(executedAt=executed_at)
    assert field == "executedAt" and "2000-01-01 00:00 IST" in message


def test_more_than_a_day_ahead_is_refused_and_less_is_left_to_the_caller() -> None:
    # Given fills 25 hours and 23 hours ahead of the clock
    now = datetime.now(UTC)
    # When validated, Then the first is refused; the second passes the model (manual entry and
    # imports apply their own 5-minute tolerance)
    field, message = refusal(executedAt=(now + timedelta(hours=25)).isoformat())
    assert field == "executedAt" and "more than one day in the future" in message
    assert ExecutionIn.model_validate(body(executedAt=(now + timedelta(hours=23)).isoformat()))


def test_an_isin_is_normalised_and_a_wrong_one_refused() -> None:
    assert ExecutionIn.model_validate(body(isin=" ine009a01021 ")).isin == "INE009A01021"
    assert ExecutionIn.model_validate(body(isin="")).isin is None
    assert ExecutionIn.model_validate(body()).isin is None
    field, message = refusal(isin="INE009A01022")
    assert field == "isin" and "check digit" in message
    field, message = refusal(isin="INFY")
    assert field == "isin" and "12 chars" in message


def test_fees_omitted_are_none_and_zero_fees_are_given() -> None:
    assert ExecutionIn.model_validate(body()).fees is None
    assert ExecutionIn.model_validate(body(fees="0")).fees == Decimal(0)
    assert refusal(fees="-1")[0] == "fees"


def test_the_stored_document_tells_given_fees_from_omitted_ones() -> None:
    # Given the same fill with fees omitted, fees "0" and fees "20.5"
    omitted, zero, some = (
        ExecutionIn.model_validate(body(**extra)) for extra in ({}, {"fees": "0"}, {"fees": "20.5"})
    )
    # When stored
    docs = [to_document("usr_1", "manual", item) for item in (omitted, zero, some)]
    # Then the amount is 0 when omitted, and feesGiven says which were given
    assert [(doc["fees"], doc["feesGiven"]) for doc in docs] == [(0, False), (0, True), (205_000, True)]


def test_the_stored_document_carries_isin_and_the_ist_trade_date() -> None:
    # Given a fill at 20:00 UTC, which is 01:30 the next day in India
    item = ExecutionIn.model_validate(body(executedAt="2024-06-03T20:00:00Z", isin="INE009A01021"))
    # When stored
    doc = to_document("usr_1", "manual", item)
    # Then its trade date is the IST one, and the ISIN is kept and names the instrument
    assert doc["tradeDate"] == "2024-06-04" and doc["isin"] == "INE009A01021"
    assert doc["instrument"] == "ISIN:INE009A01021"


def test_the_api_shape_shows_fees_given_and_isin() -> None:
    item = ExecutionIn.model_validate(body(fees="0", isin="INE009A01021", externalId="my-1"))
    out = to_execution_out(to_document("usr_1", "manual", item)).model_dump(mode="json", by_alias=True)
    assert (out["fees"], out["feesGiven"], out["isin"]) == ("0", True, "INE009A01021")


@pytest.mark.parametrize(("fees", "given"), [(0, False), (12_345, True)])
def test_a_document_from_before_fees_given_reads_zero_fees_as_omitted(fees: int, given: bool) -> None:
    # Given a document from before feesGiven, when fees 0 stood for "none given"
    doc = to_document("usr_1", "manual", ExecutionIn.model_validate(body(externalId="old")))
    legacy = {key: value for key, value in doc.items() if key not in ("feesGiven", "isin")} | {"fees": fees}
    # When shown, Then only a non-zero fee counts as given
    out = to_execution_out(legacy)
    assert out.fees_given is given and out.isin is None


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[LambdaHandler]:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.tradetrack.in")
    reset_settings()
    app = make_rest_resolver()

    @app.post("/v1/executions")
    def create(request: Annotated[ExecutionIn, Body()]) -> dict[str, Any]:
        return {"exchange": request.exchange}

    yield rest_handler(app)
    reset_settings()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"segment": "FO"}, "body.segment"),
        ({"symbol": "NIFTY24JUN22000CE"}, "body.exchange"),
        ({"executedAt": "1999-06-01T10:00:00"}, "body.executedAt"),
        ({"isin": "INE009A01022"}, "body.isin"),
    ],
)
def test_a_refused_execution_is_a_400_naming_the_field(
    handler: LambdaHandler, overrides: dict[str, Any], field: str
) -> None:
    # Given a POST body with one bad field
    # When the API validates it
    response = handler(rest_event("POST", "/v1/executions", body=body(**overrides)), lambda_context())
    # Then it is a 400 VALIDATION_ERROR whose only detail names that field
    assert response["statusCode"] == 400
    error = response_json(response)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in error["details"]] == [field]
    assert error["details"][0]["issue"] == "value_error" and error["details"][0]["message"]


def test_a_valid_execution_reaches_the_route(handler: LambdaHandler) -> None:
    response = handler(rest_event("POST", "/v1/executions", body=body(exchange="BSE")), lambda_context())
    assert response["statusCode"] == 200 and response_json(response) == {"exchange": "BSE"}


def test_a_naive_time_is_read_as_ist() -> None:
    item = ExecutionIn.model_validate(body(executedAt="2024-06-03T00:30:00"))
    assert to_document("u", "manual", item)["executedAt"] == datetime(2024, 6, 3, 0, 30, tzinfo=IST)
