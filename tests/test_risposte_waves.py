"""Across waves on the Risposte page: a second wave of the Torino survey where 30 of the
example's 36 entities answered again, three changing their satisfaction with the
connectivity and one its ICT staff; what moved, by SQL and on the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrodigital.answers_sql import latest_wave_with_answers, wave_changes
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import long_answers
from metrodigital.surveys.registry import load_survey
from tests.conftest import PROJECT_DIR

TORINO, EXAMPLE = "metrodigital-2022", "metrodigital-2023-risposte"
WORSE = "Per nulla soddisfatto"


def publish_second_wave(store: Store) -> Wave:
    """30 entities of the example answer again: three now 'Per nulla soddisfatto' with
    the connectivity (q22), the first one with 5 more ICT staff (q32)."""
    long = long_answers(store, EXAMPLE, include_personal=True)
    entities = long.drop_duplicates("entity_id")[["ente", "entity_id"]].head(30)
    answers = long[long["entity_id"].isin(entities["entity_id"])].copy()
    answers["question_id"] = answers["question"]
    answers["answer"] = answers["raw"]
    first = list(entities["entity_id"][:3])
    worse = (answers["question"] == "q22") & answers["entity_id"].isin(first)
    answers.loc[worse, ["option_code", "raw", "answer"]] = WORSE
    staff = (answers["question"] == "q32") & (answers["entity_id"] == first[0])
    answers.loc[staff, "number"] = answers.loc[staff, "number"] + 5
    answers.loc[staff, "raw"] = answers.loc[staff, "number"].astype(int).astype(str)
    answers["options"] = [list(v) if hasattr(v, "__len__") and not isinstance(v, str)
                          else None for v in answers["options"]]
    return store.publish_wave(
        name="METRODIGITAL 2025", entities=entities, survey_date=None,
        source_file="risposte_2025.xlsx", sha256="2" * 64, uploaded_by="test",
        survey_id=TORINO, points=False,
        answers=answers[["ente", "question_id", "answer", "question", "raw", "option_code",
                         "options", "number", "text", "source_cell", "personal"]])


def test_what_changed_between_two_waves() -> None:
    store = Store(":memory:")
    try:
        after = publish_second_wave(store)
        before = store.wave(EXAMPLE)
        changes = wave_changes(store, before, after, load_survey(TORINO))
        assert changes.entities == 30
        questions = changes.questions.set_index("question")
        assert (questions.loc["q22", "both"], questions.loc["q22", "changed"]) == (30, 3)
        assert questions.loc["q32", "changed"] == 1
        assert questions.loc["q32", "mean_after"] - questions.loc["q32", "mean_before"] == \
            pytest.approx(5 / 30)
        assert questions.drop(index=["q22", "q32"])["changed"].eq(0).all()
        sections = changes.sections.set_index("section")["changed"].to_dict()
        assert sections["infrastrutture"] == 3 and sections["organizzazione"] == 1
        assert sections["servizi"] == 0
        moves = changes.moves[changes.moves["question"] == "q22"]
        assert set(moves["after"]) == {WORSE} and WORSE not in set(moves["before"])
        assert moves["cell_after"].str.startswith("Risposte!J").all()
        # the new wave, real data, is now the survey's latest wave with answers
        assert latest_wave_with_answers(store, TORINO).slug == after.slug
    finally:
        store.close()


@pytest.fixture(scope="module")
def two_waves(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from ui.common import get_store

    path = tmp_path_factory.mktemp("risposte-waves") / "app.duckdb"
    with Store(path) as store:
        publish_second_wave(store)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        get_store.clear()
        try:
            yield path
        finally:
            get_store.clear()


def test_the_page_shows_what_moved_from_a_link(two_waves: Path) -> None:
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    for key, value in {"wave": "metrodigital-2025", "rvs": EXAMPLE,
                       "rsez": "infrastrutture"}.items():
        app.query_params[key] = value
    app.switch_page("pages/6_Risposte.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("30 enti hanno risposto a entrambe" in c.value for c in app.caption)
    frames = [d.value for d in app.dataframe]
    per_question = next(f for f in frames if "Hanno cambiato" in f.columns
                        and "Domanda" in f.columns)
    q22 = per_question[per_question["Domanda"].str.startswith("2.2")].iloc[0]
    assert (q22["Enti in entrambe"], q22["Hanno cambiato"], q22["Quota"]) == (30, 3, "10%")
    moves = next(f for f in frames if "Prima" in f.columns)
    assert len(moves) == 3 and set(moves["Dopo"]) == {WORSE}
    assert any("3 risposte cambiate" in e.label for e in app.expander)
    assert app.selectbox(key="rvs").value == EXAMPLE
    # a wave that is not the survey's: no comparison, and the link forgets it
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    app.query_params["rvs"] = "pon-metro-milano-2017"
    app.query_params["wave"] = "metrodigital-2025"
    app.switch_page("pages/6_Risposte.py").run()
    assert not app.exception
    assert app.selectbox(key="rvs").value == ""
    assert "rvs" not in app.query_params
