"""Reading uploaded spreadsheets: a corpus of messy and hostile files, each with the
exact problem (code and place) it must give. Every file is built here, in memory."""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from metrodigital import workbook
from metrodigital.i18n import catalogue
from metrodigital.workbook import (
    CellProblem,
    FileRejected,
    Limits,
    Table,
    neutralise_for_export,
    normalise_text,
    parse_number,
    read_workbook,
)

KNOWN = {"ente", "nome dell'ente", "infrastrutture", "servizi", "punteggio finale", "citta"}


def hint(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell in KNOWN)


def xlsx(build: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Foglio1"
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, patch: Callable[[str, bytes], bytes | None],
          extra: dict[str, bytes] | None = None) -> bytes:
    """``data`` with each member replaced by ``patch(name, content)`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = patch(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_xml(replace: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, content: replace(content) if name == "xl/worksheets/sheet1.xml" \
        else content


def read(data: bytes, filename: str = "risposte.xlsx", **kwargs: object) -> list[Table]:
    return read_workbook(data, filename, header_hint=hint, **kwargs)  # type: ignore[arg-type]


def rejected(data: bytes, filename: str = "risposte.xlsx", **kwargs: object) -> CellProblem:
    with pytest.raises(FileRejected) as caught:
        read(data, filename, **kwargs)
    [problem] = caught.value.problems
    assert problem.severity == "error"
    return problem


def simple_matrix(book: openpyxl.Workbook) -> None:
    sheet = book.active
    sheet.append(["Ente", "Infrastrutture", "Servizi"])
    sheet.append(["Ivrea", 3, 5])
    sheet.append(["Chieri", 2, 4])


# --------------------------------------------------------------------------- tolerant reading


def test_title_rows_extra_columns_and_header_spelling_are_tolerated() -> None:
    def build(book: openpyxl.Workbook) -> None:
        sheet = book.active
        sheet.append(["Questionario maturità digitale 2024"])
        sheet.append(["Esportato da Microsoft Forms", None, "12/03/2024"])
        sheet.append(["ID", "  NOME DELL’ENTE ", "Città", "INFRASTRUTTURE\u00a0", "Note"])
        sheet.append([1, "Ivrea", "Ivrea", "12,5", "ok"])
        sheet.append([2, "Unione Comuni Collinari", "Chieri", " 3 ", None])

    [table] = read(xlsx(build))
    assert table.sheet == "Foglio1"
    assert table.header_row == 3
    assert table.headers == ["ID", "NOME DELL’ENTE", "Città", "INFRASTRUTTURE", "Note"]
    assert [normalise_text(h) for h in table.headers][1:4] == [
        "nome dell'ente", "citta", "infrastrutture"]
    assert table.letters == ["A", "B", "C", "D", "E"]
    assert table.rows == [(4, [1, "Ivrea", "Ivrea", "12,5", "ok"]),
                          (5, [2, "Unione Comuni Collinari", "Chieri", "3", None])]
    assert [parse_number(v) for _, (*_, v, _) in table.rows] == [12.5, 3.0]
    assert table.problems == []


def test_without_a_known_column_the_fullest_early_row_is_the_header() -> None:
    def build(book: openpyxl.Workbook) -> None:
        book.active.append(["Titolo"])
        book.active.append(["Colonna 1", "Colonna 2"])
        book.active.append(["a", "b"])

    [table] = read(xlsx(build))
    assert table.header_row == 2
    assert table.headers == ["Colonna 1", "Colonna 2"]


def test_a_merged_title_is_not_taken_for_the_header() -> None:
    def build(book: openpyxl.Workbook) -> None:
        sheet = book.active
        sheet["A1"] = "Rilevazione 2024"
        sheet.merge_cells("A1:F1")
        sheet.append(["Colonna 1", "Colonna 2"])
        sheet.append(["a", "b"])

    [table] = read(xlsx(build))
    assert (table.header_row, table.headers) == (2, ["Colonna 1", "Colonna 2"])


def test_damaged_parts_are_reported_as_a_damaged_file() -> None:
    data = bytearray(xlsx(simple_matrix))
    start = data.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    data[start + 40:start + 60] = b"\xff" * 20  # inside the compressed sheet: bad CRC/inflate
    assert rejected(bytes(data)).code == "workbook.corrupt"


def test_merged_header_cells_fill_their_span_but_data_cells_do_not() -> None:
    def build(book: openpyxl.Workbook) -> None:
        sheet = book.active
        sheet["A1"] = "Rilevazione 2024"
        sheet.merge_cells("A1:D1")
        sheet["A2"] = "Ente"  # vertical merge over the two header rows
        sheet.merge_cells("A2:A3")
        sheet["B3"] = "Servizi"
        sheet.merge_cells("B3:C3")
        sheet["D3"] = "Infrastrutture"
        sheet.append(["Ivrea", 1, 2, 3])
        sheet["B5"] = "uniti"
        sheet.merge_cells("B5:C5")
        sheet.append(["Chieri", None, None, 4])

    [table] = read(xlsx(build))
    assert table.header_row == 3
    assert table.headers == ["Ente", "Servizi", "Servizi", "Infrastrutture"]
    assert table.rows == [(4, ["Ivrea", 1, 2, 3]), (5, [None, "uniti", None, None]),
                          (6, ["Chieri", None, None, 4])]


def test_empty_trailing_rows_and_columns_dropped_values_passed_through() -> None:
    def build(book: openpyxl.Workbook) -> None:
        sheet = book.active
        sheet.append(["Ente  ", "Servizi", "Data", "Confermato", None, "   "])
        sheet.append(["  Ivrea ", 2.5, datetime(2024, 3, 12), True, None, " "])
        sheet.append([None, None, None, None, None, "  "])
        sheet.append(["Chieri", "\u00a0", None, False])
        for row in range(5, 40):
            sheet.cell(row=row, column=8).number_format = "0.00"  # formatted, empty
            sheet.cell(row=row, column=1, value="   ")

    [table] = read(xlsx(build))
    assert table.headers == ["Ente", "Servizi", "Data", "Confermato"]
    assert table.rows == [(2, ["Ivrea", 2.5, datetime(2024, 3, 12), True]),
                          (4, ["Chieri", None, None, False])]


def test_every_sheet_with_data_is_a_table() -> None:
    def build(book: openpyxl.Workbook) -> None:
        simple_matrix(book)
        book.create_sheet("Vuoto")
        other = book.create_sheet("Risposte modulo 1")
        other.append(["Servizi", "Ente"])
        other.append([1, "Ivrea"])

    tables = read(xlsx(build))
    assert [(t.sheet, t.header_row, len(t.rows)) for t in tables] == [
        ("Foglio1", 1, 2), ("Risposte modulo 1", 1, 1)]


def test_extra_data_beyond_the_header_keeps_its_column_with_an_empty_header() -> None:
    def build(book: openpyxl.Workbook) -> None:
        simple_matrix(book)
        book.active["E3"] = "nota a margine"

    [table] = read(xlsx(build))
    assert table.headers == ["Ente", "Infrastrutture", "Servizi", "", ""]
    assert table.rows[1] == (3, ["Chieri", 2, 4, None, "nota a margine"])


# --------------------------------------------------------------------------- formulas and errors


def with_formulas(book: openpyxl.Workbook) -> None:
    sheet = book.active
    sheet.append(["Ente", "Infrastrutture", "Servizi", "Punteggio finale"])
    sheet.append(["Ivrea", 3, 5, "=B2*3+C2*5"])
    sheet.append(["Chieri", 2, 4, "=B3*3+C3*5"])


def test_formula_with_cached_value_gives_the_value() -> None:
    cached = rezip(xlsx(with_formulas), sheet_xml(
        lambda x: x.replace(b"<f>B2*3+C2*5</f><v />", b"<f>B2*3+C2*5</f><v>34</v>")
                   .replace(b"<f>B3*3+C3*5</f><v />", b"<f>B3*3+C3*5</f><v>26</v>")))
    [table] = read(cached)
    assert [values[3] for _, values in table.rows] == [34, 26]
    assert table.problems == []


def test_formula_without_cached_value_is_an_error_at_its_cell() -> None:
    data = rezip(xlsx(with_formulas), sheet_xml(
        lambda x: x.replace(b"<f>B2*3+C2*5</f><v />", b"<f>B2*3+C2*5</f><v>34</v>")))
    [table] = read(data)
    assert table.rows[1] == (3, ["Chieri", 2, 4, None])
    [problem] = table.problems
    assert (problem.severity, problem.code, problem.place()) == (
        "error", "workbook.formula_no_value", "Foglio1!D3")
    assert problem.message("it") == ("Foglio1!D3: formula senza valore calcolato: aprire e "
                                     "salvare il file in Excel, poi ricaricarlo")


def test_a_calculated_empty_text_is_a_value() -> None:
    data = rezip(xlsx(with_formulas), sheet_xml(lambda x: x.replace(
        b'<c r="D2"><f>B2*3+C2*5</f><v /></c>', b'<c r="D2" t="str"><f>""</f><v></v></c>')
        .replace(b"<f>B3*3+C3*5</f><v />", b"<f>B3*3+C3*5</f><v>26</v>")))
    assert read(data)[0].problems == []


def test_excel_error_values_are_errors_at_their_cell() -> None:
    def build(book: openpyxl.Workbook) -> None:
        simple_matrix(book)
        book.active["C3"] = "#DIV/0!"

    [table] = read(xlsx(build))
    assert table.rows[1] == (3, ["Chieri", 2, None])
    [problem] = table.problems
    assert (problem.code, problem.place(), problem.params) == (
        "workbook.excel_error", "Foglio1!C3", {"value": "#DIV/0!"})


def test_sheet_names_are_quoted_as_excel_does() -> None:
    def build(book: openpyxl.Workbook) -> None:
        with_formulas(book)
        book.active.title = "Risposte modulo 1"

    places = [problem.place() for problem in read(xlsx(build))[0].problems]
    assert places == ["'Risposte modulo 1'!D2", "'Risposte modulo 1'!D3"]


# --------------------------------------------------------------------------- hostile workbooks


def test_oversize_file_is_refused_before_anything_else() -> None:
    problem = rejected(b"PK\x03\x04" + b"\0" * workbook.MAX_BYTES)
    assert (problem.code, problem.place()) == ("workbook.too_large", "")
    assert problem.message("it") == (
        "Il file pesa 11 MB, il massimo è 10 MB: caricare solo il foglio con le risposte, "
        "senza immagini")
    small = rejected(xlsx(simple_matrix), limits=Limits(max_bytes=1000))
    assert small.code == "workbook.too_large"


def test_macro_workbooks_are_refused() -> None:
    assert rejected(xlsx(simple_matrix), "risposte.xlsm").code == "workbook.macros"
    hidden = rezip(xlsx(simple_matrix), lambda name, content: content,
                   {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert rejected(hidden).code == "workbook.macros"


def test_not_a_zip_named_xlsx_is_refused() -> None:
    problem = rejected(b"Ente;Servizi\nIvrea;3\n", "risposte.xlsx")
    assert (problem.code, problem.place()) == ("workbook.not_a_workbook", "")
    truncated = xlsx(simple_matrix)[:2000]
    assert rejected(truncated).code == "workbook.not_a_workbook"


def test_old_xls_and_password_protected_files_are_explained() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert rejected(ole, "risposte.xls").code == "workbook.xls_or_encrypted"
    assert rejected(ole, "risposte.xlsx").code == "workbook.xls_or_encrypted"


def test_ods_and_unknown_formats_are_refused_clearly() -> None:
    assert rejected(b"PK\x03\x04...", "risposte.ods").code == "workbook.ods_unsupported"
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert rejected(ods.getvalue(), "risposte.xlsx").code == "workbook.ods_unsupported"
    problem = rejected(b"%PDF-1.7", "risposte.pdf")
    assert problem.params == {"suffix": ".pdf"}


def forbid_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not see this file")

    monkeypatch.setattr(workbook, "load_workbook", fail)


def test_zip_bomb_by_compression_ratio_is_refused_before_openpyxl(
        monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_openpyxl(monkeypatch)
    bomb = rezip(xlsx(simple_matrix), sheet_xml(lambda x: x + b" " * (8 * 1024 * 1024)))
    assert len(bomb) < 100_000
    problem = rejected(bomb)
    assert (problem.code, problem.place()) == ("workbook.compression_ratio", "")
    assert problem.params["part"] == "xl/worksheets/sheet1.xml"


def test_zip_bomb_by_total_size_is_refused_before_openpyxl(
        monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_openpyxl(monkeypatch)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(workbook.MAX_UNCOMPRESSED // len(chunk) + 1):
            member.write(chunk)
    problem = rejected(buffer.getvalue())
    assert problem.code == "workbook.uncompressed_too_large"
    assert problem.params == {"size": 51, "limit": 50}


def test_xml_with_a_dtd_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_openpyxl(monkeypatch)
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><worksheet/>'
    data = rezip(xlsx(simple_matrix), sheet_xml(lambda x: laughs))
    assert rejected(data).params == {"part": "xl/worksheets/sheet1.xml"}


def test_huge_declared_dimension_is_refused_before_reading_rows() -> None:
    data = rezip(xlsx(simple_matrix), sheet_xml(
        lambda x: x.replace(b'<dimension ref="A1:C3" />', b'<dimension ref="A1:XFD1048576" />')))
    problem = rejected(data)
    assert (problem.code, problem.place()) == ("workbook.sheet_too_big", "Foglio1")
    assert problem.params["rows"] == 1048576


def test_lying_dimension_is_caught_while_reading() -> None:
    far_cell = rezip(xlsx(simple_matrix), sheet_xml(lambda x: x.replace(
        b"</row></sheetData>", b'<c r="XFD3" t="n"><v>1</v></c></row></sheetData>')))
    problem = rejected(far_cell)
    assert (problem.code, problem.place()) == ("workbook.too_many_columns", "Foglio1!XFD3")
    far_row = rezip(xlsx(simple_matrix), sheet_xml(lambda x: x.replace(
        b"</sheetData>", b'<row r="200000"><c r="A200000" t="n"><v>1</v></c></row></sheetData>')))
    problem = rejected(far_row)
    assert (problem.code, problem.place()) == ("workbook.too_many_rows", "Foglio1!A200000")


def test_too_many_cells_are_refused_from_the_raw_xml() -> None:
    problem = rejected(xlsx(simple_matrix), limits=Limits(max_cells=5))
    assert (problem.code, problem.place(), problem.params) == (
        "workbook.too_many_cells", "Foglio1", {"cells": 9, "limit": 5})


def test_external_links_are_not_followed_and_said() -> None:
    data = rezip(xlsx(simple_matrix), lambda name, content: content,
                 {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    [table] = read(data)
    [problem] = table.problems
    assert (problem.severity, problem.code, problem.place()) == (
        "warning", "workbook.external_links", "")


def test_empty_file_and_file_without_data() -> None:
    assert rejected(b"").code == "workbook.empty_file"
    assert rejected(xlsx(lambda book: None)).code == "workbook.no_data"
    assert rejected(b"\n ; ;\n\n", "vuoto.csv").code == "workbook.no_data"


# --------------------------------------------------------------------------- CSV


def test_italian_semicolon_csv_with_decimal_commas() -> None:
    text = "Rilevazione 2024;;\nEnte;Servizi;Infrastrutture\nIvrea;12,5;3\nChieri;1.234,5;4\n\n"
    [table] = read(text.encode("utf-8"), "risposte.csv")
    assert (table.sheet, table.header_row, table.headers) == (
        None, 2, ["Ente", "Servizi", "Infrastrutture"])
    assert table.rows == [(3, ["Ivrea", "12,5", "3"]), (4, ["Chieri", "1.234,5", "4"])]
    assert table.problems == []


def test_comma_csv_with_bom_and_quoted_decimal_commas() -> None:
    text = '\ufeffEnte,Servizi,Note\r\nIvrea,"12,5","a, b"\r\nChieri,3,\r\n'
    [table] = read(text.encode("utf-8"), "export.csv")
    assert table.headers == ["Ente", "Servizi", "Note"]
    assert table.rows == [(2, ["Ivrea", "12,5", "a, b"]), (3, ["Chieri", "3", None])]


def test_cp1252_csv_is_read_with_a_warning() -> None:
    data = "Città;Servizi\nSan Raffaele Cimena;2\nCollegno;3\n".encode("cp1252")
    [table] = read(data, "risposte.csv")
    assert table.headers == ["Città", "Servizi"]
    [problem] = table.problems
    assert (problem.severity, problem.code, problem.place()) == (
        "warning", "workbook.csv_encoding", "")
    assert problem.message("en").startswith("The CSV file is not UTF-8")


def test_excel_sep_line_and_utf16_csv() -> None:
    [table] = read(b"sep=,\nEnte,Servizi\nIvrea,2\n", "risposte.csv")
    assert table.rows == [(2, ["Ivrea", "2"])]
    [table] = read("Ente\tServizi\nIvrea\t2\n".encode("utf-16"), "risposte.txt")
    assert table.rows == [(2, ["Ivrea", "2"])]


def test_csv_problems_use_spreadsheet_references() -> None:
    [table] = read(b"Ente;Servizi\nIvrea;#N/A\n", "risposte.csv")
    [problem] = table.problems
    assert (problem.sheet, problem.cell, problem.place()) == (None, "B2", "B2")
    problem = rejected(b"Ente;Servizi\nIvrea;2\nChieri;3;4;5\n", "r.csv",
                       limits=Limits(max_columns=3))
    assert (problem.code, problem.place()) == ("workbook.too_many_columns", "D3")
    binary = rejected(b"Ente\0\0\0", "r.csv")
    assert binary.code == "workbook.not_text"


@pytest.mark.parametrize("sep_line", [b"", b"sep=;\n"], ids=["plain", "excel-sep-line"])
def test_a_null_byte_anywhere_in_a_csv_is_refused_with_its_row(sep_line: bytes) -> None:
    """Only the first 64 KB used to be checked: a NUL further down went into a name."""
    lines = [b"Ente;Servizi"] + [f"Comune {i};{i % 5}".encode() for i in range(8000)]
    row = 7000  # far beyond the first 64 KB
    lines[row - 1] = b"Comune\x00 6999;3"
    data = sep_line + b"\n".join(lines) + b"\n"
    assert data.index(b"\x00") > 65536
    problem = rejected(data, "risposte.csv")
    assert problem.code == "workbook.null_byte"
    assert problem.place("it") == f"riga {row}"
    assert problem.message("en").startswith(f"row {row}: holds a null character (byte 0) at "
                                            "character 7 of the row")


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(("raw", "expected"), [
    (12, 12.0), (12.0, 12.0), ("12", 12.0), (" 12 ", 12.0), ("12,5", 12.5), ("12.5", 12.5),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234", 1234.0), ("1\u00a0234,5", 1234.5),
    ("1.234.567", 1234567.0), ("1,234,567", 1234567.0), ("-3", -3.0), ("\u22123", -3.0),
    ("+2,0", 2.0), (",5", 0.5), ("1,5e3", 1500.0), ("0", 0.0),
    ("", None), ("  ", None), ("abc", None), ("12 punti", None), ("1.2.3,4,5", None),
    ("12 5", None), ("nan", None), ("inf", None), (float("nan"), None), (True, None),
    (None, None), (datetime(2024, 1, 1), None), ("1e999", None), ("-", None),
])
def test_parse_number(raw: object, expected: float | None) -> None:
    assert parse_number(raw) == expected


def test_normalise_text() -> None:
    assert normalise_text("  Nome  dell’Ente\u00a0\n") == "nome dell'ente"
    assert normalise_text("CITTÀ") == normalise_text("citta") == "citta"
    assert normalise_text("Sezione 1 – Anagrafica") == "sezione 1 - anagrafica"
    assert normalise_text("«Servizi»") == '"servizi"'
    assert normalise_text(None) == ""
    assert normalise_text(2022.0) == "2022"


@pytest.mark.parametrize("text", ["=1+1", "+39 011", "-2", "@SUM(A1)", "\tx", "\rx",
                                  "=HYPERLINK(\"http://x\")"])
def test_formula_like_text_is_neutralised_for_export(text: str) -> None:
    assert neutralise_for_export(text) == "'" + text


def test_other_values_are_left_alone_for_export() -> None:
    for value in ["Ivrea", "", "12,5", 3, -2.5, None, True]:
        assert neutralise_for_export(value) == value


def test_places_and_messages() -> None:
    def problem(sheet: str | None, cell: str | None) -> CellProblem:
        return CellProblem("error", "workbook.formula_no_value", sheet, cell, {})

    assert problem("Foglio1", "D7").place() == "Foglio1!D7"
    assert problem("L'elenco", "D7").place() == "'L''elenco'!D7"
    assert problem(None, "D7").place() == "D7"
    assert problem(None, "7").place("it") == "riga 7"
    assert problem(None, "7").place("en") == "row 7"
    assert problem("Foglio1", "7").place() == "Foglio1, riga 7"
    assert problem("Foglio1", "D").place() == "Foglio1, colonna D"
    assert problem("Foglio1", None).place() == "Foglio1"
    assert problem(None, None).message("en") == (
        "Formula with no calculated value: open and save the file in Excel, then upload it "
        "again")
    error = FileRejected([problem(None, "D7")])
    assert str(error).startswith("D7: formula senza valore")


def test_every_problem_code_is_in_the_catalogue() -> None:
    source = Path(workbook.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'"(workbook\.[a-z_]+)"', source))
    assert len(codes) > 20
    assert codes <= set(catalogue())


# --------------------------------------------------------------------------- speed


def test_a_small_file_reads_in_well_under_half_a_second() -> None:
    def build(book: openpyxl.Workbook) -> None:
        sheet = book.active
        sheet.append(["Ente", "Infrastrutture", "Servizi", *[f"Domanda {i}" for i in range(27)]])
        for i in range(36):
            sheet.append([f"Comune {i}", *range(29)])

    data = xlsx(build)
    read(data)  # imports and caches warmed
    start = time.perf_counter()
    [table] = read(data)
    elapsed = time.perf_counter() - start
    assert len(table.rows) == 36
    assert elapsed < 0.25, elapsed


def test_damaged_files_are_always_rejected_never_crash() -> None:
    """Random byte damage anywhere in a workbook or CSV: read, or FileRejected."""
    rnd = random.Random(7)
    bases = [(xlsx(simple_matrix), "r.xlsx"), (xlsx(with_formulas), "r.xlsx"),
             (b"Ente;Servizi\nIvrea;12,5\n", "r.csv")]
    for _ in range(400):
        data, name = rnd.choice(bases)
        damaged = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        try:
            read(bytes(damaged), name)
        except FileRejected as error:
            assert error.problems and all(p.severity == "error" for p in error.problems)
