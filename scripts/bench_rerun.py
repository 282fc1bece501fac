"""Benchmark: keypress on a slider → rerun finished, in Chromium; and cold start to first render.

Runs this app and a bare Streamlit app (one slider, a 36-row table) side by side
in the same run, each on its own freshly started server, and prints the medians
and the ratio. Usage::

    python scripts/bench_rerun.py [--presses 25] [--json out.json]

The target is: app median ≤ 1.5 × bare median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.controllers import AppPage, wait_for_app_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, streamlit_server

WARMUP = 3


def measure(browser, url: str, slider_label: str, presses: int) -> dict[str, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.perf_counter()
    app = AppPage(page).open(url)
    first_render = time.perf_counter() - started
    app.record_runs()
    slider = app.slider(slider_label)
    slider.focus()
    timings = []
    for i in range(presses + WARMUP):
        key = "ArrowLeft" if i % 2 == 0 else "ArrowRight"
        try:
            elapsed = app.press_and_wait(slider, key)
        except Exception:
            print(f"press {i} on {url} failed", file=sys.stderr)
            raise
        if i >= WARMUP:
            timings.append(elapsed)
    wait_for_app_run(page)
    context.close()
    return {
        "first_page_load_s": round(first_render, 3),
        "median_ms": round(statistics.median(timings), 1),
        "p90_ms": round(sorted(timings)[int(0.9 * len(timings)) - 1], 1),
        "min_ms": round(min(timings), 1),
        "presses": len(timings),
    }


def cold_start(browser, script: Path, db: Path | None) -> tuple[float, str, Path | None]:
    """Seconds from launching the server to the first finished render in a browser."""
    started = time.perf_counter()
    manager = streamlit_server(script, db)
    url = manager.__enter__()
    context = browser.new_context()
    page = context.new_page()
    AppPage(page).open(url)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed, url, manager  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=25)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, script, slider, db in [
            ("bare", PROJECT_DIR / "scripts" / "bare_app.py", "Valore", None),
            ("app", PROJECT_DIR / "app.py", "Servizi", Path(tmp) / "bench.duckdb"),
        ]:
            seconds, url, manager = cold_start(browser, script, db)
            try:
                result = measure(browser, url, slider, args.presses)
            finally:
                manager.__exit__(None, None, None)  # type: ignore[union-attr]
            result["cold_start_to_first_render_s"] = round(seconds, 2)
            results[name] = result
        browser.close()
    ratio = float(results["app"]["median_ms"]) / float(results["bare"]["median_ms"])  # type: ignore[arg-type]
    summary = {"results": results, "ratio_app_over_bare": round(ratio, 2),
               "target_ratio": 1.5, "meets_target": ratio <= 1.5}
    for name, result in results.items():
        print(f"{name:>5}: keypress→rerun median {result['median_ms']} ms "
              f"(p90 {result['p90_ms']} ms, {result['presses']} presses); "
              f"cold start to first render {result['cold_start_to_first_render_s']} s")
    print(f"ratio app/bare: {ratio:.2f} (target ≤ 1.5): "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
