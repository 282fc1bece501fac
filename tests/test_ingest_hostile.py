"""Hostile and unlucky files, attacked the way users meet them: through ``validate``,
``prepare`` → ``publish`` and the command line. Nothing may crash, nothing may be
half-written, every refusal says what and where."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.ingest import ImportBlocked, prepare, preview_selection, publish
from metrodigital.paths import DATA_DIR
from metrodigital.ranking import rank
from metrodigital.store import Store
from tests.conftest import PROJECT_DIR
from tests.test_ingest import LOCAL, ME, counts, seed_rows, xlsx

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"
ENTITY_HEADER = "Denominazione dell'Ente"

# Pairs of names that read differently but would become one entity.
SAME_ENTITY = [
    pytest.param("Comune di Viù", "Viù", "Viù", id="comune-di"),
    pytest.param("Agliè", "Aglie'", "Agliè", id="accent-apostrophe"),
    pytest.param("Unione NET", "Unione Nord Est Torino", "Unione dei Comuni Nord Est Torino",
                 id="variant-same-istat"),
]
NO_LATIN = ("東京", "Москва")  # no letter a slug can keep: their ids used to be ""


def matrix_file(first: str, second: str) -> bytes:
    rows = [list(r) for r in seed_rows()[:4]]
    rows[0][0], rows[1][0] = first, second
    return xlsx([["ente", *criterion_keys()], *rows])


def responses_file(first: str, second: str) -> bytes:
    """The synthetic example with its first two respondents renamed."""
    book = load_workbook(EXAMPLE)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[2]]
    column = header.index(ENTITY_HEADER) + 1
    sheet.cell(row=3, column=column, value=first)
    sheet.cell(row=4, column=column, value=second)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrodigital", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, check=False, timeout=180,
                          env={**os.environ, "METRODIGITAL_DB": str(db)})


@pytest.mark.parametrize("build", [matrix_file, responses_file], ids=["matrix", "responses"])
@pytest.mark.parametrize(("first", "second", "official"), SAME_ENTITY)
def test_two_rows_that_would_become_one_entity_are_an_error_naming_both(
        store: Store, build, first: str, second: str, official: str) -> None:
    preview = prepare(build(first, second), "f.xlsx")
    same = [p for p in preview.errors
            if p.code == "ingest.same_entity" and p.params["ente"] == second]
    assert len(same) == 1, [p.message() for p in preview.problems]
    message = same[0].message("it")
    row = 3 if build is matrix_file else 4  # the second of the two rows
    assert message.startswith(f"{same[0].sheet}!")
    assert f"{row}: «{second}» e «{first}» della riga {row - 1}" in message
    assert official in message
    before = counts(store)
    with pytest.raises(ImportBlocked):
        publish(store, preview, name="Doppia", survey_date=None, auth=LOCAL, actor=ME,
                accept_warnings=True)
    assert counts(store) == before


@pytest.mark.parametrize("build", [matrix_file, responses_file], ids=["matrix", "responses"])
def test_names_without_latin_letters_get_keys_of_their_own_and_publish(
        store: Store, build) -> None:
    preview = prepare(build(*NO_LATIN), "f.xlsx")
    assert not preview.errors, [p.message() for p in preview.errors]
    ids = preview.matrix["entity_id"].tolist()
    assert all(ids) and len(set(ids)) == len(ids)
    preview_selection(preview, seed_weights(), 12)  # used to raise a ConstraintException
    wave = publish(store, preview, name="Nomi non latini", survey_date=None, auth=LOCAL,
                   actor=ME, accept_warnings=True)
    names = rank(store, wave.slug, seed_weights()).table["ente"].tolist()
    assert set(NO_LATIN) <= set(names)


def test_a_matched_entity_is_stored_with_its_istat_code(store: Store) -> None:
    preview = prepare(matrix_file("Comune di Rivalba", "Cuornè"), "f.xlsx")
    wave = publish(store, preview, name="Codici", survey_date=None, auth=LOCAL, actor=ME,
                   accept_warnings=True)
    codes = dict(store.cursor().execute(
        "SELECT w.name_in_source, e.istat_code FROM entities AS e JOIN wave_entities AS w "
        "USING (entity_id) WHERE w.wave_id = ?", [wave.wave_id]).fetchall())
    assert codes["Comune di Rivalba"] == "001213"
    assert codes["Cuornè"] == "001098"


@pytest.mark.parametrize("build", [matrix_file, responses_file], ids=["matrix", "responses"])
def test_the_command_line_refuses_them_too(tmp_path: Path, build) -> None:
    path = tmp_path / "doppia.xlsx"
    path.write_bytes(build("Comune di Rivalba", "Rivalba"))
    db = tmp_path / "cli.duckdb"
    checked = cli("validate", str(path), db=db)
    assert checked.returncode == 1
    assert "diventerebbero lo stesso ente (Rivalba)" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr
    imported = cli("import", str(path), "--wave", "Doppia", "--accept-warnings", db=db)
    assert imported.returncode == 1
    assert "Traceback" not in imported.stdout + imported.stderr
    path.write_bytes(build(*NO_LATIN))
    imported = cli("import", str(path), "--wave", "Non latini", "--accept-warnings", db=db)
    assert imported.returncode == 0, imported.stderr
    assert "pubblicata" in imported.stdout


def test_the_command_line_refuses_a_csv_with_a_null_byte_past_64_kb(tmp_path: Path) -> None:
    rows = [";".join(["ente", *criterion_keys()])]
    rows += [f"Comune {i};" + ";".join(["1"] * len(criterion_keys())) for i in range(4000)]
    rows[3500] = rows[3500].replace("Comune", "Com\x00une")
    path = tmp_path / "nul.csv"
    path.write_bytes("\n".join(rows).encode())
    assert path.read_bytes().index(b"\x00") > 65536
    checked = cli("validate", str(path), "--lang", "en", db=tmp_path / "cli.duckdb")
    assert checked.returncode == 1
    assert "row 3501: holds a null character" in checked.stdout
    assert "Traceback" not in checked.stdout + checked.stderr


def renamed_columns_file() -> bytes:
    """The synthetic example with questions 1.2 and 2.1 under headings nobody knows."""
    book = load_workbook(EXAMPLE)
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=8, value="Domanda rinominata A")
    sheet.cell(row=2, column=9, value="Domanda rinominata B")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_renamed_question_columns_are_said_once_and_can_be_mapped(store: Store) -> None:
    data = renamed_columns_file()
    preview = prepare(data, "r.xlsx")
    assert [p.message("it") for p in preview.problems] == [
        "Risposte: Manca la colonna della domanda 1.2",
        "Risposte: Manca la colonna della domanda 2.1"]  # not 72 lines without a place
    assert ("H", "Domanda rinominata A") in preview.ignored
    mapping = {"Domanda rinominata A": "1.2", "Domanda rinominata B": "2.1"}
    mapped = prepare(data, "r.xlsx", mapping=mapping)
    assert not mapped.problems
    assert ("H", "Domanda rinominata A") not in mapped.ignored
    clean = prepare(EXAMPLE.read_bytes(), "e.xlsx")
    assert mapped.matrix[list(criterion_keys())].equals(clean.matrix[list(criterion_keys())])
    store.save_mapping(mapped.layout, mapping)  # the next file with this layout: no question
    assert not prepare(data, "r.xlsx", remembered=store.mapping).problems


def test_many_problems_of_one_kind_are_one_line_naming_rows_and_entities() -> None:
    from metrodigital.ingest import group_problems
    from scripts.bench_import import responses_workbook

    preview = prepare(responses_workbook(500), "grande.xlsx")
    assert len(preview.warnings) == 2 * 464
    lines = group_problems(preview.warnings, "en")
    assert len(lines) == 2
    first = lines[0].splitlines()
    assert first[0].startswith("Risposte, column F: 464 rows with a problem of this kind, "
                               "for example: “Unione dei Comuni Moncalieri")
    assert first[1].strip() == ("rows 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50 "
                                "and 452 more")
    assert first[2].strip().startswith("names “Unione dei Comuni Moncalieri, Trofarello, La "
                                       "Loggia (1)”, “Comune di Rivalba (1)”")
    few = group_problems(preview.warnings[:3], "it")
    assert sorted(few) == sorted(p.message("it") for p in preview.warnings[:3])


def test_the_same_file_published_again_needs_an_acceptance(store: Store) -> None:
    from metrodigital.ingest import store_problems

    preview = prepare(matrix_file("Comune di Viù", "Agliè"), "f.xlsx")
    publish(store, preview, name="Prima", survey_date=None, auth=LOCAL, actor=ME)
    [same] = store_problems(store, preview)
    assert same.message("it").startswith(
        f"Questo stesso file (SHA-256 {preview.sha256[:12]}…) è già stato pubblicato come "
        "«Prima»")
    assert "has already been published as “Prima”:" in same.message("en")
    with pytest.raises(ImportBlocked) as blocked:
        publish(store, preview, name="Seconda", survey_date=None, auth=LOCAL, actor=ME)
    assert blocked.value.code == "ingest.warnings_not_accepted"
    publish(store, preview, name="Seconda", survey_date=None, auth=LOCAL, actor=ME,
            accept_warnings=True)
    assert store.has_wave("seconda")


def test_the_command_line_import_refuses_the_same_file_without_acceptance(
        tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    path.write_bytes(matrix_file("Comune di Viù", "Agliè"))
    db = tmp_path / "cli.duckdb"
    assert cli("import", str(path), "--wave", "Prima", db=db).returncode == 0
    again = cli("import", str(path), "--wave", "Seconda", db=db)
    assert again.returncode == 1
    assert "avvisi da accettare" in again.stderr
    assert "Traceback" not in again.stdout + again.stderr
