"""In Chromium, on a fresh server: a link to the Risposte page opens a headline finding's
drill-down (the entities behind it, their answers and the cell of the file each came
from), in English, on a desktop and on a phone."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage

LINK = ("/Risposte?wave=metrodigital-2023-risposte&rf=connettivita_soddisfatti&rby=classe"
        "&lang=en")


def test_a_link_opens_a_findings_drill_down(page: Page, app_url: str) -> None:
    app = AppPage(page).open(app_url + LINK)
    main = page.get_by_test_id("stMain")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert app.title() == "Answers"
    expect(main.get_by_text("Synthetic example data", exact=False).first).to_be_visible()
    finding = main.get_by_test_id("stExpander").filter(
        has_text="72% of the entities are satisfied with the quality of their connectivity")
    expect(finding).to_have_count(1)
    # the link opened it: the entities behind it, each answer with its file and cell
    details = finding.locator("details")
    expect(details).to_have_attribute("open", "")
    expect(finding).to_contain_text("36 entities answered the question")
    grids = finding.get_by_test_id("stDataFrame")
    expect(grids).to_have_count(2)  # the finding by population class, then its entities
    grid = grids.last
    expect(grid).to_be_visible()
    for heading in ("Entity", "Answer", "Meets", "File", "Cell"):
        expect(grid.locator("[role='columnheader']", has_text=heading).first).to_be_attached()
    # the table is a canvas grid: its accessible cells carry the values
    expect(grid.locator("[role='gridcell']", has_text="risposte_sintetiche_2023.xlsx").first) \
        .to_be_attached()
    expect(grid.locator("[role='gridcell']", has_text="Risposte!J").first).to_be_attached()
    # the breakdown by population class heads the tables, with n
    expect(main.locator("[role='columnheader']", has_text="All (n = 36)").first) \
        .to_be_attached()
    expect(main.locator("[role='columnheader']",
                        has_text="up to 1,249 residents (n = 8)").first).to_be_attached()
    query = parse_qs(urlsplit(page.url).query)
    assert query["rf"] == ["connettivita_soddisfatti"] and query["rby"] == ["classe"]
    assert "rf=connettivita_soddisfatti" in app.share_link()
    finding.scroll_into_view_if_needed()
    screenshot(page, "risposte_desktop_en_finding")
    main.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
    screenshot(page, "risposte_desktop_en_chart")
    # closing the finding takes it out of the link
    finding.locator("summary").click()
    expect(page).not_to_have_url(re.compile(r"[?&]rf="))


def test_the_page_fits_a_phone(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        AppPage(page).open(app_url + "/Risposte?survey=ponmetro-milano-2017&rsez=servizi"
                           "&rf=spid_interesse&lang=en")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text("3.69 out of 5",
                                exact=False).first).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width} px"
        screenshot(page, "risposte_phone_en")
        main.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
        screenshot(page, "risposte_phone_en_chart")
    finally:
        context.close()
