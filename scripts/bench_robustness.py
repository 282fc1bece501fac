"""Benchmark: the weight-perturbation analysis, vectorised vs a per-draw MCDA-library loop.

Times ``metrodigital.robustness.simulate`` (10,000 draws) on the 36 seed entities and
on 8,000 synthetic entities, and the same analysis done by looping pymcdm's
Weighted Sum Model once per draw (scores from ``WSM``, competition ranks and the
statistics from plain numpy), side by side in the same run, and prints the
timings and the ratio. Also times the exact rank bounds and the tipping points on
the seed. Usage::

    python scripts/bench_robustness.py [--draws 10000] [--entities 8000]
        [--mcda-draws-large 500] [--workers 2] [--json out.json]
    python scripts/bench_robustness.py --cli [--sizes 36,312,8000] [--draws 10000]

    python scripts/bench_robustness.py --page [--sizes 312,1000,8000]

``--page`` times what opening the Robustness page computes (``analyse`` on a stored
wave, with the page's time budget) and its peak traced memory.

``--cli`` times whole processes instead, one run per size, alternately:
``python -m metrodigital robustness --data FILE --draws N`` (simulation, rank
bounds, tipping points, validation of the file) against
``scripts/robustness_numpy_reference.py`` (the same draws, simulation only, plain
numpy), on the seed file (36) and generated files (36 seed rows + resampled rows);
prints wall times and ratios (targets: ≤ 1.5× at 312, ≤ 0.5× at 8,000) and checks
that both give the same probabilities and percentile ranks.

Targets: 36 entities ≤ 0.2 s, 8,000 entities ≤ 2 s (2 cores). The 8,000-entity
library loop runs only ``--mcda-draws-large`` draws and is extrapolated linearly
to the full count (each draw costs the same); the output says so.

The synthetic matrix resamples, column by column, the point values observed in
the seed (seeded), so it has the seed's ranges and plenty of ties.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrodigital import robustness as rb

SEED_CSV = Path(__file__).resolve().parents[1] / "data" / "seed_matrix.csv"
SEED_WEIGHTS = np.array([2, 3, 4, 5, 3, 3, 5, 4], dtype=float)
TOP = 12


def seed_points() -> np.ndarray:
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([[float(row[key]) for key in rb.CRITERIA] for row in rows])


def synthetic_points(seed: np.ndarray, entities: int, rng_seed: int = 2023) -> np.ndarray:
    rng = np.random.default_rng(rng_seed)
    columns = [rng.choice(np.unique(seed[:, c]), size=entities) for c in range(seed.shape[1])]
    return np.column_stack(columns)


def write_matrix_csv(path: Path, entities: int, rng_seed: int = 2023) -> Path:
    """A matrix file (the columns of ``data/seed_matrix.csv``, no final score) of
    ``entities`` synthetic entities: the 36 seed rows first, then resampled ones."""
    seed = seed_points()
    extra = synthetic_points(seed, max(0, entities - len(seed)), rng_seed)
    points = np.vstack((seed, extra))[:entities]
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        seed_names = [row["ente"] for row in csv.DictReader(handle)]
    names = seed_names + [f"Comune sintetico {i:05d}" for i in range(1, len(points) + 1)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ente", *rb.CRITERIA])
        for name, row in zip(names, points, strict=False):
            writer.writerow([name, *(f"{value:g}" for value in row)])
    return path


def best_of(repeats: int, job: Callable[[], object]) -> float:
    """Median wall time of ``repeats`` runs after one warm-up run."""
    job()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mcda_loop(points: np.ndarray, draws: np.ndarray, top: int) -> dict[str, np.ndarray]:
    """The same analysis with pymcdm's WSM called once per draw (the usual pattern)."""
    from pymcdm.methods import WSM  # imported here: the rest of the script needs only numpy

    wsm = WSM(normalization_function=lambda column, cost: column)  # raw points, no rescaling
    types = np.ones(points.shape[1])
    ranks = np.empty((draws.shape[0], points.shape[0]), dtype=np.int64)
    for d, weights in enumerate(draws):
        total = weights.sum()
        # WSM expects weights summing to 1; scale the preferences back to points
        preference = wsm(points, weights / total, types, validation=False) * total
        ranks[d] = rb.competition_rank(preference)
    ordered = np.sort(ranks, axis=0)
    n_draws = draws.shape[0]
    pick = [max(0, int(np.ceil(q / 100 * n_draws)) - 1) for q in rb.PERCENTILES]
    return {
        "p_selected": (ranks <= top).mean(axis=0),
        "rank_p5": ordered[pick[0]],
        "rank_p50": ordered[pick[1]],
        "rank_p95": ordered[pick[2]],
    }


def run_timed(command: list[str]) -> tuple[float, float, str]:
    """Wall and CPU (user + sys) seconds of a child process, and its standard output."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                         - before.children_system)
    return wall, cpu, done.stdout


def cli_benchmark(sizes: list[int], draws: int, out: Path | None) -> None:
    """Whole CLI process against the plain-numpy reference process, one run each."""
    targets = {312: 1.5, 8000: 0.5}
    work = Path(tempfile.mkdtemp(prefix="bench-robustness-"))
    report: dict[str, object] = {"cpus": os.cpu_count(), "draws": draws}
    print(f"cpus={os.cpu_count()} draws={draws} load={os.getloadavg()[0]:.1f}")
    print(f"{'entities':>9}{'CLI s':>9}{'(cpu)':>8}{'numpy s':>9}{'(cpu)':>8}{'ratio':>7}"
          f"{'cpu ratio':>10}  target  exact bounds  MILPs")
    for size in sizes:
        data = SEED_CSV if size == 36 else write_matrix_csv(work / f"m{size}.csv", size)
        ours, ours_cpu, ours_out = run_timed(
            [sys.executable, "-m", "metrodigital", "robustness", "--data", str(data),
             "--draws", str(draws)])
        ref, ref_cpu, ref_out = run_timed(
            [sys.executable, str(Path(__file__).with_name("robustness_numpy_reference.py")),
             "--data", str(data), "--draws", str(draws)])
        cli_json, ref_json = json.loads(ours_out), json.loads(ref_out)
        keys = ("ente", "p_selected", "rank_p05", "rank_p50", "rank_p95")
        same = sorted(tuple(e[k] for k in keys) for e in cli_json["entities"]) == sorted(
            tuple(e[k] for k in keys) for e in ref_json["entities"])
        exact = sum(e["best_rank"] is not None and e["worst_rank"] is not None
                    for e in cli_json["entities"])
        target = targets.get(size)
        verdict = "" if target is None else ("ok" if ours / ref <= target else "MISSED")
        print(f"{size:>9}{ours:>9.2f}{ours_cpu:>8.2f}{ref:>9.2f}{ref_cpu:>8.2f}"
              f"{ours / ref:>7.2f}{ours_cpu / ref_cpu:>10.2f}  "
              f"{'' if target is None else f'≤ {target}':<6} {verdict:<6}"
              f"{exact:>6}/{size:<6}{cli_json['scenario']['bounds']['milps']:>5}"
              f"{'' if same else '  RESULTS DIFFER'}")
        report[str(size)] = {"cli_s": ours, "cli_cpu_s": ours_cpu, "numpy_s": ref,
                             "numpy_cpu_s": ref_cpu, "ratio": ours / ref,
                             "cpu_ratio": ours_cpu / ref_cpu, "target": target,
                             "same_simulation": same, "exact_bounds": exact,
                             "bounds": cli_json["scenario"]["bounds"]}
    if out:
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")


def page_benchmark(sizes: list[int], draws: int) -> None:
    """What the Robustness page computes for a viewer: analyse() with the page's budget."""
    import tracemalloc

    from metrodigital.analysis import analyse
    from metrodigital.ingest import prepare
    from metrodigital.robustness import Budget
    from metrodigital.scenario import Scenario
    from metrodigital.store import Store
    from ui.robustness import JOB_SECONDS

    work = Path(tempfile.mkdtemp(prefix="bench-robustness-page-"))
    print(f"cpus={os.cpu_count()} draws={draws} budget={JOB_SECONDS} s "
          f"load={os.getloadavg()[0]:.1f}")
    print(f"{'entities':>9}{'seconds':>9}{'peak MB':>9}  exact bounds  MILPs  time limit")
    for size in sizes:
        data = write_matrix_csv(work / f"m{size}.csv", size).read_bytes()
        preview = prepare(data, f"m{size}.csv", fmt="matrix")
        store = Store(":memory:")
        wave = store.publish_matrix_wave(name=f"bench {size}", matrix=preview.matrix,
                                         survey_date=None, source_file=f"m{size}.csv",
                                         sha256=preview.sha256, uploaded_by="bench")
        scenario = Scenario(wave=wave.slug, draws=draws)
        tracemalloc.start()
        start = time.perf_counter()
        report = analyse(store, scenario, budget=Budget(seconds=JOB_SECONDS))
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        store.close()
        bounds = report.bounds
        exact = int((bounds.best_exact & bounds.worst_exact).sum())
        print(f"{size:>9}{seconds:>9.2f}{peak:>9.0f}{exact:>8}/{size:<6}"
              f"{bounds.milps_solved:>5}  {'reached' if bounds.time_limited else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--entities", type=int, default=8_000)
    parser.add_argument("--mcda-draws-large", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cli", action="store_true", help="whole processes vs plain numpy")
    parser.add_argument("--page", action="store_true", help="what the page computes")
    parser.add_argument("--sizes", default=None)
    args = parser.parse_args()
    if args.page:
        page_benchmark([int(s) for s in (args.sizes or "312,1000,8000").split(",")],
                       args.draws)
        return
    if args.cli:
        cli_benchmark([int(s) for s in (args.sizes or "36,312,8000").split(",")], args.draws,
                      args.json)
        return

    small = seed_points()
    large = synthetic_points(small, args.entities)
    report: dict[str, object] = {
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "pymcdm": version("pymcdm"),
        "draws": args.draws,
        "workers": args.workers,
    }
    print(f"cpus={os.cpu_count()} numpy={np.__version__} pymcdm={report['pymcdm']}")
    print(f"{'case':<34}{'metrodigital':>14}{'pymcdm loop':>14}{'ratio':>9}  target")

    for label, points, mcda_draws, target in (
        ("36 seed entities", small, args.draws, 0.2),
        (f"{args.entities:,} synthetic entities", large, args.mcda_draws_large, 2.0),
    ):
        ours = best_of(
            args.repeats,
            lambda p=points: rb.simulate(
                p, SEED_WEIGHTS, TOP, draws=args.draws, seed=1, workers=args.workers
            ),
        )
        result = rb.simulate(points, SEED_WEIGHTS, TOP, draws=args.draws, seed=1)
        box = rb.weight_box(SEED_WEIGHTS)
        draws = rb.draw_weights(box, args.draws, 1)
        start = time.perf_counter()
        loop = mcda_loop(points, draws[:mcda_draws], TOP)
        loop_time = (time.perf_counter() - start) * args.draws / mcda_draws
        note = "" if mcda_draws == args.draws else f" (extrapolated from {mcda_draws} draws)"
        if mcda_draws == args.draws:
            # same draws, same answer: the two implementations must agree exactly
            assert np.array_equal(loop["p_selected"], result.p_selected)
            assert np.array_equal(loop["rank_p50"], result.rank_p50)
        verdict = "ok" if ours <= target else "MISSED"
        print(
            f"{label:<34}{ours:>13.3f}s{loop_time:>13.2f}s{loop_time / ours:>8.0f}x"
            f"  ≤ {target} s {verdict}{note}"
        )
        report[label] = {
            "metrodigital_s": ours,
            "pymcdm_loop_s": loop_time,
            "pymcdm_draws_timed": mcda_draws,
            "ratio": loop_time / ours,
            "target_s": target,
        }

    bounds_time = best_of(args.repeats, lambda: rb.rank_bounds(small, SEED_WEIGHTS, TOP))
    tipping_time = best_of(args.repeats, lambda: rb.tipping_points(small, SEED_WEIGHTS, TOP))
    print(f"{'exact rank bounds, 36 entities':<34}{bounds_time:>13.3f}s")
    print(f"{'tipping points, 36 × 8':<34}{tipping_time:>13.3f}s")
    report["rank_bounds_36_s"] = bounds_time
    report["tipping_points_36_s"] = tipping_time
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
