"""The weight-perturbation Monte Carlo in plain numpy: the reference for the CLI benchmark.

What someone would write with numpy alone, reasonably (draws in chunks, contiguous
rows): read the matrix, draw the weights (``default_rng(seed).uniform`` on
``[max(0, w − k), min(10, w + k)]``, the same draws as the app), ``scores = W @
points.T``, competition ranks per draw (scores compared at 9 decimals), the
selection count and the 5th/50th/95th percentile ranks (inverted CDF). Prints JSON
with ``ente``, ``p_selected``, ``rank_p05``, ``rank_p50``, ``rank_p95`` per entity.
No exact rank bounds, no tipping points, no validation: only the simulation.
Usage::

    python scripts/robustness_numpy_reference.py --data FILE.csv [--draws 10000]
        [--seed 20230321] [--top 12] [--spread 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

import numpy as np

CRITERIA = ("anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr", "dati",
            "conclusione", "popolazione")
WEIGHTS = np.array([2, 3, 4, 5, 3, 3, 5, 4], dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20230321)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--spread", type=float, default=1.0)
    args = parser.parse_args()

    with open(args.data, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["ente"] for row in rows]
    points = np.array([[float(row[key]) for key in CRITERIA] for row in rows])
    n = len(names)
    lower = np.minimum(np.maximum(0, WEIGHTS - args.spread), WEIGHTS)
    upper = np.maximum(np.minimum(10, WEIGHTS + args.spread), WEIGHTS)
    draws = np.random.default_rng(args.seed).uniform(lower, upper, size=(args.draws, 8))

    ranks = np.empty((args.draws, n), dtype=np.int32)
    chunk = max(1, 2_000_000 // n)
    positions = np.arange(n)
    for start in range(0, args.draws, chunk):
        scores = draws[start:start + chunk] @ points.T  # draws × entities
        keys = np.rint(scores * 1e9).astype(np.int64)
        order = np.argsort(-keys, axis=1)
        ordered = np.take_along_axis(keys, order, axis=1)
        new_score = np.ones(ordered.shape, dtype=bool)
        new_score[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        # competition rank: 1 + position of the first entity with the same score
        rank_sorted = np.maximum.accumulate(np.where(new_score, positions, 0), axis=1) + 1
        np.put_along_axis(ranks[start:start + chunk], order, rank_sorted.astype(np.int32),
                          axis=1)
    p_selected = (ranks <= args.top).mean(axis=0)
    percentiles = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf").astype(int)
    json.dump({"entities": [
        {"ente": names[i], "p_selected": float(p_selected[i]),
         "rank_p05": int(percentiles[0, i]), "rank_p50": int(percentiles[1, i]),
         "rank_p95": int(percentiles[2, i])}
        for i in range(n)
    ]}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
