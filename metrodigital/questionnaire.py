"""The questionnaire definition (``data/questionnaire.toml``) and how answers score.

There is one answer parser: ``metrodigital.surveys.responses`` (what uploads use,
on the survey definitions of ``data/surveys``). ``parse_answer``, ``score_answers``,
``match_columns`` and ``answers_from_row`` below translate this module's question
model to the survey model and back (``survey_question``, ``survey_of``), so that the
definition in ``data/questionnaire.toml`` (still the template's source, and the
reference of the conversion test ``tests/test_surveys.py``) scores through the same
rules; its problems keep their ``questionnaire.*`` catalogue keys.
``load_questionnaire()`` reads and validates the definition: every problem names the
question (or section) and the field (``questionnaire.def.*`` keys).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from metrodigital.criteria import criterion_keys
from metrodigital.i18n import DEFAULT_LANG, quote, t
from metrodigital.paths import DATA_DIR

# The one text normaliser and number parser (metrodigital.text); normalise_text is
# re-exported because the survey loader, model and territory matching import it here.
from metrodigital.text import normalise_text as normalise_text
from metrodigital.text import parse_number as parse_number

DEFAULT_PATH = DATA_DIR / "questionnaire.toml"
QuestionType = Literal["single", "multiple", "yes_no", "number"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "yes_no", "number")
Severity = Literal["error", "warning"]

YES_LABEL, NO_LABEL = "Sì", "No"


# --- the definition ------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One answer a question accepts, with the points it gives."""

    label: str
    points: int
    code: str = ""  # LimeSurvey sub-question code, e.g. ``SQ001``
    aliases: tuple[str, ...] = ()
    exclusive: bool = False  # "Nessuno", "Non so": not combinable in a multiple choice

    def spellings(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Band:
    """Points for a number answer ``min ≤ x ≤ max`` (no ``max``: no upper bound)."""

    min: float
    max: float | None
    points: int

    def contains(self, value: float) -> bool:
        return value >= self.min and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Question:
    id: str
    code: str
    section: str
    type: QuestionType
    text: str
    aliases: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    informative: bool = False  # gives no points, asked for the findings

    @property
    def max_points(self) -> int:
        if self.type == "number":
            return max(band.points for band in self.bands)
        if self.type == "multiple":
            combinable = sum(o.points for o in self.options if not o.exclusive)
            exclusive = [o.points for o in self.options if o.exclusive]
            return max([combinable, *exclusive])
        return max(option.points for option in self.options)

    def headers(self) -> tuple[str, ...]:
        """The column headings under which an export may name this question."""
        return (self.text, self.code, self.id, *self.aliases)

    def option(self, label: str) -> Option:
        for option in self.options:
            if option.label == label:
                return option
        raise KeyError(label)

    def allowed(self) -> tuple[str, ...]:
        return tuple(option.label for option in self.options)


@dataclass(frozen=True)
class Section:
    key: str  # criterion key of the matrix
    number: int
    title: str
    description: str
    max_points: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class PopulationClass:
    min: int
    points: int
    label: str = ""


@dataclass(frozen=True)
class PopulationCriterion:
    """Points by population: a Comune's ISTAT population, an Unione's members' sum."""

    key: str
    year: int  # the ISTAT year (population on 1 January) the thresholds are meant for
    classes: tuple[PopulationClass, ...]

    def points(self, population: int) -> int:
        if population < 0:
            raise ValueError(f"negative population: {population}")
        chosen = self.classes[0]
        for item in self.classes:
            if population >= item.min:
                chosen = item
        return chosen.points

    @property
    def max_points(self) -> int:
        return max(item.points for item in self.classes)


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: str
    version: str
    source: str
    entity_aliases: tuple[str, ...]
    sections: tuple[Section, ...]
    population: PopulationCriterion

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        """The sections' keys then the population criterion's, in matrix order."""
        return (*(s.key for s in self.sections), self.population.key)


# --- definition problems -------------------------------------------------------------

@dataclass(frozen=True)
class DefinitionProblem:
    """One reason the definition file is invalid: ``code`` is a catalogue key."""

    code: str
    where: str  # catalogue key of the place, e.g. ``questionnaire.def.where_question``
    where_params: Mapping[str, object] = field(default_factory=dict)
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        place = t(self.where, lang, **self.where_params)
        params = dict(self.params)
        if "expected" in params:  # type codes, e.g. "integer|number", said in words
            words = [t(f"questionnaire.def.type_{code}", lang)
                     for code in str(params["expected"]).split("|")]
            params["expected"] = t("questionnaire.def.or", lang).join(words)
        return t(self.code, lang, where=place, **params)


class QuestionnaireError(ValueError):
    """The definition cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message() for p in self.problems))

    def messages(self, lang: str = DEFAULT_LANG) -> list[str]:
        return [problem.message(lang) for problem in self.problems]


_W_FILE = "questionnaire.def.where_file"
_W_QUESTION = "questionnaire.def.where_question"
_W_QUESTION_N = "questionnaire.def.where_question_n"
_W_OPTION = "questionnaire.def.where_option"
_W_BAND = "questionnaire.def.where_band"
_W_SECTION = "questionnaire.def.where_section"
_W_SECTION_N = "questionnaire.def.where_section_n"
_W_POPULATION = "questionnaire.def.where_population"
_W_CLASS = "questionnaire.def.where_class"

_TYPE_CODES = {str: "text", int: "integer", float: "number", bool: "boolean", list: "list",
               dict: "table"}

_ALLOWED_FIELDS = {
    "root": {"questionnaire", "respondent", "sections", "population", "questions"},
    "questionnaire": {"id", "title", "version", "source"},
    "respondent": {"entity_aliases"},
    "section": {"key", "number", "title", "description", "max_points"},
    "population": {"key", "year", "classes"},
    "class": {"min", "points", "label"},
    "question": {"id", "code", "section", "type", "text", "aliases", "options", "bands",
                 "informative", "yes_points", "no_points"},
    "option": {"label", "points", "code", "aliases", "exclusive"},
    "band": {"min", "max", "points"},
}


class _Reader:
    """Typed access to the parsed TOML that records a problem instead of failing."""

    def __init__(self) -> None:
        self.problems: list[DefinitionProblem] = []

    def problem(self, code: str, where: tuple[str, dict[str, object]], **params: object) -> None:
        self.problems.append(DefinitionProblem(code, where[0], where[1], params))

    def check_fields(self, table: Mapping[str, Any], kind: str,
                     where: tuple[str, dict[str, object]]) -> None:
        for name in table:
            if name not in _ALLOWED_FIELDS[kind]:
                self.problem("questionnaire.def.unexpected_field", where, field=name,
                             allowed=", ".join(sorted(_ALLOWED_FIELDS[kind])))

    def get(self, table: Mapping[str, Any], name: str, kind: type | tuple[type, ...],
            where: tuple[str, dict[str, object]], default: Any = ...) -> Any:
        if name not in table:
            if default is ...:
                self.problem("questionnaire.def.missing_field", where, field=name)
                return None
            return default
        value = table[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if wrong_bool or not isinstance(value, kinds):
            expected = "|".join(_TYPE_CODES.get(k, k.__name__) for k in kinds)
            self.problem("questionnaire.def.wrong_type", where, field=name, expected=expected)
            return None if default is ... else default
        return value

    def strings(self, table: Mapping[str, Any], name: str,
                where: tuple[str, dict[str, object]]) -> tuple[str, ...]:
        values = self.get(table, name, list, where, default=[])
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.problem("questionnaire.def.wrong_type", where, field=name,
                         expected="text_list")
            return ()
        return tuple(values)

    def points(self, table: Mapping[str, Any], name: str,
               where: tuple[str, dict[str, object]], default: Any = ...) -> int | None:
        value = self.get(table, name, int, where, default)
        if isinstance(value, int) and value < 0:
            self.problem("questionnaire.def.negative_points", where, field=name, value=value)
        return value


def _option(reader: _Reader, raw: Any, qid: str, number: int) -> Option | None:
    where = (_W_OPTION, {"id": qid, "n": number})
    if not isinstance(raw, dict):
        reader.problem("questionnaire.def.wrong_type", where, field="options",
                       expected="table")
        return None
    reader.check_fields(raw, "option", where)
    label = reader.get(raw, "label", str, where)
    points = reader.points(raw, "points", where)
    code = reader.get(raw, "code", str, where, default="")
    aliases = reader.strings(raw, "aliases", where)
    exclusive = reader.get(raw, "exclusive", bool, where, default=False)
    if label is None or points is None:
        return None
    if not label.strip():
        reader.problem("questionnaire.def.empty_field", where, field="label")
    return Option(label=label, points=points, code=code, aliases=aliases,
                  exclusive=bool(exclusive))


def _bands(reader: _Reader, raw: Any, qid: str) -> tuple[Band, ...]:
    where_q = (_W_QUESTION, {"id": qid})
    if not isinstance(raw, list) or not raw:
        reader.problem("questionnaire.def.no_bands", where_q)
        return ()
    bands: list[Band] = []
    for number, item in enumerate(raw, start=1):
        where = (_W_BAND, {"id": qid, "n": number})
        if not isinstance(item, dict):
            reader.problem("questionnaire.def.wrong_type", where, field="bands",
                           expected="table")
            continue
        reader.check_fields(item, "band", where)
        low = reader.get(item, "min", (int, float), where)
        high = reader.get(item, "max", (int, float), where, default=None)
        points = reader.points(item, "points", where)
        if low is None or points is None:
            continue
        if high is not None and high < low:
            reader.problem("questionnaire.def.band_empty", where, min=low, max=high)
            continue
        bands.append(Band(min=low, max=high, points=points))
    ordered = sorted(bands, key=lambda band: band.min)
    for before, after in pairwise(ordered):
        if before.max is None or before.max >= after.min:
            reader.problem("questionnaire.def.bands_overlap", where_q,
                           first=_band_text(before), second=_band_text(after))
    return tuple(ordered)


def _band_text(band: Band) -> str:
    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)
    return f"{fmt(band.min)}–{fmt(band.max) if band.max is not None else '∞'}"


def _question(reader: _Reader, raw: Any, number: int, sections: set[str]) -> Question | None:
    if not isinstance(raw, dict):
        reader.problem("questionnaire.def.wrong_type", (_W_QUESTION_N, {"n": number}),
                       field="questions", expected="table")
        return None
    qid = raw.get("id")
    if not isinstance(qid, str) or not qid.strip():
        reader.problem("questionnaire.def.missing_field", (_W_QUESTION_N, {"n": number}),
                       field="id")
        return None
    where = (_W_QUESTION, {"id": qid})
    reader.check_fields(raw, "question", where)
    text = reader.get(raw, "text", str, where)
    section = reader.get(raw, "section", str, where)
    kind = reader.get(raw, "type", str, where)
    code = reader.get(raw, "code", str, where, default="")
    aliases = reader.strings(raw, "aliases", where)
    informative = bool(reader.get(raw, "informative", bool, where, default=False))
    if section is not None and section not in sections:
        reader.problem("questionnaire.def.unknown_section", where, value=section,
                       allowed=", ".join(sorted(sections)))
    if kind is not None and kind not in QUESTION_TYPES:
        reader.problem("questionnaire.def.unknown_type", where, value=kind,
                       allowed=", ".join(QUESTION_TYPES))
        kind = None
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    if kind in ("single", "multiple"):
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            reader.problem("questionnaire.def.no_options", where)
        else:
            parsed = [_option(reader, item, qid, n) for n, item in enumerate(raw_options, 1)]
            if None in parsed:  # an unusable option makes the question unusable
                return None
            options = tuple(option for option in parsed if option is not None)
        if kind == "single" and any(option.exclusive for option in options):
            reader.problem("questionnaire.def.exclusive_in_single", where)
    elif kind == "yes_no":
        yes = reader.points(raw, "yes_points", where)
        no = reader.points(raw, "no_points", where)
        if yes is not None and no is not None:
            options = (Option(YES_LABEL, yes, aliases=("Si", "Yes")), Option(NO_LABEL, no))
    elif kind == "number":
        bands = _bands(reader, raw.get("bands"), qid)
    if kind in ("single", "multiple"):
        seen: dict[str, str] = {}
        for option in options:
            for spelling in option.spellings():
                key = normalise_text(spelling)
                if key in seen and seen[key] != option.label:
                    reader.problem("questionnaire.def.duplicate_option", where,
                                   value=spelling, first=seen[key], second=option.label)
                seen.setdefault(key, option.label)
        if kind == "multiple":
            codes = [option.code for option in options if option.code]
            if len(set(codes)) != len(codes):
                reader.problem("questionnaire.def.duplicate_code", where)
    if informative and (any(o.points for o in options) or any(b.points for b in bands)):
        reader.problem("questionnaire.def.informative_with_points", where)
    if None in (text, section, kind) or (kind != "number" and not options) or (
            kind == "number" and not bands):
        return None
    return Question(id=qid, code=code, section=section, type=kind, text=text,
                    aliases=aliases, options=options, bands=bands, informative=informative)


def _population(reader: _Reader, raw: Any) -> PopulationCriterion | None:
    where = (_W_POPULATION, {})
    if not isinstance(raw, dict):
        reader.problem("questionnaire.def.missing_field", (_W_FILE, {}), field="population")
        return None
    reader.check_fields(raw, "population", where)
    key = reader.get(raw, "key", str, where)
    year = reader.get(raw, "year", int, where)
    raw_classes = raw.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        reader.problem("questionnaire.def.no_classes", where)
        return None
    classes: list[PopulationClass] = []
    for number, item in enumerate(raw_classes, start=1):
        where_c = (_W_CLASS, {"n": number})
        if not isinstance(item, dict):
            reader.problem("questionnaire.def.wrong_type", where_c, field="classes",
                           expected="table")
            continue
        reader.check_fields(item, "class", where_c)
        low = reader.get(item, "min", int, where_c)
        points = reader.points(item, "points", where_c)
        label = reader.get(item, "label", str, where_c, default="")
        if low is not None and points is not None:
            classes.append(PopulationClass(min=low, points=points, label=label))
    mins = [item.min for item in classes]
    if classes and (mins[0] != 0 or any(a >= b for a, b in pairwise(mins))):
        reader.problem("questionnaire.def.classes_order", where,
                       values=", ".join(str(m) for m in mins))
    if key is None or year is None or not classes:
        return None
    return PopulationCriterion(key=key, year=year, classes=tuple(classes))


def parse_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """The questionnaire in ``data`` (a parsed TOML document), validated."""
    reader = _Reader()
    root = (_W_FILE, {})
    reader.check_fields(data, "root", root)
    head = data.get("questionnaire")
    if not isinstance(head, dict):
        reader.problem("questionnaire.def.missing_field", root, field="questionnaire")
        head = {}
    where_head = (_W_FILE, {})
    reader.check_fields(head, "questionnaire", where_head)
    title = reader.get(head, "title", str, where_head)
    respondent = data.get("respondent", {})
    entity_aliases = reader.strings(respondent if isinstance(respondent, dict) else {},
                                    "entity_aliases", root)
    if not entity_aliases:
        reader.problem("questionnaire.def.missing_field", root, field="respondent.entity_aliases")

    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        reader.problem("questionnaire.def.missing_field", root, field="sections")
        raw_sections = []
    section_heads: list[dict[str, Any]] = []
    for number, raw in enumerate(raw_sections, start=1):
        where = (_W_SECTION_N, {"n": number})
        if not isinstance(raw, dict):
            reader.problem("questionnaire.def.wrong_type", where, field="sections",
                           expected="table")
            continue
        key = reader.get(raw, "key", str, where)
        if key is not None:
            where = (_W_SECTION, {"key": key})
        reader.check_fields(raw, "section", where)
        head_values = {
            "key": key,
            "number": reader.get(raw, "number", int, where),
            "title": reader.get(raw, "title", str, where),
            "description": reader.get(raw, "description", str, where, default=""),
            "max_points": reader.points(raw, "max_points", where, default=None),
        }
        if key is not None and any(s["key"] == key for s in section_heads):
            reader.problem("questionnaire.def.duplicate_section", where, value=key)
            continue
        section_heads.append(head_values)
    keys = {s["key"] for s in section_heads if s["key"] is not None}

    population = _population(reader, data.get("population"))
    expected = set(criterion_keys())
    if population is not None:
        expected.discard(population.key)
        if population.key not in criterion_keys():
            reader.problem("questionnaire.def.unknown_criterion", (_W_POPULATION, {}),
                           value=population.key, allowed=", ".join(criterion_keys()))
    for key in sorted(keys - set(criterion_keys())):
        reader.problem("questionnaire.def.unknown_criterion", (_W_SECTION, {"key": key}),
                       value=key, allowed=", ".join(criterion_keys()))
    for key in [k for k in criterion_keys() if k in expected - keys]:
        reader.problem("questionnaire.def.section_missing", root, value=key)

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        reader.problem("questionnaire.def.missing_field", root, field="questions")
        raw_questions = []
    questions: list[Question] = []
    ids: set[str] = set()
    broken: set[str] = set()
    for number, raw in enumerate(raw_questions, start=1):
        question = _question(reader, raw, number, keys)
        if question is None:
            if isinstance(raw, dict):  # its section's maximum cannot be checked either
                broken.add(str(raw.get("section")))
            continue
        if question.id in ids:
            reader.problem("questionnaire.def.duplicate_id", (_W_QUESTION, {"id": question.id}),
                           value=question.id)
            continue
        ids.add(question.id)
        questions.append(question)
    _check_headers(reader, questions, entity_aliases)

    sections: list[Section] = []
    questions_invalid = bool(reader.problems)
    for head_values in section_heads:
        key = head_values["key"]
        own = tuple(q for q in questions if q.section == key)
        where = (_W_SECTION, {"key": key})
        if key is None or head_values["number"] is None or head_values["title"] is None:
            continue
        if key in broken:
            continue
        if not own:
            reader.problem("questionnaire.def.empty_section", where)
            continue
        computed = sum(q.max_points for q in own)
        declared = head_values["max_points"]
        # Only meaningful once every question is sound: otherwise it just echoes the error.
        if declared is not None and declared != computed and not questions_invalid:
            reader.problem("questionnaire.def.max_points_mismatch", where,
                           declared=declared, computed=computed)
        sections.append(Section(key=key, number=head_values["number"],
                                title=head_values["title"],
                                description=head_values["description"],
                                max_points=computed, questions=own))
    if reader.problems or population is None or title is None:
        raise QuestionnaireError(reader.problems)
    order = {key: position for position, key in enumerate(criterion_keys())}
    return Questionnaire(
        id=str(head.get("id", "")),
        title=title,
        version=str(head.get("version", "")),
        source=str(head.get("source", "")),
        entity_aliases=entity_aliases,
        sections=tuple(sorted(sections, key=lambda s: order.get(s.key, len(order)))),
        population=population,
    )


def _check_headers(reader: _Reader, questions: Sequence[Question],
                   entity_aliases: Sequence[str]) -> None:
    """Every column heading must name one question only (or the entity)."""
    owner: dict[str, str] = {normalise_text(alias): "ente" for alias in entity_aliases}
    for question in questions:
        for header in {normalise_text(h) for h in question.headers() if h}:
            other = owner.get(header)
            if other is not None and other != question.id:
                reader.problem("questionnaire.def.duplicate_header",
                               (_W_QUESTION, {"id": question.id}), value=header, other=other)
            owner.setdefault(header, question.id)


def load_questionnaire(path: Path | str | None = None) -> Questionnaire:
    """The questionnaire defined in ``path`` (default ``data/questionnaire.toml``)."""
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise QuestionnaireError([DefinitionProblem(
            "questionnaire.def.not_found", _W_FILE, {}, {"file": file.name})]) from error
    except tomllib.TOMLDecodeError as error:
        raise QuestionnaireError([DefinitionProblem(
            "questionnaire.def.unreadable", _W_FILE, {},
            {"file": file.name, "error": str(error)})]) from error
    return parse_questionnaire(data)


@cache
def default_questionnaire() -> Questionnaire:
    """The shipped definition, loaded once."""
    return load_questionnaire(DEFAULT_PATH)


def population_class(population: int, criterion: PopulationCriterion | None = None) -> int:
    """The population criterion's points for ``population`` (default: shipped definition)."""
    return (criterion or default_questionnaire().population).points(population)


# --- answers -------------------------------------------------------------------------

class QuotedNames(tuple[str, ...]):
    """Names for a message, each between the quotation marks of the message's language.

    A problem's params are rendered later, in whichever language is chosen then, so the
    message names its language as the field's format: ``{allowed:en}`` gives “a”, “b”;
    ``{allowed:it}`` (or a bare ``{allowed}``) gives «a», «b».
    """

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return ", ".join(quote(name, spec or DEFAULT_LANG) for name in self)

    def __str__(self) -> str:
        return format(self, "")


@dataclass(frozen=True)
class AnswerProblem:
    """An answer that could not be used as given; ``code`` is a catalogue key.

    The caller knows where the answer came from and adds the cell reference.
    """

    code: str
    question_id: str
    value: str
    allowed: tuple[str, ...] = ()
    severity: Severity = "error"

    @property
    def params(self) -> dict[str, object]:
        return {"question": self.question_id, "value": self.value,
                "allowed": QuotedNames(self.allowed)}

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.code, lang, **self.params)


@dataclass(frozen=True)
class Answer:
    """One question's answer as understood: the chosen options or the number."""

    question_id: str
    options: tuple[Option, ...] = ()
    number: float | None = None
    points: int = 0
    problems: tuple[AnswerProblem, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(option.label for option in self.options)

    @property
    def answered(self) -> bool:
        return bool(self.options) or self.number is not None


@dataclass(frozen=True)
class ScoredAnswers:
    """One entity's points per section (criterion key), per question, and the problems."""

    points: dict[str, int]
    question_points: dict[str, int]
    answers: dict[str, Answer]
    problems: tuple[AnswerProblem, ...]


# --- the one answer parser ------------------------------------------------------------
# Answers are read by ``metrodigital.surveys.responses`` (the parser uploads use); the
# functions below only translate this module's question model to the survey model and
# back, so that the definition in data/questionnaire.toml scores through the same rules.

_ANSWER_CODES = {f"answers.{name}": f"questionnaire.answer.{name}" for name in (
    "missing", "unknown_option", "several_for_single", "exclusive_combined", "not_a_number",
    "negative", "out_of_range", "not_a_tick")}
_COLUMN_CODES = {f"answers.columns.{name}": f"questionnaire.columns.{name}"
                 for name in ("entity_missing", "missing", "duplicate")}
_SURVEY_QUESTIONS: dict[int, tuple[Question, Any]] = {}
_SURVEYS: dict[int, tuple[Questionnaire, Any]] = {}


def survey_question(question: Question) -> Any:
    """``question`` in the survey model (``metrodigital.surveys.model.Question``), built
    once per question object."""
    known = _SURVEY_QUESTIONS.get(id(question))
    if known is not None and known[0] is question:
        return known[1]
    from metrodigital.surveys import model

    options = tuple(model.Option(label=o.label, points=o.points, code=o.code,
                                 aliases=o.aliases, exclusive=o.exclusive)
                    for o in question.options)
    ranges = tuple(model.NumberRange(b.min, b.max, b.points) for b in question.bands)
    converted = model.Question(
        code=question.id, section=question.section, type=model.QuestionType(question.type),
        text=question.text, id=question.id, aliases=(question.code, *question.aliases),
        options=options, ranges=ranges, informative=question.informative)
    _SURVEY_QUESTIONS[id(question)] = (question, converted)  # keeps the question alive
    return converted


def survey_of(questionnaire: Questionnaire) -> Any:
    """The questionnaire as a survey (``metrodigital.surveys.model.Survey``) whose question
    codes are the questionnaire's ids, built once per questionnaire object."""
    known = _SURVEYS.get(id(questionnaire))
    if known is not None and known[0] is questionnaire:
        return known[1]
    from metrodigital.surveys import model

    sections = tuple(model.Section(
        key=s.key, number=s.number, title=s.title,
        questions=tuple(survey_question(q) for q in s.questions))
        for s in questionnaire.sections)
    converted = model.Survey(id=questionnaire.id, title=questionnaire.title,
                             territory="torino", sections=sections,
                             entity_aliases=questionnaire.entity_aliases)
    _SURVEYS[id(questionnaire)] = (questionnaire, converted)
    return converted


def _problem_back(problem: Any) -> AnswerProblem:
    return AnswerProblem(_ANSWER_CODES.get(problem.code, problem.code), problem.question,
                         problem.value, problem.allowed, problem.severity)


def parse_answer(question: Question, raw: object) -> Answer:
    """``raw`` (a cell's value) read as an answer to ``question``, with its points."""
    from metrodigital.surveys.responses import is_blank, parse_cell, points_of

    converted = survey_question(question)
    typed = parse_cell(converted, raw)
    problems = tuple(_problem_back(p) for p in typed.problems)
    if is_blank(raw) and not isinstance(raw, list | tuple) and not problems:
        # a question worth no points, unanswered: still said (it counts 0)
        problems = (AnswerProblem("questionnaire.answer.missing", question.id, "",
                                  question.allowed(), "warning"),)
    keys = typed.options if typed.options is not None else (
        (typed.option,) if typed.option is not None else ())
    by_key = {o.key: question.options[i] for i, o in enumerate(converted.options)}
    return Answer(question.id, options=tuple(by_key[key] for key in keys),
                  number=typed.number, points=points_of(converted, typed), problems=problems)


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> ScoredAnswers:
    """Points per section for one entity's ``answers`` (question id -> raw answer).

    A question without an answer, or with an answer it cannot use, gives 0 points
    and a problem; the population criterion is not a question (see
    ``population_class``).
    """
    parsed = {q.id: parse_answer(q, answers.get(q.id)) for q in questionnaire.questions}
    points = {
        section.key: sum(parsed[q.id].points for q in section.questions)
        for section in questionnaire.sections
    }
    problems = tuple(p for answer in parsed.values() for p in answer.problems)
    return ScoredAnswers(points=points,
                         question_points={qid: a.points for qid, a in parsed.items()},
                         answers=parsed, problems=problems)


# --- columns of an export ------------------------------------------------------------

@dataclass(frozen=True)
class ColumnProblem:
    """A column-level problem; ``code`` is a catalogue key, ``columns`` 0-based indices."""

    code: str
    question_id: str
    columns: tuple[int, ...] = ()
    severity: Severity = "error"

    def message(self, lang: str = DEFAULT_LANG, headers: Sequence[str] = ()) -> str:
        names = QuotedNames(headers[i] if i < len(headers) else str(i + 1)
                            for i in self.columns)
        return t(self.code, lang, question=self.question_id, columns=names)


@dataclass(frozen=True)
class ColumnMap:
    """Where each question's answers are in a sheet (0-based column indices)."""

    entity: int | None
    questions: dict[str, int]
    options: dict[str, dict[str, int]]  # LimeSurvey style: question id -> option label -> col
    unmatched: tuple[int, ...]
    problems: tuple[ColumnProblem, ...]


def match_columns(questionnaire: Questionnaire, headers: Sequence[object]) -> ColumnMap:
    """Which column holds which question (by text, code, id or alias), tolerantly."""
    from metrodigital.surveys.responses import match_survey_columns

    survey = survey_of(questionnaire)
    found = match_survey_columns(survey, headers)
    labels = {q.id: {survey_question(q).options[i].key: o.label
                     for i, o in enumerate(q.options)} for q in questionnaire.questions}
    return ColumnMap(
        entity=found.entity, questions=dict(found.questions),
        options={qid: {labels[qid][key]: index for key, index in by_option.items()}
                 for qid, by_option in found.options.items()},
        unmatched=found.unmatched,
        problems=tuple(ColumnProblem(_COLUMN_CODES.get(p.code, p.code), p.question, p.columns,
                                     p.severity) for p in found.problems))


def locate_header_row(questionnaire: Questionnaire, rows: Iterable[Sequence[object]],
                      scan: int = 10) -> int | None:
    """The 0-based index of the header row among the first ``scan`` rows (title rows above)."""
    needed = max(3, len(questionnaire.questions) // 2)
    for index, row in enumerate(rows):
        if index >= scan:
            break
        columns = match_columns(questionnaire, list(row))
        if len(columns.questions) + len(columns.options) >= needed:
            return index
    return None


def answers_from_row(questionnaire: Questionnaire, columns: ColumnMap,
                     row: Sequence[object]) -> tuple[dict[str, object], list[AnswerProblem]]:
    """One row's raw answers by question id, ready for ``score_answers``."""
    from metrodigital.surveys import responses

    def cell(index: int) -> object:
        return row[index] if index < len(row) else None

    answers: dict[str, object] = {qid: cell(i) for qid, i in columns.questions.items()}
    problems: list[AnswerProblem] = []
    for qid, option_columns in columns.options.items():
        question = questionnaire.question(qid)
        chosen: list[str] = []
        for label, index in option_columns.items():
            ticked = responses.ticked(cell(index), question.option(label))
            if ticked is None:
                problems.append(AnswerProblem("questionnaire.answer.not_a_tick", qid,
                                              responses.display(cell(index)),
                                              (YES_LABEL, NO_LABEL)))
            elif ticked:
                chosen.append(label)
        answers[qid] = chosen
    return answers, problems
