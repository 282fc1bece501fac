"""In Chromium: the Matrix page on a wave with hostile names draws no link to the outside
site, no outside image, no formula and no coloured name; a page served under another
host name that resolves to this computer (DNS rebinding) gets a viewer's upload page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from metrodigital.store import Wave
from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, streamlit_server
from tests.hostile import EVIL, publish_hostile_wave

REBIND_HOST = "rebind.example"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Wave]]:
    db = Path(tmp_path_factory.mktemp("hostile-e2e")) / "app.duckdb"
    wave = publish_hostile_wave(db)
    with streamlit_server(PROJECT_DIR / "app.py", db) as url:
        yield url, wave


def test_hostile_names_are_shown_as_text_in_the_browser(
    hostile_server: tuple[str, Wave], page: Page,
) -> None:
    url, wave = hostile_server
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if EVIL in r.url else None)
    app = AppPage(page).open(f"{url}/?wave={wave.slug}")
    page.get_by_test_id("stAlertContainer").filter(has_text="Pareggio al taglio").first.wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()  # the whole page is drawn
    page.locator("[data-testid='stVegaLiteChart'] canvas, "
                 "[data-testid='stVegaLiteChart'] svg").first.wait_for()
    wait_for_app_run(page)
    screenshot(page, "matrix-hostile-names")
    assert page.locator(f"a[href*='{EVIL}']").count() == 0
    assert page.locator(f"img[src*='{EVIL}']").count() == 0
    assert page.locator(".katex").count() == 0
    coloured = page.locator("[data-testid='stMarkdownColoredText'], .stMarkdownColoredText")
    assert coloured.count() == 0
    assert outside == [], "the browser fetched something from the outside site"
    # the names are there, as the characters they are made of
    alerts = app.alert_text().replace("\u2060", "")  # the invisible joiner after colons
    assert "<img src=https://evil.example/h30.png> Sant'Ambrogio" in alerts
    assert "$\\color{red}{Mazzè}$ 19" in alerts
    assert "\u202e" not in alerts and "Z" * 100 not in alerts


@pytest.fixture
def rebinding_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium resolving an outside name to this computer, as DNS rebinding makes it."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1"])
    yield launched
    launched.close()


def test_a_page_under_a_rebound_host_name_is_a_viewer(hostile_server: tuple[str, Wave],
                                                      rebinding_browser: Browser) -> None:
    app_url = hostile_server[0]
    port = urlsplit(app_url).port
    page = rebinding_browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"http://{REBIND_HOST}:{port}/Carica")
    wait_for_app_run(page)
    page.get_by_test_id("stAlertContainer").filter(has_text="nome di server non previsto") \
        .first.wait_for()
    page.get_by_test_id("stHeading").filter(has_text="Ondate pubblicate").first.wait_for()
    wait_for_app_run(page)
    assert page.get_by_test_id("stFileUploader").count() == 0
    # the same server under its own name: the local user is an editor
    page.goto(f"{app_url}/Carica")
    wait_for_app_run(page)
    page.get_by_test_id("stFileUploader").first.wait_for()
