"""The upload page reads a file as answers to the survey chosen in the sidebar: a Milan
responses file publishes a Milan wave; a file of another survey gets a clear message; a
matrix file's weights row is said and published; examples are labelled synthetic."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.paths import DATA_DIR
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.registry import load_survey
from tests.test_upload_page import APP, UPLOAD, XLSX, button, publish_as
from tests.test_weights_row import WEIGHTS
from tests.test_weights_row import _workbook as weights_workbook

MILAN = "ponmetro-milano-2017"
MILAN_FILE = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
TORINO_FILE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"


@pytest.fixture
def editor_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The page opened by an editor (localhost) on a database of its own."""
    from ui.common import get_store

    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "localhost")
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("METRODIGITAL_DB", str(path))
    get_store.clear()
    yield path
    get_store.clear()
    st_config.set_option("server.address", previous)


def open_upload(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(UPLOAD).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def _milan_variant() -> bytes:
    """The Milan example with one answer changed (another file, not the example again)."""
    book = load_workbook(MILAN_FILE)
    sheet = book["Risposte"]
    headers = [c.value for c in sheet[2]]
    column = headers.index("Interesse per SPID") + 1
    sheet.cell(row=3, column=column).value = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_waves_table_labels_the_examples_and_names_their_survey(editor_db: Path) -> None:
    app = open_upload()
    table = app.dataframe[0].value
    labels = dict(zip(table["Ondata"], table["Indagine"], strict=True))
    # the survey by its short name, as in the sidebar
    assert labels["PON Metro Milano 2017 (dati sintetici di esempio)"] == \
        load_survey(MILAN).name_in("it")
    assert labels["METRODIGITAL 2023 – risposte (dati sintetici di esempio)"] == \
        labels["METRODIGITAL 2023"] == load_survey("metrodigital-2022").name_in("it")


def test_a_milan_file_uploaded_with_the_milan_survey_publishes_a_milan_wave(
        editor_db: Path) -> None:
    app = open_upload(survey=MILAN)
    assert any("PON Metro Milano 2017" in c.value for c in app.caption)
    app.file_uploader[0].set_value(("milano_2018.xlsx", _milan_variant(), XLSX)).run()
    assert not app.exception
    assert "Nessun problema: 59 enti pronti da pubblicare." in [s.body for s in app.success]
    assert any("nessuna graduatoria" in c.value for c in app.caption)
    assert "Anteprima: chi risponde" in [h.value for h in app.subheader]
    publish_as(app, "Milano 2018")
    assert not app.exception, [e.message for e in app.exception]
    assert any("Ondata «Milano 2018» pubblicata: 59 enti" in s.body for s in app.success)
    with Store(editor_db) as store:
        wave = store.wave("milano-2018")
        assert wave.survey_id == MILAN and not wave.is_example
        assert len(wide_answers(store, wave.slug)) == 59


def test_a_file_of_another_survey_gets_a_clear_message(editor_db: Path) -> None:
    app = open_upload(survey=MILAN)
    app.file_uploader[0].set_value((TORINO_FILE.name, TORINO_FILE.read_bytes(), XLSX)).run()
    assert not app.exception
    text = "\n".join(t.value for t in app.text)
    assert "non sembra un file di risposte di «PON Metro Milano 2017" in text
    assert "METRODIGITAL" in text
    assert not [b for b in app.button if b.label == "Pubblica come nuova ondata"]


def test_a_matrix_with_a_weights_row_says_which_weights_it_read(editor_db: Path) -> None:
    app = open_upload()
    data = weights_workbook(["Peso assegnato", *WEIGHTS, None])
    app.file_uploader[0].set_value(("matrice_pesi.xlsx", data, XLSX)).run()
    assert not app.exception
    notes = [i.body for i in app.info if "Peso assegnato" in i.body]
    assert notes and "Anagrafica 1; Infrastrutture 2" in notes[0]
    assert "Nessun problema: 36 enti pronti da pubblicare." in [s.body for s in app.success]
    publish_as(app, "Matrice con pesi")
    assert not app.exception
    with Store(editor_db) as store:
        wave = store.wave("matrice-con-pesi")
    assert list(wave.reference_weights.values()) == [float(w) for w in WEIGHTS]


def test_an_example_can_be_deleted_and_stays_deleted(editor_db: Path) -> None:
    app = open_upload()
    victim = next(s for s in app.selectbox if s.label == "Ondata da eliminare")
    victim.set_value("pon-metro-milano-2017").run()
    app.checkbox(key="_delete_sure_pon-metro-milano-2017").check().run()
    button(app, "Elimina").click().run()
    assert not app.exception
    from ui.common import get_store

    get_store.clear()  # a new start of the app on the same database
    again = open_upload()
    assert "PON Metro Milano 2017 (dati sintetici di esempio)" not in \
        again.dataframe[0].value["Ondata"].tolist()


def test_in_english_the_waves_table_keeps_survey_and_date_apart(editor_db: Path) -> None:
    app = open_upload(lang="en")
    table = app.dataframe[0].value
    assert {"Wave", "Survey", "Survey date"} <= set(table.columns)
    row = table.set_index("Wave").loc["PON Metro Milano 2017 (synthetic example data)"]
    assert row["Survey"] == load_survey(MILAN).name_in("en")
    assert row["Survey date"] == "2017-11-30"
