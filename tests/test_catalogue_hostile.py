"""The Catalogo servizi page with hostile texts: a Milan wave whose name tries every
Markdown construct, and exclusion reasons in the link that do the same. Nothing is
rendered as Markdown (the checks of tests/test_hostile_names.py), and the reason reaches
the Excel file as text, never as a formula."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.catalogue import choice_from_params, rank_for_survey
from metrodigital.catalogue_report import build_catalogue_workbook
from metrodigital.ingest import prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.registry import load_survey
from tests.conftest import PROJECT_DIR
from tests.hostile import EVIL, LONG_TAIL, WAVE_NAME
from tests.test_hostile_names import assert_nothing_hostile, joined

APP = str(PROJECT_DIR / "app.py")
MILAN = "ponmetro-milano-2017"
REASON = (f"[motivo](https://{EVIL}/r) :red[rosso] $x^2$ <img src=https://{EVIL}/i.png> "
          f":material/warning: \u202eevil =HYPERLINK(1) {LONG_TAIL}")


@pytest.fixture(scope="module")
def hostile_milan_wave(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wave]:
    from ui.common import get_store

    db = Path(tmp_path_factory.mktemp("catalogue-hostile")) / "app.duckdb"
    store = Store(db, examples=False)
    try:
        data = (DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx").read_bytes()
        preview = prepare(data, "milano.xlsx", survey=MILAN)
        assert not preview.errors
        wave = publish(store, preview, name=WAVE_NAME, survey_date=date(2025, 1, 1),
                       auth=AuthConfig(server_address="localhost"), actor=Actor(),
                       accept_warnings=True)
    finally:
        store.close()
    previous = st_config.get_option("server.address")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(db))
        st_config.set_option("server.address", "localhost")
        get_store.clear()
        try:
            yield wave
        finally:
            get_store.clear()
            st_config.set_option("server.address", previous)


def run_page(**params: str | list[str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page("pages/5_Catalogo.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_catalogue_page_with_a_hostile_wave_name_and_reason(hostile_milan_wave: Wave) -> None:
    app = run_page(survey=MILAN, wave=hostile_milan_wave.slug,
                   cx=["spid", f"pagopa:{REASON}", "zzz](https://evil.example)"])
    texts = assert_nothing_hostile(app)
    assert "Ondata" in joined(texts)  # the wave is named, escaped
    assert "Catalogo: Fascicolo del Cittadino" in app.success[0].body
    # the reason is kept as typed (shortened), shown as text in the table and its box
    reason = app.text_input(key="cx_reason_pagopa").value
    assert reason.startswith("[motivo](https://evil.example/r)") and "\u202e" not in reason
    table = next(d.value for d in app.dataframe if "Escluso: motivo" in d.value.columns)
    assert table["Escluso: motivo"].iloc[0] == reason
    notes = [t.value for t in app.text]  # link notes are st.text: never Markdown
    assert any("zzz](https://evil.example)" in n for n in notes)
    assert any("supera 200 caratteri: è stato accorciato" in n for n in notes)


def test_the_hostile_reason_is_text_in_the_excel_file(hostile_milan_wave: Wave) -> None:
    survey = load_survey(MILAN)
    choice, _ = choice_from_params({"cx": [f"pagopa:={REASON}"]}, survey)
    store = Store(Path(os.environ["METRODIGITAL_DB"]))
    try:
        answers = wide_answers(store, hostile_milan_wave.slug)
    finally:
        store.close()
    result = rank_for_survey(answers, survey, choice)
    book = openpyxl.load_workbook(io.BytesIO(build_catalogue_workbook(
        result, wave_name=hostile_milan_wave.name, example=False, link="http://x/Catalogo")))
    cell = book["Esclusioni"]["C2"]
    assert cell.value.startswith("=[motivo]") and cell.data_type == "s" and cell.quotePrefix
    wave_cell = next(row[1] for row in book["Parametri"].iter_rows(min_row=2)
                     if row[0].value == "Ondata")
    assert wave_cell.value.startswith("[Ondata](https://evil.example/wave)")
    assert "\u202e" not in wave_cell.value
