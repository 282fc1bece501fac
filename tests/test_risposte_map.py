"""The map on the Risposte page: coloured by who answered, by a question's answer or by a
finding, for the respondents the page's filters keep; the choice in the link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from metrodigital.answers_map import COVERAGE, map_options, map_values
from metrodigital.answers_sql import Filters
from metrodigital.store import Store
from metrodigital.surveys.registry import load_survey
from tests.pages import fresh_database, open_page

MILAN = "ponmetro-milano-2017"
PAGE = "pages/6_Risposte.py"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with fresh_database(tmp_path_factory.mktemp("risposte-map")) as path:
        yield path


@pytest.fixture
def milan(db: Path) -> Iterator[tuple[Store, object]]:
    from ui.common import get_store  # the pages' own connection to the database

    store = get_store()
    yield store, next(w for w in store.waves() if w.survey_id == MILAN)


def test_every_answer_colouring_is_offered_and_nothing_personal() -> None:
    survey = load_survey(MILAN)
    options = map_options(survey)
    assert options[0] == COVERAGE
    assert "q:interesse_spid" in options and "q:spesa_it" in options
    assert "f:senza_addetti_it" in options
    assert not any(o.startswith("q:compilatore") for o in options)  # personal data
    assert "q:buone_pratiche" not in options  # free text colours nothing


def test_coverage_colours_every_respondent(milan) -> None:
    store, wave = milan
    values, colouring = map_values(store, wave, load_survey(MILAN), COVERAGE, Filters(), "it")
    assert len(values) == 59 and set(values["stato"]) == {"Ha risposto"}
    assert [label for label, _ in colouring.categories] == ["Ha risposto"]


def test_a_rating_is_a_number_and_a_band_its_categories(milan) -> None:
    store, wave = milan
    survey = load_survey(MILAN)
    spid, by = map_values(store, wave, survey, "q:interesse_spid", Filters(), "en")
    assert not by.categories  # a number, on a sequential scale
    assert spid["punteggio"].mean() == pytest.approx(3.69, abs=0.005)  # the source's mean
    band, by = map_values(store, wave, survey, "q:spesa_it", Filters(), "it")
    labels = [label for label, _ in by.categories]
    assert labels[:6] == [o.label for o in survey.question("spesa_it").options]
    assert (band["stato"] == survey.question("spesa_it").option("25001_50000").label).sum() \
        == 19  # the source's 19 (32 %) spending 25,001–50,000 €


def test_a_finding_colours_who_is_part_of_it_and_the_filters_keep_their_respondents(
        milan) -> None:
    store, wave = milan
    survey = load_survey(MILAN)
    values, _ = map_values(store, wave, survey, "f:senza_addetti_it", Filters(), "it")
    assert (values["stato"] == "Rientra nel risultato").sum() == 21  # 21 without IT staff
    small = map_values(store, wave, survey, "f:senza_addetti_it",
                       Filters(classes=("lt5000",)), "it")[0]
    assert len(small) == 11  # the 11 respondents under 5,000 residents


def test_the_page_draws_the_map_from_the_link_and_says_when_the_link_is_wrong(db) -> None:
    app = open_page(PAGE, survey=MILAN, rmap="q:interesse_spid", lang="en")
    assert app.selectbox(key="rmap").value == "q:interesse_spid"
    assert any("Confini comunali: openpolis" in c.value for c in app.caption)
    assert app.query_params["rmap"] == "q:interesse_spid"
    bad = open_page(PAGE, survey=MILAN, rmap="q:compilatore_email")  # personal: refused
    assert bad.selectbox(key="rmap").value == COVERAGE
    assert any("rmap" in x.value for x in bad.text)
    assert "rmap" not in bad.query_params


def test_the_torino_answers_say_how_many_pnrr_declarations_the_record_confirms(db) -> None:
    from metrodigital.pnrr import confirmation
    from metrodigital.surveys.answers import wide_answers
    from ui.common import get_store

    result = confirmation(wide_answers(get_store(), "metrodigital-2023-risposte"))
    app = open_page(PAGE, wave="metrodigital-2023-risposte")
    said = " ".join(m.value for m in app.markdown)
    assert f"{result.declared}; confermate da una candidatura finanziata" in said
    assert f": {result.confirmed} (" in said and result.entities == 36
    assert any("PADigitale2026" in c.value for c in app.caption)  # the data's attribution
    milan = open_page(PAGE, survey=MILAN)  # a survey that asks nothing about the PNRR
    assert not any("PADigitale2026" in c.value for c in milan.caption)
