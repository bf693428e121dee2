"""Whole-file checks on the CSV text: size, encoding (UTF-8 only) and the byte-order mark."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from tradetrack.errors import PayloadTooLarge, SemanticError

MAX_CSV_BYTES = 5 * 1024 * 1024  # 5,242,880 bytes of UTF-8
BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF16_BOMS = ("\xff\xfe", "\xfe\xff")  # a UTF-16 BOM read as Latin-1


def _encoding_error(message: str) -> SemanticError:
    return SemanticError(
        f"{message}; save the file as UTF-8 (with or without BOM) and try again",
        details=[{"field": "csv", "issue": "encoding"}],
    )


def check_text(csv_text: str) -> str:
    """The text to parse, without BOM; 413 when too large, 422 when it is not UTF-8 text."""
    if _SURROGATE.search(csv_text):
        raise _encoding_error("the CSV is not valid Unicode text")
    size = len(csv_text.encode("utf-8"))
    if size > MAX_CSV_BYTES:
        raise PayloadTooLarge(
            f"the CSV is {size} bytes; at most {MAX_CSV_BYTES} bytes are accepted",
            details=[{"field": "csv", "limitBytes": MAX_CSV_BYTES}],
        )
    if csv_text.startswith(_UTF16_BOMS) or _looks_utf16(csv_text):
        raise _encoding_error("the CSV looks like UTF-16")
    if "\ufffd" in csv_text:
        raise _encoding_error("the CSV contains replacement characters (it was not UTF-8, e.g. Latin-1)")
    if _CONTROL.search(csv_text):
        raise _encoding_error("the CSV contains binary data (control characters)")
    return csv_text.removeprefix(BOM)


def check_lines(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a file being read (decoded as UTF-8, strictly), with check_text's encoding checks
    applied as they pass: 422 at the first line that fails; the byte-order mark removed."""
    first = True
    for raw in lines:
        line = raw
        if first:
            first = False
            if line.startswith(_UTF16_BOMS) or _looks_utf16(line):
                raise _encoding_error("the CSV looks like UTF-16")
            line = line.removeprefix(BOM)
        if "\ufffd" in line:
            raise _encoding_error("the CSV contains replacement characters (it was not UTF-8, e.g. Latin-1)")
        if _CONTROL.search(line):
            raise _encoding_error("the CSV contains binary data (control characters)")
        yield line


def not_utf8() -> SemanticError:
    """The error for a file whose bytes do not decode as UTF-8."""
    return _encoding_error("the CSV is not UTF-8 text")


def _looks_utf16(text: str) -> bool:
    """Every other character NUL: UTF-16 text whose bytes were read one per character."""
    sample = text[:4096]
    nuls = sample.count("\x00")
    return nuls > 0 and nuls * 3 >= len(sample)
