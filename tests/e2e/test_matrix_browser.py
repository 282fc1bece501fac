"""In Chromium: keyboard on a slider, the link into a new browser, deep links on a fresh server."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import PROJECT_DIR, streamlit_server


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
    expect(page.get_by_test_id("stAlertContainer").first).to_contain_text("esattamente 12 enti")
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
    assert download_info.value.suggested_filename == "metrodigital-metrodigital-2023.xlsx"
    assert report.sheetnames == ["Parametri", "Graduatoria", "Selezione", "Robustezza"]
