"""The criteria of the prioritisation matrix, as shipped in ``data/criteria.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from metrodigital.paths import DATA_DIR


@dataclass(frozen=True)
class Criterion:
    """One column of the matrix: a questionnaire section or the population criterion."""

    key: str
    code: str  # short name used in links, e.g. ``?ser=3``
    position: int
    label_it: str
    label_en: str
    source_heading: str
    seed_weight: float

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it


@cache
def load_criteria() -> tuple[Criterion, ...]:
    """The criteria in matrix order."""
    with (DATA_DIR / "criteria.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    criteria = [
        Criterion(
            key=row["key"],
            code=row["code"],
            position=int(row["position"]),
            label_it=row["label_it"],
            label_en=row["label_en"],
            source_heading=row["source_heading"],
            seed_weight=float(row["seed_weight"]),
        )
        for row in rows
    ]
    return tuple(sorted(criteria, key=lambda c: c.position))


def criterion_keys() -> tuple[str, ...]:
    return tuple(c.key for c in load_criteria())


def criterion(key: str) -> Criterion:
    for item in load_criteria():
        if item.key == key:
            return item
    raise KeyError(key)


def seed_weights() -> dict[str, float]:
    """The weights the source assigned (2, 3, 4, 5, 3, 3, 5, 4)."""
    return {c.key: c.seed_weight for c in load_criteria()}
