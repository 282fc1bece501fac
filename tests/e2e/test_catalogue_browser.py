"""In Chromium, on a fresh server: the Catalogo servizi page opened from a link shows the
catalogue the link describes, keeps the choice in the address, downloads it as Excel, and
fits a phone."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run

LINK = ("/Catalogo?survey=ponmetro-milano-2017&ck=2&cx=spid&cx="
        + quote("pagopa:già attivo in tutti i Comuni"))


def ranking_rows(page: Page) -> list[str]:
    """The ranking table's rows as the grid's accessible cells read them."""
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    return grid.locator("[role='row']").all_inner_texts()


def test_a_link_opens_the_catalogue_it_describes(page: Page, app_url: str) -> None:
    app = AppPage(page).open(app_url + LINK)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert app.title() == "Catalogo servizi"
    main = page.get_by_test_id("stMain")
    outcome = main.get_by_test_id("stAlertContainer").filter(has_text="Catalogo:").first
    expect(outcome).to_contain_text(
        "Catalogo: Fascicolo del Cittadino e Open Data (2 servizi; richiesti 2).")
    expect(main.get_by_text("Dati sintetici", exact=False).first).to_be_visible()
    app.expect_metric("Servizi nel catalogo", "2")
    app.expect_metric("Servizi esclusi", "2")
    # the choice's controls show what the link said
    expect(page.get_by_label("Servizi nel catalogo (K)", exact=True)).to_have_value("2")
    assert app.multiselect_values("Servizi esclusi") == ["SPID", "PagoPA"]
    expect(page.get_by_label("Motivo per escludere PagoPA", exact=True)).to_have_value(
        "già attivo in tutti i Comuni")
    # the chart is drawn, with its text alternative beside it
    expect(main.locator("[data-testid='stVegaLiteChart'] canvas, "
                        "[data-testid='stVegaLiteChart'] svg").first).to_be_visible()
    # the address keeps the choice, and the share box carries it
    query = parse_qs(urlsplit(page.url).query)
    assert query["ck"] == ["2"]
    assert query["cx"] == ["spid", "pagopa:già attivo in tutti i Comuni"]
    assert "ck=2" in app.share_link()
    screenshot(page, "catalogo_desktop")
    # the bars in rank order, best first: the chart's first label is the best service
    chart = main.get_by_test_id("stVegaLiteChart").first
    chart.scroll_into_view_if_needed()
    screenshot(page, "catalogo_desktop_chart")
    main.get_by_role("tab", name="Per zona omogenea").click()
    main.get_by_role("tab", name="Per zona omogenea").scroll_into_view_if_needed()
    screenshot(page, "catalogo_desktop_zones")


def test_changing_k_in_the_page_changes_the_catalogue(page: Page, app_url: str) -> None:
    app = AppPage(page).open(app_url + "/Catalogo?survey=ponmetro-milano-2017")
    outcome = page.get_by_test_id("stMain").get_by_test_id("stAlertContainer") \
        .filter(has_text="Catalogo:").first
    expect(outcome).to_contain_text("PagoPA, Fascicolo del Cittadino e SISA")
    box = page.get_by_label("Servizi nel catalogo (K)", exact=True)
    box.fill("4")
    box.press("Enter")
    wait_for_app_run(page)
    # three services are left after the source's exclusions: all of them, and it says so
    expect(outcome).to_contain_text("(3 servizi; richiesti 4)")
    expect(outcome).to_contain_text("sono scelti tutti")
    app.expect_metric("Servizi nel catalogo", "3")
    expect(page).to_have_url(re.compile(r"[?&]ck=4(&|$)"))


def test_the_excel_download_has_the_reasons_and_the_link(page: Page, app_url: str) -> None:
    AppPage(page).open(app_url + LINK)
    button = page.get_by_role("button", name="Scarica il catalogo in Excel")
    with page.expect_download(timeout=60_000) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.startswith("catalogo_")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    params = {row[0].value: row[1].value for row in book["Parametri"].iter_rows(min_row=2)}
    link = params["Link allo scenario"]
    assert link.startswith(f"{app_url}/Catalogo?")
    assert parse_qs(urlsplit(link).query)["cx"] == ["spid", "pagopa:già attivo in tutti i Comuni"]
    reasons = {row[0]: row[2] for row in book["Esclusioni"].iter_rows(min_row=2,
                                                                      values_only=True)}
    assert reasons["pagopa"] == "già attivo in tutti i Comuni"
    assert reasons["spid"].startswith("incentivi regionali")


def test_the_page_fits_a_phone(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        AppPage(page).open(app_url + LINK)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_test_id("stAlertContainer").filter(has_text="Catalogo:").first) \
            .to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width} px"
        expect(page.get_by_label("Servizi nel catalogo (K)", exact=True)).to_be_visible()
        screenshot(page, "catalogo_phone")
        page.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
        screenshot(page, "catalogo_phone_chart")
    finally:
        context.close()


def test_the_torino_survey_says_it_has_no_services_and_links_to_one(page: Page,
                                                                    app_url: str) -> None:
    app = AppPage(page).open(app_url + "/Catalogo?lang=en")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stAlertContainer").first).to_contain_text(
        "proposes no services to rate")
    screenshot(page, "catalogo_torino_no_services_en")
    main.get_by_role("button", name=re.compile("Open the catalogue of")).click()
    wait_for_app_run(page)
    outcome = main.get_by_test_id("stAlertContainer").filter(has_text="Catalogue:").first
    expect(outcome).to_contain_text("Catalogue: PagoPA, Fascicolo del Cittadino and SISA")
    assert app.title() == "Service catalogue"
    expect(page).to_have_url(re.compile(r"survey=ponmetro-milano-2017|wave=pon-metro"))
