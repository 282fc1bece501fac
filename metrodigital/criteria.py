"""The criteria of a survey's prioritisation matrix, as its definition declares them.

Each survey's ``data/surveys/<id>/survey.toml`` lists its ``[[criteria]]`` in
the matrix's column order, each with its key, link code, labels and reference
weight; a survey without criteria has no matrix. Without a survey id, the
functions below read the default survey (METRODIGITAL 2022–23).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey


@dataclass(frozen=True)
class Criterion:
    """One column of the matrix: a questionnaire section or the population criterion."""

    key: str
    code: str  # short name used in links, e.g. ``?ser=3``
    position: int  # 1, 2, … in the matrix's column order
    label_it: str
    label_en: str
    source_heading: str
    seed_weight: float  # the survey's reference weight (the source's)
    population: bool = False

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it


@cache
def load_criteria(survey_id: str = DEFAULT_SURVEY) -> tuple[Criterion, ...]:
    """The criteria of ``survey_id``'s matrix in column order (empty: it has no matrix)."""
    return tuple(
        Criterion(key=c.key, code=c.code, position=i, label_it=c.label_it, label_en=c.label_en,
                  source_heading=c.source_heading, seed_weight=float(c.weight),
                  population=c.population)
        for i, c in enumerate(load_survey(survey_id).criteria, start=1)
    )


def criterion_keys(survey_id: str = DEFAULT_SURVEY) -> tuple[str, ...]:
    return tuple(c.key for c in load_criteria(survey_id))


def criterion(key: str, survey_id: str = DEFAULT_SURVEY) -> Criterion:
    for item in load_criteria(survey_id):
        if item.key == key:
            return item
    raise KeyError(key)


def seed_weights(survey_id: str = DEFAULT_SURVEY) -> dict[str, float]:
    """The weights the survey's definition assigns (the source's: 2, 3, 4, 5, 3, 3, 5, 4)."""
    return {c.key: c.seed_weight for c in load_criteria(survey_id)}
