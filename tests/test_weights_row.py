"""«Peso assegnato»: a matrix file whose table has a weights row right under the header
(as the source's own table) gives the wave's reference weights, never an entity."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from metrodigital.criteria import criterion_keys, load_criteria
from metrodigital.ingest import ImportBlocked, prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import Store

LOCAL = AuthConfig(server_address="localhost")
ME = Actor()
WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8]


def _workbook(weights_row: list[object]) -> bytes:
    import csv

    lines = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8").splitlines()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Matrice"
    sheet.append(["Matrice di prioritizzazione"])
    sheet.append(["Ente", *(c.source_heading for c in load_criteria()), "Punteggio finale"])
    sheet.append(weights_row)
    for row in csv.DictReader(lines):
        sheet.append([row["ente"], *(int(row[k]) for k in criterion_keys()),
                      int(row["punteggio_finale"])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_weights_row_gives_the_reference_weights_not_a_37th_entity(store: Store) -> None:
    preview = prepare(_workbook(["Peso assegnato", *WEIGHTS, None]), "matrice.xlsx")
    assert preview.format == "matrix"
    assert len(preview.matrix) == 36
    assert "Peso assegnato" not in set(preview.matrix["ente"])
    assert preview.weights == dict(zip(criterion_keys(), map(float, WEIGHTS), strict=True))
    assert not preview.errors
    wave = publish(store, preview, name="Matrice con pesi", survey_date=date(2023, 3, 21),
                   auth=LOCAL, actor=ME, accept_warnings=True)
    assert wave.n_rows == 36
    assert wave.reference_weights == preview.weights
    stored = store.cursor().execute(
        "SELECT criterion, weight FROM wave_weights WHERE wave_id = ? ORDER BY weight",
        [wave.wave_id]).fetchall()
    assert [w for _, w in stored] == [float(w) for w in WEIGHTS]


def test_without_a_weights_row_the_survey_weights_are_kept(store: Store) -> None:
    data = _workbook(["Comune di Rivalba", *([0] * 8), 0])
    preview = prepare(data, "matrice.xlsx")
    assert preview.weights is None
    assert "Comune di Rivalba" in set(preview.matrix["ente"])


def test_a_bad_or_missing_weight_is_said_at_its_cell() -> None:
    row: list[object] = ["Peso assegnato", *WEIGHTS, None]
    row[3] = "tanto"  # D3: organizzazione
    row[5] = None
    preview = prepare(_workbook(row), "matrice.xlsx")
    errors = [p.message("it") for p in preview.errors]
    assert errors == ["Matrice!D3: «tanto» non è un peso valido (un numero maggiore o "
                      "uguale a 0)"]
    warnings = [p.message("en") for p in preview.warnings]
    assert any(w.startswith("Matrice!F3: assigned weight missing") for w in warnings)
    try:
        publish(Store(":memory:", examples=False), preview, name="X", survey_date=None,
                auth=LOCAL, actor=ME, accept_warnings=True)
    except ImportBlocked as blocked:
        assert blocked.code == "ingest.has_errors"
    else:
        raise AssertionError("a bad weight must block publishing")


def test_the_preview_ranks_with_the_weights_the_file_gives() -> None:
    import csv

    from metrodigital.ingest import preview_selection

    preview = prepare(_workbook(["Peso assegnato", *WEIGHTS, None]), "matrice.xlsx")
    assert preview.weights is not None
    selection = preview_selection(preview, preview.weights, 12)
    lines = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8").splitlines()
    expected = {row["ente"]: sum(w * int(row[k]) for w, k in zip(WEIGHTS, criterion_keys(),
                                                                  strict=True))
                for row in csv.DictReader(lines)}
    scores = dict(zip(selection.table["ente"], selection.table["score"], strict=True))
    assert scores == pytest.approx(expected)
