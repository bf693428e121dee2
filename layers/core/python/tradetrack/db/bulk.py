"""Bulk writes in commands a FerretDB v1 store can finish.

FerretDB v1.24.2 (the local store) keeps each update statement's query open until the whole
command ends (its msg_update.go closes every statement's iterator with a `defer` inside the loop),
holding one backend connection per statement that matched a document. A command with as many
matching statements as its pool has connections (50 on PostgreSQL, 100 on SQLite) waits forever
for one more. So update, replace and delete statements go STATEMENTS_PER_COMMAND to a command,
which leaves the pool room for other requests running at the same time. Inserts are not held; they
go INSERTS_PER_COMMAND to a command so that no command runs for long (50,000 trades of a big
import in one insert took FerretDB over the handlers' 10 s socket timeout). On Atlas this costs one
round trip per STATEMENTS_PER_COMMAND statements or INSERTS_PER_COMMAND inserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import InsertOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

Document = dict[str, Any]
STATEMENTS_PER_COMMAND = 25
INSERTS_PER_COMMAND = 1_000


def write_in_commands(collection: Collection[Document], ops: Sequence[Any]) -> None:
    """An unordered bulk write of `ops`: the inserts INSERTS_PER_COMMAND a command, the other
    statements STATEMENTS_PER_COMMAND a command. Every command is sent even when one fails; the
    failures then raise one BulkWriteError whose write errors index into `ops`."""
    inserts = [i for i, op in enumerate(ops) if isinstance(op, InsertOne)]
    others = [i for i, op in enumerate(ops) if not isinstance(op, InsertOne)]
    groups = [inserts[at : at + INSERTS_PER_COMMAND] for at in range(0, len(inserts), INSERTS_PER_COMMAND)]
    step = STATEMENTS_PER_COMMAND
    groups += [others[at : at + step] for at in range(0, len(others), step)]
    errors: list[Document] = []
    concerns: list[Any] = []
    for group in groups:
        try:
            collection.bulk_write([ops[i] for i in group], ordered=False)
        except BulkWriteError as exc:
            errors += [{**e, "index": group[int(e["index"])]} for e in exc.details.get("writeErrors", [])]
            concerns += exc.details.get("writeConcernErrors", [])
    if errors or concerns:
        raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": concerns, "nInserted": 0})
