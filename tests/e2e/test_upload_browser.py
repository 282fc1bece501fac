"""In Chromium: upload the synthetic example, read the report, publish it, see the new wave."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from metrodigital.criteria import criterion_keys
from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import PROJECT_DIR
from tests.test_ingest import seed_rows, xlsx

EXAMPLE = PROJECT_DIR / "data" / "examples" / "risposte_sintetiche_2023.xlsx"


def test_upload_preview_and_publish_a_wave(page: Page, app_url: str) -> None:
    app = AppPage(page).open(f"{app_url}/Carica")
    assert app.title() == "Carica questionari"
    page.locator("input[type=file]").first.set_input_files(str(EXAMPLE))
    # a fresh database has this very file as its synthetic example wave already: publishing
    # it again is a warning to accept
    expect(page.get_by_text("1 avviso da accettare esplicitamente:")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("è già stato pubblicato come «METRODIGITAL 2023 – risposte»")) \
        .to_be_visible()
    expect(page.get_by_text("Anteprima: la graduatoria che il file produrrebbe")).to_be_visible()
    page.get_by_label("Nome della nuova ondata").fill("Esempio sintetico 2023")
    page.get_by_text("Accetto l'avviso elencato sopra").click()
    page.get_by_role("button", name="Pubblica come nuova ondata").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Ondata «Esempio sintetico 2023» pubblicata: 36 enti.")) \
        .to_be_visible(timeout=30_000)
    screenshot(page, "upload-published")
    # the new wave ranks on the Matrix page exactly like the source's matrix
    app.open(f"{app_url}/?wave=esempio-sintetico-2023")
    app.expect_metric("Enti selezionati", "13")
    expect(page.get_by_text("Ondata «Esempio sintetico 2023», 36 enti.")).to_be_visible()


def _sidebar_wave_options(page: Page) -> list[str]:
    """Open the sidebar's wave list and read its options as a user sees them."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox") \
        .filter(has_text="Ondata di questionari").first
    box.locator("input[role='combobox']").click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    names = [o.strip() for o in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return names


def test_unknown_names_come_in_one_table_and_writes_refresh_the_sidebar(
        page: Page, app_url: str, tmp_path: Path) -> None:
    rows = [list(r) for r in seed_rows()[:6]]
    rows[0][0] = "Comune di Pinerol"
    rows[1][0] = "Comune di Rivalbb"
    upload = tmp_path / "nomi.xlsx"
    upload.write_bytes(xlsx([["ente", *criterion_keys()], *rows]))
    AppPage(page).open(f"{app_url}/Carica")
    page.locator("input[type=file]").first.set_input_files(str(upload))
    expect(page.get_by_text("Anteprima: la graduatoria che il file produrrebbe")).to_be_visible(
        timeout=30_000)
    wait_for_app_run(page)
    # one table for every unknown name, no selectbox per name
    editor = page.get_by_test_id("stDataFrame").first
    expect(editor).to_be_visible()
    assert not page.get_by_text("corrisponde a").count()
    screenshot(page, "upload-names-table")
    page.get_by_label("Nome della nuova ondata").fill("Nomi da sistemare")
    page.get_by_text("Accetto").first.click()
    page.get_by_role("button", name="Pubblica come nuova ondata").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Ondata «Nomi da sistemare» pubblicata: 6 enti.")).to_be_visible()
    assert "Nomi da sistemare" in _sidebar_wave_options(page)  # no reload needed
    page.get_by_text("Confermo: eliminare definitivamente «Nomi da sistemare»").click()
    wait_for_app_run(page)
    page.get_by_role("button", name="Elimina").click()
    wait_for_app_run(page)
    expect(page.get_by_text("Ondata «Nomi da sistemare» eliminata.")).to_be_visible()
    assert "Nomi da sistemare" not in _sidebar_wave_options(page)
    screenshot(page, "upload-deleted")
