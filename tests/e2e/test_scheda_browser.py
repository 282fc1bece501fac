"""In Chromium, on a fresh server: an entity's Scheda is opened by clicking its link in the
Matrix table (the scenario kept), its brief downloads as a .docx, and the page fits a phone
and reads in English."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import docx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run

# the Matrix table's column widths before the Scheda column (ui/matrix.py _WIDTHS)
_BEFORE_LINK = 48 + 54 + 150 + 86 + 54 + 46
_LINK_WIDTH = 54
_ROW = 35


def test_clicking_an_entity_in_the_matrix_opens_its_scheda_and_its_brief(
        page: Page, app_url: str) -> None:
    AppPage(page).open(app_url + "/?ser=3&n=10")
    grid = page.get_by_test_id("stDataFrame").filter(has_text="Scheda_ente").first
    expect(grid).to_contain_text("Piossasco", timeout=30_000)
    rows = grid.locator("[role='row']").all_inner_texts()
    index = next(i for i, row in enumerate(rows) if "Piossasco" in row) - 1  # header first
    grid.evaluate("e => e.scrollIntoView({block: 'start'})")  # the header row in view
    box = grid.bounding_box()
    assert box is not None and index < 20  # Piossasco is near the top: its row is in view
    # each column is drawn about 5 px wider than its configured width
    x = box["x"] + _BEFORE_LINK + 5 * 6 + _LINK_WIDTH / 2
    y = box["y"] + _ROW * (index + 1) + _ROW / 2
    page.mouse.move(x, y)  # the grid draws a link cell as a link once hovered
    page.wait_for_timeout(500)
    with page.context.expect_page(timeout=30_000) as opened:
        page.mouse.click(x, y)
    scheda = opened.value
    scheda.set_viewport_size({"width": 1400, "height": 1000})
    wait_for_app_run(scheda, timeout=60_000)
    main = scheda.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Comune di Piossasco")).to_be_visible(
        timeout=60_000)
    query = parse_qs(urlsplit(scheda.url).query)
    assert query["ser"] == ["3"] and query["n"] == ["10"]  # the scenario is kept
    assert query["ente"] == ["001194"]  # the link names the entity by its ISTAT code
    app = AppPage(scheda)
    assert app.slider_value("Servizi") == 3
    app.expect_metric("Posizione", "2")  # Piossasco is second with Servizi at 3
    expect(main.get_by_text("Punti per sezione", exact=True)).to_be_visible()
    screenshot(scheda, "scheda_desktop")
    button = scheda.get_by_role("button", name="Scarica il brief d'intervista (.docx)")
    with scheda.expect_download(timeout=60_000) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "brief-piossasco.docx"
    document = docx.Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Brief d'intervista — Comune di Piossasco" in text
    assert "Posizione 2 su 36" in text
    link = next(line for line in text.splitlines() if line.startswith("Scenario (link): "))
    linked = parse_qs(urlsplit(link.removeprefix("Scenario (link): ")).query)
    assert linked["ser"] == ["3"] and linked["ente"] == ["001194"]
    assert len(document.inline_shapes) == 1  # the section chart
    wait_for_app_run(scheda)  # the download button's click reruns the page: drawn anew
    expect(main.get_by_text("Punti per sezione", exact=True)).to_be_visible()
    scheda.get_by_text("Punti per sezione", exact=True).scroll_into_view_if_needed()
    screenshot(scheda, "scheda_desktop_sections")


def test_the_scheda_in_english_with_answers_and_on_a_phone(browser: Browser,
                                                           app_url: str) -> None:
    link = "/Scheda_ente?wave=metrodigital-2023-risposte&ente=001194&lang=en"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        AppPage(page).open(app_url + link)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Comune di Piossasco")).to_be_visible()
        expect(main.get_by_text("Offers of the Città Metropolitana that fit the entity")) \
            .to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width} px"
        screenshot(page, "scheda_phone_en")
        main.get_by_text("Offers of the Città Metropolitana").scroll_into_view_if_needed()
        screenshot(page, "scheda_phone_en_offers")
    finally:
        context.close()


def test_the_action_plan_page(page: Page, app_url: str) -> None:
    AppPage(page).open(app_url + "/Piano_azione?wave=metrodigital-2023-risposte")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Piano d'azione")).to_be_visible()
    expect(main.get_by_text("Enti per offerta")).to_be_visible()
    with page.expect_download(timeout=60_000) as download_info:
        main.get_by_role("button", name="Scarica il Piano d'azione (Excel)").click()
    assert download_info.value.suggested_filename == \
        "piano-azione-metrodigital-2023-risposte.xlsx"
    wait_for_app_run(page)
    screenshot(page, "piano_desktop")
