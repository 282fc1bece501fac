"""The Catalogo servizi page, driven by AppTest on a fresh database (the synthetic Milan
example published as a wave of its survey): both surveys, links in, bad links, choices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import fresh_database
from tests.pages import open_page as open_catalogue

PAGE = "pages/5_Catalogo.py"
MILAN = "ponmetro-milano-2017"
SISA = "SISA – Sistema informativo dei Servizi Socio-Assistenziali"


@pytest.fixture(scope="module", autouse=True)
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with fresh_database(tmp_path_factory.mktemp("catalogue-page")) as path:
        yield path


def open_page(**params: str | list[str]) -> AppTest:
    return open_catalogue(PAGE, timeout=90, **params)


def shown(element: Any) -> str:
    """An alert's text as the user reads it (Markdown escapes of file texts removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(element.body)).replace("\u2060", "")


def metric(app: AppTest, label: str) -> str:
    return next(str(m.value) for m in app.metric if m.label == label)


def ranking(app: AppTest):
    return next(d.value for d in app.dataframe if "Pos." in d.value.columns
                or "Rank" in d.value.columns)


def test_the_milan_example_gives_the_sources_catalogue() -> None:
    app = open_page(survey=MILAN)
    assert app.title[0].value == "Catalogo servizi"
    assert shown(app.success[0]) == (
        f"Catalogo: PagoPA, Fascicolo del Cittadino e {SISA} (3 servizi; richiesti 3).")
    assert any("Dati sintetici" in w.body for w in app.warning)  # the example says so
    assert any("dati sintetici" in c.value for c in app.caption)
    table = ranking(app)
    assert table["Servizio"].tolist() == ["PagoPA", "Fascicolo del Cittadino", "Open Data",
                                          "SPID", SISA, "Geoportale"]
    assert table["Interesse medio (1–5)"].tolist()[3] == "3,69"  # Italian format
    assert table["n (risposte)"].tolist() == [59] * 6
    assert table["Nel catalogo"].tolist() == ["✔", "✔", "", "", "✔", ""]
    assert table["Escluso: motivo"].iloc[3].startswith("incentivi regionali")
    assert metric(app, "Servizi nel catalogo") == "3"
    assert metric(app, "Servizi esclusi") == "3"
    # the defaults are the source's: the link stays short
    assert "ck" not in app.query_params and "cx" not in app.query_params
    assert app.multiselect(key="cx").value == ["spid", "opendata", "geoportale"]
    assert app.number_input(key="ck").value == 3


def test_breakdowns_by_class_and_zone_with_n_and_small_groups() -> None:
    app = open_page(survey=MILAN)
    by_class = next(d.value for d in app.dataframe if "< 5.000" in d.value.columns)
    spid = by_class.set_index("Servizio").loc["SPID"]
    # the published SPID means by class: 3,18 / 3,76 / 3,91 / 3,63 (29/8 rounded up)
    assert spid.tolist() == ["3,18 · 36% (11)", "3,76 · 59% (17)", "3,91 · 74% (23)",
                             "3,63 · 50% (8)"]
    by_zone = next(d.value for d in app.dataframe if "zona non indicata" in d.value.columns)
    assert by_zone.set_index("Servizio").loc["PagoPA", "Milano"] == "n = 1: troppo poche"
    assert by_zone.set_index("Servizio").loc["PagoPA", "zona non indicata"].endswith("(55)")


def test_the_link_sets_k_exclusions_reasons_and_weighting() -> None:
    app = open_page(survey=MILAN, ck="2", cx=["spid", "pagopa:già attivo"], cby="residents")
    assert app.number_input(key="ck").value == 2
    assert app.radio(key="cby").value == "residents"
    assert app.multiselect(key="cx").value == ["spid", "pagopa"]
    assert app.text_input(key="cx_reason_pagopa").value == "già attivo"
    assert app.text_input(key="cx_reason_spid").value == ""  # the source's own reason
    assert shown(app.success[0]) == (
        "Catalogo: Fascicolo del Cittadino e Open Data (2 servizi; richiesti 2).")
    table = ranking(app)
    assert table["Escluso: motivo"].tolist()[2] == "già attivo"
    assert not app.text  # no link notes
    assert app.query_params["ck"] == "2" and app.query_params["cby"] == "residents"
    share = app.code[0].value
    assert "ck=2" in share and "cx=pagopa%3Agi%C3%A0+attivo" in share


def test_changing_the_choice_updates_catalogue_and_link() -> None:
    app = open_page(survey=MILAN)
    app.number_input(key="ck").set_value(2).run()
    assert shown(app.success[0]).startswith("Catalogo: PagoPA e Fascicolo del Cittadino")
    assert app.query_params["ck"] == "2"
    app.multiselect(key="cx").set_value(["spid", "opendata", "geoportale", "pagopa"]).run()
    # a service the source does not exclude waits for its reason
    assert any("«PagoPA» non ha ancora un motivo" in shown(w) for w in app.warning)
    assert "PagoPA" in shown(app.success[0])
    app.text_input(key="cx_reason_pagopa").input("già in uso").run()
    assert shown(app.success[0]).startswith("Catalogo: Fascicolo del Cittadino e SISA")
    assert app.query_params.get("cx") is not None
    assert "pagopa:già in uso" in app.query_params["cx"]
    app.multiselect(key="cx").set_value([]).run()
    assert app.query_params["cx"] == "none"
    assert shown(app.success[0]).startswith("Catalogo: PagoPA e Fascicolo del Cittadino")


@pytest.mark.parametrize(("params", "note"), [
    ({"ck": "abc"}, "Il valore «abc» del parametro «ck» nel link"),
    ({"ck": "9"}, "intero da 1 a 6"),
    ({"cby": "tutti"}, "Il valore «tutti» del parametro «cby»"),
    ({"cx": "zzz"}, "Il link esclude «zzz», che non è un servizio"),
])
def test_bad_link_values_fall_back_with_a_note(params, note) -> None:
    app = open_page(survey=MILAN, **params)
    assert any(note in text.value for text in app.text), [t.value for t in app.text]
    assert metric(app, "Servizi nel catalogo") == "3"
    assert shown(app.success[0]).startswith("Catalogo: PagoPA, Fascicolo del Cittadino")


def test_in_english() -> None:
    app = open_page(survey=MILAN, lang="en", cby="residents")
    assert app.title[0].value == "Service catalogue"
    assert shown(app.success[0]).startswith("Catalogue: ")
    table = ranking(app)
    assert "Mean interest (1–5)" in table.columns
    assert table["Excluded: reason"].tolist()[1].startswith("regional incentives")
    assert any("Synthetic data" in w.body for w in app.warning)


def test_a_survey_without_a_catalogue_says_so_and_how_to_switch() -> None:
    app = open_page()  # the default survey, METRODIGITAL 2022: a matrix, no services
    body = shown(app.info[0])
    assert "non propone servizi da votare" in body
    assert "«Indagine»" in body and body.endswith("che ne ha uno: PON Metro 2017 · Milano.")
    assert not app.dataframe
    # one click away: the survey changes as if chosen in the sidebar
    app.button(key=f"_open_catalogue_{MILAN}").click().run()
    assert not app.exception
    assert app.selectbox(key="survey").value == MILAN
    assert shown(app.success[0]).startswith("Catalogo: PagoPA, Fascicolo del Cittadino e SISA")
    assert app.query_params["survey"] == MILAN
    english = open_page(survey="metrodigital-2022", lang="en", ck="2")
    assert "ck" not in english.query_params  # means nothing for a survey without services
    assert "proposes no services to rate" in shown(english.info[0])


def test_a_tie_at_the_cutoff_stands_out_as_on_the_matrix_page(monkeypatch) -> None:
    import metrodigital.surveys.answers as answers

    original = answers.wide_answers

    def tied(store, slug, **kwargs):  # SISA rated exactly as the Fascicolo
        frame = original(store, slug, **kwargs)
        return frame.assign(interesse_sisa=frame["interesse_fascicolo"])

    monkeypatch.setattr(answers, "wide_answers", tied)
    app = open_page(survey=MILAN, ck="2", cx="none")
    warning = next(shown(w) for w in app.warning if "Parità al limite" in w.body)
    assert warning.endswith(
        f"Parità al limite: Fascicolo del Cittadino e {SISA} hanno lo stesso interesse medio "
        "(3,95) e occupano le posizioni 2–3; sono scelti tutti, il catalogo ha 3 servizi "
        "invece di 2.")
    table = ranking(app)
    assert table["Pari al limite"].tolist().count("=") == 2
    assert table["Pos."].tolist()[:3] == [1, 2, 2]  # the same place for the same score
    assert metric(app, "Servizi nel catalogo") == "3"


def test_switching_language_keeps_the_choice() -> None:
    app = open_page(survey=MILAN, ck="2", cby="residents", cx=["spid", "pagopa:già attivo"])
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Service catalogue"
    assert app.radio(key="cby").value == "residents"
    assert app.number_input(key="ck").value == 2
    assert app.multiselect(key="cx").value == ["spid", "pagopa"]
    assert app.text_input(key="cx_reason_pagopa").value == "già attivo"
    table = ranking(app)
    assert table["Excluded: reason"].tolist()[1].startswith("regional incentives")
