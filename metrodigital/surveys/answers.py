"""A wave's answers as stored (schema v4), read back for analysis.

``wide_answers(store, wave)``: one row per respondent, in the order of the file,

- ``entity_id, ente`` (the name as answered), ``istat_code`` (a Comune's code; an
  Unione: its members' codes joined by ``;``; None when the name matched nothing);
- ``popolazione``: ISTAT residents (``population_year`` of the survey's territory;
  an Unione: its members' sum; NaN when unknown);
- ``classe_popolazione``: the population class's option code (the answer to the
  survey's population question when it has one, else the class of ``popolazione``:
  its ``option`` or its number as text; None when unknown);
- ``zona_omogenea``: the zone's name, as in force (an editor's load of zone
  memberships, else the shipped zones; an Unione: its members' zone when they share
  one; None when unknown);
- one column per question code, typed: number/rating a float, single/band/yes-no
  the option's key (code, else label), multiple a list of keys, text a string;
  unanswered: None (NaN for numbers). Personal columns only with
  ``include_personal=True`` (editors).

``long_answers(store, wave)``: one row per stored answer, with the cell it came from
(``source_file``, ``source_cell`` such as ``Risposte!D7``).
"""

from __future__ import annotations

import math

import pandas as pd

from metrodigital.store import Store
from metrodigital.surveys.model import NUMERIC_TYPES, QuestionType, Survey
from metrodigital.surveys.registry import load_survey
from metrodigital.territories import load_territory
from metrodigital.zones import effective_zones

ENTITY_FRAME = ("entity_id", "ente", "istat_code", "popolazione", "classe_popolazione",
                "zona_omogenea")


def long_answers(store: Store, wave_slug: str, *,
                 include_personal: bool = False) -> pd.DataFrame:
    """Every stored answer of a wave: ``entity_id, ente, source_row, question, raw,
    option_code, options, number, text, source_file, source_cell, personal``."""
    wave = store.wave(wave_slug)
    personal = "" if include_personal else "AND NOT coalesce(a.personal, FALSE)"
    return store.cursor().execute(
        "SELECT a.entity_id, we.name_in_source AS ente, we.source_row, "
        "coalesce(a.question, a.question_id) AS question, a.raw, a.option_code, a.options, "
        "a.number, a.text, a.source_file, a.source_cell, coalesce(a.personal, FALSE) "
        "AS personal FROM answers AS a JOIN wave_entities AS we USING (wave_id, entity_id) "
        f"WHERE a.wave_id = ? {personal} ORDER BY we.source_row, a.question",
        [wave.wave_id]).df()


def _population(codes: str | None, populations: dict[str, int]) -> float:
    if not codes:
        return math.nan
    found = [populations.get(code) for code in codes.split(";")]
    if any(value is None for value in found):
        return math.nan
    return float(sum(value for value in found if value is not None))


def _zone(codes: str | None, zones: dict[str, str]) -> str | None:
    if not codes:
        return None
    found = {zones.get(code) or None for code in codes.split(";")}
    return found.pop() if len(found) == 1 else None


def _class(survey: Survey, population: float) -> str | None:
    if survey.population is None or math.isnan(population):
        return None
    item = survey.population.class_of(int(population))
    return item.option or str(item.number)


def wide_answers(store: Store, wave_slug: str, *,
                 include_personal: bool = False) -> pd.DataFrame:
    """One row per respondent of the wave, one typed column per question (see the
    module's docstring)."""
    wave = store.wave(wave_slug)
    survey = load_survey(wave.survey_id)
    entities = store.cursor().execute(
        "SELECT we.entity_id, we.name_in_source AS ente, e.istat_code FROM wave_entities AS we "
        "JOIN entities AS e USING (entity_id) WHERE we.wave_id = ? ORDER BY we.source_row",
        [wave.wave_id]).df()
    territory = load_territory(survey.territory)
    comuni = territory.comuni
    populations = dict(zip(comuni["codice_istat"], comuni["popolazione"].astype(int),
                           strict=True))
    # the zones in force: an editor's load of zone memberships, else the shipped ones
    zones = {code: territory.zones.get(number, "") if number is not None else ""
             for code, number in effective_zones(store, survey.territory).items()}
    codes = [c if isinstance(c, str) and c else None for c in entities["istat_code"]]
    frame = pd.DataFrame({
        "entity_id": entities["entity_id"].astype(str),
        "ente": entities["ente"].astype(str),
        "istat_code": pd.Series(codes, dtype=object),
    })
    frame["popolazione"] = pd.Series([_population(c, populations) for c in codes],
                                     dtype="float64")
    frame["zona_omogenea"] = pd.Series([_zone(c, zones) for c in codes], dtype=object)
    questions = [q for q in survey.questions if include_personal or not q.personal]
    long = long_answers(store, wave_slug, include_personal=include_personal)
    by_question = {code: group for code, group in long.groupby("question", sort=False)}
    row_of = {entity_id: i for i, entity_id in enumerate(frame["entity_id"])}
    columns: dict[str, pd.Series] = {}
    for question in questions:
        group = by_question.get(question.code)
        if question.type in NUMERIC_TYPES:
            values: list[object] = [math.nan] * len(frame)
        else:
            values = [None] * len(frame)
        if group is not None:
            if question.type in NUMERIC_TYPES:
                cells = group["number"]
            elif question.type == QuestionType.MULTIPLE:
                cells = group["options"]
            elif question.type == QuestionType.TEXT:
                cells = group["text"]
            else:
                cells = group["option_code"]
            for entity_id, value in zip(group["entity_id"], cells, strict=True):
                index = row_of.get(entity_id)
                if index is None:
                    continue
                if question.type == QuestionType.MULTIPLE:
                    value = list(value) if value is not None else None
                elif isinstance(value, float) and math.isnan(value) and \
                        question.type not in NUMERIC_TYPES:
                    value = None
                values[index] = value
        columns[question.code] = pd.Series(
            values, index=frame.index,
            dtype="float64" if question.type in NUMERIC_TYPES else object)
    stated = survey.population.question if survey.population else ""
    if stated and stated in columns:
        classes = [answer if answer is not None else _class(survey, population)
                   for answer, population in zip(columns[stated], frame["popolazione"],
                                                 strict=True)]
    else:
        classes = [_class(survey, p) for p in frame["popolazione"]]
    frame["classe_popolazione"] = pd.Series(classes, index=frame.index, dtype=object)
    frame = frame[list(ENTITY_FRAME)]
    extra = {code: series for code, series in columns.items()
             if code not in frame.columns}  # a question coded like an entity column: same
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
