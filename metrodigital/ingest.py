"""New questionnaires in: read, recognise, validate cell by cell, preview, publish.

``prepare()`` turns an uploaded file into a :class:`Preview`: the scored matrix
it would publish, the ranking it would produce, and every problem with its
place. Errors block publishing; warnings need an explicit acceptance.
``publish()`` checks the editor role itself and stores the wave in one
transaction: a failure leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Literal

import pandas as pd

from metrodigital.criteria import load_criteria, seed_weights
from metrodigital.i18n import fmt_number, t
from metrodigital.questionnaire import QuotedNames
from metrodigital.roles import Actor, AuthConfig, require_editor
from metrodigital.store import Store, Wave, entity_id_for, entity_slug, slugify
from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey, survey_ids
from metrodigital.surveys.responses import (
    SurveyColumns,
    match_survey_columns,
    points_of,
    row_answers,
)
from metrodigital.territory import Comune, Match, match_entity
from metrodigital.territory import Territory as Matcher
from metrodigital.territory import Unione as MatcherUnione
from metrodigital.workbook import (
    CellProblem,
    Table,
    normalise_text,
    parse_number,
    read_workbook,
    sheet_reference,
)

Format = Literal["matrix", "responses"]
# The population criterion uses the ISTAT residents of 1 January 2022, the latest
# figure when the 2022 survey ran (it reproduces the source's classes exactly).
POPULATION_YEAR = 2022
ENTE = "ente"
ENTITY_ID = "entity_id"  # the store's key of the entity a row becomes
ISTAT_CODE = "istat_code"  # the ISTAT code(s) of the Comune or Unione a name matched
FINAL_SCORE = "punteggio_finale"  # the source's total: optional, checked, never used
# What the first cell of a matrix file's weights row says (the source: «Peso assegnato»).
WEIGHT_LABELS = frozenset(normalise_text(label) for label in (
    "peso assegnato", "pesi assegnati", "peso", "pesi", "peso attribuito", "pesi attribuiti",
    "weight", "weights", "assigned weight", "assigned weights"))
# Header texts that name the entity column in the exports we know.
# The columns of ``Preview.answers``: the answer as the file named and understood it, then
# typed as the store keeps it (``metrodigital.surveys.responses``).
ANSWER_FRAME = ("ente", "question_id", "answer", "question", "raw", "option_code", "options",
                "number", "text", "source_cell", "personal")
ENTE_ALIASES = (
    "ente", "comune", "nome ente", "nome dell'ente", "denominazione ente", "denominazione",
    "comune/unione", "ente/comune", "nome del comune", "amministrazione", "entity",
)


def matrix_aliases() -> dict[str, str]:
    """Normalised header text → what the column holds (``ente`` or a criterion key)."""
    aliases = {normalise_text(a): ENTE for a in ENTE_ALIASES}
    for c in load_criteria():
        for text in (c.key, c.code, c.label_it, c.label_en, c.source_heading,
                     f"sezione {c.position}", f"sezione {c.position} {c.label_it}"):
            aliases[normalise_text(text)] = c.key
    aliases[normalise_text("punteggio finale")] = FINAL_SCORE
    aliases[normalise_text(FINAL_SCORE)] = FINAL_SCORE
    return aliases


def layout_signature(headers: Sequence[str]) -> str:
    """Identifies a file layout by its header texts, to remember a column mapping."""
    joined = "\x1f".join(normalise_text(h) for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


@dataclass
class Preview:
    """What publishing an uploaded file would do, and what is wrong with it."""

    filename: str
    sha256: str
    format: Format
    sheet: str | None
    header_row: int
    headers: list[str]
    columns: dict[str, str]  # target → column letter
    matrix: pd.DataFrame  # ente + one column per criterion
    answers: pd.DataFrame | None = None  # ente, question_id, answer (responses format)
    problems: list[CellProblem] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (letter, header)
    sheets: list[str] = field(default_factory=list)
    survey_id: str = DEFAULT_SURVEY  # the survey the file is read as
    # a matrix file's own reference weights («Peso assegnato» under the header), by key
    weights: dict[str, float] | None = None

    @property
    def has_matrix(self) -> bool:
        """Whether publishing stores points: the survey has a prioritisation matrix and
        the file gave every criterion's points."""
        criteria = load_survey(self.survey_id).criteria
        return bool(criteria) and all(c.key in self.matrix.columns for c in criteria)

    @property
    def errors(self) -> list[CellProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[CellProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def layout(self) -> str:
        return layout_signature(self.headers)


class ImportBlocked(ValueError):
    """Publishing was refused; ``problems`` (or the message) say why."""

    def __init__(self, code: str, problems: Sequence[CellProblem] = ()) -> None:
        super().__init__(code)
        self.code = code
        self.problems = list(problems)


def _problem(severity: Literal["error", "warning"], code: str, table: Table, letter: str | None,
             row: int | None, **params: object) -> CellProblem:
    cell = f"{letter}{row}" if letter and row else (letter or None)
    return CellProblem(severity=severity, code=code, sheet=table.sheet, cell=cell, params=params)


def _choose_table(tables: Sequence[Table], hint: Callable[[list[str]], int],
                  sheet: str | None) -> Table:
    """The sheet the user picked, else the one whose header is recognised best."""
    if sheet is not None:
        for table in tables:
            if table.sheet == sheet:
                return table
    return max(tables, key=lambda t: hint([normalise_text(h) for h in t.headers]))


def _in_used_columns(problems: Sequence[CellProblem], used: set[str]) -> list[CellProblem]:
    """The reader's problems, less those in columns the import ignores (a broken formula in
    a column nobody reads must not block publishing)."""
    kept = []
    for problem in problems:
        column = "".join(ch for ch in (problem.cell or "") if ch.isalpha())
        if not column or column in used:
            kept.append(problem)
    return kept


def _name_warning(table: Table, letter: str, row_number: int, ente: str,
                  match: Match | None = None) -> CellProblem | None:
    """A warning when ``ente`` is not a known Comune or Unione (or only a truncated name)."""
    match = match if match is not None else match_entity(ente)
    if match.warning is None or match.status not in ("unknown", "truncated"):
        return None
    return _problem("warning", match.warning.code, table, letter, row_number,
                    **match.warning.params)


def istat_codes(match: Match) -> str:
    """The ISTAT code of the Comune a name matched (an Unione: its members' codes joined
    by ``;``), or "" when the name matched nothing."""
    entity = match.entity
    if entity is None:
        return ""
    return ";".join(member.istat_code for member in entity.members)


def entity_key(ente: str, match: Match) -> str:
    """The store's key for the entity a row names: the slug of the name as written
    ("Comune di Mazzè" → ``mazze``, so that links keep working), else the ISTAT code
    once the name matched a Comune, else a hash of the name; never empty."""
    return entity_slug(ente) or istat_codes(match).replace(";", "-") or entity_id_for(ente)


class _Claims:
    """Which row claimed which entity: two rows that would become one entity (the same key,
    or the same Comune by ISTAT code) are an error naming both rows; the same name twice
    is a warning (the last row counts)."""

    def __init__(self, table: Table, letter: str) -> None:
        self.table = table
        self.letter = letter
        self._first: dict[str, tuple[int, str, str]] = {}  # key → (row, name, as written)

    def claim(self, ente: str, written: str, row_number: int,
              match: Match) -> tuple[str, str, CellProblem | None]:
        """(entity key, ISTAT code(s), the problem with this row if any)."""
        key = entity_key(ente, match)
        codes = istat_codes(match)
        claims = [f"id:{key}", *([f"istat:{codes}"] if codes else [])]
        problem = None
        for claim in claims:
            if claim not in self._first:
                continue
            first_row, first_name, first_written = self._first[claim]
            if normalise_text(first_written) == normalise_text(written):
                problem = _problem("warning", "ingest.duplicate_entity", self.table,
                                   self.letter, row_number, ente=ente, first=first_row)
            else:
                problem = _problem(
                    "error", "ingest.same_entity", self.table, self.letter, row_number,
                    ente=_as_written(ente, written), other=_as_written(first_name,
                                                                       first_written),
                    first=first_row, entity=match.entity.name if match.entity else key)
            break
        for claim in claims:
            self._first[claim] = (row_number, ente, written)
        return key, codes, problem


def _as_written(ente: str, written: str) -> str:
    """"Pinerol → Pinerolo" when the user picked another name for the row."""
    return ente if ente == written else f"{written} → {ente}"


@cache
def territory_matcher(territory_id: str) -> Matcher:
    """Names matched against a territory's Comuni (and Unioni): the shipped Torino one
    (with its known variants) or one built from ``data/territories/<id>``."""
    if territory_id == "torino":
        from metrodigital.territory import load_territory as load_torino

        return load_torino()
    from metrodigital.territories import load_territory

    data = load_territory(territory_id)
    comuni = tuple(
        Comune(istat_code=str(row.codice_istat), name=str(row.comune),
               populations=((data.population_year, int(row.popolazione)),),
               zona_omogenea=None if pd.isna(row.zona_omogenea) else int(row.zona_omogenea),
               zona_omogenea_nome=str(row.zona_omogenea_nome or ""),
               zona_fonte=str(row.zona_fonte or ""))
        for row in data.comuni.fillna({"zona_omogenea_nome": "", "zona_fonte": ""})
        .itertuples(index=False))
    by_code = {comune.istat_code: comune for comune in comuni}
    unioni = tuple(MatcherUnione(name=u.name, members=tuple(by_code[c] for c in u.istat_codes))
                   for u in data.unioni)
    return Matcher(comuni, unioni, {})


def match_in(survey: Survey, name: str) -> Match:
    """``name`` matched against the survey's territory."""
    if survey.territory == "torino":
        return match_entity(name)
    return territory_matcher(survey.territory).match(name)


def _survey_mapped_headers(table: Table, survey: Survey,
                           mapping: Mapping[str, str]) -> list[str]:
    """The headers with the user's answers for unrecognised columns applied (see
    ``_mapped_headers``), for a survey's question codes."""
    codes = {q.code for q in survey.questions} | {q.id for q in survey.questions if q.id}
    chosen = {normalise_text(header): target for header, target in mapping.items()}
    headers = []
    for header in table.headers:
        target = chosen.get(normalise_text(header))
        if target is None:
            headers.append(header)
        elif target in codes:
            headers.append(target)
        elif target == ENTE:
            headers.append((survey.entity_aliases or (survey.entity_code,))[0])
        else:
            headers.append("")
    return headers


def _column_problems(table: Table, columns: SurveyColumns) -> list[CellProblem]:
    problems = []
    for column_problem in columns.problems:
        cell = table.letters[column_problem.columns[0]] if column_problem.columns else None
        code = column_problem.code
        params: dict[str, object] = {"question": column_problem.question, "columns": QuotedNames(
            table.headers[i] for i in column_problem.columns)}
        problems.append(CellProblem(
            severity=column_problem.severity, code=code, sheet=table.sheet,
            cell=f"{cell}{table.header_row}" if cell else None, params=params))
    return problems


def _prepare_survey_responses(table: Table, survey: Survey, renames: Mapping[str, str],
                              mapping: Mapping[str, str], filename: str = "") -> Preview:
    """One row per respondent, a column per question of ``survey``: every answer typed
    and checked cell by cell (``metrodigital.surveys.responses``, the one answer parser),
    every respondent matched to the survey's territory; a survey with a matrix scores
    each respondent's sections and population class into the matrix's points."""
    columns = match_survey_columns(survey, _survey_mapped_headers(table, survey, mapping))
    letters = table.letters
    skipped = {normalise_text(h) for h, target in mapping.items() if target == ""}
    used = {letters[i] for i in range(len(letters)) if i not in set(columns.unmatched)}
    problems: list[CellProblem] = _in_used_columns(table.problems, used)
    problems += _column_problems(table, columns)
    ignored = [(letters[i], table.headers[i]) for i in columns.unmatched
               if table.headers[i].strip() and normalise_text(table.headers[i]) not in skipped]
    criteria = survey.criteria
    sections = {c.key: survey.section(c.key) for c in criteria if not c.population}
    sheet_prefix = sheet_reference(table.sheet, "")  # "Risposte!", or "" for a CSV
    population = next((c for c in criteria if c.population), None)
    records: list[dict[str, object]] = []
    answers: list[tuple[object, ...]] = []
    if columns.entity is not None:
        entity_letter = letters[columns.entity]
        claims = _Claims(table, entity_letter)
        for row_number, values in table.rows:
            raw_name = values[columns.entity] if columns.entity < len(values) else None
            written = str(raw_name or "").strip()
            ente = renames.get(written, written)
            if not ente:
                if any(v not in (None, "") for v in values):
                    problems.append(_problem("error", "ingest.missing_entity", table,
                                             entity_letter, row_number))
                continue
            row = row_answers(survey, columns, values)
            for answer, index, _ in row:
                for answer_problem in answer.problems:
                    problems.append(CellProblem(
                        severity=answer_problem.severity, code=answer_problem.code,
                        sheet=table.sheet, cell=f"{letters[index]}{row_number}",
                        params=answer_problem.params))
            match = match_in(survey, ente)
            warning = _name_warning(table, entity_letter, row_number, ente, match)
            if warning is not None:
                problems.append(warning)
            record: dict[str, object] = {ENTE: ente}
            if criteria:
                points = {answer.question: points_of(question, answer)
                          for answer, _, question in row}
                for key, section in sections.items():
                    record[key] = float(sum(points.get(q.code, 0) for q in section.questions))
            if population is not None:
                if match.entity is not None and survey.population is not None:
                    residents = match.entity.population(survey.population.year or
                                                        POPULATION_YEAR)
                    record[population.key] = float(
                        survey.population.class_of(residents).points or 0)
                else:
                    record[population.key] = 0.0
                    problems.append(_problem("warning", "ingest.no_population", table,
                                             entity_letter, row_number, ente=ente))
            record[ENTITY_ID], record[ISTAT_CODE], claimed = claims.claim(
                ente, written, row_number, match)
            if claimed is not None:
                problems.append(claimed)
            records.append(record)
            for answer, index, question in row:
                if not answer.answered:
                    continue
                answers.append((ente, question.id or question.code, answer.shown(question),
                                answer.question, answer.raw, answer.option, answer.options,
                                answer.number, answer.text,
                                f"{sheet_prefix}{letters[index]}{row_number}",
                                answer.personal))
    keys = [c.key for c in criteria]
    matrix = pd.DataFrame.from_records(records, columns=[ENTE, *keys, ENTITY_ID, ISTAT_CODE])
    if keys:
        matrix[keys] = matrix[keys].astype("float64").fillna(0.0)
    # the same name twice keeps its last row (the warning says so)
    matrix = matrix.drop_duplicates(ENTITY_ID, keep="last").reset_index(drop=True)
    frame = pd.DataFrame.from_records(answers, columns=list(ANSWER_FRAME))
    frame = frame[frame[ENTE].isin(matrix[ENTE])]
    frame = frame.drop_duplicates([ENTE, "question"], keep="last").reset_index(drop=True)
    if not records and not any(p.severity == "error" for p in problems):
        problems.append(_problem("error", "ingest.no_rows", table, None, None))
    return Preview(
        filename=filename, sha256="", format="responses", sheet=table.sheet,
        header_row=table.header_row, headers=list(table.headers), columns={}, matrix=matrix,
        answers=frame, problems=problems, ignored=ignored, survey_id=survey.id,
    )


def survey_hint(survey: Survey) -> Callable[[list[str]], int]:
    """How well a row of normalised cells reads as the header of a responses file of
    ``survey``: the number of columns recognised."""
    def hint(cells: list[str]) -> int:
        return match_survey_columns(survey, cells).recognised

    return hint


def likely_survey(tables: Sequence[Table], chosen: str) -> str | None:
    """Another survey whose questions the file's header matches clearly better than the
    chosen survey's (the file looks like that survey's), or None."""
    scores: dict[str, int] = {}
    for sid in survey_ids():
        survey = load_survey(sid)
        hint = survey_hint(survey)
        scores[sid] = max((hint([normalise_text(h) for h in t.headers]) for t in tables),
                          default=0)
    if chosen == DEFAULT_SURVEY:  # a matrix file of the default survey counts as its own
        aliases = matrix_aliases()
        scores[chosen] = max(scores.get(chosen, 0), max(
            (sum(1 for h in t.headers if normalise_text(h) in aliases) for t in tables),
            default=0))
    best = max(scores, key=lambda sid: scores[sid], default=None)
    own = scores.get(chosen, 0)
    if best is None or best == chosen or scores[best] < 3 or scores[best] <= 2 * own:
        return None
    return best


def _hints(fmt: str) -> tuple[Callable[[list[str]], int], Callable[[list[str]], int],
                             Callable[[list[str]], int]]:
    """How well a row of normalised cells reads as a matrix header, as a responses
    header, and as the header of the format asked for."""
    aliases = matrix_aliases()
    survey = load_survey(DEFAULT_SURVEY)

    def hint(cells: list[str]) -> int:
        return sum(1 for cell in cells if cell in aliases)

    def responses_hint(cells: list[str]) -> int:
        columns = match_survey_columns(survey, cells)
        return len(columns.questions) + len(columns.options) + (columns.entity is not None)

    def best_hint(cells: list[str]) -> int:
        if fmt == "matrix":
            return hint(cells)
        if fmt == "responses":
            return responses_hint(cells)
        return max(hint(cells), responses_hint(cells))

    return hint, responses_hint, best_hint


def _header_hint(fmt: str, survey: Survey) -> Callable[[list[str]], int]:
    """The header row's hint: the default survey's as always; for another survey, the
    best of every survey's, so that a file of the wrong survey is still read from its
    header row (and recognised as that survey's)."""
    if survey.id == DEFAULT_SURVEY:
        return _hints(fmt)[2]
    hints = [_hints("auto")[2], *(survey_hint(load_survey(sid)) for sid in survey_ids())]

    def hint(cells: list[str]) -> int:
        return max(h(cells) for h in hints)

    return hint


def read_tables(data: bytes, filename: str,
                fmt: Literal["auto", "matrix", "responses"] = "auto",
                survey: str = DEFAULT_SURVEY) -> list[Table]:
    """The sheets of an uploaded file, each below its header row (what ``prepare`` reads
    first; a caller that asks the user questions about the file reads it once and passes
    the tables to every ``prepare``). Raises ``workbook.FileRejected``."""
    return read_workbook(data, filename, header_hint=_header_hint(fmt, load_survey(survey)))


def prepare(
    data: bytes,
    filename: str,
    *,
    fmt: Literal["auto", "matrix", "responses"] = "auto",
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    remembered: Callable[[str], Mapping[str, str]] | None = None,
    renames: Mapping[str, str] | None = None,
    tables: Sequence[Table] | None = None,
    survey: str = DEFAULT_SURVEY,
) -> Preview:
    """Read and check an uploaded file; raises ``workbook.FileRejected`` if unreadable.

    ``mapping`` maps a header text (as it appears) to ``ente``, a criterion key,
    or ``""`` to ignore it: the user's answer for columns the app did not
    recognise. ``remembered`` returns the mapping saved for a layout (see
    ``Store.mapping``): a file laid out like an earlier one needs no questions.
    ``renames`` maps an entity name as written in the file to the official name
    the user picked for it. ``tables`` are the file's sheets as :func:`read_tables`
    returned them for ``data``, to skip reading the file again.
    ``survey`` is the survey the file answers: a survey without a matrix reads
    responses only, typed through its definition; a file whose header is clearly
    another survey's is an error that names that survey.
    """
    definition = load_survey(survey)
    if survey != DEFAULT_SURVEY:
        return _prepare_for_survey(data, filename, definition, mapping=mapping, sheet=sheet,
                                   remembered=remembered, renames=renames, tables=tables)
    aliases = matrix_aliases()
    hint, responses_hint, best_hint = _hints(fmt)
    if tables is None:
        tables = read_workbook(data, filename, header_hint=best_hint)
    table = _choose_table(tables, best_hint, sheet)
    detected: Format
    if fmt == "auto":
        cells = [normalise_text(h) for h in table.headers]
        detected = "responses" if responses_hint(cells) > hint(cells) else "matrix"
    else:
        detected = fmt
    chosen = dict(remembered(layout_signature(table.headers))) if remembered else {}
    chosen.update(mapping or {})
    for header, target in chosen.items():
        aliases[normalise_text(header)] = target
    if detected == "responses":
        preview = _prepare_survey_responses(table, definition, renames or {}, chosen)
    else:
        preview = _prepare_matrix(table, aliases, renames or {})
    preview.filename = filename
    preview.sha256 = hashlib.sha256(data).hexdigest()
    preview.sheets = [t.sheet or "" for t in tables]
    _other_survey(preview, tables, survey)
    return preview


class SurveyTitle(str):
    """A survey's id that a message renders as its title in the message's language (the
    field's format spec): ``{survey:en}``; a bare ``{survey}`` gives the Italian title.
    (A problem's params are rendered later, in whichever language is chosen then.)"""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return load_survey(str(self)).title_in(spec or "it")


def _other_survey(preview: Preview, tables: Sequence[Table], survey: str) -> None:
    """When the file looks like another survey's: that error alone (not one line per
    column of the wrong survey, nor questions about columns it has no reason to hold)."""
    other = likely_survey(tables, survey)
    if other is not None:
        preview.problems = [CellProblem("error", "ingest.other_survey", preview.sheet, None, {
            "survey": SurveyTitle(survey), "other": SurveyTitle(other), "other_id": other})]
        preview.ignored = []


def _prepare_for_survey(data: bytes, filename: str, survey: Survey, *,
                        mapping: Mapping[str, str] | None, sheet: str | None,
                        remembered: Callable[[str], Mapping[str, str]] | None,
                        renames: Mapping[str, str] | None,
                        tables: Sequence[Table] | None) -> Preview:
    """``prepare`` for a survey other than the default one: a responses file."""
    hint = survey_hint(survey)
    if tables is None:
        tables = read_workbook(data, filename, header_hint=_header_hint("auto", survey))
    table = _choose_table(tables, hint, sheet)
    chosen = dict(remembered(layout_signature(table.headers))) if remembered else {}
    chosen.update(mapping or {})
    preview = _prepare_survey_responses(table, survey, renames or {}, chosen, filename)
    preview.sha256 = hashlib.sha256(data).hexdigest()
    preview.sheets = [t.sheet or "" for t in tables]
    _other_survey(preview, tables, survey.id)
    return preview


def _prepare_matrix(table: Table, aliases: Mapping[str, str],
                    renames: Mapping[str, str]) -> Preview:
    keys = [c.key for c in load_criteria()]
    columns: dict[str, str] = {}
    index: dict[str, int] = {}
    ignored: list[tuple[str, str]] = []
    problems: list[CellProblem] = []
    for i, (header, letter) in enumerate(zip(table.headers, table.letters, strict=True)):
        target = aliases.get(normalise_text(header))
        if not target or target in columns:
            if header.strip():
                ignored.append((letter, header))
            continue
        columns[target] = letter
        index[target] = i
    header_row = table.header_row
    problems += _in_used_columns(table.problems, set(columns.values()))
    for target in [ENTE, *keys]:
        if target not in columns:
            problems.append(_problem("error", "ingest.missing_column", table, None, None,
                                     column=target, header_row=header_row))
    records: list[dict[str, object]] = []
    weights: dict[str, float] | None = None
    if ENTE in columns:
        claims = _Claims(table, columns[ENTE])
        rows = table.rows
        if rows and normalise_text(rows[0][1][index[ENTE]]) in WEIGHT_LABELS:
            weights = _weights_row(table, rows[0], keys, columns, index, problems)
            rows = rows[1:]
        for row_number, values in rows:
            record: dict[str, object] = {}
            written = str(values[index[ENTE]] or "").strip()
            ente = renames.get(written, written)
            if not ente:
                if any(v not in (None, "") for v in values):
                    problems.append(_problem("error", "ingest.missing_entity", table,
                                             columns[ENTE], row_number))
                continue
            record[ENTE] = ente
            warning = _name_warning(table, columns[ENTE], row_number, ente)
            if warning is not None:
                problems.append(warning)
            row_ok = True
            for key in keys:
                if key not in index:
                    continue
                raw = values[index[key]]
                letter = columns[key]
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    problems.append(_problem("warning", "ingest.missing_points", table, letter,
                                             row_number, ente=ente))
                    record[key] = 0.0
                    continue
                number = parse_number(raw)
                if number is None or not math.isfinite(number):
                    problems.append(_problem("error", "ingest.not_a_number", table, letter,
                                             row_number, value=str(raw)[:60]))
                    row_ok = False
                elif number < 0:
                    problems.append(_problem("error", "ingest.negative", table, letter,
                                             row_number, value=str(raw)[:60]))
                    row_ok = False
                else:
                    record[key] = number
            if FINAL_SCORE in index:
                record[FINAL_SCORE] = parse_number(values[index[FINAL_SCORE]])
            record[ENTITY_ID], record[ISTAT_CODE], claimed = claims.claim(
                ente, written, row_number, match_entity(ente))
            if claimed is not None:
                problems.append(claimed)
            if row_ok:
                records.append(record)
    if ENTE in columns and not records and not any(p.severity == "error" for p in problems):
        problems.append(_problem("error", "ingest.no_rows", table, None, None))
    extra = [FINAL_SCORE] if FINAL_SCORE in index else []
    matrix = pd.DataFrame.from_records(records,
                                       columns=[ENTE, *keys, *extra, ENTITY_ID, ISTAT_CODE])
    # the same name twice keeps its last row (the warning says so)
    matrix = matrix.drop_duplicates(ENTITY_ID, keep="last").reset_index(drop=True)
    return Preview(
        filename="", sha256="", format="matrix", sheet=table.sheet, header_row=header_row,
        headers=list(table.headers), columns=columns, matrix=matrix, problems=problems,
        ignored=ignored, weights=weights,
    )


def _weights_row(table: Table, row: tuple[int, list[object]], keys: Sequence[str],
                 columns: Mapping[str, str], index: Mapping[str, int],
                 problems: list[CellProblem]) -> dict[str, float]:
    """The reference weights a matrix file gives in the row under its header («Peso
    assegnato», as the source's table): one per criterion; a blank keeps the survey's
    weight (a warning says so), a weight that is not a number ≥ 0 is an error."""
    row_number, values = row
    reference = load_survey(DEFAULT_SURVEY).reference_weights
    weights: dict[str, float] = {}
    for key in keys:
        if key not in index:
            weights[key] = float(reference[key])
            continue
        raw = values[index[key]]
        letter = columns[key]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            weights[key] = float(reference[key])
            problems.append(_problem("warning", "ingest.weight_missing", table, letter,
                                     row_number, weight=fmt_number(reference[key])))
            continue
        number = parse_number(raw)
        if number is None or not math.isfinite(number) or number < 0:
            problems.append(_problem("error", "ingest.bad_weight", table, letter, row_number,
                                     value=str(raw)[:60]))
            continue
        weights[key] = number
    return weights


def final_score_warnings(preview: Preview, lang: str) -> list[str]:
    """A matrix file's own final scores that disagree with its points × the source's weights."""
    if FINAL_SCORE not in preview.matrix.columns:
        return []
    weights = seed_weights()
    warnings = []
    for row in preview.matrix.to_dict("records"):
        given = row[FINAL_SCORE]
        if given is None or pd.isna(given):
            continue
        computed = sum(float(row[key]) * w for key, w in weights.items())
        if abs(float(given) - computed) > 1e-6:
            warnings.append(t("file.final_mismatch", lang, ente=row[ENTE], given=f"{given:g}",
                              computed=f"{computed:g}"))
    return warnings


def store_problems(store: Store, preview: Preview) -> list[CellProblem]:
    """What the database says about publishing ``preview``: the same file (same SHA-256)
    already published as another wave is a warning to accept."""
    same = store.waves_with_file(preview.sha256)
    if not same:
        return []
    return [CellProblem("warning", "ingest.same_file", None, None, {
        "waves": QuotedNames(w.name for w in same), "sha": preview.sha256[:12]})]


GROUP_FROM = 4  # this many problems of one kind in one column are shown as one line
_ROWS_SHOWN = 12
_NAMES_SHOWN = 8


def group_problems(problems: Sequence[CellProblem], lang: str) -> list[str]:
    """The problems as lines to read: one line per problem, except that many problems of
    one kind in one column (or with the same text) become one line naming the rows and
    the entities, instead of thousands of near-copies."""
    groups: dict[tuple[str, str, str | None, str, str], list[CellProblem]] = {}
    for problem in problems:
        column = "".join(ch for ch in (problem.cell or "") if ch.isalpha())
        text = "" if column else t(problem.code, lang, **problem.params)
        key = (problem.severity, problem.code, problem.sheet, column, text)
        groups.setdefault(key, []).append(problem)
    lines: list[str] = []
    for (severity, code, sheet, column, _), members in groups.items():
        if len(members) < GROUP_FROM:
            lines.extend(member.message(lang) for member in members)
            continue
        where = CellProblem(severity, code, sheet, column or None).place(lang)
        texts = {t(code, lang, **member.params) for member in members}
        example = t(code, lang, **members[0].params)
        head = t("ingest.group_same" if len(texts) == 1 else "ingest.group_example", lang,
                 n=fmt_number(len(members), lang), text=example)
        rows = [int(digits) for member in members
                if (digits := "".join(ch for ch in (member.cell or "") if ch.isdigit()))]
        detail = []
        if rows:
            shown = ", ".join(str(r) for r in rows[:_ROWS_SHOWN])
            more = len(rows) - _ROWS_SHOWN
            detail.append(t("ingest.group_rows", lang, rows=shown) + (
                t("ingest.group_more", lang, n=fmt_number(more, lang)) if more > 0 else ""))
        names = [name for name in dict.fromkeys(
            str(member.params.get("name") or member.params.get("ente") or "")
            for member in members) if name]
        if len(names) > 1:
            shown = ", ".join(t("ingest.group_name", lang, name=n) for n in names[:_NAMES_SHOWN])
            more = len(names) - _NAMES_SHOWN
            detail.append(t("ingest.group_names", lang, names=shown) + (
                t("ingest.group_more", lang, n=fmt_number(more, lang)) if more > 0 else ""))
        line = f"{where}: {head}" if where else head[:1].upper() + head[1:]
        lines.append(line + "".join(f"\n    {d}" for d in detail))
    return lines


def publish(
    store: Store,
    preview: Preview,
    *,
    name: str,
    survey_date: date | None,
    auth: AuthConfig,
    actor: Actor,
    accept_warnings: bool = False,
) -> Wave:
    """Store ``preview`` as a new wave, atomically; only for editors, only without errors."""
    require_editor(auth, actor)
    if preview.errors:
        raise ImportBlocked("ingest.has_errors", preview.errors)
    warnings = [*preview.warnings, *store_problems(store, preview)]
    if warnings and not accept_warnings:
        raise ImportBlocked("ingest.warnings_not_accepted", warnings)
    if not name.strip() or not slugify(name):
        raise ImportBlocked("ingest.bad_wave_name")
    if store.has_wave(slugify(name)):
        raise ImportBlocked("ingest.wave_exists")
    return store.publish_wave(
        name=name.strip(), entities=preview.matrix, survey_date=survey_date,
        source_file=preview.filename, sha256=preview.sha256, uploaded_by=actor.name(auth),
        answers=preview.answers, survey_id=preview.survey_id,
        reference_weights=preview.weights, points=preview.has_matrix,
    )


def delete_wave(store: Store, slug: str, *, auth: AuthConfig, actor: Actor) -> None:
    """Delete a wave (never the source's): only for editors."""
    require_editor(auth, actor)
    store.delete_wave(slug)


def preview_selection(preview: Preview, weights: Mapping[str, float], top: int):
    """The ranking and selection the file would produce, from a scratch in-memory store."""
    from metrodigital.ranking import evaluate  # here: ranking imports nothing from ingest
    from metrodigital.scenario import Scenario

    with Store(":memory:", examples=False) as scratch:
        wave = scratch.publish_matrix_wave(
            name="anteprima", matrix=preview.matrix, survey_date=None,
            source_file=preview.filename, sha256=preview.sha256, uploaded_by="preview",
            reference_weights=preview.weights,
        )
        return evaluate(scratch, Scenario(weights=dict(weights), top=top, wave=wave.slug))
