"""How a document of the previous release is identified now (tradetrack.migrations.identity):
its instrument key, its externalId and `_id`, and the fields this release added to executions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.database import Database

from tradetrack.db.executions import execution_id
from tradetrack.db.instrument_aliases import current_isins, instruments_of
from tradetrack.instruments.isin import normalize_isin
from tradetrack.instruments.keys import EQUITY_SEGMENT, instrument_key
from tradetrack.models.executions import SEGMENT_OF_EXCHANGE, exchange_fill_id
from tradetrack.queries import aware
from tradetrack.timeutil import ist_date

Document = dict[str, Any]
EXCHANGE_NUMBERED_SOURCES = frozenset({"zerodha", "upstox", "simulated", "import"})
# externalIds that are not an exchange's trade id (and so never changed): generic rows without a
# trade id, manual fills, opening lots, holdings snapshots (files and broker holdings).
OWN_ID_PREFIXES = ("row_", "man_", "lot_", "holdings:", "broker-holdings:")


def legacy_external_id(doc: Document) -> bool:
    """Whether the execution's externalId is an exchange trade id without exchange and date."""
    external = str(doc["externalId"])
    return (
        doc.get("source") in EXCHANGE_NUMBERED_SOURCES
        and not external.startswith(f"{doc['exchange']}:")
        and not external.startswith(OWN_ID_PREFIXES)
    )


def legacy_instrument(instrument: str, segment: str | None = None) -> bool:
    """Whether `instrument` is a previous-release key (`EXCHANGE:SYMBOL`) that is not also a
    current one: every current key is its own key again, so it is never legacy."""
    exchange, sep, symbol = instrument.partition(":")
    if not sep or exchange not in SEGMENT_OF_EXCHANGE:
        return False  # ISIN:..., EQ:...
    seg = segment or SEGMENT_OF_EXCHANGE[exchange]
    return instrument_key(exchange=exchange, segment=seg, symbol=symbol, isin=None) != instrument


@dataclass(frozen=True)
class Listing:
    """What an instrument key is made of."""

    exchange: str
    segment: str
    symbol: str
    isin: str | None

    @classmethod
    def of(cls, doc: Document, instrument: str) -> Listing:
        """From a document's fields (an execution, a trade, a ledger's header), else its key."""
        exchange, _, symbol = instrument.partition(":")
        exchange = str(doc.get("exchange") or exchange)
        segment = str(doc.get("segment") or SEGMENT_OF_EXCHANGE.get(exchange, ""))
        return cls(exchange, segment, str(doc.get("symbol") or symbol), normalize_isin(doc.get("isin")))


def resolve(db: Database[Document], listings: Sequence[Listing]) -> list[tuple[str, str | None]]:
    """(instrument key, ISIN) of each listing, its ISIN found and brought up to date as ingestion
    does (tradetrack.db.instrument_aliases.with_isins), without teaching the aliases anything."""
    given = [item for item in listings if item.segment == EQUITY_SEGMENT and item.isin]
    current = current_isins(db, {item.isin for item in given if item.isin})
    bare = [item for item in listings if not (item.segment == EQUITY_SEGMENT and item.isin)]
    keys = iter(instruments_of(db, [(item.exchange, item.segment, item.symbol) for item in bare]))
    resolved: list[tuple[str, str | None]] = []
    for item in listings:
        if item.segment == EQUITY_SEGMENT and item.isin:
            isin = current[item.isin]
            key = instrument_key(exchange=item.exchange, segment=item.segment, symbol=item.symbol, isin=isin)
            resolved.append((key, isin))
        else:
            key = next(keys)
            resolved.append((key, key.removeprefix("ISIN:") if key.startswith("ISIN:") else item.isin))
    return resolved


def migrated(doc: Document, resolved: tuple[str, str | None] | None) -> Document:
    """The execution as this release stores it (`resolved`: its new instrument and ISIN)."""
    new = dict(doc)
    day = ist_date(aware(doc["executedAt"]))
    if resolved is not None:
        new["instrument"], new["isin"] = resolved
    new.setdefault("isin", None)
    if not new.get("tradeDate"):
        new["tradeDate"] = day.isoformat()
    if new.get("feesGiven") is None:
        new["feesGiven"] = int(doc["fees"]) > 0
    if legacy_external_id(doc):
        new["externalId"] = exchange_fill_id(str(doc["exchange"]), day, str(doc["externalId"]))
        new["_id"] = execution_id(doc["userId"], doc["accountId"], doc["source"], new["externalId"])
    return new
