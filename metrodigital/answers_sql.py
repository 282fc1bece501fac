"""What the Comuni answered, counted by DuckDB: the Risposte page's and the CLI's figures.

Every figure here is one SQL query over the typed answers of a wave (schema v4:
``answers.option_code`` for single/band/yes-no, ``options`` for multiple,
``number`` for number/rating, ``text``), joined with the wave's respondents:

- :func:`respondents`: one row per respondent with the entity columns a breakdown
  or a filter reads (``classe_popolazione``, ``zona_omogenea``, ``tipo``
  comune/unione), computed in SQL from the territory (an Unione: its members'
  population summed, their zone when they share one) — the same values as
  ``surveys.answers.wide_answers`` (tested);
- :func:`crosstab`: one question, overall and by group (population class, zona
  omogenea, Comune vs Unione), with ``n`` of every figure; :data:`MIN_N` marks a
  group too small to read;
- :func:`evaluate_findings_sql`: the survey's headline findings, as
  :class:`~metrodigital.surveys.findings.FindingResult` (same numbers as the pandas
  path ``evaluate_findings`` over ``wide_answers``: tested on both examples);
- :func:`finding_entities`: who is behind a finding, their answers and the cell of
  the file each came from;
- :func:`coverage`: respondents against the territory, by zone and class, and who is
  missing.

Personal questions are left out unless ``include_personal=True`` (editors only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import duckdb
import pandas as pd
import pyarrow as pa

from metrodigital.i18n import t
from metrodigital.store import Store, Wave
from metrodigital.surveys.findings import BinResult, FindingResult, GroupResult
from metrodigital.surveys.model import (
    NUMERIC_TYPES,
    Condition,
    Finding,
    FindingKind,
    Question,
    QuestionType,
    Survey,
)
from metrodigital.surveys.registry import load_survey
from metrodigital.territories import load_territory

MIN_N = 5  # a group answered by fewer is marked as too small to read
BREAKDOWNS: tuple[str, ...] = ("classe", "zona", "tipo", "sel")  # "" = none
# "sel": selected or not in the current Matrix scenario (``Filters.selection``)
SELECTED, NOT_SELECTED = "sel", "out"
_SELECTED_SQL = (f"CASE WHEN entity_id IN (SELECT unnest($selection)) THEN '{SELECTED}' "
                 f"ELSE '{NOT_SELECTED}' END")
BY_COLUMN = {"classe": "classe_popolazione", "zona": "zona_omogenea", "tipo": "tipo",
             "sel": _SELECTED_SQL}
KINDS = ("comune", "unione")
MAX_BINS = 12  # a number question's distribution: at most this many bins of a range...
MAX_VALUES = 24  # ... unless its answers are whole numbers this close: then a bar each


class AnswersError(ValueError):
    """A choice that does not fit the wave (unknown breakdown, question)."""


@dataclass(frozen=True)
class Filters:
    """Which respondents count: none given = all."""

    classes: tuple[str, ...] = ()  # population class keys (option code or number)
    zones: tuple[str, ...] = ()  # zona omogenea names
    kind: str = ""  # "comune" | "unione" | "" (both)
    # not a filter: the entities selected in the current Matrix scenario, which the
    # "sel" breakdown splits the respondents by
    selection: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.classes or self.zones or self.kind)


# -- respondents -------------------------------------------------------------------------


def class_key(survey: Survey, number: int) -> str:
    """How a population class is named in the answers: its option code, else its number."""
    for item in survey.population_classes:
        if item.number == number:
            return item.option or str(item.number)
    raise KeyError(number)


def class_labels(survey: Survey, lang: str) -> dict[str, str]:
    """Each population class key → its label, in the survey's order."""
    return {(c.option or str(c.number)): (c.label_in(lang) or str(c.number))
            for c in survey.population_classes}


def _class_case(survey: Survey, column: str) -> str:
    """SQL: the class key of the population in ``column`` (NULL when unknown)."""
    classes = survey.population_classes
    if not classes:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(
        f"WHEN {column} >= {int(c.min)} THEN '{(c.option or str(c.number))}'"
        for c in reversed(classes[1:]))
    first = classes[0].option or str(classes[0].number)
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE '{first}' END"


@lru_cache(maxsize=4)
def _territory_frame(territory_id: str) -> pa.Table:
    comuni = load_territory(territory_id).comuni
    return pa.Table.from_pandas(pd.DataFrame({
        "codice_istat": comuni["codice_istat"].astype(str),
        "comune": comuni["comune"].astype(str),
        "popolazione": comuni["popolazione"].astype("int64"),
        "zona": comuni["zona_omogenea_nome"].fillna("").astype(str),
    }), preserve_index=False)


def _with_territory(store: Store, survey: Survey) -> duckdb.DuckDBPyConnection:
    cur = store.cursor()
    cur.register("territory", _territory_frame(survey.territory))
    return cur


def respondents(store: Store, wave_slug: str) -> pd.DataFrame:
    """One row per respondent of the wave, in the file's order: ``entity_id, ente,
    istat_code, tipo, source_row, popolazione, zona_omogenea, classe_popolazione``."""
    return _respondents(store, wave_slug, store.generation).to_pandas()


@lru_cache(maxsize=16)
def _respondents(store: Store, wave_slug: str, generation: int) -> pa.Table:
    """(An Arrow table: DuckDB scans it without converting Python objects.)"""
    wave = store.wave(wave_slug)
    survey = load_survey(wave.survey_id)
    stated = survey.population.question if survey.population else ""
    cur = _with_territory(store, survey)
    try:
        frame = cur.sql(f"""
            WITH we AS (
                SELECT we.entity_id, we.name_in_source AS ente,
                       nullif(e.istat_code, '') AS istat_code, e.kind AS tipo, we.source_row
                FROM wave_entities AS we JOIN entities AS e USING (entity_id)
                WHERE we.wave_id = $wave),
            members AS (
                SELECT entity_id, unnest(string_split(istat_code, ';')) AS code
                FROM we WHERE istat_code IS NOT NULL),
            m AS (
                SELECT m.entity_id, count(*) AS n_codes, count(t.codice_istat) AS n_found,
                       sum(t.popolazione) AS pop,
                       count(DISTINCT nullif(t.zona, '')) AS n_zones,
                       min(nullif(t.zona, '')) AS zona, count(nullif(t.zona, '')) AS n_zoned
                FROM members AS m LEFT JOIN territory AS t ON t.codice_istat = m.code
                GROUP BY m.entity_id),
            stated AS (
                SELECT entity_id, option_code FROM answers
                WHERE wave_id = $wave AND coalesce(question, question_id) = $stated
                  AND option_code IS NOT NULL),
            p AS (
                SELECT we.*,
                       CAST(CASE WHEN m.n_found = m.n_codes THEN m.pop END AS DOUBLE)
                           AS popolazione,
                       CASE WHEN m.n_zones = 1 AND m.n_zoned = m.n_codes THEN m.zona END
                           AS zona_omogenea,
                       stated.option_code AS stated_class
                FROM we LEFT JOIN m USING (entity_id) LEFT JOIN stated USING (entity_id))
            SELECT entity_id, ente, istat_code, tipo, source_row, popolazione, zona_omogenea,
                   coalesce(stated_class, {_class_case(survey, 'popolazione')})
                       AS classe_popolazione
            FROM p ORDER BY source_row
            """, params={"wave": wave.wave_id, "stated": stated}).to_arrow_table()
    finally:
        cur.close()
    return frame


@lru_cache(maxsize=8)
def _wave_answers(store: Store, wave_slug: str, generation: int) -> pa.Table:
    """The wave's answers with each respondent's group columns joined once (DuckDB does
    the join; every cross-tab then reads one table, without a join)."""
    wave = store.wave(wave_slug)
    cur = store.cursor()
    try:
        cur.register("resp", _respondents(store, wave_slug, generation))
        return cur.sql("""
            SELECT a.entity_id, coalesce(a.question, a.question_id) AS question,
                   a.option_code, a.options, a.number, a.text, a.source_file, a.source_cell,
                   resp.ente, resp.source_row, resp.classe_popolazione, resp.zona_omogenea,
                   resp.tipo
            FROM answers AS a JOIN resp USING (entity_id) WHERE a.wave_id = $wave
            ORDER BY coalesce(a.question, a.question_id), resp.source_row
            """, params={"wave": wave.wave_id}).to_arrow_table()
    finally:
        cur.close()


def has_answers(store: Store, wave_slug: str) -> bool:
    """Does the wave hold answers (a matrix-only wave, e.g. the source's, has none)?"""
    wave = store.wave(wave_slug)
    row = store.cursor().execute(
        "SELECT count(*) FROM answers WHERE wave_id = ? LIMIT 1", [wave.wave_id]).fetchone()
    return bool(row and row[0])


def waves_with_answers(store: Store, survey_id: str) -> list[Wave]:
    """The survey's waves that hold answers, newest first (as ``store.waves()`` orders)."""
    rows = store.cursor().execute(
        "SELECT DISTINCT wave_id FROM answers").fetchall()
    with_answers = {int(r[0]) for r in rows}
    return [w for w in store.waves() if w.survey_id == survey_id and w.wave_id in with_answers]


def latest_wave_with_answers(store: Store, survey_id: str) -> Wave | None:
    """The survey's latest wave that has answers: real data before synthetic examples."""
    found = waves_with_answers(store, survey_id)
    return found[0] if found else None


# -- the SQL pieces ------------------------------------------------------------------------


def _scope_parts(filters: Filters, by: str) -> tuple[str, str, dict[str, object]]:
    """(group expression, WHERE condition, parameters) over a respondent's columns
    (``resp`` and the wave's answers table ``wa`` both have them)."""
    if by and by not in BY_COLUMN:
        raise AnswersError(by)
    grp = f"CAST({BY_COLUMN[by]} AS VARCHAR)" if by else "CAST(NULL AS VARCHAR)"
    where = ["TRUE"]
    params: dict[str, object] = {}
    if by == "sel":
        params["selection"] = list(filters.selection) or [""]
    if filters.classes:
        where.append("list_contains($classes, classe_popolazione)")
        params["classes"] = list(filters.classes)
    if filters.zones:
        where.append("list_contains($zones, zona_omogenea)")
        params["zones"] = list(filters.zones)
    if filters.kind:
        where.append("tipo = $kind")
        params["kind"] = filters.kind
    return grp, " AND ".join(where), params


def _scope_sql(filters: Filters, by: str) -> tuple[str, dict[str, object]]:
    """``r``: the respondents in scope with their group ``grp`` (NULL without a breakdown)."""
    grp, where, params = _scope_parts(filters, by)
    return f"r AS (SELECT entity_id, {grp} AS grp FROM resp WHERE {where})", params


def _answers_sql(question: Question) -> tuple[str, str]:
    """The answers of one question: (select list, answered condition)."""
    if question.type in NUMERIC_TYPES:
        return "number AS num", "number IS NOT NULL"
    if question.type == QuestionType.MULTIPLE:
        return "options", "options IS NOT NULL"
    if question.type == QuestionType.TEXT:
        return "text AS txt", "text IS NOT NULL AND trim(text) <> ''"
    return "option_code AS k", "option_code IS NOT NULL"


def _query(store: Store, wave: Wave, sql: str, params: dict[str, object]) -> pd.DataFrame:
    cur = store.cursor()
    try:
        cur.register("resp", _respondents(store, wave.slug, store.generation))
        if re.search(r"\bwa\b", sql):
            cur.register("wa", _wave_answers(store, wave.slug, store.generation))
        return cur.execute(sql, _used(sql, {"wave": wave.wave_id, **params})).df()
    finally:
        cur.close()


def _used(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters ``sql`` names (DuckDB refuses any other)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


# -- cross-tabs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossTab:
    """One question's answers in scope, overall (``grp`` None, ``whole`` True) and by group.

    ``counts``: ``whole, grp, key, count, n, share`` — per option (choice: share of those
    who answered; multiple: share choosing it), per value (rating) or per bin (number:
    ``key`` the bin's label, ``low``/``high`` its bounds). ``groups``: ``whole, grp,
    respondents, n, mean, median, min, max, small`` (``small``: n < MIN_N).
    ``texts`` (text questions): ``ente, grp, text, source_file, source_cell``.
    """

    question: Question
    by: str
    counts: pd.DataFrame
    groups: pd.DataFrame
    texts: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def overall(self) -> pd.Series:
        return self.groups[self.groups["whole"]].iloc[0]

    @property
    def n(self) -> int:
        return int(self.overall["n"])


def crosstab(store: Store, wave: Wave, question: Question, *, by: str = "",
             filters: Filters = Filters(), search: str = "") -> CrossTab:
    """``question`` counted over the respondents in ``filters``, overall and ``by``: one
    query (a number question: two, the bins follow its range)."""
    grp, where, params = _scope_parts(filters, by)
    select, answered = _answers_sql(question)
    params["question"] = question.code
    numeric = question.type in NUMERIC_TYPES
    if question.type == QuestionType.MULTIPLE:
        keyed = "SELECT grp, unnest(options) AS k FROM j WHERE options IS NOT NULL"
        present = "options IS NOT NULL"
    elif question.type == QuestionType.RATING:
        keyed = ("SELECT grp, CAST(CAST(round(num) AS BIGINT) AS VARCHAR) AS k FROM j "
                 "WHERE num IS NOT NULL")
        present = "num IS NOT NULL"
    elif numeric:
        keyed = "SELECT grp, NULL::VARCHAR AS k FROM j WHERE FALSE"
        present = "num IS NOT NULL"
    elif question.type == QuestionType.TEXT:
        keyed = "SELECT grp, NULL::VARCHAR AS k FROM j WHERE FALSE"
        present = "txt IS NOT NULL"
    else:
        keyed = "SELECT grp, k FROM j WHERE k IS NOT NULL"
        present = "k IS NOT NULL"
    stats = ("avg(num) AS mean, median(num) AS median, min(num) AS min, max(num) AS max, "
             "count(DISTINCT num) AS distinct, quantile_cont(num, 0.95) AS p95" if numeric else
             "NULL::DOUBLE AS mean, NULL::DOUBLE AS median, NULL::DOUBLE AS min, "
             "NULL::DOUBLE AS max, 0 AS distinct, NULL::DOUBLE AS p95")
    base = (f"WITH r AS (SELECT entity_id, {grp} AS grp FROM resp WHERE {where}), "
            f"j AS (SELECT {grp} AS grp, entity_id, {select} FROM wa "
            f"WHERE question = $question AND {where} AND {answered})")
    rows = _query(store, wave, _crosstab_sql(base, present, stats, keyed), params)
    if not by:
        rows = rows[rows["whole"]]
    groups = rows[~rows["is_count"]][["whole", "grp", "respondents", "n", "mean", "median",
                                       "min", "max", "distinct", "p95"]]
    groups = _in_order(groups, by, wave).reset_index(drop=True)
    groups["small"] = groups["n"] < MIN_N
    counts = rows[rows["is_count"]].reset_index(drop=True)
    counts = counts.assign(share=[c / n if n else None for c, n in
                                  zip(counts["count"], counts["n"], strict=True)])
    counts = counts[["whole", "grp", "key", "count", "n", "share"]]
    if question.type == QuestionType.TEXT:
        texts = _query(store, wave, f"""
            SELECT ente, {grp} AS grp, text, source_file, source_cell FROM wa
            WHERE question = $question AND {where}
              AND text IS NOT NULL AND trim(text) <> ''
              AND ($search = '' OR text ILIKE '%' || $search || '%' ESCAPE '\\'
                   OR ente ILIKE '%' || $search || '%' ESCAPE '\\')
            ORDER BY source_row""", {**params, "search": _like(search)})
        return CrossTab(question, by, counts, groups, texts)
    if question.type == QuestionType.NUMBER:
        counts = _number_bins(store, wave, base, params, groups)
        if not by:
            counts = counts[counts["whole"]].reset_index(drop=True)
    return CrossTab(question, by, counts, groups)


def _in_order(groups: pd.DataFrame, by: str, wave: Wave) -> pd.DataFrame:
    """"All" first, then the groups: population classes from the smallest, the selected
    before the others, zones and kinds by name; unknown last."""
    if by == "classe":
        order = {k: i for i, k in enumerate(class_labels(load_survey(wave.survey_id), "it"))}
    elif by == "sel":
        order = {SELECTED: 0, NOT_SELECTED: 1}
    else:
        return groups
    rank = [-1 if whole else order.get(g, len(order)) if isinstance(g, str) else len(order) + 1
            for whole, g in zip(groups["whole"], groups["grp"], strict=True)]
    return groups.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def _crosstab_sql(base: str, present: str, stats: str, keyed: str) -> str:
    return f"""{base},
        gr AS (SELECT grouping(grp) = 1 AS whole, grp, count(*) AS respondents
               FROM r GROUP BY GROUPING SETS ((grp), ())),
        ga AS (SELECT grouping(grp) = 1 AS whole, grp,
                      count(*) FILTER (WHERE {present}) AS n, {stats}
               FROM j GROUP BY GROUPING SETS ((grp), ())),
        g AS (SELECT gr.whole, gr.grp, gr.respondents, coalesce(ga.n, 0) AS n,
                     ga.* EXCLUDE (whole, grp, n)
              FROM gr LEFT JOIN ga ON gr.whole = ga.whole
                                  AND gr.grp IS NOT DISTINCT FROM ga.grp),
        c AS (SELECT grouping(grp) = 1 AS whole, grp, k AS key, count(*) AS count
              FROM ({keyed}) GROUP BY GROUPING SETS ((grp, k), (k)))
        SELECT FALSE AS is_count, whole, grp, NULL::VARCHAR AS key, NULL::BIGINT AS count,
               respondents, n, g.* EXCLUDE (whole, grp, respondents, n)
        FROM g
        UNION ALL BY NAME
        SELECT TRUE AS is_count, c.whole, c.grp, c.key, c.count, g.respondents, g.n
        FROM c JOIN g ON c.whole = g.whole AND c.grp IS NOT DISTINCT FROM g.grp
        ORDER BY is_count, whole DESC, grp NULLS LAST, key"""


def _like(text: str) -> str:
    return (text or "").strip()[:200].replace("\\", "\\\\").replace("%", "\\%") \
        .replace("_", "\\_")


def number_bins(low: float, high: float, top: float | None = None
                ) -> list[tuple[float, float]]:
    """Bars of a number's distribution: each whole value when they span at most
    :data:`MAX_VALUES`, else about :data:`MAX_BINS` bins of a round width ``[low, high)``.
    When a few answers lie far above the rest (``high`` more than 3 × ``top``, the 95th
    percentile: Milano among small Comuni), the bars cover up to ``top`` and one open
    bar ``(x, inf)`` takes the rest."""
    if math.isnan(low) or math.isnan(high):
        return []
    tail = top is not None and not math.isnan(top) and top > low and high > 3 * top
    end = math.floor(top) if tail and top is not None else high
    if end - low <= MAX_VALUES and float(low).is_integer() and float(end).is_integer():
        edges = [(float(v), float(v)) for v in range(int(low), int(end) + 1)]
        return [*edges, (float(end) + 1, math.inf)] if tail else edges
    span = (end - low) / MAX_BINS
    magnitude = 10 ** math.floor(math.log10(span)) if span > 0 else 1
    width = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= span)
    start = math.floor(low / width) * width
    edges = []
    while start <= end:
        edges.append((start, start + width))
        start += width
    return [*edges, (start, math.inf)] if tail else edges


def _number_bins(store: Store, wave: Wave, base: str, params: dict[str, object],
                 groups: pd.DataFrame) -> pd.DataFrame:
    overall = groups[groups["whole"]].iloc[0]
    bins = number_bins(float(overall["min"]) if pd.notna(overall["min"]) else math.nan,
                       float(overall["max"]) if pd.notna(overall["max"]) else math.nan,
                       float(overall["p95"]) if pd.notna(overall["p95"]) else None)
    if not bins:
        return pd.DataFrame(columns=["whole", "grp", "key", "count", "n", "share", "low",
                                     "high"])
    whole_values = all(lo == hi for lo, hi in bins if hi != math.inf)
    cases = " ".join(
        f"WHEN num >= {lo!r} THEN {i}" if hi == math.inf else
        f"WHEN num = {lo!r} THEN {i}" if whole_values else
        f"WHEN num >= {lo!r} AND num < {hi!r} THEN {i}" for i, (lo, hi) in enumerate(bins))
    table = pd.DataFrame({"bin": range(len(bins)), "low": [b[0] for b in bins],
                          "high": [b[1] if b[1] != math.inf else None for b in bins]})
    cur_params = dict(params)
    counts = _query_with(store, wave, f"""{base},
        n AS (SELECT grouping(grp) = 1 AS whole, grp, count(num) AS n
              FROM j GROUP BY GROUPING SETS ((grp), ())),
        c AS (SELECT grouping(grp) = 1 AS whole, grp, b AS bin, count(*) AS count
              FROM (SELECT grp, CASE {cases} END AS b FROM j WHERE num IS NOT NULL)
              GROUP BY GROUPING SETS ((grp, b), (b))),
        full_grid AS (SELECT n.whole, n.grp, n.n, bins.bin, bins.low, bins.high
                      FROM n CROSS JOIN bins)
        SELECT g.whole, g.grp, g.bin, coalesce(c.count, 0) AS count, g.n,
               CASE WHEN g.n > 0 THEN coalesce(c.count, 0) / g.n END AS share, g.low, g.high
        FROM full_grid AS g LEFT JOIN c ON c.whole = g.whole AND c.bin = g.bin
             AND c.grp IS NOT DISTINCT FROM g.grp
        ORDER BY g.whole DESC, g.grp NULLS LAST, g.bin""", cur_params, bins=table)
    counts["key"] = [_bin_label(lo, hi, whole_values) for lo, hi in
                     zip(counts["low"], counts["high"], strict=True)]
    return counts[["whole", "grp", "key", "count", "n", "share", "low", "high"]]


def _bin_label(low: float, high: float, whole_values: bool) -> str:
    def show(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    if high is None or pd.isna(high) or high == math.inf:
        return f"≥ {show(low)}"
    return show(low) if whole_values else f"{show(low)}–<{show(high)}"


def _query_with(store: Store, wave: Wave, sql: str, params: dict[str, object],
                **frames: pd.DataFrame) -> pd.DataFrame:
    cur = store.cursor()
    try:
        cur.register("resp", _respondents(store, wave.slug, store.generation))
        if re.search(r"\bwa\b", sql):
            cur.register("wa", _wave_answers(store, wave.slug, store.generation))
        for name, frame in frames.items():
            cur.register(name, frame)
        return cur.execute(sql, _used(sql, {"wave": wave.wave_id, **params})).df()
    finally:
        cur.close()


def section_crosstabs(store: Store, wave: Wave, survey: Survey, section_key: str, *,
                      by: str = "", filters: Filters = Filters(), search: str = "",
                      include_personal: bool = False) -> list[CrossTab]:
    """Every question of a section (personal ones only for editors); ``search`` narrows
    the free-text answers listed."""
    section = survey.section(section_key)
    return [crosstab(store, wave, q, by=by, filters=filters, search=search)
            for q in section.questions if include_personal or not q.personal]


def visible_sections(survey: Survey, include_personal: bool) -> list[str]:
    """The sections with at least one question a user may see."""
    return [s.key for s in survey.sections
            if any(include_personal or not q.personal for q in s.questions)]


# -- findings ------------------------------------------------------------------------------


def _keys(question: Question, values: Sequence[str]) -> list[str]:
    found = [question.find_option(v) for v in values]
    return [o.key for o in found if o is not None]


def _meets_sql(finding: Finding, question: Question) -> tuple[str, str, dict[str, object]]:
    """(answered, meets, params) as SQL over one answers row ``a``."""
    if finding.condition == Condition.BETWEEN or (
            finding.kind == FindingKind.MEAN or question.type in NUMERIC_TYPES):
        lo = "TRUE" if finding.min is None else "a.number >= $lo"
        hi = "TRUE" if finding.max is None else "a.number <= $hi"
        params: dict[str, object] = {}
        if finding.min is not None:
            params["lo"] = float(finding.min)
        if finding.max is not None:
            params["hi"] = float(finding.max)
        return "a.number IS NOT NULL", f"({lo} AND {hi})", params
    wanted = _keys(question, finding.values)
    if question.type == QuestionType.MULTIPLE:
        answered = "a.options IS NOT NULL"
        if finding.condition == Condition.ALL:
            needed = wanted or [o.key for o in question.options if not o.exclusive]
            meets = "list_has_all(a.options, $wanted)"
            return answered, meets, {"wanted": needed}
        meets = "list_has_any(a.options, $wanted)"
    else:
        answered = "a.option_code IS NOT NULL"
        meets = "list_contains($wanted, a.option_code)"
        if finding.condition == Condition.ALL:  # a single answer "all of" = each of them
            meets = f"(len($wanted) <= 1 AND {meets})"
    if finding.condition == Condition.NOT_IN:
        meets = f"NOT {meets}"
    return answered, meets, {"wanted": wanted or [""]}


def _finding_base(finding: Finding, filters: Filters) -> tuple[str, dict[str, object]]:
    """SQL rows ``f``: each respondent in scope with group ``grp``, ``answered``, ``meets``,
    ``num``, and the answer row ``a``'s columns."""
    question = finding.question_def
    if question is None:
        raise ValueError(f"finding {finding.key!r} was not resolved by the loader")
    answered, meets, params = _meets_sql(finding, question)
    scope, scope_params = _scope_sql(filters, "")
    params.update(scope_params)
    params["question"] = finding.question
    if not finding.by:
        grp = "CAST(NULL AS VARCHAR)"
        join_by = ""
    elif finding.by in ("zona_omogenea", "classe_popolazione", "tipo"):
        grp = f"resp.{finding.by}"
        join_by = ""
    elif finding.by == "sel":
        grp = _SELECTED_SQL.replace("entity_id", "r.entity_id")
        join_by = ""
        params["selection"] = list(filters.selection) or [""]
    else:
        grp = "b.option_code"
        join_by = ("LEFT JOIN answers AS b ON b.wave_id = $wave AND b.entity_id = r.entity_id "
                   "AND coalesce(b.question, b.question_id) = $by")
        params["by"] = finding.by
    sql = (f"WITH {scope}, f AS (SELECT r.entity_id, {grp} AS grp, "
           f"coalesce({answered}, FALSE) AS answered, "
           f"CASE WHEN {answered} THEN {meets} END AS meets, a.number AS num, a.options, "
           f"a.option_code, a.raw, a.source_file, a.source_cell, resp.ente, resp.source_row "
           f"FROM r JOIN resp USING (entity_id) LEFT JOIN answers AS a ON a.wave_id = $wave "
           f"AND a.entity_id = r.entity_id AND coalesce(a.question, a.question_id) = $question "
           f"{join_by})")
    return sql, params


def _group_labels(finding: Finding, keys: Sequence[str | None], survey: Survey
                  ) -> tuple[dict[str | None, str | None], dict[str | None, tuple[str, str]]]:
    """Each SQL group key's finding key, and every group's labels in display order (as
    ``findings._group_keys`` orders them)."""
    by = finding.by_def
    labels: dict[str | None, tuple[str, str]] = {}
    mapped: dict[str | None, str | None] = {}
    if by is not None:
        for option in by.options:
            labels[option.key] = (option.label, option.label_en)
        for key in keys:
            option = by.find_option(key) if key is not None else None
            mapped[key] = option.key if option is not None else None
    else:
        for key in keys:
            mapped[key] = key
        classes = {(c.option or str(c.number)): c for c in survey.population_classes} \
            if finding.by == "classe_popolazione" else {}
        known = sorted(k for k in keys if k is not None)
        if finding.by == "sel":
            known = [k for k in (SELECTED, NOT_SELECTED) if k in known]
        for key in known:
            item = classes.get(key)
            if item is not None:
                labels[key] = (item.label, item.label_en)
            elif finding.by == "tipo" and key in KINDS:
                labels[key] = (t(f"risposte.kind_{key}", "it"), t(f"risposte.kind_{key}", "en"))
            elif finding.by == "sel":
                labels[key] = (t(f"risposte.sel_{key}", "it"), t(f"risposte.sel_{key}", "en"))
            else:
                labels[key] = (key, "")
    labels[None] = ("?", "")
    return mapped, labels


def evaluate_finding_sql(store: Store, wave: Wave, finding: Finding, *,
                         filters: Filters = Filters()) -> FindingResult:
    """``finding`` computed by SQL on the wave's stored answers (see the module)."""
    survey = load_survey(wave.survey_id)
    question = finding.question_def
    assert question is not None
    base, params = _finding_base(finding, filters)
    if finding.kind == FindingKind.DISTRIBUTION:
        return _distribution(store, wave, finding, question, base, params)
    rows = _query(store, wave, f"""{base}
        SELECT grouping(grp) = 1 AS whole, grp, count(*) AS respondents,
               count(*) FILTER (WHERE answered) AS answered,
               count(*) FILTER (WHERE meets) AS met,
               sum(num) FILTER (WHERE answered) AS total_value
        FROM f GROUP BY GROUPING SETS ((grp), ())""", params)
    whole = rows[rows["whole"]].iloc[0]
    respondents_n, answered = int(whole["respondents"]), int(whole["answered"])
    parts = rows[~rows["whole"]] if finding.by else rows.iloc[0:0]
    keys = [None if pd.isna(k) else str(k) for k in parts["grp"]]
    mapped, labels = _group_labels(finding, keys, survey) if finding.by else ({}, {})
    by_key: dict[str | None, list[pd.Series]] = {}
    for key, (_, row) in zip(keys, parts.iterrows(), strict=True):
        by_key.setdefault(mapped[key], []).append(row)
    groups = []
    for key, (label, label_en) in labels.items():
        own = by_key.get(key, [])
        n = sum(int(r["answered"]) for r in own)
        if not n and key is None:
            continue
        if finding.kind == FindingKind.MEAN:
            total = sum(float(r["total_value"]) for r in own if pd.notna(r["total_value"]))
            groups.append(GroupResult(key, label, n, label_en=label_en,
                                      mean=total / n if n else None))
        else:
            met = sum(int(r["met"]) for r in own)
            groups.append(GroupResult(key, label, n, count=met, label_en=label_en,
                                      share=met / n if n else None))
    if finding.kind == FindingKind.MEAN:
        total = float(whole["total_value"]) if pd.notna(whole["total_value"]) else 0.0
        return FindingResult(finding, total=answered, missing=respondents_n - answered,
                             mean=total / answered if answered else None,
                             groups=tuple(groups))
    met = int(whole["met"])
    return FindingResult(finding, total=answered, missing=respondents_n - answered, count=met,
                         share=met / answered if answered else None, groups=tuple(groups))


def _distribution(store: Store, wave: Wave, finding: Finding, question: Question, base: str,
                  params: dict[str, object]) -> FindingResult:
    if question.type in NUMERIC_TYPES:
        items = [(b.key, b.label, "") for b in finding.bins]
        columns = [
            f"count(*) FILTER (WHERE num >= {b.min!r}"
            + (f" AND num <= {b.max!r}" if b.max is not None else "") + ")"
            for b in finding.bins]
        answered = "num IS NOT NULL"
    else:
        items = [(o.key, o.label, o.label_en) for o in question.options]
        if question.type == QuestionType.MULTIPLE:
            columns = [f"count(*) FILTER (WHERE list_contains(options, $o{i}))"
                       for i in range(len(question.options))]
            answered = "options IS NOT NULL"
        else:
            columns = [f"count(*) FILTER (WHERE option_code = $o{i})"
                       for i in range(len(question.options))]
            answered = "option_code IS NOT NULL"
        params = {**params, **{f"o{i}": o.key for i, o in enumerate(question.options)}}
    selects = ", ".join([f"count(*) FILTER (WHERE {answered})", "count(*)", *columns])
    row = _query(store, wave, f"{base} SELECT {selects} FROM f", params).iloc[0]
    total, everyone = int(row.iloc[0]), int(row.iloc[1])
    bins = tuple(BinResult(key, label, int(row.iloc[2 + i]),
                           int(row.iloc[2 + i]) / total if total else None, label_en)
                 for i, (key, label, label_en) in enumerate(items))
    return FindingResult(finding, total=total, missing=everyone - total, bins=bins)


def with_breakdown(finding: Finding, survey: Survey, by: str) -> Finding:
    """``finding`` broken down by a page/CLI breakdown instead of its own (none: as
    declared)."""
    if by in ("tipo", "sel"):
        return replace(finding, by=by, by_def=None)
    if by == "zona":
        return replace(finding, by="zona_omogenea", by_def=None)
    if by == "classe":
        stated = survey.population.question if survey.population else ""
        by_def = survey.question(stated) if stated else None
        return replace(finding, by="classe_popolazione", by_def=by_def)
    return finding


def evaluate_findings_sql(store: Store, wave: Wave, *, by: str = "",
                          filters: Filters = Filters()) -> list[FindingResult]:
    """The wave's survey's headline findings, each by SQL (``by``: see
    :func:`with_breakdown`)."""
    survey = load_survey(wave.survey_id)
    return [evaluate_finding_sql(store, wave, with_breakdown(f, survey, by), filters=filters)
            for f in survey.findings]


@dataclass(frozen=True)
class FindingView:
    """A finding as declared (its sentence) and, when a breakdown was chosen, its figures
    by that breakdown's groups."""

    result: FindingResult
    broken: FindingResult | None = None

    @property
    def groups(self) -> tuple[GroupResult, ...]:
        return (self.broken or self.result).groups


def findings_view(store: Store, wave: Wave, *, by: str = "",
                  filters: Filters = Filters()) -> list[FindingView]:
    """The survey's findings for the page and the CLI: each as declared, with its groups
    by ``by`` when one is chosen."""
    declared = evaluate_findings_sql(store, wave, filters=filters)
    if not by:
        return [FindingView(r) for r in declared]
    broken = evaluate_findings_sql(store, wave, by=by, filters=filters)
    return [FindingView(a, b) for a, b in zip(declared, broken, strict=True)]


def finding_entities(store: Store, wave: Wave, finding: Finding, *,
                     filters: Filters = Filters(), include_personal: bool = False
                     ) -> pd.DataFrame:
    """Who answered the finding's question, those meeting its condition first: ``ente,
    istat_code, tipo, zona_omogenea, classe_popolazione, raw, value, meets, source_file,
    source_cell`` (+ the personal answers, ``personal_<code>``, for editors)."""
    base, params = _finding_base(finding, filters)
    frame = _query(store, wave, f"""{base}
        SELECT f.ente, resp.istat_code, resp.tipo, resp.zona_omogenea, resp.classe_popolazione,
               f.raw,
               coalesce(CAST(f.num AS VARCHAR), f.option_code, array_to_string(f.options, '; '))
                   AS value,
               f.meets, f.source_file, f.source_cell, f.entity_id
        FROM f JOIN resp USING (entity_id) WHERE f.answered
        ORDER BY f.meets DESC NULLS LAST, f.source_row""", params)
    if finding.kind in (FindingKind.MEAN, FindingKind.DISTRIBUTION) and \
            finding.condition is None:
        frame["meets"] = None
    if include_personal:
        survey = load_survey(wave.survey_id)
        personal = [q.code for q in survey.questions if q.personal]
        if personal:
            extra = store.cursor().execute(
                "SELECT entity_id, coalesce(question, question_id) AS q, "
                "coalesce(text, raw) AS v FROM answers WHERE wave_id = ? AND personal",
                [wave.wave_id]).df()
            wide = extra.pivot_table(index="entity_id", columns="q", values="v",
                                     aggfunc="first") if len(extra) else pd.DataFrame()
            for code in personal:
                column = wide[code] if code in wide.columns else pd.Series(dtype=object)
                frame[f"personal_{code}"] = frame["entity_id"].map(column)
    return frame.drop(columns=["entity_id"])


# -- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Respondents against the territory."""

    respondents: int  # entities that answered (Comuni and Unioni)
    comuni: int  # Comuni of the territory
    covered: int  # Comuni that answered, themselves or through their Unione
    by_zone: pd.DataFrame  # grp, comuni, covered, share
    by_class: pd.DataFrame
    missing: pd.DataFrame  # codice_istat, comune, zona, classe, popolazione
    unmatched: int  # respondents with no ISTAT code (names that matched nothing)


def coverage(store: Store, wave: Wave) -> Coverage:
    """How many Comuni of the survey's territory answered, by zone and class; who did not."""
    survey = load_survey(wave.survey_id)
    territory = _territory_frame(survey.territory)
    classes = _class_case(survey, "t.popolazione")
    sql = f"""
        WITH covered AS (
            SELECT DISTINCT unnest(string_split(istat_code, ';')) AS code FROM resp
            WHERE istat_code IS NOT NULL),
        t AS (SELECT t.*, {classes} AS classe, c.code IS NOT NULL AS answered
              FROM territory AS t LEFT JOIN covered AS c ON c.code = t.codice_istat)"""
    zone = _query_with(store, wave, sql + """
        SELECT nullif(zona, '') AS grp, count(*) AS comuni,
               count(*) FILTER (WHERE answered) AS covered,
               count(*) FILTER (WHERE answered) / count(*) AS share
        FROM t GROUP BY ALL ORDER BY grp NULLS LAST""", {}, territory=territory)
    klass = _query_with(store, wave, sql + """
        SELECT classe AS grp, count(*) AS comuni, count(*) FILTER (WHERE answered) AS covered,
               count(*) FILTER (WHERE answered) / count(*) AS share
        FROM t GROUP BY ALL""", {}, territory=territory)
    order = {k: i for i, k in enumerate(class_labels(survey, "it"))}
    klass = klass.assign(_o=klass["grp"].map(order)).sort_values("_o").drop(columns="_o") \
        .reset_index(drop=True)
    missing = _query_with(store, wave, sql + """
        SELECT codice_istat, comune, nullif(zona, '') AS zona, classe, popolazione FROM t
        WHERE NOT answered ORDER BY comune""", {}, territory=territory)
    counts = _query_with(store, wave, """
        SELECT count(*) AS respondents,
               count(*) FILTER (WHERE istat_code IS NULL) AS unmatched FROM resp""", {})
    return Coverage(respondents=int(counts.iloc[0, 0]), comuni=territory.num_rows,
                    covered=int(zone["covered"].sum()), by_zone=zone, by_class=klass,
                    missing=missing, unmatched=int(counts.iloc[0, 1]))


# -- across waves --------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveChanges:
    """What moved between two waves of a survey, for the entities that answered both.

    ``questions``: ``question, both, changed, share, mean_before, mean_after`` (``both``:
    entities that answered the question in both waves; numbers: their means).
    ``sections``: ``section, both, changed`` (entities that changed at least one answer
    of the section). ``moves``: one row per entity and question whose answer changed:
    ``ente, question, before, after, cell_before, cell_after``.
    """

    before: Wave
    after: Wave
    entities: int  # that answered both waves
    questions: pd.DataFrame
    sections: pd.DataFrame
    moves: pd.DataFrame


def _answer_text_sql(alias: str) -> str:
    """One comparable text of an answer: the option, the options in order, the number, the
    text."""
    return (f"coalesce({alias}.option_code, array_to_string(list_sort({alias}.options), ';'), "
            f"CAST({alias}.number AS VARCHAR), {alias}.text)")


def wave_changes(store: Store, before: Wave, after: Wave, survey: Survey, *,
                 include_personal: bool = False) -> WaveChanges:
    """The answers of the entities present in both waves, compared question by question
    (personal questions only for editors)."""
    codes = [q.code for q in survey.questions if include_personal or not q.personal]
    sections = pd.DataFrame({"question": [q.code for q in survey.questions],
                             "section": [q.section for q in survey.questions]})
    cur = store.cursor()
    try:
        cur.register("question_sections", sections)
        params = {"before": before.wave_id, "after": after.wave_id, "codes": codes}
        base = f"""
            WITH x AS (SELECT entity_id, coalesce(question, question_id) AS question,
                              {_answer_text_sql('answers')} AS answer, number, raw,
                              source_cell
                       FROM answers WHERE wave_id = $before),
            y AS (SELECT entity_id, coalesce(question, question_id) AS question,
                         {_answer_text_sql('answers')} AS answer, number, raw, source_cell
                  FROM answers WHERE wave_id = $after),
            pairs AS (SELECT x.entity_id, x.question, x.answer AS a, y.answer AS b,
                             x.number AS na, y.number AS nb, x.raw AS raw_a, y.raw AS raw_b,
                             x.source_cell AS cell_a, y.source_cell AS cell_b,
                             x.answer IS DISTINCT FROM y.answer AS changed
                      FROM x JOIN y USING (entity_id, question)
                      WHERE list_contains($codes, x.question)
                        AND x.answer IS NOT NULL AND y.answer IS NOT NULL)"""
        questions = cur.execute(base + """
            SELECT question, count(*) AS both, count(*) FILTER (WHERE changed) AS changed,
                   count(*) FILTER (WHERE changed) / count(*) AS share,
                   avg(na) AS mean_before, avg(nb) AS mean_after
            FROM pairs GROUP BY question""", params).df()
        by_section = cur.execute(base + """
            SELECT s.section, count(DISTINCT p.entity_id) AS both,
                   count(DISTINCT p.entity_id) FILTER (WHERE p.changed) AS changed
            FROM pairs AS p JOIN question_sections AS s USING (question)
            GROUP BY s.section""", params).df()
        moves = cur.execute(base + """
            SELECT we.name_in_source AS ente, p.question, p.raw_a AS before,
                   p.raw_b AS after, p.cell_a AS cell_before, p.cell_b AS cell_after
            FROM pairs AS p JOIN wave_entities AS we
                 ON we.wave_id = $after AND we.entity_id = p.entity_id
            WHERE p.changed ORDER BY p.question, we.source_row""", params).df()
        both = cur.execute("""
            SELECT count(*) FROM wave_entities AS a JOIN wave_entities AS b
                 ON a.entity_id = b.entity_id
            WHERE a.wave_id = $before AND b.wave_id = $after""",
                           {"before": before.wave_id, "after": after.wave_id}).fetchone()
    finally:
        cur.close()
    order = {code: i for i, code in enumerate(codes)}
    questions = questions.assign(_o=questions["question"].map(order)).sort_values("_o") \
        .drop(columns="_o").reset_index(drop=True)
    section_order = {s.key: i for i, s in enumerate(survey.sections)}
    by_section = by_section.assign(_o=by_section["section"].map(section_order)) \
        .sort_values("_o").drop(columns="_o").reset_index(drop=True)
    moves = moves.assign(_o=moves["question"].map(order)).sort_values("_o", kind="stable") \
        .drop(columns="_o").reset_index(drop=True)
    return WaveChanges(before, after, int(both[0]) if both else 0, questions, by_section,
                       moves)
