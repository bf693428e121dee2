"""pymongo in a Lambda cold start: tradetrack.coldstart puts the package in place with its
`__init__` unrun (it imports the asynchronous client, which nothing here uses) when it is first
imported, importing first the submodules the `__init__` would (its submodules' import cycles resolve
in that order only); its submodules, the names the `__init__` gathers from them (MongoClient,
UpdateOne, ReturnDocument, ...) and its literal constants (ASCENDING, DESCENDING) are answered
without it."""

from __future__ import annotations

import pytest

from tests.support.fresh_interpreter import run_fresh
from tests.support.servers import Server

FIRST_REQUEST = """
import json, sys, uuid
import tradetrack
from tradetrack.observability import tracer

imported_at_init = "pymongo" in sys.modules

@tracer.capture_lambda_handler(capture_response=False)
def handler(event, context):
    from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
    from pymongo.errors import DuplicateKeyError
    from tradetrack.db.client import get_database

    collection = get_database()["cold_start_" + uuid.uuid4().hex]
    collection.create_indexes([IndexModel([("user", ASCENDING), ("n", DESCENDING)], unique=True)])
    collection.insert_many([{"user": "u", "n": n} for n in (1, 2, 3)])
    collection.bulk_write([UpdateOne({"user": "u", "n": 1}, {"$set": {"seen": True}})])
    after = collection.find_one_and_update(
        {"user": "u", "n": 2}, {"$set": {"seen": True}}, return_document=ReturnDocument.AFTER
    )
    try:
        collection.insert_one({"user": "u", "n": 3})
        duplicate = False
    except DuplicateKeyError:
        duplicate = True
    order = [d["n"] for d in collection.find({"user": "u"}, sort=[("n", DESCENDING)])]
    collection.drop()
    return {"after": after["seen"], "duplicate": duplicate, "order": order}

result = handler({}, None)
import pymongo.monitoring
listeners = [type(l).__name__ for l in pymongo.monitoring._LISTENERS.command_listeners]
after_request = {"async_client": "pymongo.asynchronous.mongo_client" in sys.modules,
                 "deferred": "__getattr__" in vars(sys.modules["pymongo"])}
import pymongo
from pymongo.synchronous.mongo_client import MongoClient
whole = [pymongo.MongoClient is MongoClient, pymongo.ASCENDING, bool(pymongo.version)]
print(json.dumps({"imported_at_init": imported_at_init, "result": result, "listeners": listeners,
                  "after_request": after_request, "whole": whole,
                  "async_after": "pymongo.asynchronous.mongo_client" in sys.modules}))
"""


def test_in_lambda_pymongo_init_is_skipped_and_a_traced_first_request_reads_and_writes_without_it(
    mongo_server: Server,
) -> None:
    if not mongo_server.url:
        pytest.skip("needs the suite's real Mongo server (the embedded stand-in is in-process)")
    # Given Lambda's environment (tracing on), a fresh interpreter and the suite's Mongo server
    # When tradetrack is imported, then a traced handler creates an index, writes, updates in bulk,
    # hits the unique index and reads sorted (the tracer's patch imports `pymongo.monitoring`
    # first, which pymongo's submodules alone cannot), then a name only pymongo's __init__ defines
    # is read
    seen = run_fresh(FIRST_REQUEST, "traced", {"MONGODB_URI": mongo_server.url})
    # Then the request ran neither pymongo's __init__ nor loaded its asynchronous client, and did
    # its work, recorded by X-Ray's command listener; the __init__'s own name (`version`) ran it
    # then, leaving the package whole
    assert seen["imported_at_init"] is False
    assert seen["result"] == {"after": True, "duplicate": True, "order": [3, 2, 1]}
    assert "XrayCommandListener" in seen["listeners"]
    assert seen["after_request"] == {"async_client": False, "deferred": True}
    assert seen["whole"] == [True, 1, True]
    assert seen["async_after"] is True
