"""Benchmark: the upload page in Chromium with an 8,000-row responses workbook.

Starts the app (from this folder, or from ``--project`` — e.g. an export of an
older commit, for a before/after comparison) on a fresh database, opens the
upload page in headless Chromium and measures:

- **preview**: from choosing the file to the preview's ranking on screen, with
  the run finished (target ≤ 10 s for 8,000 rows);
- **publish**: from pressing "Pubblica" to the confirmation on screen;
- **viewer p95**: meanwhile a second browser tab reloads the Matrix page over
  and over; the 95th percentile of its load times (another user's experience
  while the upload is being prepared and published).

The workbook is the one ``bench_import.py`` builds (the shipped synthetic
example repeated under new names: nearly every name is unknown to the territory).

    python scripts/bench_upload_browser.py [--rows 8000] [--project DIR] [--timeout 900]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.bench_import import responses_workbook
from tests.e2e.controllers import wait_for_app_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, free_port

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def start_server(project: Path, db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=project, env={**os.environ, "METRODIGITAL_DB": str(db)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise TimeoutError("server did not start")


def viewer_loop(base: str, stop: threading.Event, timings: list[float]) -> None:
    """Another user: reload the Matrix page until told to stop; record each load."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        while not stop.is_set():
            started = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector(IDLE, timeout=120_000)
            page.locator("h1").first.wait_for(timeout=120_000)
            timings.append(time.perf_counter() - started)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per step")
    parser.add_argument("--no-viewer", action="store_true")
    args = parser.parse_args()
    timeout_ms = args.timeout * 1000
    data = responses_workbook(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        upload = Path(tmp) / f"risposte_{args.rows}.xlsx"
        upload.write_bytes(data)
        server, base = start_server(args.project.resolve(), Path(tmp) / "bench.duckdb")
        stop = threading.Event()
        viewer: list[float] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(timeout_ms)  # the old page took minutes to draw
                page.goto(base + "/Carica")
                wait_for_app_run(page, timeout_ms)
                page.locator("h1").first.wait_for()
                thread = threading.Thread(target=viewer_loop, args=(base, stop, viewer))
                if not args.no_viewer:
                    thread.start()
                    time.sleep(5)  # the viewer's first loads, before the upload starts
                started = time.perf_counter()
                page.locator("input[type=file]").set_input_files(str(upload))
                page.wait_for_selector("[data-testid='stApp']"
                                       "[data-test-script-state='running']",
                                       timeout=timeout_ms)
                running = time.perf_counter() - started
                page.get_by_text("Anteprima: la graduatoria").wait_for(timeout=timeout_ms)
                shown = time.perf_counter() - started
                page.wait_for_selector(IDLE, timeout=timeout_ms)
                preview = time.perf_counter() - started
                print(f"preview of {args.rows} rows: {preview:.1f} s (run started after "
                      f"{running:.1f} s, preview heading on screen after {shown:.1f} s)",
                      flush=True)
                page.get_by_label("Nome della nuova ondata").fill(f"Bench {args.rows}")
                accept = page.get_by_text("Accetto")
                if accept.count():
                    accept.first.click()
                started = time.perf_counter()
                page.get_by_role("button", name="Pubblica come nuova ondata").click()
                page.get_by_text("pubblicata").first.wait_for(timeout=timeout_ms)
                page.wait_for_selector(IDLE, timeout=timeout_ms)
                published = time.perf_counter() - started
                print(f"publish of {args.rows} rows: {published:.1f} s", flush=True)
                browser.close()
        finally:
            stop.set()
            if not args.no_viewer and viewer:
                thread.join(timeout=300)
            server.terminate()
            server.wait(timeout=20)
        if viewer:
            ordered = sorted(viewer)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            print(f"viewer: {len(viewer)} Matrix page loads meanwhile, median "
                  f"{statistics.median(viewer):.2f} s, p95 {p95:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
