"""Benchmark: importing a responses workbook end to end (read, check, score, publish).

Builds a Microsoft-Forms-like workbook of N respondents by repeating the rows of
the shipped synthetic example under new names, then times ``ingest.prepare`` and
``ingest.publish`` into a fresh DuckDB file. Targets: 8,000 rows ≤ 10 s, 36 rows ≤ 1 s.

    python scripts/bench_import.py [--rows 36 8000] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrodigital.ingest import prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import Store

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"


def responses_workbook(rows: int) -> bytes:
    source = load_workbook(EXAMPLE, read_only=True).worksheets[0]
    grid = [list(r) for r in source.iter_rows(values_only=True)]
    title, header, body = grid[0], grid[1], [r for r in grid[2:] if any(r)]
    entity = header.index("Denominazione dell'Ente")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Risposte")
    sheet.append(title)
    sheet.append(header)
    for i in range(rows):
        row = list(body[i % len(body)])
        if i >= len(body):  # new respondents beyond the 36 of the source
            row[entity] = f"{row[entity]} ({i // len(body)})"
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[36, 8000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for rows in args.rows:
        data = responses_workbook(rows)
        timings = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                store = Store(Path(tmp) / "bench.duckdb")
                started = time.perf_counter()
                preview = prepare(data, f"risposte_{rows}.xlsx")
                publish(store, preview, name=f"Bench {rows}", survey_date=None,
                        auth=AuthConfig(server_address="localhost"), actor=Actor(),
                        accept_warnings=True)
                timings.append(time.perf_counter() - started)
                store.close()
        target = 1.0 if rows <= 36 else 10.0
        median = statistics.median(timings)
        verdict = "met" if median <= target else "NOT met"
        print(f"{rows:>6} rows ({len(data) / 1e6:.1f} MB): median {median:.2f} s over "
              f"{args.runs} runs (target ≤ {target:g} s: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
