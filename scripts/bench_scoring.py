"""Benchmark: ranking + selection of a stored wave, what the Matrix page does on every slider move.

Publishes the seed (36 entities) and synthetic waves of 312 and 7,899 entities
(the 36 seed rows, then rows resampled column by column from the seed's values,
as ``bench_robustness.py`` makes them) into an in-memory store, then times
``ranking.evaluate`` (rank, select, compare with the reference ranks) and
``ranking.rank`` alone, with the weights changing at every call as a slider
moves them (after a warm-up: caches filled, as on a page rerun). Cases: the
default scenario (include every tie), the tie broken by criteria, min–max
normalisation, and a population-class quota. Usage::

    python scripts/bench_scoring.py [--sizes 36,312,7899] [--calls 30] [--json out.json]

Prints the median milliseconds per call for each case and size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrodigital import ranking
from metrodigital.quotas import parse_quota
from metrodigital.scenario import Normalisation, Scenario, TieRule
from metrodigital.store import SEED_WAVE_SLUG, Store
from scripts.bench_robustness import seed_points, synthetic_points

KEYS = ("anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr", "dati",
        "conclusione", "popolazione")
SEED_WEIGHTS = (2.0, 3.0, 4.0, 5.0, 3.0, 3.0, 5.0, 4.0)


def publish(store: Store, size: int) -> str:
    """A synthetic wave of ``size`` entities; its slug."""
    seed = seed_points()
    points = np.vstack((seed, synthetic_points(seed, max(0, size - len(seed)))))[:size]
    matrix = pd.DataFrame(points, columns=list(KEYS))
    matrix.insert(0, "ente", [f"Comune sintetico {i:05d}" for i in range(1, size + 1)])
    wave = store.publish_matrix_wave(name=f"bench {size}", matrix=matrix, survey_date=None,
                                     source_file=f"bench{size}.csv", sha256=f"{size:064d}",
                                     uploaded_by="bench")
    return wave.slug


def slider_weights(calls: int) -> list[dict[str, float]]:
    """The weights a slider on ``servizi`` passes through, 0 to 10 and back."""
    out = []
    for i in range(calls):
        moved = list(SEED_WEIGHTS)
        moved[3] = float(i % 11)
        out.append(dict(zip(KEYS, moved, strict=True)))
    return out


def median_ms(calls: int, job: Callable[[dict[str, float]], object]) -> float:
    weights = slider_weights(calls)
    job(weights[0])  # warm-up: caches filled
    job(weights[1])
    times = []
    for w in weights:
        start = time.perf_counter()
        job(w)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="36,312,7899")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    store = Store(":memory:")
    slugs = {size: SEED_WAVE_SLUG if size == 36 else publish(store, size) for size in sizes}
    quota = parse_quota("pop1>=3")
    assert quota is not None
    cases: dict[str, Callable[[Scenario], Scenario]] = {
        "evaluate (ties: all)": lambda s: s,
        "evaluate (ties: criteria)": lambda s: replace(
            s, ties=TieRule.CRITERIA, tie_criteria=("servizi", "dati")),
        "evaluate (minmax)": lambda s: replace(s, normalisation=Normalisation.MINMAX),
        "evaluate (quota pop1>=3)": lambda s: replace(s, quotas=(quota,)),
    }
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f} calls={args.calls} "
          "(median ms per call)")
    print(f"{'case':<28}" + "".join(f"{size:>10}" for size in sizes))
    report: dict[str, dict[str, float]] = {}
    line = {size: median_ms(args.calls, lambda w, slug=slugs[size]: ranking.rank(
        store, slug, w)) for size in sizes}
    report["rank"] = {str(k): v for k, v in line.items()}
    print(f"{'rank':<28}" + "".join(f"{line[size]:>10.2f}" for size in sizes))
    for label, change in cases.items():
        line = {}
        for size in sizes:
            base = change(Scenario(wave=slugs[size]))
            line[size] = median_ms(args.calls, lambda w, base=base: ranking.evaluate(
                store, replace(base, weights=w)))
        report[label] = {str(k): v for k, v in line.items()}
        print(f"{label:<28}" + "".join(f"{line[size]:>10.2f}" for size in sizes))
    store.close()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
