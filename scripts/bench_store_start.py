"""Benchmark: creating the database on first start (``Store()`` on a fresh file).

A fresh database is migrated, seeded with the source's matrix and, since schema v4,
given the two synthetic example waves (Torino's responses, the Milan 2017 answers).
Measures ``Store(path)`` on new files with the examples (as the app starts) and
without them (``examples=False``, as before they existed), interleaved, in one process
after a warm-up (imports and definition caches loaded, as on a running server's first
request), and reopening an existing file.

    python scripts/bench_store_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrodigital.store import Store


def _timed(path: Path, examples: bool) -> float:
    """Seconds to create (or open) the store; closing it (DuckDB's checkpoint of what was
    written) is not timed: a running app keeps its store open."""
    start = time.perf_counter()
    store = Store(path, examples=examples)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first = _timed(folder / "warm.duckdb", True)  # imports, caches: the very first start
        times: dict[bool, list[float]] = {True: [], False: []}
        for run in range(args.runs):
            for examples in (False, True):
                times[examples].append(_timed(folder / f"{run}-{examples}.duckdb", examples))
        reopen = [_timed(folder / "warm.duckdb", True) for _ in range(args.runs)]
    print(f"first Store() in a new process (imports included): {first:.2f} s")
    for examples, label in ((False, "without examples"), (True, "with the two examples")):
        print(f"fresh file, {label}: median {statistics.median(times[examples]):.3f} s "
              f"over {args.runs} runs")
    extra = statistics.median(times[True]) - statistics.median(times[False])
    print(f"cost of the examples: {extra:.3f} s (target ≤ 0.3 s: "
          f"{'met' if extra <= 0.3 else 'NOT met'})")
    print(f"reopening an existing file: median {statistics.median(reopen):.3f} s")


if __name__ == "__main__":
    main()
