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


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
        first = median_ms(lambda w=wave: respondents(store, w.slug), 1)
        print(f"{survey_id}: {args.rows} respondents, "
              f"{len(survey.questions)} questions (wave built in {built:.1f} s; "
              f"respondents' groups {first:.1f} ms, then cached)")
        worst = 0.0
        for question in survey.questions:
            cells = []
            for by in ("", *BREAKDOWNS):
                ms = median_ms(lambda q=question, b=by, w=wave: crosstab(store, w, q, by=b),
                               args.repeat)
                worst = max(worst, ms)
                cells.append(f"{by or 'all':>6} {ms:6.1f}")
            print(f"  {question.code:22} {question.type.value:8} " + "  ".join(cells))
        findings = median_ms(lambda w=wave: evaluate_findings_sql(store, w), args.repeat)
        cover = median_ms(lambda w=wave: coverage(store, w), args.repeat)
        count = len(survey.findings)
        print(f"  findings ({count}) {findings:.1f} ms in all "
              f"({findings / max(count, 1):.1f} ms each); coverage {cover:.1f} ms")
        print(f"  slowest cross-tab {worst:.1f} ms (target ≤ 100 ms)")
    store.close()


if __name__ == "__main__":
    main()
