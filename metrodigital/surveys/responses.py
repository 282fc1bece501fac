"""Answers read through a survey definition: one cell → one typed answer.

The one answer parser on the survey model (``metrodigital.surveys.model``). A cell
of a responses file becomes a :class:`TypedAnswer` as the store keeps it:

- ``raw``: the text as written in the cell;
- ``option``: single, band and yes/no questions: the chosen option's key (its code,
  else its label); a band question also takes a number inside one of its bands;
- ``options``: multiple choice: the keys of every chosen option, in the definition's
  order, as a list (an empty list: nothing chosen). One row per question, not one
  per option: DuckDB reads the list with ``unnest`` or ``list_contains``;
- ``number``: number (≥ 0) and rating (a whole number on the question's scale);
- ``text``: free text;
- ``personal``: the question holds personal data (``personal = true``).

Problems carry a message-catalogue key; the caller adds the place (sheet, cell).

Answers are matched tolerantly: case, spaces, curly or straight apostrophes and
accents do not matter, and a yes/no question takes Sì/Si/SI/yes/y/1/x or No/n/0.
Multiple-choice answers are understood in the shapes the usual tools export:

- Microsoft Forms: one cell, options separated by ``;`` (a trailing ``;`` too);
- Google Forms: one cell, options separated by ``, `` — an option whose label itself
  contains commas is recognised by longest match against the labels;
- LimeSurvey: one column per option, headed ``Q41[SQ001]``, ``Q41_SQ001`` or
  ``<question text> [<option label>]``, with Sì/Y/Yes/1/X (or the option's own label)
  when chosen and an empty cell, N, No or "Non selezionato" when not;
- a list or tuple of options (already split).

``match_survey_columns()`` finds the columns of a sheet by the question's text, code,
number or aliases; ``row_answers()`` reads one row; ``points_of()`` scores an answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from metrodigital.surveys.model import Option, Question, QuestionType, Survey
from metrodigital.text import normalise_text, parse_number

Severity = Literal["error", "warning"]

_YES = frozenset({"si", "s", "yes", "y", "1", "true", "vero", "x"})
_NO = frozenset({"no", "n", "0", "false", "falso"})
_NOT_SELECTED = frozenset({"", "n", "no", "0", "false", "falso", "non selezionato",
                           "not selected", "nan"})


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, list | tuple):
        return False
    return isinstance(value, str) and not value.strip()


def display(value: object) -> str:
    """A cell's value as written (a whole float without its ``.0``)."""
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class AnswerProblem:
    """An answer that cannot be used as given; ``code`` is a catalogue key."""

    code: str
    question: str  # how the question is named: its number ("2.1"), else its code
    value: str
    allowed: tuple[str, ...] = ()
    severity: Severity = "error"
    low: float | None = None
    high: float | None = None

    @property
    def params(self) -> dict[str, object]:
        from metrodigital.questionnaire import QuotedNames  # the one quoting helper

        params: dict[str, object] = {"question": self.question, "value": self.value,
                                     "allowed": QuotedNames(self.allowed)}
        if self.low is not None:
            params["low"] = f"{self.low:g}"
        if self.high is not None:
            params["high"] = f"{self.high:g}"
        return params


class TypedAnswer(NamedTuple):
    """One question's answer as stored (see the module's docstring). A named tuple:
    one is made per cell, and an 8,000-row file has hundreds of thousands."""

    question: str
    raw: str
    option: str | None = None
    options: tuple[str, ...] | None = None
    number: float | None = None
    text: str | None = None
    personal: bool = False
    problems: tuple[AnswerProblem, ...] = ()

    @property
    def answered(self) -> bool:
        return (self.option is not None or self.options is not None
                or self.number is not None or self.text is not None)

    def shown(self, question: Question) -> str:
        """The answer as understood, for a person: labels, the number, the text."""
        if self.option is not None:
            return option_by_key(question, self.option).label
        if self.options is not None:
            return "; ".join(option_by_key(question, key).label for key in self.options)
        if self.number is not None:
            return f"{self.number:g}"
        return self.text or ""


def allowed(question: Question) -> tuple[str, ...]:
    return tuple(option.label for option in question.options)


# Questions are immutable: their options are indexed once (keyed by identity; hashing a
# frozen Question with all its options on every answer would cost more than the lookup).
_OPTION_INDEXES: dict[int, tuple[Question, dict[str, Option], dict[str, Option]]] = {}


def _options(question: Question) -> tuple[dict[str, Option], dict[str, Option]]:
    """The question's options by normalised spelling, and by key (code, else label)."""
    known = _OPTION_INDEXES.get(id(question))
    if known is None or known[0] is not question:
        spelled: dict[str, Option] = {}
        for option in question.options:
            for spelling in option.spellings():
                spelled.setdefault(normalise_text(spelling), option)
        by_key = {option.key: option for option in question.options}
        for option in question.options:
            by_key.setdefault(option.label, option)
        known = (question, spelled, by_key)
        _OPTION_INDEXES[id(question)] = known  # keeps the question alive
    return known[1], known[2]


def option_by_key(question: Question, key: str) -> Option:
    """The option whose key (code, else label) is ``key``."""
    return _options(question)[1][key]


def find_option(question: Question, value: object) -> Option | None:
    """The option ``value`` names (label, code or alias; tolerant spelling; yes/no also
    as "si", "x", "1", "no", "0" …)."""
    key = normalise_text(value)
    if question.type == QuestionType.YES_NO and len(question.options) == 2:
        if key in _YES:
            return question.options[0]
        if key in _NO:
            return question.options[1]
    return _options(question)[0].get(key)


def split_multiple(question: Question, raw: object) -> tuple[list[Option], list[str]]:
    """The options in a multiple-choice cell, and the pieces that match none."""
    if isinstance(raw, list | tuple | set | frozenset):
        pieces = [str(item) for item in raw if not is_blank(item)]
        found = [find_option(question, piece) for piece in pieces]
        return ([o for o in found if o is not None],
                [p for p, o in zip(pieces, found, strict=True) if o is None])
    text = str(raw)
    whole = find_option(question, text)
    if whole is not None:
        return [whole], []
    if ";" in text:  # Microsoft Forms: "A;B;C;"
        pieces = [piece.strip() for piece in text.split(";") if piece.strip()]
        found = [find_option(question, piece) for piece in pieces]
        return ([o for o in found if o is not None],
                [p for p, o in zip(pieces, found, strict=True) if o is None])
    # Google Forms: "A, B, C" where a label may contain commas -> longest match first.
    pieces = [piece.strip() for piece in text.split(",")]
    options: list[Option] = []
    unknown: list[str] = []
    start = 0
    while start < len(pieces):
        for end in range(len(pieces), start, -1):
            option = find_option(question, ", ".join(pieces[start:end]))
            if option is not None:
                options.append(option)
                start = end
                break
        else:
            if pieces[start]:
                unknown.append(pieces[start])
            start += 1
    return options, unknown


def parse_cell(question: Question, value: object) -> TypedAnswer:
    """``value`` (a cell, or a list of ticked options) read as an answer to ``question``.

    A blank cell is no answer: a warning for a question that gives points, nothing
    for the others (a free text, a rating left empty).
    """
    code, personal = question.code, question.personal
    label = question.id or code  # how messages name the question ("2.1", else its code)
    if is_blank(value) or (isinstance(value, list | tuple) and not value):
        if question.type == QuestionType.MULTIPLE and isinstance(value, list | tuple):
            return TypedAnswer(code, "", options=(), personal=personal)
        problems: tuple[AnswerProblem, ...] = ()
        if question.scored:
            problems = (AnswerProblem("answers.missing", label, "", allowed(question),
                                      "warning"),)
        return TypedAnswer(code, "", personal=personal, problems=problems)
    shown = display(value)
    kind = question.type

    def fail(problem_code: str, **extra: object) -> TypedAnswer:
        problem = AnswerProblem(problem_code, label, shown[:80], **extra)  # type: ignore[arg-type]
        return TypedAnswer(code, shown, personal=personal, problems=(problem,))

    if kind == QuestionType.TEXT:
        return TypedAnswer(code, shown, text=shown, personal=personal)
    if kind in (QuestionType.NUMBER, QuestionType.RATING):
        number = parse_number(value)
        if number is None or not math.isfinite(number):
            return fail("answers.not_a_number")
        if kind == QuestionType.RATING:
            if not float(number).is_integer() or not (
                    question.scale_min <= number <= question.scale_max):
                return fail("answers.rating_out_of_scale", low=question.scale_min,
                            high=question.scale_max)
        elif number < 0:
            return fail("answers.negative")
        problems = ()
        if kind == QuestionType.NUMBER and question.ranges and not any(
                r.contains(number) for r in question.ranges):
            problems = (AnswerProblem("answers.out_of_range", label, shown, tuple(
                _range_text(r.min, r.max) for r in question.ranges)),)
        return TypedAnswer(code, shown, number=float(number), personal=personal,
                           problems=problems)
    if kind == QuestionType.MULTIPLE:
        found, unknown = split_multiple(question, value)
        chosen = list(dict.fromkeys(found))  # a repeated option counts once
        problem_list = [AnswerProblem("answers.unknown_option", label, piece,
                                      allowed(question)) for piece in unknown]
        if len(chosen) > 1 and any(option.exclusive for option in chosen):
            exclusive = next(option.label for option in chosen if option.exclusive)
            problem_list.append(AnswerProblem("answers.exclusive_combined", label, exclusive,
                                              allowed(question)))
            chosen = [option for option in chosen if not option.exclusive]
        return TypedAnswer(code, shown, options=tuple(o.key for o in chosen),
                           personal=personal, problems=tuple(problem_list))
    option = find_option(question, value)
    if option is not None:
        return TypedAnswer(code, shown, option=option.key, personal=personal)
    if kind == QuestionType.BAND:
        number = parse_number(value)
        if number is not None:
            for band in question.options:
                if getattr(band, "contains", None) and band.contains(number):  # type: ignore[attr-defined]
                    return TypedAnswer(code, shown, option=band.key, personal=personal)
        return fail("answers.unknown_band", allowed=allowed(question))
    found, unknown = split_multiple(question, value)
    if len(found) > 1 and not unknown:
        return fail("answers.several_for_single", allowed=allowed(question))
    return fail("answers.unknown_option", allowed=allowed(question))


def _range_text(low: float, high: float | None) -> str:
    return f"{low:g}–{high:g}" if high is not None else f"≥ {low:g}"


def ticked(value: object, option: Option) -> bool | None:
    """Whether a LimeSurvey option cell says "chosen"; ``None`` when it cannot tell."""
    if is_blank(value):
        return False
    if value is True:
        return True
    key = normalise_text(value)
    if key in _YES or key in {normalise_text(s) for s in option.spellings()}:
        return True
    if key in _NOT_SELECTED:
        return False
    return None


_BY_CODE: dict[int, tuple[Survey, dict[str, Question]]] = {}


def question_of(survey: Survey, code: str) -> Question:
    """The survey's question of that code (indexed once per survey object)."""
    known = _BY_CODE.get(id(survey))
    if known is None or known[0] is not survey:
        known = (survey, {q.code: q for q in survey.questions})
        _BY_CODE[id(survey)] = known
    return known[1][code]


def points_of(question: Question, answer: TypedAnswer) -> int:
    """The points an answer to ``question`` gives: its option's (single, yes/no, band),
    the sum of its options' (multiple), its number's range (number); 0 for the rest."""
    if answer.option is not None:
        return option_by_key(question, answer.option).points
    if answer.options is not None:
        return sum(option_by_key(question, key).points for key in answer.options)
    if answer.number is not None and question.type == QuestionType.NUMBER:
        return next((r.points for r in question.ranges if r.contains(answer.number)), 0)
    return 0


# --- columns of an export ------------------------------------------------------------

@dataclass(frozen=True)
class ColumnProblem:
    """A column-level problem; ``code`` is a catalogue key, ``columns`` 0-based indices."""

    code: str
    question: str  # its number ("2.1"), else its code
    columns: tuple[int, ...] = ()
    severity: Severity = "error"


@dataclass(frozen=True)
class SurveyColumns:
    """Where each question's answers are in a sheet (0-based column indices)."""

    entity: int | None
    questions: dict[str, int]  # question code → column
    options: dict[str, dict[str, int]]  # multiple, LimeSurvey style: code → option key → col
    unmatched: tuple[int, ...]
    problems: tuple[ColumnProblem, ...]

    def question_list(self, survey: Survey) -> list[tuple[Question, int]]:
        """The questions with a column of their own, with that column (computed once)."""
        cached = self.__dict__.get("_question_list")
        if cached is None:
            cached = [(question_of(survey, code), index)
                      for code, index in self.questions.items()]
            object.__setattr__(self, "_question_list", cached)
        return cached

    @property
    def recognised(self) -> int:
        """How many columns were recognised (to tell which survey a file belongs to)."""
        return (len(self.questions) + sum(len(v) for v in self.options.values())
                + (self.entity is not None))


_LEADING_NUMBER = re.compile(r"^(d\s*)?\d+(\.\d+)*[.)]?\s+")
_OPTION_HEADER = re.compile(r"^(?P<question>.+?)\s*(\[(?P<a>[^\]]+)\]|_(?P<b>SQ\d+))\s*$",
                            re.IGNORECASE)


def header_keys(header: str) -> tuple[str, ...]:
    key = normalise_text(header).rstrip(" *:?")
    plain = normalise_text(header)
    stripped = _LEADING_NUMBER.sub("", key)
    return tuple(dict.fromkeys((plain, key, stripped, stripped.rstrip("?"))))


# Surveys are immutable: their headings are indexed once per survey object (keyed by
# identity; hashing a whole frozen Survey on every header row would cost more).
_HEADER_INDEXES: dict[int, tuple[Survey, dict[str, Question], frozenset[str]]] = {}


def _indexes(survey: Survey) -> tuple[dict[str, Question], frozenset[str]]:
    known = _HEADER_INDEXES.get(id(survey))
    if known is not None and known[0] is survey:
        return known[1], known[2]
    entity_keys = frozenset(k for alias in (*survey.entity_aliases, survey.entity_code)
                            for k in header_keys(alias))
    index = _header_index(survey)
    _HEADER_INDEXES[id(survey)] = (survey, index, entity_keys)  # keeps the survey alive
    return index, entity_keys


def _header_index(survey: Survey) -> dict[str, Question]:
    by_header: dict[str, Question] = {}
    for question in survey.questions:
        for header in question.headers():
            for key in header_keys(header):
                by_header.setdefault(key, question)
    for column in survey.personal_columns:  # further headings of personal questions
        if column.question:
            for alias in column.aliases:
                for key in header_keys(alias):
                    by_header.setdefault(key, survey.question(column.question))
    return by_header


def match_survey_columns(survey: Survey, headers: Sequence[object]) -> SurveyColumns:
    """Which column holds which question of ``survey`` (by text, code, id or alias)."""
    by_header, entity_keys = _indexes(survey)
    entity: int | None = None
    found: dict[str, list[int]] = {}
    options: dict[str, dict[str, int]] = {}
    unmatched: list[int] = []
    for index, raw_header in enumerate(headers):
        if is_blank(raw_header):
            unmatched.append(index)
            continue
        header = str(raw_header)
        keys = header_keys(header)
        question = next((by_header[k] for k in keys if k in by_header), None)
        if question is not None:
            found.setdefault(question.code, []).append(index)
            continue
        if entity is None and any(k in entity_keys for k in keys):
            entity = index
            continue
        split = _OPTION_HEADER.match(header)
        if split:
            base = header_keys(split.group("question"))
            question = next((by_header[k] for k in base if k in by_header), None)
            inner = normalise_text(split.group("a") or split.group("b") or "")
            if question is not None and question.type == QuestionType.MULTIPLE:
                option = next((o for o in question.options
                               if inner in {normalise_text(s) for s in o.spellings()}), None)
                if option is not None:
                    options.setdefault(question.code, {})[option.key] = index
                    continue
        unmatched.append(index)
    problems: list[ColumnProblem] = []
    if entity is None:
        problems.append(ColumnProblem("answers.columns.entity_missing", ""))
    questions: dict[str, int] = {}
    for question in survey.questions:
        columns = found.get(question.code, [])
        if len(columns) > 1:
            problems.append(ColumnProblem("answers.columns.duplicate",
                                          question.id or question.code, tuple(columns)))
        if columns:
            questions[question.code] = columns[0]
        elif question.code not in options:
            severity: Severity = "error" if question.scored else "warning"
            problems.append(ColumnProblem("answers.columns.missing",
                                          question.id or question.code, severity=severity))
    return SurveyColumns(entity=entity, questions=questions, options=options,
                         unmatched=tuple(unmatched), problems=tuple(problems))


def row_answers(survey: Survey, columns: SurveyColumns, row: Sequence[object]
                ) -> list[tuple[TypedAnswer, int, Question]]:
    """One row's answers, each with the (0-based) column it came from and its question;
    unanswered questions without a problem are left out."""
    width = len(row)
    out: list[tuple[TypedAnswer, int, Question]] = []
    for question, index in columns.question_list(survey):
        answer = parse_cell(question, row[index] if index < width else None)
        if answer.answered or answer.problems:
            out.append((answer, index, question))

    def cell(index: int) -> object:
        return row[index] if index < width else None

    for code, option_columns in columns.options.items():
        question = question_of(survey, code)
        chosen: list[str] = []
        problems: list[AnswerProblem] = []
        for key, index in option_columns.items():
            state = ticked(cell(index), option_by_key(question, key))
            if state is None:
                problems.append(AnswerProblem("answers.not_a_tick", question.id or code,
                                              display(cell(index)), ("Sì", "No")))
            elif state:
                chosen.append(key)
        answer = parse_cell(question, chosen)
        if problems:
            answer = TypedAnswer(answer.question, answer.raw, options=answer.options,
                                 personal=answer.personal,
                                 problems=(*problems, *answer.problems))
        out.append((answer, min(option_columns.values()), question))
    return out
