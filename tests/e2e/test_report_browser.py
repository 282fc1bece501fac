"""In Chromium: the Excel report links back to the scenario it shows; quota links open."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from metrodigital.params import scenario_from_params
from tests.e2e.conftest import screenshot
from tests.e2e.controllers import AppPage


def test_report_download_is_named_by_wave_and_date_and_links_to_this_address(
        page: Page, app_url: str, tmp_path: Path) -> None:
    app = AppPage(page).open(f"{app_url}/Robustezza?ser=3&tie=criteria&tiek=inf&draws=1000")
    button = page.get_by_role("button", name="Scarica il rapporto Excel di questo scenario")
    with page.expect_download(timeout=60_000) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == \
        f"metrodigital_metrodigital-2023_{date.today().isoformat()}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    screenshot(app.page, "robustness_report_download")
    params = {row[0].value: row[1] for row in load_workbook(path)["Parametri"].iter_rows()}
    link = params["Link allo scenario"].value
    assert link.startswith(f"{app_url}/Robustezza?")  # the address the page was opened from
    scenario, notes = scenario_from_params(parse_qs(urlsplit(link).query))
    assert notes == []
    assert (scenario.weights["servizi"], scenario.tie_criteria, scenario.draws) == \
        (3, ("infrastrutture",), 1000)
    assert params["Regola di pareggio"].value == \
        "spareggio per criteri, nell'ordine: Infrastrutture"


def test_the_readme_quota_link_opens_the_matrix_page(page: Page, app_url: str) -> None:
    """``?q=zona9%3C%3D3`` (the README's example) showed an IndexError."""
    app = AppPage(page).open(f"{app_url}/?q=zona9%3C%3D3")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    text = app.alert_text()
    assert "Le quote decidono chi occupa i posti" in text
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in text
    app.expect_metric("Enti selezionati", "13")
    screenshot(page, "matrix_quota_zona9_max")
