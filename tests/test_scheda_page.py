"""The Scheda ente page (pages/7_Scheda_ente.py) by AppTest on a fresh database: the entity
from the link, both surveys, bad links, English, and the interview record (editors write,
viewers never, also by a crafted call)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital import interviews
from metrodigital.offers import offers_for
from metrodigital.roles import Actor, AuthConfig, PermissionDenied
from metrodigital.store import Store
from tests.conftest import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
PAGE = "pages/7_Scheda_ente.py"
SURVEY = "metrodigital-2022"


@pytest.fixture(scope="module", autouse=True)
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from ui.common import get_store

    path = tmp_path_factory.mktemp("scheda-page") / "app.duckdb"
    Store(path).close()
    previous = st_config.get_option("server.address")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        patch.delenv("METRODIGITAL_EDITOR_PASSWORD", raising=False)
        get_store.clear()
        try:
            yield path
        finally:
            get_store.clear()
            st_config.set_option("server.address", previous)


def open_page(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in app.metric}


def markdown(app: AppTest) -> str:
    return "\n".join(str(m.value) for m in app.markdown)


def test_a_link_opens_the_entitys_profile_with_the_scenario() -> None:
    app = open_page(ente="001194")
    assert app.subheader[0].value == "Comune di Piossasco"
    assert metrics(app) == {"Posizione": "3", "Punteggio": "239", "Stato": "selezionato"}
    assert "sempre selezionato" in markdown(app)
    assert "Infrastrutture" in markdown(app)  # a strength, by the stated rule
    sections = next(d.value for d in app.dataframe if "Sezione" in d.value.columns)
    assert list(sections["Sezione"])[:2] == ["Anagrafica", "Infrastrutture"]
    # the seed wave has no answers: said, with the wave that has them
    assert any("solo i punti della matrice" in str(i.body) for i in app.info)
    assert app.query_params["ente"] in ("001194", ["001194"])
    # a weight in the link changes the score (the scenario is kept)
    weighted = open_page(ente="001194", ser="0")
    assert metrics(weighted)["Punteggio"] == str(239 - 22 * 5)


def test_an_unione_by_its_members_codes_in_any_order() -> None:
    app = open_page(ente="001127;001280;001156")
    assert app.subheader[0].value.startswith("Unione dei Comuni Moncalieri")


def test_a_tied_entity_says_it_is_tied() -> None:
    app = open_page(ente="001148")  # Mazzè, 193 on ranks 11–13
    assert metrics(app)["Stato"] == "selezionato, a pari merito sul taglio"
    assert any("193" in str(w.body) for w in app.warning)


def test_a_bad_entity_in_the_link_is_named_and_the_page_asks() -> None:
    app = open_page(ente="<b>999</b>")
    assert any("<b>999</b>" in str(x.value) for x in app.text)
    assert not app.metric
    assert app.selectbox(key="ente").value is None
    app.selectbox(key="ente").set_value("001194").run()
    assert metrics(app)["Posizione"] == "3"


def test_answers_offers_and_english() -> None:
    app = open_page(ente="001194", wave="metrodigital-2023-risposte", lang="en")
    assert metrics(app)["Rank"] == "3"
    body = markdown(app)
    assert "Offers of the Città Metropolitana that fit the entity" in body
    assert "Central purchasing body" in body  # q35 = Sì
    captions = [str(c.value).replace("\\", "") for c in app.caption]
    assert any("Why:" in c and "3.5 Would the entity be interested in joining a central" in c
               for c in captions)
    answers = next(d.value for d in app.dataframe if "Question" in d.value.columns)
    assert "same answer" in " ".join(answers["All respondents"])
    # the public PNRR record beside the declaration, with its attribution
    record = next(d.value for d in app.dataframe if "Call (question 5.1)" in d.value.columns)
    assert "declared but not funded on 26/11/2022" in list(record["Difference"])
    assert any("Dipartimento per la trasformazione digitale" in c for c in captions)


def test_a_survey_without_matrix_shows_answers_and_peers_only() -> None:
    app = open_page(survey="ponmetro-milano-2017", ente="015014")  # Basiano
    assert app.subheader[0].value == "Basiano"
    assert not app.metric
    assert any("no" in str(i.body) and "matrice" in str(i.body) for i in app.info)
    answers = next(d.value for d in app.dataframe if "Domanda" in d.value.columns)
    assert "Interesse per PagoPA" in list(answers["Domanda"])


def test_an_editor_records_the_interview_and_every_version_is_kept(fresh_db: Path) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_page(ente="001191")  # Pinerolo
    prefix = "_interview_pinerolo_"
    app.date_input(key=prefix + "date").set_value(date(2023, 2, 14))
    app.text_input(key=prefix + "who").input("Sindaco, RTD")
    app.text_area(key=prefix + "notes").input("Interessati al backup")
    app.multiselect(key=prefix + "actions").set_value(["backup", "open_data"]).run()
    app.selectbox(key=prefix + "status_open_data").set_value("in_progress")
    app.button(key=prefix + "save").click().run()
    assert not app.exception
    assert any("Versione 1" in str(c.value) for c in app.caption)
    app.text_input(key=prefix + "who").input("Sindaco, RTD, Segretario")
    app.button(key=prefix + "save").click().run()
    assert any("Versione 2" in str(c.value) for c in app.caption)
    from ui.common import get_store

    store = get_store()
    versions = interviews.history(store, SURVEY, "pinerolo")
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].attendees == "Sindaco, RTD"  # the first version is kept as it was
    assert versions[0].attendees == "Sindaco, RTD, Segretario"
    assert versions[0].actions == (interviews.Action("backup", "agreed"),
                                   interviews.Action("open_data", "in_progress"))
    assert {v.saved_by for v in versions} == {"local user"}
    shown = next(d.value for d in app.dataframe if "Partecipanti" in d.value.columns)
    assert list(shown["Partecipanti"]) == ["Sindaco, RTD, Segretario"]


def test_a_viewer_reads_but_never_writes(fresh_db: Path) -> None:
    st_config.set_option("server.address", "0.0.0.0")  # nothing configured: nobody edits
    app = open_page(ente="001191")
    assert not [b for b in app.button if b.key and b.key.startswith("_interview_")]
    assert not [t for t in app.text_input if t.key and t.key.startswith("_interview_")]
    # a crafted request: the write path checks the role itself
    with Store(":memory:", examples=False) as scratch:
        viewer = AuthConfig(server_address="0.0.0.0")
        with pytest.raises(PermissionDenied):
            interviews.save_record(
                scratch, viewer, Actor(host="evil.example"), survey_id=SURVEY,
                entity_id="pinerolo", offers=offers_for(SURVEY), interview_date=None,
                attendees="x", notes="x", actions=[])
        password = AuthConfig(editor_password="s3greto")
        with pytest.raises(PermissionDenied):
            interviews.save_record(
                scratch, password, Actor(password="wrong"), survey_id=SURVEY,
                entity_id="pinerolo", offers=offers_for(SURVEY), interview_date=None,
                attendees="x", notes="x", actions=[])
        assert scratch.interview_records(SURVEY).empty
