"""Benchmark: keypress on a slider → rerun finished, in Chromium; and cold start to first render.

Runs this app and a bare Streamlit app (one slider, a 36-row table), each on its
own freshly started server, and presses a slider in each in alternating rounds,
so that all see the same machine at the same moments (on a shared 2-core machine
the absolute figures drift by ±20 % from one minute to the next; the ratio of
interleaved runs does not). A rerun is finished when the server has reported the
end of the run and the page shows it; see ``tests/e2e/controllers.py``.

The bare app runs twice: with this project's `.streamlit/config.toml` (which
turns off Streamlit's forced garbage collection after each run: the comparison
of the two apps' own work) and with Streamlit's default for that setting (what
a bare Streamlit app gives out of the box).

Three more baselines add required parts of the Matrix page to the bare app (same
settings as the app; see ``bare_app.py``): its chart, its sidebar controls, and
both. Their ratios to the bare app are what those parts cost by themselves, and
the app's ratio to the last one is what the rest of the app costs. Usage::

    python scripts/bench_rerun.py [--presses 40] [--round 5] [--json out.json]

The target is: app median ≤ 1.5 × bare median.

``--before DIR`` adds the app of another checkout (e.g. a ``git worktree`` at the
commit before a change, such as the Matrix page's map) to the same interleaved
run, as ``app_before``; the ratio app/app_before is what the change costs (the
map's target: ≤ 1.25)::

    git worktree add --detach /tmp/before <commit-before-the-map>
    python scripts/bench_rerun.py --before /tmp/before
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Browser, Locator, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.controllers import AppPage
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, PROJECT_DIR, streamlit_server

WARMUP = 3  # presses per app before measuring
CHANGE_TARGET = 1.25  # app with a change (the map) against the app before it

# (numerator, denominator, what the ratio tells) of the medians, all reported
RATIOS = (
    ("app", "bare", "app/bare, same settings"),
    ("app", "bare_streamlit_defaults", "app/bare with Streamlit's default garbage collection"),
    ("bare_with_chart", "bare", "bare with the Matrix chart/bare (the chart alone)"),
    ("bare_with_controls", "bare",
     "bare with the Matrix sidebar controls/bare (the controls alone)"),
    ("bare_with_chart_and_controls", "bare", "bare with both/bare"),
    ("app", "bare_with_chart_and_controls", "app/bare with both (the rest of the app)"),
)


def cold_start(stack: ExitStack, browser: Browser, script: Path, db: Path | None,
               slider_label: str, options: tuple[str, ...]) -> tuple[float, AppPage, Locator]:
    """Start a server; return the seconds to the first finished render and the open page."""
    started = time.perf_counter()
    url = stack.enter_context(streamlit_server(script, db, options=options))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    stack.callback(context.close)
    app = AppPage(context.new_page()).open(url)
    seconds = time.perf_counter() - started
    app.record_runs()
    slider = app.slider(slider_label)
    slider.focus()
    return seconds, app, slider


def press(app: AppPage, slider: Locator, i: int) -> float:
    return app.press_and_wait(slider, "ArrowLeft" if i % 2 == 0 else "ArrowRight")


def summary(timings: list[float], cold: float) -> dict[str, object]:
    ordered = sorted(timings)
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p90_ms": round(ordered[int(0.9 * len(ordered)) - 1], 1),
        "min_ms": round(ordered[0], 1),
        "presses": len(timings),
        "cold_start_to_first_render_s": round(cold, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40, help="measured presses per app")
    parser.add_argument("--round", type=int, default=5, help="presses per app in a row")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--before", type=Path,
                        help="another checkout of the project: its app is measured too")
    args = parser.parse_args()
    bare = PROJECT_DIR / "scripts" / "bare_app.py"
    apps = [
        ("bare", bare, "Valore", None, ()),
        ("bare_streamlit_defaults", bare, "Valore", None, ("--runner.postScriptGC", "true")),
        ("bare_with_chart", bare, "Valore", "bare_chart.duckdb", ("--", "--chart")),
        ("bare_with_controls", bare, "Valore", None, ("--", "--controls")),
        ("bare_with_chart_and_controls", bare, "Valore", "bare_both.duckdb",
         ("--", "--chart", "--controls")),
        ("app", PROJECT_DIR / "app.py", "Servizi", "bench.duckdb", ()),
    ]
    if args.before is not None:
        apps.append(("app_before", args.before.resolve() / "app.py", "Servizi",
                     "bench_before.duckdb", ()))
    timings: dict[str, list[float]] = {name: [] for name, *_ in apps}
    cold: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright, \
            ExitStack() as stack:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        pages = {}
        for name, script, label, db, options in apps:
            cold[name], app, slider = cold_start(stack, browser, script,
                                                 Path(tmp) / db if db else None, label, options)
            for i in range(WARMUP):
                press(app, slider, i)
            pages[name] = (app, slider)
        done = 0
        while done < args.presses:
            batch = min(args.round, args.presses - done)
            for name, (app, slider) in pages.items():
                timings[name] += [press(app, slider, done + i) for i in range(batch)]
            done += batch
    results = {name: summary(timings[name], cold[name]) for name in timings}
    medians = {name: float(results[name]["median_ms"]) for name in results}  # type: ignore[arg-type]
    ratio = medians["app"] / medians["bare"]
    report: dict[str, object] = {"results": results}
    for numerator, denominator, _ in RATIOS:
        report[f"ratio_{numerator}_over_{denominator}"] = round(
            medians[numerator] / medians[denominator], 2)
    report.update(target_ratio=1.5, meets_target=ratio <= 1.5)
    if "app_before" in medians:
        change = medians["app"] / medians["app_before"]
        report.update(ratio_app_over_app_before=round(change, 2),
                      meets_change_target=change <= CHANGE_TARGET)
    for name, result in results.items():
        print(f"{name:>28}: keypress→rerun median {result['median_ms']} ms "
              f"(p90 {result['p90_ms']} ms, {result['presses']} presses); "
              f"cold start to first render {result['cold_start_to_first_render_s']} s")
    print(f"ratio app/bare, same settings: {ratio:.2f} (target ≤ 1.5): "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")
    for numerator, denominator, label in RATIOS[1:]:
        print(f"ratio {label}: {report[f'ratio_{numerator}_over_{denominator}']:.2f}")
    if "app_before" in medians:
        change = float(report["ratio_app_over_app_before"])  # type: ignore[arg-type]
        print(f"ratio app/app before the change: {change:.2f} (target ≤ {CHANGE_TARGET}): "
              f"{'met' if change <= CHANGE_TARGET else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
