"""Reading uploaded spreadsheets safely and tolerantly, every problem tied to its cell.

``read_workbook()`` turns the bytes of an uploaded .xlsx or .csv into one
:class:`Table` per sheet that has data. It is written for files nobody checked:

- hostile files are refused *before* a parser sees them (size, macros, zip
  bombs, XML DTDs, absurd sheet dimensions), and guarded again while reading;
- untidy files are read anyway: title rows above the header (the header row is
  found by content), merged header cells, empty trailing rows and columns,
  Italian CSVs (``;``, decimal comma, Windows-1252), numbers stored as text;
- every problem is a :class:`CellProblem` with its sheet and cell and a
  message-catalogue key (``metrodigital/locales/workbook.toml``).

Uploaded text is data: nothing here turns it into Markdown or HTML, and
:func:`neutralise_for_export` defuses formula-like strings before they go back
into an Excel export. .ods files are refused with a clear message (the only
reader, odfpy, is slow and unmaintained, and LibreOffice saves .xlsx fine).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from metrodigital.i18n import t

# The one text normaliser and number parser (metrodigital.text), re-exported because
# callers and tests import them from the workbook reader.
from metrodigital.text import cell_text as _display_text
from metrodigital.text import normalise_text as normalise_text
from metrodigital.text import parse_number as parse_number

Severity = Literal["error", "warning"]

MAX_BYTES = 10 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all the parts of an .xlsx, decompressed
MAX_RATIO = 100.0  # decompressed/compressed size of one part (legit sheets: ~5-20)
RATIO_MIN_SIZE = 1024 * 1024  # parts smaller than this are never zip bombs
MAX_MEMBERS = 5000  # parts in an .xlsx (a questionnaire export has about 10)
MAX_ROWS = 100_000
MAX_COLUMNS = 500
MAX_CELLS = 1_000_000  # cells in one sheet: about 8 s of openpyxl, the import budget
HEADER_SCAN_ROWS = 30  # the header is looked for in the first non-empty rows

# Values Excel stores for a formula that failed (openpyxl returns them as text).
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})
_XLSX_SUFFIXES = {".xlsx", ".xltx", ".xls"}  # .xls: only if it is really an .xlsx inside
_MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_ODS_SUFFIXES = {".ods", ".ots", ".fods"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx encrypted with a password
_CSV_DELIMITERS = (";", ",", "\t", "|")  # ties go to the first: Italian CSVs use ";"
_SEP_LINE = re.compile(r"sep=(.)\s*")  # Excel's "sep=;" first line
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)"')
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
_ROOT_PREFIX = re.compile(rb"<([\w.-]+):worksheet[\s>]")


@dataclass(frozen=True)
class Limits:
    """How much an uploaded file may hold; the defaults suit questionnaire exports."""

    max_bytes: int = MAX_BYTES
    max_uncompressed: int = MAX_UNCOMPRESSED
    max_ratio: float = MAX_RATIO
    ratio_min_size: int = RATIO_MIN_SIZE
    max_members: int = MAX_MEMBERS
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class CellProblem:
    """One problem in an uploaded file, with its place and a message-catalogue key.

    ``cell`` is an Excel reference ("D7"), a row number alone ("7"), a column
    letter alone ("D") or None for the whole sheet/file. CSV files use the same
    references with ``sheet=None`` (Excel shows a CSV in the same grid).
    """

    severity: Severity
    code: str
    sheet: str | None
    cell: str | None
    params: dict[str, object] = field(default_factory=dict)

    def place(self, lang: str = "it") -> str:
        """Where the problem is: "Foglio1!D7", "'Risposte 1'!D7", "D7", "riga 7", or ""."""
        sheet = _sheet_ref(self.sheet) if self.sheet is not None else ""
        if self.cell is None:
            return sheet
        if self.cell.isdigit():
            where = t("workbook.place_row", lang, row=self.cell)
        elif self.cell.isalpha():
            where = t("workbook.place_column", lang, column=self.cell)
        else:
            return f"{sheet}!{self.cell}" if sheet else self.cell
        return f"{sheet}, {where}" if sheet else where

    def message(self, lang: str = "it") -> str:
        """The full message: place, then what is wrong and what to do."""
        text = t(self.code, lang, **self.params)
        place = self.place(lang)
        return f"{place}: {text}" if place else text[:1].upper() + text[1:]


class FileRejected(Exception):
    """The file cannot be read at all; ``problems`` lists why (errors, file-level)."""

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__("\n".join(p.message("it") for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Table:
    """The data of one sheet (or of a CSV), below its header row."""

    sheet: str | None
    header_row: int  # 1-based spreadsheet row of the header
    headers: list[str]  # stripped text; merged header cells filled across their span
    letters: list[str]  # column letter of each header
    rows: list[tuple[int, list[object]]]  # (1-based row, one value per header), blank rows dropped
    problems: list[CellProblem]  # file-level warnings, then cell errors in reading order


HeaderHint = Callable[[list[str]], int]


# --------------------------------------------------------------------------- public helpers

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_for_export(value: object) -> object:
    """``value`` safe to write into a spreadsheet cell: text that Excel could take for a
    formula ("=HYPERLINK(...)", "+1", "@SUM", tab/CR first) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# --------------------------------------------------------------------------- entry point


def read_workbook(data: bytes, filename: str, *, header_hint: HeaderHint,
                  limits: Limits = DEFAULT_LIMITS) -> list[Table]:
    """One :class:`Table` per sheet of ``data`` that has data (a CSV gives one).

    The format comes from the content first (a zip is a workbook whatever its
    name), then from ``filename``. The header row is the first of the first
    non-empty rows (up to 30) that maximises ``header_hint`` of its normalised
    cells; when no row scores, the first row with the most filled cells.
    Raises :class:`FileRejected` when the file cannot or must not be read.
    """
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if not data:
        raise _rejected("workbook.empty_file")
    if len(data) > limits.max_bytes:
        raise _rejected("workbook.too_large", size=_megabytes(len(data)),
                        limit=_megabytes(limits.max_bytes))
    if suffix in _MACRO_SUFFIXES:
        raise _rejected("workbook.macros")
    if suffix == ".xlsb":
        raise _rejected("workbook.xlsb_unsupported")
    if suffix in _ODS_SUFFIXES:
        raise _rejected("workbook.ods_unsupported")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, header_hint, limits)
    if data.startswith(_OLE_MAGIC):
        raise _rejected("workbook.xls_or_encrypted")
    if suffix in _XLSX_SUFFIXES:
        raise _rejected("workbook.not_a_workbook")
    if suffix in _CSV_SUFFIXES:
        return _read_csv(data, header_hint, limits)
    raise _rejected("workbook.unsupported_format", suffix=suffix or filename)


# --------------------------------------------------------------------------- .xlsx


@dataclass(frozen=True)
class _SheetScan:
    """What the raw XML of a sheet says, found without parsing it."""

    has_formulas: bool
    merges: list[tuple[int, int, int, int]]  # min_col, min_row, max_col, max_row


def _read_xlsx(data: bytes, header_hint: HeaderHint, limits: Limits) -> list[Table]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError,
            NotImplementedError) as error:
        raise _rejected("workbook.not_a_workbook") from error
    file_warnings = _check_archive(archive, members, limits)
    sheet_xml = _read_xml_parts(archive, members)
    data = _with_dimensions(archive, members, sheet_xml) or data

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                 keep_links=False)
    except Exception as error:  # whatever openpyxl trips on, the file is unusable
        raise _rejected("workbook.corrupt", detail=_short(error)) from error
    try:
        sheets = list(book.worksheets)
        scans: list[_SheetScan] = []
        for sheet in sheets:  # every sheet is checked before any is read
            xml = sheet_xml.get(str(getattr(sheet, "_worksheet_path", "")).lstrip("/"))
            scans.append(_scan_sheet(sheet.title, xml, sheet.max_row, sheet.max_column, limits))
        tables: list[Table] = []
        formula_cache: dict[str, set[tuple[int, int]]] = {}
        for sheet, scan in zip(sheets, scans, strict=True):
            rows = _sheet_rows(sheet, limits)
            missing: set[tuple[int, int]] = set()
            if scan.has_formulas:
                path = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
                xml = sheet_xml.get(path)
                if xml is not None and path not in formula_cache:
                    formula_cache[path] = _formulas_without_value(xml)
                missing = formula_cache.get(path, set())
            table = _build_table(sheet.title, rows, header_hint, scan.merges, missing,
                                 file_warnings)
            if table is not None:
                tables.append(table)
    except FileRejected:
        raise
    except Exception as error:  # malformed parts can trip openpyxl in many ways
        raise _rejected("workbook.corrupt", detail=_short(error)) from error
    finally:
        book.close()
    if not tables:
        formula_problems = [  # a sheet of formulas only, none calculated: say where
            CellProblem("error", "workbook.formula_no_value", sheet.title,
                        f"{get_column_letter(c)}{r}", {})
            for sheet in sheets
            for r, c in sorted(formula_cache.get(
                str(getattr(sheet, "_worksheet_path", "")).lstrip("/"), set()))]
        raise FileRejected(formula_problems[:50] or _rejected("workbook.no_data").problems)
    return tables


def _check_archive(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo],
                   limits: Limits) -> list[CellProblem]:
    """Refuses zip bombs, macros, encryption and OpenDocument files from the zip's
    directory alone; returns file-level warnings."""
    if len(members) > limits.max_members:
        raise _rejected("workbook.too_many_parts", count=len(members), limit=limits.max_members)
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise _rejected("workbook.uncompressed_too_large", size=_megabytes(total),
                        limit=_megabytes(limits.max_uncompressed))
    for member in members:
        if member.file_size >= limits.ratio_min_size and (
                member.file_size > limits.max_ratio * max(member.compress_size, 1)):
            raise _rejected("workbook.compression_ratio", part=member.filename,
                            ratio=int(member.file_size / max(member.compress_size, 1)),
                            limit=int(limits.max_ratio))
        if member.flag_bits & 0x1:
            raise _rejected("workbook.xls_or_encrypted")
        if PurePosixPath(member.filename).name.lower() == "vbaproject.bin":
            raise _rejected("workbook.macros")
    names = {m.filename.lower() for m in members}
    if "mimetype" in names and "content.xml" in names:
        raise _rejected("workbook.ods_unsupported")
    if "[content_types].xml" in names:
        types = _read_member(archive, next(m for m in members
                                           if m.filename.lower() == "[content_types].xml"))
        if b"macroenabled" in types.lower():
            raise _rejected("workbook.macros")
    if any(n.startswith("xl/externallinks/") for n in names):
        return [CellProblem("warning", "workbook.external_links", None, None, {})]
    return []


def _read_xml_parts(archive: zipfile.ZipFile,
                    members: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Refuses any XML part with a DTD (entity expansion, external entities: OOXML
    never needs one); returns the worksheets' XML by part name."""
    sheets: dict[str, bytes] = {}
    for member in members:
        name = member.filename
        if not name.lower().endswith((".xml", ".rels")) or member.is_dir():
            continue
        xml = _read_member(archive, member)
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
            raise _rejected("workbook.xml_dtd", part=name)
        if name.lower().startswith("xl/worksheets/"):
            sheets[name.lstrip("/")] = xml
    return sheets


_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData[\s>/]")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension[\s/>]")


def _with_dimensions(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo],
                     sheet_xml: dict[str, bytes]) -> bytes | None:
    """The workbook again, each sheet given a ``<dimension>`` if it has none; None when
    all have one.

    Without it, openpyxl parses a whole sheet just to learn its size before reading it
    (a third of the reading time; some exporters and openpyxl itself omit it). The
    placeholder only spares that pass: the real size is checked while reading.
    """
    patched: dict[str, bytes] = {}
    for name, xml in sheet_xml.items():
        start = _SHEET_DATA.search(xml)
        if start is None or _DIMENSION.search(xml, 0, start.start()):
            continue
        prefix = start.group(1) or b""
        patched[name] = (xml[:start.start()] + b"<" + prefix + b'dimension ref="A1"/>'
                         + xml[start.start():])
    if not patched:
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for member in members:
            if member.is_dir():
                continue
            content = patched.get(member.filename.lstrip("/"))
            copy.writestr(member.filename, content if content is not None
                          else _read_member(archive, member))
    return out.getvalue()


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A part of the zip (its declared size was checked: zipfile never inflates beyond it)."""
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError,
            NotImplementedError) as error:
        raise _rejected("workbook.corrupt", detail=_short(error)) from error


def _scan_sheet(title: str, xml: bytes | None, max_row: int | None, max_column: int | None,
                limits: Limits) -> _SheetScan:
    """Checks a sheet's declared size (``<dimension>``) and cell count; finds its merged
    ranges and whether it has formulas. Without the XML, assumes formulas."""
    rows, columns = max_row or 0, max_column or 0
    if rows > limits.max_rows or columns > limits.max_columns:
        raise _rejected_sheet(title, "workbook.sheet_too_big", rows=rows, columns=columns,
                              max_rows=limits.max_rows, max_columns=limits.max_columns)
    if xml is None:
        return _SheetScan(has_formulas=True, merges=[])
    root = _ROOT_PREFIX.search(xml[:4096])
    prefix = root.group(1) + b":" if root else b""
    cells = sum(xml.count(b"<" + prefix + b"c" + end) for end in (b" ", b">", b"/"))
    if cells > limits.max_cells:
        raise _rejected_sheet(title, "workbook.too_many_cells", cells=cells,
                              limit=limits.max_cells)
    merges = []
    for match in _MERGE.finditer(xml, max(xml.rfind(b"sheetData>"), 0)):
        try:
            min_col, min_row, max_col, max_row_ = range_boundaries(match.group(1).decode())
        except ValueError:
            continue
        if None not in (min_col, min_row, max_col, max_row_):
            merges.append((min_col, min_row, max_col, max_row_))  # type: ignore[arg-type]
    return _SheetScan(has_formulas=_FORMULA.search(xml) is not None, merges=merges)


def _sheet_rows(sheet: ReadOnlyWorksheet,
                limits: Limits) -> Iterator[tuple[int, list[object]]]:
    """The sheet's non-empty rows, trailing empty cells dropped, guarded against rows
    and columns beyond the limits (the ``<dimension>`` of a file can lie)."""
    sheet.reset_dimensions()  # read what is there, not what is declared
    cells = 0
    title = sheet.title
    for number, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not raw:
            continue
        if number > limits.max_rows:
            raise _rejected_sheet(title, "workbook.too_many_rows", cell=f"A{number}",
                                  limit=limits.max_rows)
        if len(raw) > limits.max_columns:
            letter = get_column_letter(len(raw))
            raise _rejected_sheet(title, "workbook.too_many_columns", cell=f"{letter}{number}",
                                  limit=limits.max_columns)
        cells += len(raw)
        if cells > limits.max_cells:
            raise _rejected_sheet(title, "workbook.too_many_cells", cells=cells,
                                  limit=limits.max_cells)
        values = _trimmed(_clean(v) for v in raw)
        if values:
            yield number, values


def _formulas_without_value(xml: bytes) -> set[tuple[int, int]]:
    """(row, column) of every formula cell with no cached value: a file written by a
    program that does not calculate (openpyxl, some exporters) and never opened in Excel."""
    found: set[tuple[int, int]] = set()
    row = column = 0
    for event, element in iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                r = element.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                column = 0
            continue
        if tag == "c":
            ref = element.get("r")
            if ref:
                letters, row = coordinate_from_string(ref)
                column = column_index_from_string(letters)
            else:
                column += 1
            formula = value = None
            for child in element:
                name = child.tag.rpartition("}")[2]
                if name == "f":
                    formula = child
                elif name == "v":
                    value = child
            # An empty <v/> is a value only for a text result ("" is a valid result).
            if formula is not None and (value is None or (
                    not value.text and element.get("t") != "str")):
                found.add((row, column))
        elif tag == "row":
            element.clear()
        elif tag == "sheetData":
            break
    return found


# --------------------------------------------------------------------------- .csv


def _read_csv(data: bytes, header_hint: HeaderHint, limits: Limits) -> list[Table]:
    file_warnings: list[CellProblem] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16")
    elif b"\x00" in data[:65536]:
        raise _rejected("workbook.not_text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            file_warnings.append(CellProblem("warning", "workbook.csv_encoding", None, None, {}))
    first_line, _, rest = text.partition("\n")
    sep = _SEP_LINE.fullmatch(first_line)
    null = text.find("\x00")
    if null >= 0:  # anywhere, not only in the first 64 KB sniffed above
        line = text.count("\n", 0, null) + (0 if sep else 1)
        column = null - text.rfind("\n", 0, null)
        raise _rejected_csv("workbook.null_byte", str(max(line, 1)), column=column)
    if sep:  # Excel hides the line, so rows are numbered from the next one
        delimiter, text = sep.group(1), rest
    else:
        delimiter = _detect_delimiter(text)
    rows: list[tuple[int, list[object]]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            values = _trimmed(_clean(v) for v in record)
            if not values:
                continue
            if number > limits.max_rows:
                raise _rejected_csv("workbook.too_many_rows", f"A{number}", limit=limits.max_rows)
            if len(values) > limits.max_columns:
                raise _rejected_csv("workbook.too_many_columns",
                                    f"{get_column_letter(len(values))}{number}",
                                    limit=limits.max_columns)
            cells += len(values)
            if cells > limits.max_cells:
                raise _rejected("workbook.too_many_cells", cells=cells, limit=limits.max_cells)
            rows.append((number, values))
    except csv.Error as error:
        raise _rejected_csv("workbook.csv_unreadable", str(number + 1),
                            detail=_short(error)) from error
    table = _build_table(None, rows, header_hint, [], set(), file_warnings)
    if table is None:
        raise _rejected("workbook.no_data")
    return [table]


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _rejected("workbook.not_text") from error


def _detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most rows of the same width."""
    lines = text[:65536].splitlines(keepends=True)[:50]
    best, best_score = _CSV_DELIMITERS[0], (0, 0)
    for delimiter in _CSV_DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)
                      if len(r) > 1 and any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


# --------------------------------------------------------------------------- tables


def _build_table(sheet: str | None, rows: Iterable[tuple[int, list[object]]],
                 header_hint: HeaderHint, merges: list[tuple[int, int, int, int]],
                 formulas_without_value: set[tuple[int, int]],
                 file_warnings: list[CellProblem]) -> Table | None:
    """The table below the best header row, or None when the rows are all empty."""
    all_rows = list(rows)
    if not all_rows:
        return None
    candidates = all_rows[:HEADER_SCAN_ROWS]
    by_number = {number: values for number, values in candidates}
    filled = {number: _fill_merges(number, values, merges, by_number)
              for number, values in candidates}

    def score(item: tuple[int, list[object]]) -> tuple[int, int]:
        number, _ = item
        cells = [normalise_text(v) for v in filled[number]]
        return header_hint(cells), len({c for c in cells if c})  # a merged title counts once

    scored = [(score(item), i) for i, item in enumerate(candidates)]
    best_hint = max(hint for (hint, _), _ in scored)
    if best_hint > 0:
        chosen = next(i for (hint, _), i in scored if hint == best_hint)
    else:
        most = max(filled_count for (_, filled_count), _ in scored)
        chosen = next(i for (_, filled_count), i in scored if filled_count == most)
    header_row = candidates[chosen][0]
    header_values = filled[header_row]
    data_rows = [(n, v) for n, v in all_rows if n > header_row]
    width = max([len(header_values), *(len(v) for _, v in data_rows)])
    problems = list(file_warnings)
    for row_number, values in [(header_row, header_values), *data_rows]:
        for index, value in enumerate(values):
            if isinstance(value, str) and value in EXCEL_ERRORS:
                values[index] = None
                problems.append(CellProblem(
                    "error", "workbook.excel_error", sheet,
                    f"{get_column_letter(index + 1)}{row_number}", {"value": value}))
    for row_number, column in sorted(formulas_without_value):
        if row_number >= header_row:
            problems.append(CellProblem("error", "workbook.formula_no_value", sheet,
                                        f"{get_column_letter(column)}{row_number}", {}))
    width = max(width, *(c for r, c in formulas_without_value if r >= header_row), 0)
    return Table(
        sheet=sheet,
        header_row=header_row,
        headers=[_display_text(v) for v in _padded(header_values, width)],
        letters=[get_column_letter(i + 1) for i in range(width)],
        rows=[(n, _padded(v, width)) for n, v in data_rows],
        problems=problems,
    )


def _fill_merges(number: int, values: list[object], merges: list[tuple[int, int, int, int]],
                 by_number: dict[int, list[object]]) -> list[object]:
    """Row ``number`` with each merged range across it showing the range's value
    (Excel keeps it in the top-left cell only)."""
    out = list(values)
    for min_col, min_row, max_col, max_row in merges:
        if not min_row <= number <= max_row:
            continue
        top_left = by_number.get(min_row, [])
        value = top_left[min_col - 1] if min_col <= len(top_left) else None
        if value is None:
            continue
        max_col = min(max_col, MAX_COLUMNS)
        if len(out) < max_col:
            out.extend([None] * (max_col - len(out)))
        out[min_col - 1:max_col] = [value] * (max_col - min_col + 1)
    return out


def _clean(value: object) -> object:
    """Text stripped (None when blank); everything else as the reader gave it."""
    if isinstance(value, str):
        text = value.strip().strip("\u200b\ufeff").strip()
        return text or None
    return value


def _trimmed(values: Iterable[object]) -> list[object]:
    out = list(values)
    while out and out[-1] is None:
        out.pop()
    return out


def _padded(values: list[object], width: int) -> list[object]:
    return values + [None] * (width - len(values))


# --------------------------------------------------------------------------- problems


def _sheet_ref(sheet: str) -> str:
    """The sheet as Excel writes it in a reference: quoted unless a plain name."""
    if re.fullmatch(r"[^\W\d]\w*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


def sheet_reference(sheet: str | None, cell: str) -> str:
    """Where a cell is, as Excel writes it: ``Risposte!D7``, ``'Foglio 1'!D7``; a CSV
    (no sheet): ``D7``."""
    return f"{_sheet_ref(sheet)}!{cell}" if sheet else cell


def _megabytes(size: int) -> int:
    return max(1, math.ceil(size / (1024 * 1024)))


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _rejected(code: str, **params: object) -> FileRejected:
    return FileRejected([CellProblem("error", code, None, None, params)])


def _rejected_sheet(sheet: str, code: str, cell: str | None = None,
                    **params: object) -> FileRejected:
    return FileRejected([CellProblem("error", code, sheet, cell, params)])


def _rejected_csv(code: str, cell: str, **params: object) -> FileRejected:
    return FileRejected([CellProblem("error", code, None, cell, params)])
