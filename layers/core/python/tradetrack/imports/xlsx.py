"""The cells of one worksheet of an XLSX workbook, read with the standard library only.

SpreadsheetML (ECMA-376 Part 1, §12.3 and §18): the file is a ZIP package; `_rels/.rels` names the
workbook part (usually `xl/workbook.xml`), whose `<sheets>` lists the worksheets in tab order, each
by a relationship id resolved through the workbook's own `_rels/workbook.xml.rels`. A cell
`<c r="C5" t="...">` holds, by its type (§18.18.11 ST_CellType): `s` an index into the shared
string table (§18.4.9 `<sst>`), `inlineStr` an `<is>` rich string, `str` a formula's string result,
`b` a boolean, `e` an error such as `#N/A`, `d` an ISO 8601 date, and by default a number written
as text in `<v>`. Cells and rows may be omitted, so each `r` reference places its cell.

Values come back as the text the file stores: "1502.35" stays "1502.35" (no float round trip), a
date kept as a serial number stays "45488", booleans are "TRUE"/"FALSE". Escaped characters in
strings (`_x000D_`, ST_Xstring §22.9.2.19) are decoded.

The input is untrusted. The archive is refused when it declares more than
MAX_UNCOMPRESSED_BYTES in all or more than MAX_ENTRIES entries, and every part is inflated through
a byte budget so a lying header cannot get past it (zip bombs). Every XML part goes through expat
with any document type declaration refused before its internal subset is read, so no entity can be
declared, let alone expanded (billion laughs, external entities).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from xml.parsers import expat

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_CELLS = 5_000_000  # cells the result may hold, counting the blanks that pad column gaps
_MAX_COLUMNS = 16_384  # column XFD, the last one Excel allows
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or any password-protected workbook
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NUMBER = re.compile(r"[0-9]{1,9}")
_BOOLEANS = {"0": "FALSE", "1": "TRUE"}

StartHandler = Callable[[str, dict[str, str]], None]


class XlsxError(ValueError):
    """The bytes are not a workbook this reader can read; the message says why."""


class XlsxTooLarge(XlsxError):
    """The workbook is over one of the size limits."""


def read_xlsx_rows(data: bytes, *, sheet: int = 0, max_rows: int = 200_000) -> list[list[str]]:
    """Rows of the `sheet`-th worksheet (0 is the first tab); rows[i] is spreadsheet row i + 1.

    Rows and cells the file omits are empty ([] or ""); trailing empty cells are not kept.
    Raises XlsxError (a ValueError) for anything that is not a readable workbook, XlsxTooLarge
    beyond the size limits or past `max_rows` rows.
    """
    package = _Package(data)
    workbook = _workbook_part(package)
    worksheets, shared_strings_part = _workbook_contents(package, workbook)
    if not 0 <= sheet < len(worksheets):
        raise XlsxError(f"the workbook has {len(worksheets)} sheet(s); there is no sheet {sheet + 1}")
    shared = _shared_strings(package, shared_strings_part) if shared_strings_part else []
    reader = _SheetReader(shared, max_rows)
    _parse(package.read(worksheets[sheet]), worksheets[sheet], reader.start, reader.end, reader.text)
    return reader.rows


class _Package:
    """The ZIP's parts, inflated only within the remaining byte budget."""

    def __init__(self, data: bytes) -> None:
        if data.startswith(_OLE_MAGIC):
            raise XlsxError("this is a legacy .xls or a password-protected workbook; save it as .xlsx")
        if not data.startswith(_ZIP_MAGIC):
            raise XlsxError("this is not an XLSX file (it is not a ZIP package)")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            entries = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            raise XlsxError(f"this is not a readable XLSX file: {exc}") from None
        if len(entries) > MAX_ENTRIES:
            raise XlsxTooLarge(f"the workbook has {len(entries)} parts; at most {MAX_ENTRIES} are read")
        declared = sum(entry.file_size for entry in entries)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise XlsxTooLarge(
                f"the workbook inflates to {declared} bytes; at most {MAX_UNCOMPRESSED_BYTES} are read"
            )
        self._entries = {entry.filename: entry for entry in entries}
        self._budget = MAX_UNCOMPRESSED_BYTES

    def has(self, name: str) -> bool:
        return name in self._entries

    def read(self, name: str) -> bytes:
        entry = self._entries.get(name)
        if entry is None:
            raise XlsxError(f"the workbook has no part {name!r}")
        try:
            with self._zip.open(entry) as stream:
                content = stream.read(self._budget + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise XlsxError(f"part {name!r} cannot be read: {exc}") from None
        if len(content) > self._budget:
            raise XlsxTooLarge(f"the workbook inflates to more than {MAX_UNCOMPRESSED_BYTES} bytes")
        self._budget -= len(content)
        return content


def _local(name: str) -> str:
    """`{namespace}local` (expat with a "}" separator gives "namespace}local") → `local`."""
    return name.rpartition("}")[2]


def _parse(
    content: bytes,
    part: str,
    start: StartHandler,
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_: object) -> None:
        raise XlsxError(f"part {part!r} declares a DTD; workbooks with DTDs are refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = lambda name, attrs: start(
        _local(name), {_local(key): value for key, value in attrs.items()}
    )
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        raise XlsxError(f"part {part!r} is not well-formed XML: {exc}") from None


def _relationships(package: _Package, rels_part: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part name resolved against the `base` folder)."""
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

    if package.has(rels_part):
        _parse(package.read(rels_part), rels_part, start)
    return found


def _rels_part_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _workbook_part(package: _Package) -> str:
    for kind, target in _relationships(package, "_rels/.rels", "").values():
        if kind.endswith("/officeDocument"):
            return target
    if package.has("xl/workbook.xml"):
        return "xl/workbook.xml"
    raise XlsxError("this ZIP holds no workbook (no xl/workbook.xml)")


def _workbook_contents(package: _Package, workbook: str) -> tuple[list[str], str | None]:
    """Worksheet part names in tab order, and the shared strings part if there is one."""
    relations = _relationships(package, _rels_part_of(workbook), posixpath.dirname(workbook))
    sheet_ids: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "sheet":
            sheet_ids.append(attrs.get("id", ""))

    _parse(package.read(workbook), workbook, start)
    sheets: list[str] = []
    for rel_id in sheet_ids:
        kind, target = relations.get(rel_id, ("", ""))
        if not kind.endswith("/worksheet"):
            continue  # chartsheets and dialog sheets hold no cells
        sheets.append(target)
    shared = next((target for kind, target in relations.values() if kind.endswith("/sharedStrings")), None)
    if shared is None and package.has("xl/sharedStrings.xml"):
        shared = "xl/sharedStrings.xml"
    return sheets, shared


def _unescape(text: str) -> str:
    return _XSTRING_ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


class _RichText:
    """Collects the text of `<t>` runs inside `<si>`/`<is>`, leaving out phonetic runs (`<rPh>`)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._in_t = False
        self._phonetic = 0

    def start(self, name: str) -> None:
        if name == "rPh":
            self._phonetic += 1
        elif name == "t" and not self._phonetic:
            self._in_t = True

    def end(self, name: str) -> None:
        if name == "rPh":
            self._phonetic -= 1
        elif name == "t":
            self._in_t = False

    def text(self, data: str) -> None:
        if self._in_t:
            self.parts.append(data)

    def take(self) -> str:
        value = _unescape("".join(self.parts))
        self.parts.clear()
        return value


def _shared_strings(package: _Package, part: str) -> list[str]:
    strings: list[str] = []
    rich = _RichText()

    def end(name: str) -> None:
        rich.end(name)
        if name == "si":
            strings.append(rich.take())

    _parse(package.read(part), part, lambda name, _attrs: rich.start(name), end, rich.text)
    return strings


def _column_index(ref: str) -> int:
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        raise XlsxError(f"cell reference {ref[:12]!r} is not like A1")
    index = 0
    for letter in match[1]:
        index = index * 26 + ord(letter) - ord("A") + 1
    if index > _MAX_COLUMNS:
        raise XlsxError(f"cell reference {ref!r} is past column XFD")
    return index - 1


class _SheetReader:
    """Streams `<sheetData>` into rows of cell text."""

    def __init__(self, shared: list[str], max_rows: int) -> None:
        self.rows: list[list[str]] = []
        self._shared = shared
        self._max_rows = max_rows
        self._cells = 0
        self._row: list[str] | None = None
        self._column = -1
        self._type = "n"
        self._value: list[str] = []
        self._in_value = False
        self._inline = _RichText()
        self._in_inline = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "row":
            self._start_row(attrs.get("r"))
        elif name == "c" and self._row is not None:
            ref = attrs.get("r")
            self._column = _column_index(ref) if ref else self._column + 1
            self._type = attrs.get("t", "n")
            self._value.clear()
            self._inline.parts.clear()
        elif name == "v":
            self._in_value = True
        elif name == "is":
            self._in_inline = True
        elif self._in_inline:
            self._inline.start(name)

    def end(self, name: str) -> None:
        if name == "v":
            self._in_value = False
        elif name == "is":
            self._in_inline = False
        elif self._in_inline:
            self._inline.end(name)
        elif name == "c" and self._row is not None:
            self._put(self._row, self._cell_text())
        elif name == "row" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def text(self, data: str) -> None:
        if self._in_value:
            self._value.append(data)
        elif self._in_inline:
            self._inline.text(data)

    def _start_row(self, ref: str | None) -> None:
        number = len(self.rows) + 1
        if ref is not None:
            if not _NUMBER.fullmatch(ref) or int(ref) < number:
                raise XlsxError(f"row {ref[:12]!r} is out of order or not a row number")
            number = int(ref)
        if number > self._max_rows:
            raise XlsxTooLarge(f"the sheet has more than {self._max_rows} rows")
        self.rows.extend([] for _ in range(number - 1 - len(self.rows)))
        self._row = []
        self._column = -1

    def _cell_text(self) -> str:
        value = "".join(self._value)
        kind = self._type
        if kind == "inlineStr":
            return self._inline.take()
        if kind == "s":
            if not _NUMBER.fullmatch(value.strip()) or int(value) >= len(self._shared):
                raise XlsxError(f"cell refers to shared string {value[:12]!r}, which does not exist")
            return self._shared[int(value)]
        if kind == "b" and value:
            if value not in _BOOLEANS:
                raise XlsxError(f"boolean cell holds {value[:12]!r}, not 0 or 1")
            return _BOOLEANS[value]
        if kind == "str":
            return _unescape(value)
        return value  # n, d, e: the stored text as it is

    def _put(self, row: list[str], text: str) -> None:
        if not text:
            return
        if self._column >= len(row):
            self._cells += self._column + 1 - len(row)
            if self._cells > MAX_CELLS:
                raise XlsxTooLarge(f"the sheet has more than {MAX_CELLS} cells")
            row.extend("" for _ in range(self._column + 1 - len(row)))
        row[self._column] = text
