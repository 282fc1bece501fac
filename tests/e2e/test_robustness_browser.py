"""In Chromium: the Robustness page on a large wave shows its progress, and a viewer who
leaves before the end stops the computation on the server (Streamlit stops the
session's script at its next progress update; the last waiter gone cancels the job)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from metrodigital.ingest import prepare
from metrodigital.store import Store
from scripts.bench_robustness import write_matrix_csv
from tests.e2e.conftest import screenshot
from tests.e2e.controllers import wait_for_app_run
from tests.e2e.server import PROJECT_DIR, streamlit_server

ENTITIES = 3_000  # a few seconds of work per analysis on a busy two-core machine


@pytest.fixture(scope="module")
def big_wave_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = Path(tmp_path_factory.mktemp("robustness-e2e"))
    data = write_matrix_csv(folder / "grande.csv", ENTITIES).read_bytes()
    preview = prepare(data, "grande.csv", fmt="matrix")
    store = Store(folder / "app.duckdb")
    wave = store.publish_matrix_wave(name="Territorio grande", matrix=preview.matrix,
                                     survey_date=None, source_file="grande.csv",
                                     sha256=preview.sha256, uploaded_by="test")
    store.close()
    with streamlit_server(PROJECT_DIR / "app.py", folder / "app.duckdb") as url:
        yield url, wave.slug


def server_cpu_seconds(url: str) -> float:
    """CPU time used so far by the Streamlit process serving ``url`` (Linux /proc)."""
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args:
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    raise LookupError(f"no streamlit process on port {port}")


def test_progress_is_shown_and_leaving_stops_the_work(
    big_wave_server: tuple[str, str], browser: Browser,
) -> None:
    url, slug = big_wave_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="it-IT")
    page = context.new_page()
    page.goto(f"{url}/Robustezza?wave={slug}&draws=50000&seed=4")
    progress = page.get_by_test_id("stProgress")
    expect(progress).to_be_visible(timeout=60_000)
    screenshot(page, "robustness-progress")
    context.close()  # the viewer leaves mid-way
    time.sleep(1.5)  # the next progress update (every 0.25 s) stops the script
    before = server_cpu_seconds(url)
    time.sleep(3)
    idle = server_cpu_seconds(url) - before
    # an abandoned analysis no longer runs: the server is (almost) idle
    assert idle < 0.5, f"the server kept computing: {idle:.2f} s of CPU in 3 s"

    # the same question asked by a viewer who stays is answered, progress then results
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="it-IT")
    page = context.new_page()
    page.goto(f"{url}/Robustezza?wave={slug}&seed=4")
    page.get_by_test_id("stMetric").first.wait_for(timeout=120_000)
    wait_for_app_run(page, timeout=120_000)
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    screenshot(page, "robustness-large-wave")
    assert page.get_by_test_id("stDataFrame").count() >= 1
    context.close()
