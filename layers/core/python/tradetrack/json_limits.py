"""JSON from clients, parsed only when its nesting is bounded.

Python's json parser recurses once per `[` or `{`: a body of a thousand `[` raises RecursionError
(a 502) before any validation runs. `loads_bounded` counts the nesting first, outside strings, with
one regular-expression pass, and refuses a document deeper than MAX_JSON_DEPTH with a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tradetrack.errors import ValidationFailed

# The API's deepest body is 4 levels (an object of lists of objects); 32 leaves room for any client.
MAX_JSON_DEPTH = 32

# A string (closed or running to the end of the text) or one bracket: strings are skipped whole,
# so a `[` inside a string is not counted.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def nesting_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `text`, read as JSON, opens more than `limit` arrays/objects inside one another."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def too_deep(limit: int = MAX_JSON_DEPTH, field: str = "body") -> ValidationFailed:
    return ValidationFailed(
        f"JSON nested deeper than {limit} levels",
        details=[{"field": field, "issue": "json_too_deep", "limit": limit}],
    )


def loads_bounded(text: str | bytes, limit: int = MAX_JSON_DEPTH, field: str = "body") -> Any:
    """json.loads, after refusing (400 VALIDATION_ERROR) a document nested deeper than `limit`."""
    decoded = text.decode("utf-8") if isinstance(text, bytes) else text
    if nesting_depth_exceeds(decoded, limit):
        raise too_deep(limit, field)
    return json.loads(decoded)
