"""The Risposte page, driven by AppTest on a fresh database (both synthetic examples):
both surveys, the link's choices, the findings' drill-down, bad links, a wave without
answers, English, and personal data shown to editors only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.store import Store
from tests.conftest import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
PAGE = "pages/6_Risposte.py"
MILAN = "ponmetro-milano-2017"
TORINO_WAVE = "metrodigital-2023-risposte"


@pytest.fixture(scope="module", autouse=True)
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from ui.common import get_store

    path = tmp_path_factory.mktemp("risposte-page") / "app.duckdb"
    Store(path).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        get_store.clear()
        try:
            yield path
        finally:
            get_store.clear()


@pytest.fixture
def viewer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Someone with the link, not an editor: an editor password is set, not typed."""
    previous = st_config.get_option("server.address")
    monkeypatch.setenv("METRODIGITAL_EDITOR_PASSWORD", "s3greto")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", previous)


@pytest.fixture
def editor() -> Iterator[None]:
    """The person at this computer (nothing configured, server on localhost)."""
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "localhost")
    yield
    st_config.set_option("server.address", previous)


def open_page(**params: str | list[str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def shown(text: Any) -> str:
    """A label as the user reads it (Markdown escapes of file texts removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(text)).replace("\u2060", "")


def link(app: AppTest, key: str) -> list[str]:
    """A link parameter's values (AppTest gives one value as text)."""
    value = app.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def expanders(app: AppTest) -> list[str]:
    return [shown(e.label) for e in app.expander]


def frames(app: AppTest) -> list[Any]:
    return [d.value for d in app.dataframe]


def every_text(app: AppTest) -> str:
    parts = [shown(e.label) for e in app.expander]
    for kind in (app.markdown, app.caption, app.info, app.warning, app.success):
        parts += [shown(e.value if hasattr(e, "value") else e.body) for e in kind]
    for frame in frames(app):
        parts.append(frame.to_csv())
    return "\n".join(parts)


def test_the_torino_example_shows_the_reports_eight_findings() -> None:
    app = open_page(wave=TORINO_WAVE)
    assert app.title[0].value == "Risposte"
    labels = expanders(app)
    for sentence in (
            "Il 72% degli enti è soddisfatto della qualità della connettività (26 su 36).",
            "10 enti su 36 hanno avuto serie criticità di connessione.",
            "(10 su 36)", "(23 su 36)", "(22 su 36)", "(9 su 36)", "(24 su 36)",
            "Il 78% degli enti non conosce o non ha avviato l'interoperabilità"):
        assert any(sentence in label for label in labels), sentence
    assert any("Dati sintetici di esempio" in w.body for w in app.warning)
    assert any("dati sintetici di esempio" in c.value for c in app.caption)
    # the first section's questions, each with its table: n in the heading row
    table = frames(app)[0]
    assert list(table.columns) == ["Risposta", "Tutti (n = 36)"]
    assert table.iloc[-1].tolist() == ["n", "36"]
    assert len(app.get("vega_lite_chart")) >= 2
    # coverage: 36 respondents, the Comuni of the territory
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Enti che hanno risposto"] == "36"
    assert metrics["Comuni coperti"].endswith("su 312")


def test_a_link_opens_a_finding_with_the_entities_and_their_cells() -> None:
    app = open_page(wave=TORINO_WAVE, rf="criticita_connessione", rby="tipo",
                    rsez="infrastrutture")
    by_kind, entities = frames(app)[:2]
    assert by_kind["Gruppo"].tolist() == ["Comune", "Unione di Comuni"]  # the finding by kind, too
    assert list(entities.columns) == ["Ente", "Scheda", "Tipo", "Zona omogenea", "Risposta",
                                      "Soddisfa", "File", "Cella"]
    assert len(entities) == 36 and (entities["Soddisfa"] == "✔").sum() == 10
    # each entity opens its Scheda ente, the scenario kept (an Unione by its members' codes)
    assert entities["Scheda"].str.contains(r"Scheda_ente\?.*ente=\d{6}", regex=True).all()
    assert entities["Scheda"].str.contains("wave=metrodigital-2023-risposte").all()
    assert entities["Cella"].str.fullmatch(r"Risposte![A-Z]+\d+").all()
    assert "10 enti" in every_text(app)
    # the breakdown by kind in the section's tables, the small group marked
    heads = [list(f.columns) for f in frames(app)[1:]]
    assert ["Risposta", "Tutti (n = 36)", "Comune (n = 34)",
            "Unione di Comuni (n = 2, troppo pochi)"] in heads
    assert link(app, "rf") == ["criticita_connessione"]
    assert link(app, "rby") == ["tipo"]


def test_the_milan_example_in_english_with_its_figures_and_ratings() -> None:
    app = open_page(survey=MILAN, rsez="servizi", rby="classe", lang="en")
    assert app.title[0].value == "Answers"
    text = every_text(app)
    assert "Average interest in SPID: 3.69 out of 5 (by population class: < 5,000 3.18; " \
        "5,000–10,000 3.76; 10,000–30,000 3.91; > 30,000 3.63)." in text
    assert "21 of 59 Comuni have no employee with IT skills" in text
    assert "19 Comuni (32%) spend €25,001 to €50,000 a year on IT." in text
    assert "External suppliers: 36% of the Comuni use 1 to 3, 46% 4 to 10." in text
    tables = frames(app)
    spid = next(f for f in tables if "< 5,000 (n = 22)" in list(f.columns)
                or any("< 5,000" in c for c in f.columns))
    assert spid.iloc[:, 0].tolist()[:5] == ["1 · nessun interesse", "2", "3", "4",
                                             "5 · massimo interesse"] or \
        spid.iloc[:, 0].tolist()[0].startswith("1")
    assert "mean" in spid.iloc[:, 0].tolist()


def test_filters_from_the_link_and_a_note_for_a_bad_value() -> None:
    app = open_page(wave=TORINO_WAVE, rti="unione", rcl=["3", "99"], rby="nope")
    text = every_text(app)
    assert "Filtro: 10.000 abitanti e oltre; Unione di Comuni — 2 enti." in text
    notes = " ".join(str(e.value) for e in app.text)
    assert "«99» per «rcl»" in notes and "«nope» per «rby»" in notes
    assert link(app, "rcl") == ["3"]
    assert "rby" not in app.query_params


def test_a_wave_without_answers_offers_the_waves_that_have_them() -> None:
    app = open_page()  # the source's matrix: points, no answers
    assert "non contiene risposte" in app.info[0].body
    button = next(b for b in app.button if "METRODIGITAL 2023 – risposte" in b.label)
    button.click().run()
    assert not app.exception
    assert any("(26 su 36)" in label for label in expanders(app))


def test_free_text_is_searchable_from_the_link() -> None:
    app = open_page(survey=MILAN, rsez="buone_pratiche", rq="timbro")
    table = next(f for f in frames(app) if "Cella" in f.columns and "Risposta" in f.columns)
    assert len(table) >= 1
    assert table["Risposta"].str.contains("timbro", case=False).all()
    assert app.text_input(key="rq").value == "timbro"


def test_a_viewer_never_sees_personal_data(viewer: None) -> None:
    app = open_page(survey=MILAN, rsez="compilatore", rf="senza_addetti_it")
    text = every_text(app)
    assert "@example.invalid" not in text and "Referente sintetico" not in text
    assert "compilatore" not in app.selectbox(key="rsez").options
    assert "rsez" not in app.query_params  # a section a viewer may not see: not in the link


def test_an_editor_sees_the_compilers_in_the_drill_down(editor: None) -> None:
    app = open_page(survey=MILAN, rf="senza_addetti_it")
    entities = next(f for f in frames(app) if "Ente" in f.columns)
    assert entities["E-mail di chi compila"].str.endswith("@example.invalid").all()
    assert "Dati personali" in every_text(app) or "dati personali" in every_text(app)
    # and never in the link
    assert all("@" not in v for key in app.query_params for v in link(app, key))


def test_selected_or_not_by_the_links_matrix_scenario() -> None:
    app = open_page(wave=TORINO_WAVE, rby="sel", n="10")
    heads = [list(f.columns) for f in frames(app)]
    assert ["Risposta", "Tutti (n = 36)", "Selezionati (n = 10)",
            "Non selezionati (n = 26)"] in heads
    assert any("Selezionati: 10 enti" in c.value for c in app.caption)
    assert link(app, "rby") == ["sel"] and link(app, "n") == ["10"]
