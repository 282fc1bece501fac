"""How long the Catalogo servizi's numbers take: the ranking with its breakdowns and the
Excel file, on the synthetic Milan example (59 Comuni) and on a generated wave of
8,000 respondents with the same six services (each run's median of --repeat runs).

    python scripts/bench_catalogue.py [--repeat 5]
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

from metrodigital.catalogue import CatalogueChoice, rank_for_survey, source_choice
from metrodigital.catalogue_report import build_catalogue_workbook
from metrodigital.surveys.registry import load_survey
from tests.catalogue_example import SURVEY_ID, example_wide


def big(rows: int, seed: int = 1) -> pd.DataFrame:
    """``rows`` respondents drawn from the example's rows, ratings shuffled."""
    example = example_wide()
    rng = np.random.default_rng(seed)
    frame = example.iloc[rng.integers(0, len(example), rows)].reset_index(drop=True)
    for column in [c for c in frame.columns if c.startswith("interesse_")]:
        frame[column] = rng.integers(1, 6, rows).astype(float)
    return frame


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    survey = load_survey(SURVEY_ID)
    for label, answers in (("example (59)", example_wide()), ("generated (8,000)", big(8000))):
        for name, choice in (("equal", source_choice(survey)),
                             ("residents", CatalogueChoice(by="residents"))):
            rank_ms = median_ms(lambda a=answers, c=choice: rank_for_survey(a, survey, c),
                                args.repeat)
            result = rank_for_survey(answers, survey, choice)
            xlsx_ms = median_ms(lambda r=result: build_catalogue_workbook(
                r, wave_name="bench", example=True, link="http://localhost:8501/Catalogo"),
                args.repeat)
            print(f"{label:18} {name:9} ranking+breakdowns {rank_ms:7.1f} ms   "
                  f"Excel {xlsx_ms:7.1f} ms")


if __name__ == "__main__":
    main()
