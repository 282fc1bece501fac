"""The Piano d'azione (metrodigital/action_plan.py and pages/8_Piano_azione.py): per offer,
the entities it fits and those that agreed to it, by zone and class; Excel export."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital import interviews
from metrodigital.action_plan import build_plan, plan_xlsx
from metrodigital.offers import fits, offers_for
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.registry import load_survey
from tests.conftest import PROJECT_DIR

ANSWERS = "metrodigital-2023-risposte"
SURVEY = "metrodigital-2022"
EDITOR = AuthConfig(server_address="localhost")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("plan") / "app.duckdb"
    with Store(path) as store:
        offers = offers_for(SURVEY)
        for entity, actions in (
                ("pinerolo", [interviews.Action("backup"), interviews.Action("open_data",
                                                                            "done")]),
                ("rivalba", [interviews.Action("backup", "dropped")])):
            interviews.save_record(store, EDITOR, Actor(), survey_id=SURVEY, entity_id=entity,
                                   offers=offers, interview_date=date(2023, 3, 1),
                                   attendees="RTD", notes="", actions=[])
            interviews.save_record(store, EDITOR, Actor(), survey_id=SURVEY, entity_id=entity,
                                   offers=offers, interview_date=date(2023, 3, 1),
                                   attendees="RTD", notes="", actions=actions)
    yield path


def test_counts_per_offer_follow_answers_and_records_in_force(db: Path) -> None:
    with Store(db) as store:
        offers = offers_for(SURVEY)
        plan = build_plan(store, ANSWERS, load_survey(SURVEY), offers, "it")
        answers = wide_answers(store, ANSWERS)
    expected = {o.key: 0 for o in offers.offers}
    for record in answers.to_dict("records"):
        for fit in fits(offers, record):
            expected[fit.offer.key] += 1
    summary = plan.summary.set_index("offer")
    assert summary["fits"].to_dict() == expected
    # Pinerolo agreed to backup and did open data; Rivalba's backup was dropped (not agreed)
    assert summary.loc["backup", "agreed"] == 1 and summary.loc["backup", "dropped"] == 1
    assert summary.loc["open_data", "agreed"] == 1 and summary.loc["open_data", "done"] == 1
    assert summary.loc["pdnd", "agreed"] == 0
    assert plan.respondents == len(answers) == 36
    for group in ("zona", "classe"):
        by = plan.by_group(group).groupby("offer")[["fits", "agreed"]].sum()
        assert by["fits"].to_dict() == {k: v for k, v in expected.items() if k in by.index}
        assert by.loc["backup", "agreed"] == 1


def test_the_excel_export_has_the_summary_groups_and_entities(db: Path) -> None:
    with Store(db) as store:
        plan = build_plan(store, ANSWERS, load_survey(SURVEY), offers_for(SURVEY), "en")
    book = openpyxl.load_workbook(io.BytesIO(plan_xlsx(plan, "en")))
    assert book.sheetnames == ["Summary", "By zona omogenea", "By population class",
                               "Entities"]
    rows = list(book["Summary"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Offer", "Entities it fits", "Entities that agreed to it")
    assert [r[0] for r in rows[1:]] == [o.name_en for o in offers_for(SURVEY).offers]
    entities = list(book["Entities"].iter_rows(values_only=True))
    assert ("Backup", "Comune di Pinerolo") in {(r[0], r[1]) for r in entities}


@pytest.fixture
def page_db(db: Path) -> Iterator[Path]:
    from ui.common import get_store

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(db))
        get_store.clear()
        try:
            yield db
        finally:
            get_store.clear()


def test_the_page_shows_the_plan_and_says_when_a_wave_has_no_answers(page_db: Path) -> None:
    previous = st_config.get_option("server.address")
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=90)
    app.query_params["wave"] = ANSWERS
    app.switch_page("pages/8_Piano_azione.py")
    app.run()
    st_config.set_option("server.address", previous)
    assert not app.exception, [e.message for e in app.exception]
    summary = next(d.value for d in app.dataframe if "Offerta" in d.value.columns
                   and "Enti a cui si addice" in d.value.columns)
    assert list(summary["Offerta"])[4] == "Backup"
    assert summary.set_index("Offerta").loc["Backup", "Enti che l'hanno concordata"] == 1
    app.radio(key="_piano_by").set_value("classe").run()
    by_class = next(d.value for d in app.dataframe if "Classe di popolazione" in d.value.columns
                    and "Enti a cui si addice" in d.value.columns)
    assert set(by_class["Classe di popolazione"]) <= {
        "fino a 1.249 abitanti", "da 1.250 a 9.999 abitanti", "10.000 abitanti e oltre"}
    # the seed wave has points only
    seed = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=90)
    seed.query_params["lang"] = "en"
    seed.switch_page("pages/8_Piano_azione.py")
    seed.run()
    assert not seed.exception
    assert any("holds no questionnaire answers" in str(i.body) for i in seed.info)
    # ... and offers the wave that has them, one click away
    switch = next(b for b in seed.button if b.label.startswith("Switch to the wave"))
    switch.click().run()
    assert seed.selectbox(key="wave").value == ANSWERS
    assert any("Enti a cui si addice" in d.value.columns or "Entities it fits" in
               d.value.columns for d in seed.dataframe)
    # a survey without an offer list says so
    milan = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=90)
    milan.query_params["survey"] = "ponmetro-milano-2017"
    milan.switch_page("pages/8_Piano_azione.py")
    milan.run()
    assert not milan.exception
    assert any("non ha un elenco di offerte" in str(i.body) for i in milan.info)


def test_the_interview_export_keeps_every_version_and_hides_who_from_viewers(
        db: Path) -> None:
    names = {"pinerolo": "Comune di Pinerolo", "rivalba": "=Rivalba"}
    with Store(db) as store:
        for editor in (True, False):
            book = openpyxl.load_workbook(io.BytesIO(interviews.export_xlsx(
                store, SURVEY, names, offers_for(SURVEY), "it", include_who=editor)))
            current = list(book["Interviste in vigore"].iter_rows(values_only=True))
            history = list(book["Storico delle versioni"].iter_rows(values_only=True))
            assert [r[:2] for r in current[1:]] == [("Comune di Pinerolo", 2), ("=Rivalba", 2)]
            assert [r[:2] for r in history[1:]] == [
                ("Comune di Pinerolo", 2), ("Comune di Pinerolo", 1), ("=Rivalba", 2),
                ("=Rivalba", 1)]
            assert ("Salvata da" in current[0]) is editor
            assert current[1][5] == "Backup (concordata); Open Data (completata)"
            cell = book["Interviste in vigore"]["A3"]
            assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
