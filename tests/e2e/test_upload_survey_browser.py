"""In Chromium: the upload page with the Milan survey chosen through the link reads a Milan
responses file as that survey's answers (no ranking: respondents with ISTAT codes) and
publishes a Milan wave; the waves list labels the synthetic examples."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.test_upload_surveys import _milan_variant


def test_a_milan_file_is_read_and_published_as_a_milan_wave(
        page: Page, app_url: str, tmp_path: Path) -> None:
    upload = tmp_path / "milano_2018.xlsx"
    upload.write_bytes(_milan_variant())
    app = AppPage(page).open(f"{app_url}/Carica?survey=ponmetro-milano-2017")
    assert app.title() == "Carica questionari"
    expect(page.get_by_text("Il file sarà letto come risposte dell'indagine scelta")) \
        .to_be_visible()
    page.locator("input[type=file]").first.set_input_files(str(upload))
    expect(page.get_by_text("Nessun problema: 59 enti pronti da pubblicare.")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("nessuna graduatoria")).to_be_visible()
    screenshot(page, "upload-milan-preview")
    page.get_by_label("Nome della nuova ondata").fill("Milano 2018")
    page.get_by_role("button", name="Pubblica come nuova ondata").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Ondata «Milano 2018» pubblicata: 59 enti.")).to_be_visible(
        timeout=30_000)
    page.get_by_role("heading", name="Ondate pubblicate").scroll_into_view_if_needed()
    screenshot(page, "upload-milan-published")
