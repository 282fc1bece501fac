"""Choosing the survey and the wave: the sidebar, the link, and the wave's reference weights.

A wave carries the reference weights it was published with: the sliders start
there, the reset button goes back there, the link leaves them out, and the ↑↓
arrows compare with them. A survey without a matrix makes the matrix pages say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from metrodigital.criteria import load_criteria
from metrodigital.i18n import t
from metrodigital.paths import DATA_DIR
from metrodigital.store import SEED_WAVE_SLUG, read_seed_matrix
from metrodigital.surveys.registry import load_survey
from tests.pages import open_page
from ui.common import PAGES

MILAN = "ponmetro-milano-2017"
MATRIX_PAGES = ("app.py", "pages/3_Robustezza.py", "pages/4_Confronta.py")
EQUAL = {c.key: 1.0 for c in load_criteria()}  # a wave whose reference weights are all 1


@pytest.fixture
def equal_wave() -> Iterator[Callable[[], str]]:
    """Publishes, when called, the source's matrix as a wave whose reference weights are
    all 1 (as a file with a «Peso assegnato» row of ones would); deleted afterwards."""
    from ui.common import get_store

    store = get_store()
    published: list[str] = []

    def publish() -> str:
        matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv").drop(
            columns=["entity_id", "punteggio_finale"], errors="ignore")
        wave = store.publish_matrix_wave(
            name="Pesi uguali", matrix=matrix, survey_date=None, source_file="uguali.csv",
            sha256="1" * 64, uploaded_by="test", reference_weights=EQUAL)
        published.append(wave.slug)
        return wave.slug

    yield publish
    for slug in published:
        if store.has_wave(slug):
            store.delete_wave(slug)


@pytest.mark.parametrize("path", MATRIX_PAGES)
def test_a_survey_without_a_matrix_makes_the_matrix_pages_say_so(path: str) -> None:
    app = open_page(path, survey=MILAN)
    milan = load_survey(MILAN)
    assert app.selectbox(key="survey").value == MILAN
    said = " ".join(str(i.value) for i in app.info)
    assert "non ha una matrice di prioritizzazione" in said
    assert milan.name in said.replace("\\", "")
    assert not app.slider  # no weights, no N: nothing to weigh
    assert app.query_params["survey"] == MILAN


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES if p not in MATRIX_PAGES])
def test_the_other_pages_work_for_a_survey_without_a_matrix(path: str) -> None:
    app = open_page(path, survey=MILAN, lang="en")
    assert app.selectbox(key="survey").value == MILAN
    assert not any("has no prioritisation matrix" in str(i.value) for i in app.info)


def test_the_survey_picker_lists_every_survey_and_switching_keeps_the_page_whole() -> None:
    app = open_page("app.py")
    picker = app.selectbox(key="survey")
    assert picker.options[:2] == ["METRODIGITAL 2022–23 · Torino", "PON Metro 2017 · Milano"]
    picker.set_value(MILAN).run()
    assert not app.exception
    assert app.query_params["survey"] == MILAN
    assert "ser" not in app.query_params
    app.selectbox(key="survey").set_value("metrodigital-2022").run()
    assert not app.exception
    # back on the source's wave, with the source's weights
    assert app.selectbox(key="wave").value == SEED_WAVE_SLUG
    assert app.slider(key="ser").value == 5 and app.slider(key="pop").value == 4
    assert "survey" not in app.query_params
    assert len(app.dataframe[0].value) == 36


def test_a_bad_survey_in_the_link_falls_back_with_a_note() -> None:
    app = open_page("app.py", survey="<b>nessuna</b>")
    assert app.selectbox(key="survey").value == "metrodigital-2022"
    assert any("nessuna" in text.value and "non esiste" in text.value for text in app.text)


def test_the_sliders_start_from_the_waves_reference_weights(equal_wave) -> None:
    slug = equal_wave()
    app = open_page("app.py", wave=slug)
    assert {c.code: app.slider(key=c.code).value for c in load_criteria()} == {
        c.code: 1 for c in load_criteria()}
    # the wave's reference weights are the defaults: nothing about them in the link
    assert dict(app.query_params) == {"wave": slug}
    # and they are "the source" of the arrows: no change announced
    assert not any("swap_vert" in str(i.icon) for i in app.info)
    app.session_state["ser"] = 5  # a slider's move reruns the page's live part: a full run
    app.run()                       # here, as AppTest cannot run that part alone
    assert app.query_params["ser"] == "5"
    said = " ".join(str(i.value) for i in app.info)
    assert t("matrix.reference_diff", "it", entered="", left="")[:20] in said
    reset = next(b for b in app.button if b.label == t("sidebar.reset", "it"))
    reset.click().run()
    app.run()
    assert app.slider(key="ser").value == 1
    assert "ser" not in app.query_params


def test_a_link_with_weights_on_a_wave_with_other_reference_weights(equal_wave) -> None:
    slug = equal_wave()
    # ser=5 is the source's weight but not this wave's: the link must keep it
    app = open_page("app.py", wave=slug, ser="5")
    assert app.slider(key="ser").value == 5 and app.slider(key="inf").value == 1
    assert dict(app.query_params) == {"wave": slug, "ser": "5"}


def test_a_new_wave_brings_its_reference_weights_unless_the_user_moved_them(
        equal_wave) -> None:
    slug = equal_wave()
    app = open_page("app.py")
    app.selectbox(key="wave").set_value(slug).run()
    assert app.slider(key="ser").value == 1  # untouched weights follow the wave
    app.session_state["ser"] = 7
    app.run()
    app.selectbox(key="wave").set_value(SEED_WAVE_SLUG).run()
    assert app.slider(key="ser").value == 7  # moved ones stay
    assert app.slider(key="inf").value == 1


def test_the_compare_page_compares_with_the_waves_reference_weights(equal_wave) -> None:
    """The Compare page's "source" is the wave's reference weights: the wave's own
    weights compared with it move no one; the source's 2,3,4,5,… move some."""
    slug = equal_wave()
    app = open_page("pages/4_Confronta.py", wave=slug)
    moved = t("compare.moved", "it")
    assert next(m.value for m in app.metric if m.label == moved) == "0"
    assert next(m.value for m in app.metric if m.label == t("compare.spearman", "it")) == "1,000"
    app = open_page("pages/4_Confronta.py", wave=slug, ana="2", inf="3", org="4", ser="5",
                    pnrr="3", dati="3", concl="5", pop="4")
    assert next(m.value for m in app.metric if m.label == moved) != "0"


def test_the_catalogue_page_shows_no_weights_but_keeps_them_in_the_links() -> None:
    """A page that does not use the matrix draws only survey and wave; the link's
    weights, N and rule still reach the other pages."""
    app = open_page("pages/5_Catalogo.py", ser="3", n="10", tie="choice")
    assert not app.slider
    assert app.selectbox(key="survey").value == "metrodigital-2022"
    links = [link.proto for link in app.get("page_link")]
    matrix = next(link for link in links if link.label == t("nav.matrix", "it"))
    assert matrix.query_string == "ser=3&n=10&tie=choice"
    assert dict(app.query_params)["ser"] == "3"
