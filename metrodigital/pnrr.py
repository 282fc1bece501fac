"""The public PNRR record (PA digitale 2026 open data, ``data/pnrr/``) beside what an
entity declared in the questionnaire.

For each measure of the survey's PNRR question (``data/pnrr/measures.toml``): did the
entity declare it, was it funded on 26/11/2022 (the survey's time) and in the latest
record? An application counts as funded when its status is A (assegnata) or E (erogata);
R (rinuncia) does not. An Unione: its members' records (funded if any member's is).
Flags: ``declared_not_funded`` and ``funded_not_declared`` (against the record at the
survey's time). Attribution: :data:`ATTRIBUTION_KEY`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from metrodigital.paths import DATA_DIR

PNRR_DIR = DATA_DIR / "pnrr"
SURVEY_TIME = "2022-11-26"
FUNDED = ("A", "E")
ATTRIBUTION_KEY = "pnrr.attribution"


@dataclass(frozen=True)
class Measures:
    survey_id: str
    question: str
    options: dict[str, str]  # measure key → option key of the question


@lru_cache(maxsize=1)
def measures() -> Measures:
    data = tomllib.loads((PNRR_DIR / "measures.toml").read_text(encoding="utf-8"))
    return Measures(str(data["survey"]), str(data["question"]),
                    {str(m["key"]): str(m["option"]) for m in data["measures"]})


@lru_cache(maxsize=2)
def records(which: str) -> pd.DataFrame:
    """``which``: ``survey`` (26/11/2022) or ``latest``."""
    name = f"funded_{SURVEY_TIME}.csv" if which == "survey" else "funded_latest.csv"
    return pd.read_csv(PNRR_DIR / name, dtype={"cod_comune": str, "record_date": str,
                                               "data_finanziamento": str})


def applies_to(survey_id: str) -> bool:
    return measures().survey_id == survey_id


def applications(istat_code: str | None) -> pd.DataFrame:
    """Every application of the entity (an Unione: its members') in both records:
    ``record`` (survey/latest) and the file's columns."""
    codes = [c for c in (istat_code or "").split(";") if c]
    frames = [records(which).assign(record=which) for which in ("survey", "latest")]
    both = pd.concat(frames, ignore_index=True)
    return both[both["cod_comune"].isin(codes)].reset_index(drop=True)


def _funded(rows: pd.DataFrame, measure: str) -> bool:
    mine = rows[rows["measure"] == measure]
    return bool(mine["stato_candidatura"].isin(FUNDED).any())


def compare(istat_code: str | None, declared: object) -> pd.DataFrame:
    """Per measure of the PNRR question: ``measure, option, declared, funded_survey,
    funded_latest, flag`` (``declared_not_funded``, ``funded_not_declared`` or ""). Without
    a declaration (``declared`` None: the wave has no answers) ``declared`` is None and
    there is no flag."""
    known = isinstance(declared, list | tuple)
    chosen = set(declared) if known else set()
    rows = applications(istat_code)
    survey_rows = rows[rows["record"] == "survey"]
    latest_rows = rows[rows["record"] == "latest"]
    out = []
    for measure, option in measures().options.items():
        said = option in chosen
        then = _funded(survey_rows, measure)
        now = _funded(latest_rows, measure)
        flag = "" if not known else "declared_not_funded" if said and not then else \
            "funded_not_declared" if then and not said else ""
        out.append({"measure": measure, "option": option, "declared": said if known else None,
                    "funded_survey": then, "funded_latest": now, "flag": flag})
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Confirmation:
    """How many declarations of a wave the public record confirms (for the Risposte page):
    ``declared`` (entity × measure said joined), ``confirmed`` (also funded on 26/11/2022),
    ``funded_not_declared``, ``entities`` compared (those with an ISTAT code and an answer)."""

    declared: int
    confirmed: int
    funded_not_declared: int
    entities: int


def confirmation(answers: pd.DataFrame) -> Confirmation:
    """Over a wave's answers (:func:`metrodigital.surveys.answers.wide_answers`)."""
    question = measures().question
    declared = confirmed = surprise = entities = 0
    if question not in answers.columns:
        return Confirmation(0, 0, 0, 0)
    for code, answer in zip(answers["istat_code"], answers[question], strict=True):
        if not code or not isinstance(answer, list | tuple):
            continue
        entities += 1
        table = compare(str(code), answer)
        declared += int(table["declared"].sum())
        confirmed += int((table["declared"] & table["funded_survey"]).sum())
        surprise += int((table["flag"] == "funded_not_declared").sum())
    return Confirmation(declared, confirmed, surprise, entities)
