"""In Chromium: the Matrix page's map recolours when a weight moves, and fits a phone."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageChops
from playwright.sync_api import Browser, Locator, Page, expect

from metrodigital.boundaries import ATTRIBUTION
from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.e2e.controllers import AppPage


def the_map(page: Page) -> Locator:
    """The map's chart: the Vega chart in the block that also holds the map's title."""
    block = page.get_by_test_id("stVerticalBlock").filter(
        has=page.get_by_role("heading", name="Mappa del territorio")).last
    return block.get_by_test_id("stVegaLiteChart").first


def map_picture(chart: Locator) -> Image.Image:
    chart.locator("canvas").first.wait_for()
    return Image.open(io.BytesIO(chart.screenshot())).convert("RGB")


def test_moving_a_weight_recolours_the_map(page: Page, app_url: str) -> None:
    """With Servizi at 0 instead of 5 the selection changes (who enters, who leaves), and
    so do the colours of those Comuni on the map, in the same rerun."""
    app = AppPage(page).open(f"{app_url}/?ser=5")
    chart = the_map(page)
    expect(chart).to_be_visible()
    expect(page.get_by_text(ATTRIBUTION).first).to_be_visible()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the canvas is drawn after the chart's box
    before = map_picture(chart)
    ARTIFACTS.mkdir(exist_ok=True)
    before.save(ARTIFACTS / "map_before.png")
    app.record_runs()
    slider = app.slider("Servizi")
    slider.focus()
    for _ in range(5):
        app.press_and_wait(slider, "ArrowLeft")
    assert app.slider_value("Servizi") == 0
    page.wait_for_timeout(300)
    after = map_picture(chart)
    after.save(ARTIFACTS / "map_after.png")
    difference = ImageChops.difference(before, after)
    box = difference.getbbox()
    assert box is not None, "the map did not change"
    pixels = np.asarray(difference.convert("RGB"))
    changed = int((pixels.max(axis=2) > 40).sum())
    assert changed > 200, f"only {changed} pixels changed"
    screenshot(page, "map_matrix_desktop")


def test_map_fits_a_phone(browser: Browser, app_url: str) -> None:
    """At phone width the map is as wide as the page, below the chart, nothing overflows."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        AppPage(page).open(app_url)
        chart = the_map(page)
        chart.scroll_into_view_if_needed()
        chart.locator("canvas").first.wait_for()
        page.wait_for_timeout(300)
        box = chart.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
        assert box["width"] > 300
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 390
        screenshot(page, "map_matrix_phone")
    finally:
        context.close()
