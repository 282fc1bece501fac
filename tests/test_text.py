"""The one text normaliser and the one number parser (metrodigital.text): their rules, and
that a matrix file and a responses file read the same cell the same way."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pytest
from openpyxl import load_workbook

from metrodigital import questionnaire, workbook
from metrodigital.criteria import criterion_keys, load_criteria
from metrodigital.ingest import Preview, prepare
from metrodigital.params import parse_weight_overrides
from metrodigital.paths import DATA_DIR
from metrodigital.surveys import loader, model
from metrodigital.territory import normalise_name
from metrodigital.text import normalise_text, parse_number

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"
ICT_QUESTION = "3.2"  # "Quanti dipendenti ... (personale ICT)?", a number answer

ACCEPTED: list[tuple[object, float]] = [
    # numbers from Excel
    (12, 12.0), (12.5, 12.5), (0, 0.0), (Decimal("2.5"), 2.5), (np.int64(7), 7.0),
    (np.float64(1.5), 1.5),
    # one separator: the decimal one, whichever it is
    ("12", 12.0), (" 12 ", 12.0), ("12,5", 12.5), ("12.5", 12.5), ("12,0", 12.0),
    ("1234,5", 1234.5), ("1.234", 1.234), ("1,234", 1.234), (",5", 0.5), ("5,", 5.0),
    # Italian and English thousands, unambiguous
    ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("1.234.567,89", 1234567.89),
    ("1,234.5", 1234.5), ("1,234,567", 1234567.0),
    # spaces and apostrophes as thousands separators
    ("1 234", 1234.0), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5),
    ("1\u2009234", 1234.0), ("1'234,5", 1234.5),
    # signs and exponents
    ("+2,0", 2.0), ("-3", -3.0), ("\u22123", -3.0), ("- 3,5", -3.5), ("1,5e3", 1500.0),
    ("2E-1", 0.2),
]

REJECTED: list[object] = [
    "", "  ", "abc", "12 punti", "€ 12", "12%", "1.2.3", "1.2.3,4,5", "1,234,5", "1.234.5",
    "12 5", "1 23", "1.23.456", "1,23,456", "nan", "inf", "-inf", "1e999", "-", "+",
    "1_000", "0x10", "1.5.",
    float("nan"), float("inf"), True, False, np.bool_(True), None, datetime(2024, 1, 1),
    date(2024, 1, 1), [1], object(),
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED, ids=repr)
def test_parse_number_accepts(raw: object, expected: float) -> None:
    assert parse_number(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", REJECTED, ids=repr)
def test_parse_number_rejects(raw: object) -> None:
    assert parse_number(raw) is None


def test_there_is_one_normaliser_and_one_parser() -> None:
    """The old names still import, and they are the same functions."""
    assert workbook.normalise_text is questionnaire.normalise_text is normalise_text
    assert loader.normalise_text is model.normalise_text is normalise_text
    assert workbook.parse_number is questionnaire.parse_number is parse_number


@pytest.mark.parametrize(("a", "b"), [
    ("  Nome  dell’Ente\u00a0\n", "nome dell'ente"),
    ("Nome dell´Ente", "nome dell'ente"),  # an acute accent used as an apostrophe
    ("Nome dellʼEnte", "nome dell'ente"),
    ("dell ' Ente", "dell'ente"),
    ("CITTÀ", "citta"),
    ("Sezione 1 – Anagrafica", "sezione 1 - anagrafica"),
    ("«Servizi»", '"servizi"'),
    ("Sì, parzialmente.", "si, parzialmente"),
    ("Sì ,parzialmente", "si, parzialmente"),
    ("SPID ( identità digitale )", "spid (identita digitale)"),
    ("Punteggio\u200bfinale", "punteggiofinale"),
    (2022.0, "2022"),
    (None, ""),
    (datetime(2023, 3, 21), "2023-03-21"),
])
def test_normalise_text(a: object, b: str) -> None:
    assert normalise_text(a) == b


def test_entity_names_use_the_same_normaliser() -> None:
    assert normalise_name("Comune di Mazzè (TO)") == normalise_name("MAZZE") == "mazze"
    assert normalise_name("Sant´Antonino di Susa") == normalise_name("Sant'Antonino di Susa")


def test_cli_weights_use_the_same_parser() -> None:
    assert parse_weight_overrides("servizi=2.5,pop=\u22120") == {"servizi": 2.5,
                                                                "popolazione": 0.0}
    with pytest.raises(ValueError, match="non è un numero"):
        parse_weight_overrides("servizi=inf")


# ------------------------------------------------------------ the same cell in both formats

# (spelling written in the cell, the number both readers must see; None = an error)
SPELLINGS: list[tuple[str, float | None]] = [
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234,5", 1234.5), ("1234,5", 1234.5),
    ("12,0", 12.0), ("12", 12.0), ("+3", 3.0), ("1.234", 1.234), ("1,5e3", 1500.0),
    ("1.2.3", None), ("12 punti", None), ("1,234,5", None),
]


def _seed_rows() -> list[list[str]]:
    lines = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8").splitlines()
    return [[r["ente"], *(r[k] for k in criterion_keys())] for r in csv.DictReader(lines)]


def _matrix_csv(spellings: list[str]) -> tuple[bytes, list[str]]:
    """The seed matrix as an Italian CSV (";"), the first criterion of the first rows
    written in ``spellings``; also the names of those rows' entities."""
    rows = _seed_rows()
    for row, spelling in zip(rows, spellings, strict=False):
        row[1] = spelling
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Comune", *(c.source_heading for c in load_criteria())])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), [r[0] for r in rows[:len(spellings)]]


def _responses_xlsx(spellings: list[str]) -> tuple[bytes, list[str], str]:
    """The synthetic example with the ICT-staff answer of the first entities written in
    ``spellings`` (as text); also those entities' names and the answer column's letter."""
    book = load_workbook(EXAMPLE)
    sheet = book["Risposte"]
    headers = [c.value for c in sheet[2]]
    column = next(i for i, h in enumerate(headers, start=1) if h and "personale ICT" in h)
    entity = next(i for i, h in enumerate(headers, start=1) if h == "Denominazione dell'Ente")
    names = []
    for row, spelling in enumerate(spellings, start=3):
        sheet.cell(row=row, column=column).value = spelling
        names.append(str(sheet.cell(row=row, column=entity).value))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), names, sheet.cell(row=2, column=column).column_letter


def _error_rows(preview: Preview) -> set[int]:
    return {int(re.sub(r"\D", "", p.cell or "0")) for p in preview.problems
            if p.severity == "error"}


def test_a_matrix_file_and_a_responses_file_read_a_number_the_same_way() -> None:
    """"1.234,5" is 1234.5 in a matrix cell and in a number answer alike (it used to be an
    error in a responses file), and what one rejects the other rejects."""
    spellings = [s for s, _ in SPELLINGS]
    data, matrix_names = _matrix_csv(spellings)
    matrix = prepare(data, "matrice.csv")
    assert matrix.format == "matrix"
    first = load_criteria()[0].key
    from_matrix = dict(zip(matrix.matrix["ente"], matrix.matrix[first], strict=True))

    data, response_names, letter = _responses_xlsx(spellings)
    responses = prepare(data, "risposte.xlsx")
    assert responses.format == "responses"
    assert responses.answers is not None
    ict = responses.answers[responses.answers["question_id"] == ICT_QUESTION]
    from_responses = dict(zip(ict["ente"], ict["answer"], strict=True))

    for offset, (spelling, expected) in enumerate(SPELLINGS):
        matrix_row, response_row = offset + 2, offset + 3  # below each file's header
        if expected is None:
            assert matrix_names[offset] not in from_matrix, spelling
            assert matrix_row in _error_rows(matrix), spelling
            assert response_row in _error_rows(responses), spelling
            bad = next(p for p in responses.problems if p.cell == f"{letter}{response_row}")
            assert spelling in bad.message("it")
            continue
        assert from_matrix[matrix_names[offset]] == pytest.approx(expected), spelling
        assert float(from_responses[response_names[offset]]) == pytest.approx(expected), \
            spelling
    assert not (_error_rows(matrix) - {i + 2 for i, (_, e) in enumerate(SPELLINGS)
                                       if e is None})


def test_number_answers_written_the_italian_way_keep_the_seed_scores() -> None:
    """The synthetic example with its ICT-staff counts written as Italian text ("4,0",
    "1.234,5") still reproduces the seed matrix: the counts still fall in their bands."""
    book = load_workbook(EXAMPLE)
    sheet = book["Risposte"]
    headers = [c.value for c in sheet[2]]
    column = next(i for i, h in enumerate(headers, start=1) if h and "personale ICT" in h)
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(cell.value, int | float):
            cell.value = "1.234,5" if cell.value >= 10 else f"{cell.value:.1f}".replace(".", ",")
    out = io.BytesIO()
    book.save(out)
    preview = prepare(out.getvalue(), "risposte.xlsx")
    assert not preview.problems
    original = prepare(EXAMPLE.read_bytes(), "risposte.xlsx")
    keys = list(criterion_keys())
    assert (preview.matrix[keys] == original.matrix[keys]).all().all()
