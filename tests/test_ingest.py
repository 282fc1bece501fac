"""Importing a matrix file: recognised by content, checked cell by cell, published atomically."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from metrodigital.criteria import criterion_keys, load_criteria, seed_weights
from metrodigital.ingest import ImportBlocked, delete_wave, prepare, preview_selection, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig, PermissionDenied
from metrodigital.store import SEED_WAVE_SLUG, Store

LOCAL = AuthConfig(server_address="localhost")
OFF = AuthConfig(server_address="0.0.0.0")
ME = Actor()


def xlsx(rows: list[list[object]], title: str = "Foglio1") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seed_rows() -> list[list[object]]:
    lines = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8").splitlines()
    import csv
    return [[r["ente"], *(int(r[k]) for k in criterion_keys())] for r in csv.DictReader(lines)]


def source_headers() -> list[str]:
    return ["Comune", *(c.source_heading for c in load_criteria())]


def counts(store: Store) -> tuple[int, ...]:
    cur = store.cursor()
    return tuple(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                 for t in ("waves", "entities", "wave_entities", "points", "answers"))


def test_the_sources_table_with_a_title_row_reproduces_the_seed_ranking(store: Store) -> None:
    data = xlsx([["La matrice di prioritizzazione"], [], source_headers(), *seed_rows()])
    preview = prepare(data, "matrice.xlsx")
    assert preview.format == "matrix"
    assert preview.header_row == 3
    assert not preview.problems
    assert len(preview.matrix) == 36
    selection = preview_selection(preview, seed_weights(), 12)
    assert selection.table["score"].iloc[0] == 252
    assert selection.n_selected == 13
    wave = publish(store, preview, name="Matrice ricaricata", survey_date=date(2023, 3, 21),
                   auth=LOCAL, actor=ME)
    assert wave.n_rows == 36 and wave.source_file == "matrice.xlsx" and len(wave.sha256) == 64
    assert wave.uploaded_by == "local user"


def test_bad_cells_are_errors_with_their_place_and_block_publishing(store: Store) -> None:
    rows = seed_rows()[:3]
    rows[1][4] = "forse"    # E4: servizi
    rows[2][2] = -3         # C5: infrastrutture
    data = xlsx([["Titolo"], ["ente", *criterion_keys()], *rows])
    preview = prepare(data, "m.xlsx")
    messages = [p.message("it") for p in preview.errors]
    assert any(m.startswith("Foglio1!E4") and "«forse» non è un numero" in m for m in messages)
    assert any(m.startswith("Foglio1!C5") and "negativo" in m for m in messages)
    before = counts(store)
    with pytest.raises(ImportBlocked) as blocked:
        publish(store, preview, name="Rotta", survey_date=None, auth=LOCAL, actor=ME)
    assert blocked.value.code == "ingest.has_errors"
    assert counts(store) == before


def test_warnings_need_an_explicit_acceptance(store: Store) -> None:
    rows = seed_rows()[:3]
    rows[0][3] = None                       # empty cell: missing points
    rows.append(list(rows[1]))              # duplicated entity
    preview = prepare(xlsx([["ente", *criterion_keys()], *rows]), "m.xlsx")
    codes = sorted(p.code for p in preview.warnings)
    assert codes == ["ingest.duplicate_entity", "ingest.missing_points"]
    assert not preview.errors
    before = counts(store)
    with pytest.raises(ImportBlocked) as blocked:
        publish(store, preview, name="Con avvisi", survey_date=None, auth=LOCAL, actor=ME)
    assert blocked.value.code == "ingest.warnings_not_accepted"
    assert counts(store) == before
    wave = publish(store, preview, name="Con avvisi", survey_date=None, auth=LOCAL, actor=ME,
                   accept_warnings=True)
    assert wave.n_rows == 3


def test_extra_columns_are_ignored_and_reported(store: Store) -> None:
    rows = [[*r, "nota", 42] for r in seed_rows()[:2]]
    preview = prepare(xlsx([["ente", *criterion_keys(), "Note", "ID"], *rows]), "m.xlsx")
    assert [h for _, h in preview.ignored] == ["Note", "ID"]
    assert not preview.problems


def test_unrecognised_columns_can_be_mapped_and_the_mapping_is_remembered(store: Store) -> None:
    headers = ["Nome ufficiale", *criterion_keys()]
    data = xlsx([headers, *seed_rows()[:2]])
    first = prepare(data, "m.xlsx", remembered=store.mapping)
    assert [p.code for p in first.errors] == ["ingest.missing_column"]
    mapped = prepare(data, "m.xlsx", mapping={"Nome ufficiale": "ente"})
    assert not mapped.errors and mapped.matrix["ente"].tolist()[0].startswith("Unione")
    store.save_mapping(mapped.layout, {"Nome ufficiale": "ente"})
    again = prepare(data, "altro.xlsx", remembered=store.mapping)
    assert not again.errors


def test_the_write_path_checks_the_role_itself(store: Store) -> None:
    preview = prepare(xlsx([["ente", *criterion_keys()], *seed_rows()[:2]]), "m.xlsx")
    before = counts(store)
    with pytest.raises(PermissionDenied):
        publish(store, preview, name="Non autorizzata", survey_date=None, auth=OFF, actor=ME)
    assert counts(store) == before
    wave = publish(store, preview, name="Autorizzata", survey_date=None, auth=LOCAL, actor=ME)
    with pytest.raises(PermissionDenied):
        delete_wave(store, wave.slug, auth=OFF, actor=ME)
    delete_wave(store, wave.slug, auth=LOCAL, actor=ME)
    assert [w.slug for w in store.waves()] == [SEED_WAVE_SLUG]


def test_wave_names_must_be_new_and_meaningful(store: Store) -> None:
    preview = prepare(xlsx([["ente", *criterion_keys()], *seed_rows()[:2]]), "m.xlsx")
    for name, code in [("   ", "ingest.bad_wave_name"), ("!!!", "ingest.bad_wave_name"),
                       ("METRODIGITAL 2023", "ingest.wave_exists")]:
        with pytest.raises(ImportBlocked) as blocked:
            publish(store, preview, name=name, survey_date=None, auth=LOCAL, actor=ME)
        assert blocked.value.code == code


def test_an_interrupted_publish_leaves_the_database_as_it_was(store: Store,
                                                              monkeypatch) -> None:
    preview = prepare(xlsx([["ente", *criterion_keys()], *seed_rows()[:5]]), "m.xlsx")
    before = counts(store)
    original = store.cursor

    class Exploding:
        def __init__(self) -> None:
            self.inner = original()

        def register(self, *args, **kwargs):
            raise KeyboardInterrupt  # the import is stopped half-way

        def __getattr__(self, name: str):
            return getattr(self.inner, name)

    monkeypatch.setattr(store, "cursor", Exploding)
    with pytest.raises(KeyboardInterrupt):
        publish(store, preview, name="Interrotta", survey_date=None, auth=LOCAL, actor=ME)
    monkeypatch.setattr(store, "cursor", original)
    assert counts(store) == before
    assert not store.has_wave("interrotta")


def test_the_synthetic_example_imports_cleanly_and_reproduces_the_seed(store: Store) -> None:
    data = (DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx").read_bytes()
    preview = prepare(data, "risposte_sintetiche_2023.xlsx")
    assert preview.format == "responses"
    assert preview.header_row == 2  # a title row above the header
    assert not preview.problems
    import pandas as pd
    seed = pd.read_csv(DATA_DIR / "seed_matrix.csv").set_index("ente")
    matrix = preview.matrix.set_index("ente").loc[seed.index, list(criterion_keys())]
    assert (matrix == seed[list(criterion_keys())]).all().all()
    assert preview.answers is not None and len(preview.answers) > 36 * 10
    wave = publish(store, preview, name="Esempio sintetico", survey_date=None, auth=LOCAL,
                   actor=ME)
    stored = store.answers(wave.slug)
    assert len(stored) == len(preview.answers)


def test_a_filled_template_imports_with_no_warnings(store: Store, tmp_path) -> None:
    import io as _io

    from openpyxl import load_workbook

    from metrodigital.questionnaire import default_questionnaire
    from metrodigital.template import ANSWERS_SHEET, build_template, template_columns

    example = prepare((DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx").read_bytes(),
                      "esempio.xlsx")
    assert example.answers is not None
    given = {(r.ente, r.question_id): r.answer for r in example.answers.itertuples()}
    book = load_workbook(_io.BytesIO(build_template()))
    sheet = book[ANSWERS_SHEET]
    assert sheet.data_validations.dataValidation  # drop-downs are there
    questionnaire = default_questionnaire()
    columns = template_columns(questionnaire)
    for row, ente in enumerate(example.matrix["ente"], start=2):
        sheet.cell(row=row, column=1, value=ente)
        column = 2
        for question in questionnaire.questions:
            answer = given.get((ente, question.id), "")
            if question.type == "multiple":
                chosen = set(answer.split("; ")) if answer else set()
                for option in question.options:
                    sheet.cell(row=row, column=column,
                               value="Sì" if option.label in chosen else "No")
                    column += 1
            else:
                sheet.cell(row=row, column=column, value=answer or None)
                column += 1
    assert column == len(columns) + 2
    out = _io.BytesIO()
    book.save(out)
    filled = prepare(out.getvalue(), "modello_compilato.xlsx")
    assert filled.format == "responses"
    assert not filled.errors
    assert not filled.warnings, [p.message("it") for p in filled.warnings][:5]
    assert (filled.matrix.set_index("ente") == example.matrix.set_index("ente")).all().all()


def test_a_broken_formula_in_an_ignored_column_does_not_block(store: Store) -> None:
    book_rows = [["ente", *criterion_keys(), "Note"], *([*r, None] for r in seed_rows()[:2])]
    from openpyxl import Workbook as _Workbook

    book = _Workbook()
    sheet = book.active
    assert sheet is not None
    for row in book_rows:
        sheet.append(row)
    sheet["J2"] = "=1/0"  # a formula with no cached value, in the ignored "Note" column
    sheet["C3"] = "=B3*2"  # and one in a column the import reads
    out = io.BytesIO()
    book.save(out)
    preview = prepare(out.getvalue(), "m.xlsx")
    places = [p.place() for p in preview.errors]
    assert "Sheet!C3" in places
    assert not any(place.endswith("J2") for place in places)


def test_the_right_sheet_is_found_and_another_can_be_picked(store: Store) -> None:
    from openpyxl import Workbook as _Workbook

    book = _Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Note"
    notes.append(["Questo foglio contiene solo note"])
    data_sheet = book.create_sheet("Matrice")
    data_sheet.append(["ente", *criterion_keys()])
    for row in seed_rows()[:4]:
        data_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    preview = prepare(out.getvalue(), "due_fogli.xlsx")
    assert preview.sheet == "Matrice" and preview.sheets == ["Note", "Matrice"]
    assert not preview.errors and len(preview.matrix) == 4
    other = prepare(out.getvalue(), "due_fogli.xlsx", sheet="Note")
    assert other.sheet == "Note"
    assert any(p.code == "ingest.missing_column" for p in other.errors)
