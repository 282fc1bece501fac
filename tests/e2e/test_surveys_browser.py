"""In Chromium, on a freshly started server: a link chooses the survey; the survey picker
switches it; pages keep it; the matrix pages say plainly when a survey has no matrix."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import PROJECT_DIR, streamlit_server

MILAN = "ponmetro-milano-2017"


def test_a_link_opens_the_milan_survey_and_the_survey_picker_switches_back(
        browser: Browser, tmp_path) -> None:
    with streamlit_server(PROJECT_DIR / "app.py", tmp_path / "fresh.duckdb") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            app = AppPage(page).open(f"{url}/?survey={MILAN}")
            expect(page.get_by_test_id("stException")).to_have_count(0)
            assert app.title() == "Matrice di prioritizzazione"
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("non ha una matrice di prioritizzazione")).to_be_visible()
            assert app.selectbox_value("Indagine") == "PON Metro 2017 · Milano"
            # the survey's example wave, labelled as synthetic
            assert "dati sintetici di esempio" in app.selectbox_value("Ondata di questionari")
            expect(page.get_by_role("slider")).to_have_count(0)  # nothing to weigh
            query = parse_qs(urlsplit(page.url).query)
            assert query["survey"] == [MILAN] and query["wave"]
            screenshot(page, "surveys-milan-matrix-page")

            # the page links carry the survey: the catalogue opens on Milan's answers
            app.nav_link("Catalogo servizi").click()
            wait_for_app_run(page)
            expect(page.locator("h1").first).to_have_text("Catalogo servizi")
            outcome = main.get_by_test_id("stAlertContainer").filter(has_text="Catalogo:")
            expect(outcome.first).to_contain_text("PagoPA, Fascicolo del Cittadino e SISA")
            assert parse_qs(urlsplit(page.url).query)["survey"] == [MILAN]

            # in English the picker names the survey in English, and keeps it
            app.switch_language("English")
            expect(page.locator("h1").first).to_have_text("Service catalogue")
            assert app.selectbox_value("Survey") == "PON Metro 2017 · Milan"
            assert parse_qs(urlsplit(page.url).query)["survey"] == [MILAN]

            # the picker switches back to Turin: its source's wave, weights and tie
            app.nav_link("Matrix").click()
            wait_for_app_run(page)
            box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox") \
                .filter(has_text="Survey").first
            box.click()
            page.get_by_role("option", name="METRODIGITAL 2022–23 · Turin").click()
            wait_for_app_run(page)
            expect(page.get_by_role("slider", name="Services")).to_have_value("5")
            app.expect_metric("Entities selected", "13")
            expect(page).not_to_have_url(re.compile(r"[?&]survey="))
            screenshot(page, "surveys-back-to-turin")
        finally:
            context.close()


def test_a_link_to_a_wave_of_another_survey_opens_that_survey(
        browser: Browser, tmp_path) -> None:
    """A link that names only a wave (e.g. copied before surveys existed in links) opens
    that wave's survey."""
    from metrodigital.store import Store

    db = tmp_path / "fresh.duckdb"
    with Store(db) as store:
        slug = next(w.slug for w in store.waves() if w.survey_id == MILAN)
    with streamlit_server(PROJECT_DIR / "app.py", db) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            app = AppPage(page).open(f"{url}/Catalogo?wave={slug}&lang=en")
            assert app.selectbox_value("Survey") == "PON Metro 2017 · Milan"
            outcome = page.get_by_test_id("stMain").get_by_test_id("stAlertContainer") \
                .filter(has_text="Catalogue:")
            expect(outcome.first).to_contain_text("PagoPA")
        finally:
            context.close()
