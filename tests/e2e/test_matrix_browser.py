"""In Chromium: keyboard on a slider, the link into a new browser, deep links on a fresh server."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from metrodigital.paths import DATA_DIR
from metrodigital.store import Store, read_seed_matrix
from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import PROJECT_DIR, streamlit_server

BIG = "prova-grande"  # a second wave of 40 entities: the source's 36 and 4 more


def two_waves_server(db: Path) -> Iterator[str]:
    """A server whose store holds the source's wave and a bigger one."""
    matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv").drop(
        columns=["entity_id", "punteggio_finale"], errors="ignore")
    extra = matrix.head(4).copy()
    extra["ente"] = [f"Comune di Prova {i}" for i in range(4)]
    with Store(db) as store:
        store.publish_matrix_wave(
            name="Prova grande", matrix=pd.concat([matrix, extra], ignore_index=True),
            survey_date=None, source_file="prova.csv", sha256="0" * 64, uploaded_by="test")
    with streamlit_server(PROJECT_DIR / "app.py", db) as url:
        yield url


@pytest.fixture(scope="module")
def two_waves_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from two_waves_server(tmp_path_factory.mktemp("e2e-waves") / "app.duckdb")


LABELS = {
    "it": {"wave": "Ondata di questionari", "ser": "Servizi", "pop": "Popolazione",
           "n": "Enti da selezionare (N)", "norm": "Normalizzazione dei punti",
           "tie": "Pareggi al taglio", "tiek": "Criteri di spareggio", "quotas": "Togli:",
           "pick": "Scegli 2 enti"},
    "en": {"wave": "Questionnaire wave", "ser": "Services", "pop": "Population",
           "n": "Entities to select (N)", "norm": "Points normalisation",
           "tie": "Ties at the cut-off", "tiek": "Tie-break criteria", "quotas": "Remove:",
           "pick": "Choose 2 of the entities"},
}


def controls(app: AppPage, lang: str) -> dict[str, object]:
    """What every scenario control shows, in the words of ``lang``."""
    label = LABELS[lang]
    return {
        "wave": app.selectbox_value(label["wave"]),
        "ser": app.slider_value(label["ser"]), "pop": app.slider_value(label["pop"]),
        "n": app.slider_value(label["n"]),
        "norm": app.radio_choice(label["norm"]), "tie": app.radio_choice(label["tie"]),
        "tiek": app.multiselect_values(label["tiek"]),
        "quotas": app.sidebar_buttons(label["quotas"]),
    }


def test_every_control_keeps_its_value_across_a_language_switch(
    page: Page, two_waves_url: str
) -> None:
    """Issue: with a normalisation or tie rule other than the default, clicking English
    blanked those radios and the next touch reset them and dropped them from the link."""
    query = ("?ser=3&pop=7&n=20&tie=criteria&tiek=inf&tiek=ser&wave=prova-grande"
             "&norm=share&q=pop1%3E%3D2")
    app = AppPage(page).open(f"{two_waves_url}/{query}")
    italian = controls(app, "it")
    assert italian == {
        "wave": "Prova grande", "ser": 3, "pop": 7, "n": 20,
        "norm": "Quota del massimo della sezione", "tie": "Spareggio per criteri",
        "tiek": ["Infrastrutture", "Servizi"],
        "quotas": ["Togli: almeno 2 enti della classe 1 (meno di 1.250 abitanti)"]}
    url = page.url
    app.switch_language("English")
    expect(page.locator("h1").first).to_have_text("Prioritisation matrix")
    assert controls(app, "en") == {
        "wave": "Prova grande", "ser": 3, "pop": 7, "n": 20,
        "norm": "Share of the section's maximum", "tie": "Break ties by criteria",
        "tiek": ["Infrastructure", "Services"],
        "quotas": ["Remove: at least 2 entities of class 1 (under 1,250 residents)"]}
    assert page.url == url + "&lang=en"
    screenshot(page, "matrix-english-scenario")
    app.switch_language("Italiano")
    expect(page.locator("h1").first).to_have_text("Matrice di prioritizzazione")
    assert controls(app, "it") == italian
    assert page.url == url
    # the next touch (a control that reruns the whole page) keeps everything too
    app.record_runs()
    n = app.slider("Enti da selezionare (N)")
    n.focus()
    app.press_and_wait(n, "ArrowRight")
    app.press_and_wait(n, "ArrowLeft")
    page.get_by_test_id("stSidebar").get_by_text("Min–max tra gli enti", exact=True).click()
    wait_for_app_run(page)
    page.get_by_test_id("stSidebar").get_by_text("Quota del massimo della sezione",
                                                 exact=True).click()
    wait_for_app_run(page)
    assert controls(app, "it") == italian
    expect(page).to_have_url(url)


def test_picks_among_the_tied_survive_a_language_switch(page: Page, app_url: str) -> None:
    url = f"{app_url}/?tie=choice&pick=mazze&pick=albiano-d-ivrea"
    app = AppPage(page).open(url)
    assert app.multiselect_values("Scegli 2 enti") == ["Mazzè", "Albiano d'Ivrea"]
    app.switch_language("English")
    expect(page.locator("h1").first).to_have_text("Prioritisation matrix")
    assert app.multiselect_values("Choose 2 of the entities") == ["Mazzè", "Albiano d'Ivrea"]
    assert app.radio_choice("Ties at the cut-off") == "I choose among the tied"
    app.switch_language("Italiano")
    expect(page.locator("h1").first).to_have_text("Matrice di prioritizzazione")
    assert app.multiselect_values("Scegli 2 enti") == ["Mazzè", "Albiano d'Ivrea"]
    assert app.radio_choice("Pareggi al taglio") == "Scelgo io tra i pari merito"
    assert page.url == url


def test_keyboard_on_a_slider_reranks_and_the_link_reopens_the_scenario(
    page: Page, browser: Browser, app_url: str
) -> None:
    app = AppPage(page).open(app_url)
    assert app.title() == "Matrice di prioritizzazione"
    app.expect_metric("Enti selezionati", "13")
    assert "Pareggio al taglio" in app.alert_text()
    screenshot(page, "matrix-default")

    app.record_runs()
    servizi = app.slider("Servizi")
    servizi.focus()
    app.press_and_wait(servizi, "ArrowLeft")
    app.press_and_wait(servizi, "ArrowLeft")
    assert app.slider_value("Servizi") == 3
    app.expect_metric("Enti selezionati", "12")
    expect(page.get_by_test_id("stMain").get_by_test_id("stAlertContainer").first) \
        .to_contain_text("esattamente 12 enti")
    expect(page).to_have_url(f"{app_url}/?ser=3")
    link = app.share_link()
    assert link == f"{app_url}/?ser=3"
    screenshot(page, "matrix-servizi-3")

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        again = AppPage(other.new_page()).open(link)
        assert again.slider_value("Servizi") == 3
        assert again.slider_value("Popolazione") == 4
        again.expect_metric("Enti selezionati", "12")
        assert "esattamente 12 enti" in again.alert_text()
    finally:
        other.close()


def test_a_weight_redraws_everything_it_changes_and_reset_restores_the_source(
    page: Page, app_url: str
) -> None:
    """Weights and N rerun only the page's live part (a fragment): what they change in the
    sidebar (shares, page links, share box, reset button) must follow all the same."""
    app = AppPage(page).open(app_url)
    sidebar = page.get_by_test_id("stSidebar")
    reset = sidebar.get_by_role("button", name="Ripristina i pesi della fonte")
    expect(reset).to_be_disabled()
    app.record_runs()
    servizi = app.slider("Servizi")
    servizi.focus()
    app.press_and_wait(servizi, "End")
    assert app.slider_value("Servizi") == 10
    expect(sidebar).to_contain_text("Servizi 29,4")  # 10 of 34
    expect(reset).to_be_enabled()
    assert app.share_link() == f"{app_url}/?ser=10"
    assert app.nav_link("Metodo").get_attribute("href") == "Metodo?ser=10"
    expect(page).to_have_url(f"{app_url}/?ser=10")

    page.get_by_text("Scelgo io tra i pari merito").click()  # a control outside the fragment
    wait_for_app_run(page)
    expect(page).to_have_url(f"{app_url}/?ser=10&tie=choice")
    assert app.slider_value("Servizi") == 10

    reset.click()
    expect(page).to_have_url(f"{app_url}/?tie=choice")
    expect(app.slider("Servizi")).to_have_value("5")
    expect(reset).to_be_disabled()
    expect(sidebar.get_by_test_id("stCode")).to_have_text(f"{app_url}/?tie=choice")


def test_picking_among_the_tied_completes_the_selection_and_enters_the_link(
    page: Page, app_url: str
) -> None:
    app = AppPage(page).open(f"{app_url}/?tie=choice")
    app.expect_metric("Enti selezionati", "13")  # all three tied are in until the pick
    picker = page.get_by_test_id("stMultiSelect").filter(has_text="Scegli 2 enti").first
    picker.click()
    page.get_by_role("option", name="Mazzè").click()
    page.get_by_role("option", name="Albiano d'Ivrea").click()
    page.keyboard.press("Escape")
    app.expect_metric("Enti selezionati", "12")
    expect(page).to_have_url(f"{app_url}/?tie=choice&pick=mazze&pick=albiano-d-ivrea")
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stCode")).to_have_text(
        f"{app_url}/?tie=choice&pick=mazze&pick=albiano-d-ivrea")


def test_page_links_carry_the_scenario(page: Page, app_url: str) -> None:
    app = AppPage(page).open(f"{app_url}/?ser=2&n=5&tie=criteria&tiek=inf&lang=en")
    app.expect_metric("Entities selected", "5")
    app.nav_link("Method").click()
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text("Method")
    expect(page).to_have_url(f"{app_url}/Metodo?ser=2&n=5&tie=criteria&tiek=inf&lang=en")
    assert app.slider_value("Services") == 2
    app.nav_link("Matrix").click()
    wait_for_app_run(page)
    app.expect_metric("Entities selected", "5")
    assert app.slider_value("Services") == 2


def test_a_hostile_link_falls_back_and_says_so(page: Page, app_url: str) -> None:
    app = AppPage(page).open(
        f"{app_url}/?ser=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&n=-4&tie=boh")
    expect(page.get_by_text("non è un peso valido")).to_be_visible()
    assert app.slider_value("Servizi") == 5
    app.expect_metric("Enti selezionati", "13")
    assert page.locator("img[src='x']").count() == 0  # quoted as text, never as markup
    screenshot(page, "matrix-bad-link")


def test_deep_link_to_the_method_page_on_a_freshly_started_server(
    browser: Browser, tmp_path
) -> None:
    with streamlit_server(PROJECT_DIR / "app.py", tmp_path / "fresh.duckdb") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            app = AppPage(page).open(f"{url}/Metodo?ser=2&lang=en")
            assert app.title() == "Method"
            expect(page.get_by_role("heading", name="Ties at the cut-off")).to_be_visible()
            assert app.slider_value("Services") == 2
            # the page drew the shared frame: language switch, navigation, share box
            expect(page.get_by_text("Lingua / Language")).to_be_visible()
            assert app.share_link() == f"{url}/Metodo?ser=2&lang=en"
            screenshot(page, "method-deep-link")
        finally:
            context.close()


def test_robustness_page_in_chromium(page: Page, app_url: str) -> None:
    app = AppPage(page).open(f"{app_url}/Robustezza?k=1&seed=20230321")
    assert app.title() == "Quanto è robusta la selezione"
    expect(page.get_by_text("Strambino entrerebbe tra i 12 se il peso di Infrastrutture "
                            "passasse da 3 a 5")).to_be_visible()
    expect(page.get_by_text("Servizi pesa più della sua quota nominale")).to_be_visible()
    screenshot(page, "robustness")
    wait_for_app_run(page)  # the button must be the finished run's, not one being replaced
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Scarica il rapporto Excel di questo scenario").click()
    report = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    name = download_info.value.suggested_filename
    assert re.fullmatch(r"metrodigital_metrodigital-2023_\d{4}-\d{2}-\d{2}\.xlsx", name), name
    assert report.sheetnames == ["Parametri", "Graduatoria", "Selezione", "Robustezza"]


def test_a_viewer_whose_wave_is_deleted_is_told_and_sees_the_sources_wave(
    page: Page, browser: Browser, tmp_path: Path
) -> None:
    """Issue: a viewer moving a slider after their wave was deleted got a KeyError until a
    full rerun. Now the page says so, shows the source's wave and keeps N (whose maximum
    goes from 40 to 36)."""
    for url in two_waves_server(tmp_path / "app.duckdb"):
        viewer_context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            viewer = AppPage(viewer_context.new_page()).open(f"{url}/?wave={BIG}&ser=3&n=20")
            viewer.expect_metric("N richiesto", "20")
            editor = AppPage(page).open(f"{url}/Carica")
            victim = page.get_by_test_id("stSelectbox").filter(has_text="Ondata da eliminare")
            victim.first.click()
            page.get_by_role("option", name="Prova grande", exact=True).click()
            wait_for_app_run(page)
            page.get_by_text("Confermo: eliminare definitivamente").click()
            page.get_by_role("button", name="Elimina", exact=True).click()
            wait_for_app_run(page)
            expect(page.get_by_text("Ondata «Prova grande» eliminata.")).to_be_visible()
            assert editor.selectbox_value("Ondata di questionari") == "METRODIGITAL 2023"

            viewer.record_runs()
            servizi = viewer.slider("Servizi")
            servizi.focus()
            viewer.press_and_wait(servizi, "ArrowLeft")  # reruns the live fragment
            shown = viewer.page
            expect(shown.get_by_text("L'ondata «Prova grande» che stavi guardando è stata "
                                     "eliminata nel frattempo")).to_be_visible()
            assert viewer.selectbox_value("Ondata di questionari") == "METRODIGITAL 2023"
            assert viewer.slider_value("Servizi") == 2
            assert viewer.slider_value("Enti da selezionare (N)") == 20
            viewer.expect_metric("N richiesto", "20")
            expect(shown).to_have_url(f"{url}/?ser=2&n=20")
            text = shown.locator("body").inner_text()
            assert "KeyError" not in text and "encountered an error" not in text
            screenshot(shown, "matrix-wave-deleted")
        finally:
            viewer_context.close()
