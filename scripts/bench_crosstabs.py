"""How long the Risposte page's figures take server side: every cross-tab (each question,
overall and by population class, zona omogenea and Comune vs Unione), the headline
findings and the coverage, on a synthetic wave of N respondents (default 8,000) built
from the shipped examples (Torino's answers, Milan's answers: each respondent a copy of
an example row, under a real ISTAT code of the territory drawn at random, so zones and
classes vary). Median of --repeat runs per figure; the target is ≤ 100 ms each.

    python scripts/bench_crosstabs.py [--rows 8000] [--repeat 5] [--survey metrodigital-2022]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrodigital.answers_sql import (
    BREAKDOWNS,
    Filters,
    coverage,
    crosstab,
    evaluate_findings_sql,
    respondents,
)
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import long_answers
from metrodigital.surveys.registry import load_survey
from metrodigital.territories import load_territory

EXAMPLE_WAVE = {"metrodigital-2022": "metrodigital-2023-risposte",
                "ponmetro-milano-2017": "pon-metro-milano-2017"}


def synthetic_wave(store: Store, survey_id: str, rows: int, seed: int = 7) -> Wave:
    """A wave of ``rows`` respondents: copies of the example's respondents' answers."""
    example = store.wave(EXAMPLE_WAVE[survey_id])
    long = long_answers(store, example.slug, include_personal=True)
    sources = list(dict.fromkeys(long["entity_id"]))
    rng = np.random.default_rng(seed)
    codes = load_territory(load_survey(survey_id).territory).comuni["codice_istat"].astype(str)
    picked = rng.integers(0, len(sources), rows)
    entities = pd.DataFrame({
        "ente": [f"Ente sintetico {i + 1}" for i in range(rows)],
        "entity_id": [f"bench-{i + 1}" for i in range(rows)],
        "istat_code": codes.iloc[rng.integers(0, len(codes), rows)].to_numpy(),
    })
    by_source = {key: group for key, group in long.groupby("entity_id", sort=False)}
    parts = []
    for i, source in enumerate(picked):
        part = by_source[sources[source]].copy()
        part["ente"] = entities["ente"].iloc[i]
        parts.append(part)
    answers = pd.concat(parts, ignore_index=True)
    answers["question_id"] = answers["question"]
    answers["answer"] = answers["raw"]
    answers["options"] = [list(v) if isinstance(v, list | tuple | np.ndarray) else None
                          for v in answers["options"]]
    return store.publish_wave(
        name=f"Bench {survey_id} {rows}", entities=entities, survey_date=None,
        source_file="bench.xlsx", sha256="0" * 64, uploaded_by="bench", survey_id=survey_id,
        answers=answers[["ente", "question_id", "answer", "question", "raw", "option_code",
                         "options", "number", "text", "source_cell", "personal"]],
        istat_codes=dict(zip(entities["ente"], entities["istat_code"], strict=True)),
        points=False)


CPU: list[float] = []  # the process's CPU time of each timed run (all threads), in ms


def timed_ms(action, repeat: int) -> tuple[float, float]:
    """(fastest, median) wall time of ``repeat`` runs, in ms: on a shared machine the
    fastest says what the query costs, the median what a user waits meanwhile. The CPU
    time of each run goes to :data:`CPU` (less sensitive to other processes)."""
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--survey", action="append", default=None)
    args = parser.parse_args()
    store = Store(":memory:")
    for survey_id in args.survey or list(EXAMPLE_WAVE):
        start = time.perf_counter()
        wave = synthetic_wave(store, survey_id, args.rows)
        built = time.perf_counter() - start
        survey = load_survey(survey_id)
        first = timed_ms(lambda w=wave: respondents(store, w.slug), 1)[0]
        chosen = tuple(respondents(store, wave.slug)["entity_id"].iloc[::3])  # 1 in 3
        warm = timed_ms(lambda w=wave, q=survey.questions[0]: crosstab(store, w, q), 1)[0]
        print(f"{survey_id}: {args.rows} respondents, "
              f"{len(survey.questions)} questions (wave built in {built:.1f} s; "
              f"respondents' groups {first:.1f} ms and the answers with them "
              f"{warm:.1f} ms, once per wave, then cached)")
        print("  each cell: fastest/median ms of", args.repeat, "runs")
        worst, worst_median, medians = 0.0, 0.0, []
        filters = Filters(selection=chosen)
        CPU.clear()
        for question in survey.questions:
            cells = []
            for by in ("", *BREAKDOWNS):
                best, median = timed_ms(lambda q=question, b=by, w=wave, f=filters: crosstab(
                    store, w, q, by=b, filters=f), args.repeat)
                worst, worst_median = max(worst, best), max(worst_median, median)
                medians.append(median)
                cells.append(f"{by or 'all':>6} {best:5.1f}/{median:5.1f}")
            print(f"  {question.code:22} {question.type.value:8} " + " ".join(cells))
        cpu = sorted(CPU)
        findings = timed_ms(lambda w=wave: evaluate_findings_sql(store, w), args.repeat)
        cover = timed_ms(lambda w=wave: coverage(store, w), args.repeat)
        count = max(len(survey.findings), 1)
        print(f"  findings ({len(survey.findings)}) {findings[0]:.1f}/{findings[1]:.1f} ms in "
              f"all ({findings[0] / count:.1f}/{findings[1] / count:.1f} ms each); coverage "
              f"{cover[0]:.1f}/{cover[1]:.1f} ms")
        print(f"  {len(medians)} cross-tabs: slowest {worst:.1f} ms fastest run, "
              f"{worst_median:.1f} ms median run; median of medians "
              f"{statistics.median(medians):.1f} ms (target ≤ 100 ms each)")
        print(f"  CPU time per cross-tab run (all threads): median {statistics.median(cpu):.1f} "
              f"ms, 95th percentile {cpu[int(len(cpu) * 0.95)]:.1f} ms, max {cpu[-1]:.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
