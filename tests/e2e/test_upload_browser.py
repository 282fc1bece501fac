"""In Chromium: upload the synthetic example, read the report, publish it, see the new wave."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "data" / "examples" / "risposte_sintetiche_2023.xlsx"


def test_upload_preview_and_publish_a_wave(page: Page, app_url: str) -> None:
    app = AppPage(page).open(f"{app_url}/Carica")
    assert app.title() == "Carica questionari"
    page.locator("input[type=file]").set_input_files(str(EXAMPLE))
    expect(page.get_by_text("Nessun problema: 36 enti pronti da pubblicare.")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("Anteprima: la graduatoria che il file produrrebbe")).to_be_visible()
    page.get_by_label("Nome della nuova ondata").fill("Esempio sintetico 2023")
    page.get_by_role("button", name="Pubblica come nuova ondata").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Ondata «Esempio sintetico 2023» pubblicata: 36 enti.")) \
        .to_be_visible(timeout=30_000)
    screenshot(page, "upload-published")
    # the new wave ranks on the Matrix page exactly like the source's matrix
    app.open(f"{app_url}/?wave=esempio-sintetico-2023")
    app.expect_metric("Enti selezionati", "13")
    expect(page.get_by_text("Ondata «Esempio sintetico 2023», 36 enti.")).to_be_visible()
