"""In Chromium, the Matrix page at the three screen sizes people use: 1440×900 and
1280×720 desktops, a 390×844 phone. Screenshots go to artifacts/matrix-<size>*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run

# The longest run of coloured pixels in any row of the chart's canvas: the widest bar.
WIDEST_BAR = """
(canvas) => {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  const pixels = context.getImageData(0, 0, width, height).data;
  let widest = 0;
  for (let y = 0; y < height; y += 2) {
    let run = 0;
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      const coloured = a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60;
      run = coloured ? run + 1 : 0;
      widest = Math.max(widest, run);
    }
  }
  return widest / (window.devicePixelRatio || 1);
}
"""


def open_matrix(browser: Browser, url: str, width: int, height: int,
                phone: bool = False) -> Iterator[tuple[AppPage, Page]]:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=phone, has_touch=phone, locale="it-IT")
    try:
        page = context.new_page()
        app = AppPage(page).open(f"{url}/")
        # the chart, the table and the metrics are drawn once their code has loaded
        page.locator("[data-testid='stVegaLiteChart'] canvas").first.wait_for()
        page.get_by_test_id("stDataFrame").first.wait_for()
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        page.wait_for_timeout(500)  # the chart's first paint
        yield app, page
    finally:
        context.close()


@pytest.fixture
def desktop(browser: Browser, app_url: str, request: pytest.FixtureRequest
            ) -> Iterator[tuple[AppPage, Page]]:
    width, height = request.param
    yield from open_matrix(browser, app_url, width, height)


@pytest.mark.parametrize("desktop", [(1440, 900)], indirect=True)
def test_at_1440_every_criterion_column_of_the_ranking_is_visible(desktop) -> None:
    _, page = desktop
    screenshot(page, "matrix-1440x900")
    table = page.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    scroller = table.locator(".dvn-scroller").first
    widths = scroller.evaluate("s => [s.scrollWidth, s.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"the table scrolls sideways: {widths}"
    screenshot(page, "matrix-1440x900-table")


@pytest.mark.parametrize("desktop", [(1280, 720)], indirect=True)
def test_at_1280x720_the_chart_starts_on_the_first_screen(desktop) -> None:
    _, page = desktop
    screenshot(page, "matrix-1280x720")
    chart = page.get_by_test_id("stVegaLiteChart").first.bounding_box()
    assert chart is not None
    # the chart's title, legend and its first bars are within the first 720 pixels
    assert chart["y"] + 200 < 720, chart


def test_on_a_phone_the_bars_use_the_screen_and_the_sidebar_leaves_the_results_in_sight(
    browser: Browser, app_url: str
) -> None:
    for app, page in open_matrix(browser, app_url, 390, 844, phone=True):
        chart = page.get_by_test_id("stVegaLiteChart").first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        screenshot(page, "matrix-390x844-chart")
        widest = chart.locator("canvas").first.evaluate(WIDEST_BAR)
        assert widest >= 170, f"the longest bar is {widest} pixels wide"  # was 60

        page.locator("h1").first.scroll_into_view_if_needed()
        page.get_by_test_id("stExpandSidebarButton").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Risultato: 13 enti selezionati (N = 12)")).to_be_visible()
        page.wait_for_timeout(400)  # the sheet's slide-in
        box = sidebar.bounding_box()
        assert box is not None and box["y"] >= 0.35 * 844, box  # a sheet over the lower part
        expect(page.locator("h1").first).to_be_in_viewport()
        screenshot(page, "matrix-390x844-sidebar")
        app.record_runs()
        servizi = app.slider("Servizi")
        servizi.scroll_into_view_if_needed()
        servizi.focus()
        app.press_and_wait(servizi, "End")
        expect(sidebar.get_by_text("Rispetto ai pesi della fonte: entrano")).to_be_visible()


def test_streamlits_own_words_are_replaced_or_hidden(page: Page, app_url: str) -> None:
    app = AppPage(page).open(f"{app_url}/?tie=criteria")
    # the tie-break criteria picker offers no English "Select all"
    picker = page.get_by_test_id("stMultiSelect").filter(has_text="Criteri di spareggio").first
    servizi = page.get_by_role("option", name="Servizi")
    wait_for_app_run(page)
    for _ in range(5):  # a click that lands while the page is redrawn opens nothing
        picker.scroll_into_view_if_needed()
        picker.locator("input").focus()
        page.keyboard.press("ArrowDown")  # opens the list without toggling it shut
        try:
            expect(servizi).to_be_visible(timeout=2_000)
            break
        except AssertionError:
            wait_for_app_run(page)
    expect(servizi).to_be_visible()
    expect(page.get_by_role("option", name="Select all")).to_have_count(0)
    page.keyboard.press("Escape")
    # the chart's and the table's English toolbars are hidden; the page has its own download
    page.locator("[data-testid='stVegaLiteChart'] canvas").first.wait_for()
    for toolbar in page.get_by_test_id("stElementToolbar").all():
        assert toolbar.evaluate("e => getComputedStyle(e).display") == "none"
    expect(page.get_by_role("button", name="Scarica la graduatoria (CSV per Excel)")) \
        .to_be_visible()
    # the file uploader's button and limit, in the user's language
    app.open(f"{app_url}/Carica")
    words_on_button = page.locator("[data-testid='stFileUploaderDropzone']"
                                   " [data-testid='stBaseButton-secondary'] p").first
    words = words_on_button.evaluate("e => getComputedStyle(e, '::after').content")
    assert words == '"Scegli il file"'
    limit = page.get_by_test_id("stFileUploaderDropzoneInstructions").locator("span").first
    assert limit.evaluate("e => getComputedStyle(e, '::after').content") == \
        '"Massimo 10 MB per file"'
    screenshot(page, "upload-italian-uploader")
    app.switch_language("English")
    expect(page.locator("h1").first).to_have_text("Upload questionnaires")
    assert words_on_button.evaluate(
        "e => getComputedStyle(e, '::after').content") == '"Choose the file"'
