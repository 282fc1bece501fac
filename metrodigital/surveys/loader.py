"""Read and validate a survey definition (``data/surveys/<id>/survey.toml``).

``load_definition(path)`` reads the TOML and returns a :class:`~.model.Survey`, or
raises :class:`SurveyDefinitionError` listing every problem found. Each problem
names the file and the TOML key path, e.g.::

    data/surveys/x/survey.toml: sections[2].questions[0].type: «ratng» non è un tipo
    di domanda (single, multiple, yes_no, number, rating, band, text)

(array indices count from 0, as in the file's order), in Italian or English
(``metrodigital/locales/surveys.toml``, keys ``surveys.def.*``). The schema is
described in ``data/README.md``.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import PROJECT_DIR
from metrodigital.surveys.model import (
    CHOICE_TYPES,
    CONDITIONS,
    ENTITY_COLUMNS,
    FINDING_KINDS,
    NO_LABEL,
    NUMERIC_TYPES,
    QUESTION_TYPES,
    YES_LABEL,
    Band,
    Catalogue,
    CatalogueService,
    Condition,
    Criterion,
    Exclusion,
    Finding,
    FindingBin,
    FindingKind,
    NumberRange,
    Option,
    PersonalColumn,
    Population,
    PopulationClass,
    Published,
    Question,
    QuestionType,
    Section,
    Survey,
)
from metrodigital.text import normalise_text

FILE_NAME = "survey.toml"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")  # question, section, criterion codes
OPTION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
SURVEY_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PERSONAL_KINDS = ("name", "email", "phone", "other")
PLACEHOLDERS = ("share", "count", "total", "mean", "groups")

Path_ = tuple[str | int, ...]  # a TOML key path: ("sections", 2, "questions", 0, "type")


def key_path(parts: Path_) -> str:
    """``("sections", 2, "type")`` → ``sections[2].type``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def shown_path(path: Path | str) -> str:
    """The file as messages show it: relative to the project when inside it."""
    file = Path(path)
    try:
        return file.resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return file.as_posix()


@dataclass(frozen=True)
class DefinitionProblem:
    """One reason a definition is invalid: ``code`` is a catalogue key (``surveys.def.*``)."""

    file: str
    key: str  # TOML key path, "" for the whole file
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        params = dict(self.params)
        if "expected" in params:  # type codes, e.g. "integer|number", said in words
            words = [t(f"surveys.def.type_{code}", lang) for code in str(params["expected"])
                     .split("|")]
            params["expected"] = t("surveys.def.or", lang).join(words)
        text = t(self.code, lang, **params)
        return f"{self.file}: {self.key}: {text}" if self.key else f"{self.file}: {text}"


class SurveyDefinitionError(ValueError):
    """A survey definition cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message() for p in self.problems))

    def messages(self, lang: str = DEFAULT_LANG) -> list[str]:
        return [problem.message(lang) for problem in self.problems]


_TYPE_CODES = {str: "text", int: "integer", float: "number", bool: "boolean", list: "list",
               dict: "table"}

_FIELDS: dict[str, set[str]] = {
    "root": {"survey", "respondent", "population", "sections", "criteria", "findings",
             "catalogue", "personal_columns"},
    "survey": {"id", "title", "title_en", "name", "name_en", "version", "territory", "source",
               "reconstruction"},
    "reconstruction": {"it", "en"},
    "respondent": {"code", "entity_aliases"},
    "population": {"year", "question", "classes"},
    "class": {"number", "min", "label", "label_en", "points", "option"},
    "section": {"key", "number", "title", "title_en", "description", "description_en",
                "max_points", "questions"},
    "question": {"code", "id", "type", "text", "text_en", "aliases", "informative",
                 "personal", "options", "yes_points", "no_points", "bands", "min", "max",
                 "labels", "labels_en", "unit", "zero_label", "zero_label_en"},
    "option": {"label", "label_en", "code", "points", "aliases", "exclusive"},
    "band": {"label", "label_en", "code", "points", "aliases", "low", "high"},
    "range": {"min", "max", "points"},
    "criterion": {"key", "code", "label_it", "label_en", "source_heading", "weight",
                  "population"},
    "finding": {"key", "kind", "question", "condition", "values", "min", "max", "bins", "by",
                "decimals", "sentence", "sentence_en", "published"},
    "bin": {"key", "label", "min", "max"},
    "published": {"share", "count", "total", "mean", "groups", "shares"},
    "catalogue": {"title", "title_en", "services", "source_exclusions"},
    "service": {"code", "name", "name_en", "question"},
    "exclusion": {"code", "reason_it", "reason_en"},
    "personal": {"code", "kind", "question", "aliases"},
}
# Fields a question of each type may have besides the common ones.
_COMMON_QUESTION_FIELDS = {"code", "id", "type", "text", "text_en", "aliases", "informative",
                           "personal"}
_TYPE_FIELDS: dict[str, set[str]] = {
    "single": {"options"},
    "multiple": {"options"},
    "yes_no": {"yes_points", "no_points"},
    "number": {"bands", "unit", "zero_label", "zero_label_en"},
    "rating": {"min", "max", "labels", "labels_en"},
    "band": {"options", "unit"},
    "text": set(),
}

_MISSING = object()


class _Reader:
    """Typed access to the parsed TOML that records a problem instead of failing."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[DefinitionProblem] = []
        self.broken: set[str] = set()  # codes of questions with problems of their own

    def unknown_question(self, where: Path_, value: str) -> None:
        """A reference to a question that does not exist (silent if it exists but is broken:
        its own problems are reported where it is defined)."""
        if value not in self.broken:
            self.problem(where, "surveys.def.unknown_question", value=value)

    def problem(self, where: Path_, code: str, **params: object) -> None:
        self.problems.append(DefinitionProblem(self.file, key_path(where), code, params))

    def table(self, raw: Any, where: Path_, kind: str) -> dict[str, Any] | None:
        """``raw`` if it is a table (unknown keys reported), else a problem and None."""
        if not isinstance(raw, dict):
            self.problem(where, "surveys.def.wrong_type", expected="table")
            return None
        allowed = _FIELDS[kind]
        for name in raw:
            if name not in allowed:
                self.problem((*where, name), "surveys.def.unknown_key",
                             allowed=", ".join(sorted(allowed)))
        return raw

    def tables(self, raw: Any, where: Path_, kind: str,
               required: bool = False) -> list[tuple[Path_, dict[str, Any]]]:
        """The tables of an array of tables, each with its path."""
        if raw is _MISSING or raw is None:
            if required:
                self.problem(where, "surveys.def.missing")
            return []
        if not isinstance(raw, list):
            self.problem(where, "surveys.def.wrong_type", expected="list")
            return []
        if required and not raw:
            self.problem(where, "surveys.def.empty_list")
        out = []
        for index, item in enumerate(raw):
            table = self.table(item, (*where, index), kind)
            if table is not None:
                out.append(((*where, index), table))
        return out

    def get(self, table: Mapping[str, Any], name: str, kinds: type | tuple[type, ...],
            where: Path_, default: Any = _MISSING) -> Any:
        if name not in table:
            if default is _MISSING:
                self.problem((*where, name), "surveys.def.missing")
                return None
            return default
        value = table[name]
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            expected = "|".join(_TYPE_CODES.get(k, k.__name__) for k in kinds)
            self.problem((*where, name), "surveys.def.wrong_type", expected=expected)
            return None if default is _MISSING else default
        if isinstance(value, str) and not value.strip():
            self.problem((*where, name), "surveys.def.empty")
            return None if default is _MISSING else default
        return value

    def text(self, table: Mapping[str, Any], name: str, where: Path_,
             required: bool = True) -> str:
        value = self.get(table, name, str, where, _MISSING if required else "")
        return value if isinstance(value, str) else ""

    def strings(self, table: Mapping[str, Any], name: str, where: Path_) -> tuple[str, ...]:
        values = self.get(table, name, list, where, default=[])
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.problem((*where, name), "surveys.def.wrong_type", expected="text_list")
            return ()
        return tuple(values)

    def points(self, table: Mapping[str, Any], name: str, where: Path_,
               default: Any = 0) -> int | None:
        value = self.get(table, name, int, where, default)
        if isinstance(value, int) and value < 0:
            self.problem((*where, name), "surveys.def.negative", value=value)
            return None
        return value

    def code(self, table: Mapping[str, Any], name: str, where: Path_,
             pattern: re.Pattern[str] = CODE_PATTERN, required: bool = True) -> str:
        value = self.text(table, name, where, required)
        if value and not pattern.match(value):
            self.problem((*where, name), "surveys.def.bad_code", value=value)
            return ""
        return value

    def unique(self, items: Iterable[tuple[Path_, str]], name: str,
               fold: Callable[[str], str] = lambda s: s) -> None:
        """Report the second and later of equal values (``name``: the field, for the path)."""
        seen: dict[str, str] = {}
        for where, value in items:
            if not value:
                continue
            key = fold(value)
            if key in seen:
                self.problem((*where, name) if name else where, "surveys.def.duplicate",
                             value=value, first=seen[key])
            else:
                seen[key] = key_path(where)


def _fmt(value: float | None) -> str:
    if value is None:
        return "∞"
    return str(int(value)) if float(value).is_integer() else str(value)


def _ordered_intervals(reader: _Reader,
                       items: Sequence[tuple[Path_, float, float | None]]) -> None:
    """Intervals ``low ≤ x ≤ high`` in increasing order, not overlapping; only the last open.
    A problem names the later interval's key."""
    for (_, low_a, high_a), (path_b, low_b, high_b) in pairwise(items):
        if low_b <= low_a:
            reader.problem(path_b, "surveys.def.bands_order", first=f"{_fmt(low_a)}–"
                           f"{_fmt(high_a)}", second=f"{_fmt(low_b)}–{_fmt(high_b)}")
        elif high_a is None or high_a >= low_b:
            reader.problem(path_b, "surveys.def.bands_overlap", first=f"{_fmt(low_a)}–"
                           f"{_fmt(high_a)}", second=f"{_fmt(low_b)}–{_fmt(high_b)}")


def _number(reader: _Reader, table: Mapping[str, Any], name: str, where: Path_,
            default: Any = _MISSING) -> float | None:
    return reader.get(table, name, (int, float), where, default)


def _options(reader: _Reader, raw: Any, where: Path_, kind: str) -> tuple[Option, ...]:
    entries = reader.tables(raw, where, "band" if kind == "band" else "option", required=True)
    if isinstance(raw, list) and 0 < len(raw) < 2:
        reader.problem(where, "surveys.def.too_few_options")
    located: list[tuple[Path_, Option]] = []
    intervals: list[tuple[Path_, float, float | None]] = []
    for path, table in entries:
        label = reader.text(table, "label", path)
        values = {
            "label": label,
            "label_en": reader.text(table, "label_en", path, required=False),
            "code": reader.code(table, "code", path, OPTION_CODE_PATTERN,
                                required=kind == "band"),
            "points": reader.points(table, "points", path),
            "aliases": reader.strings(table, "aliases", path),
        }
        if kind == "band":
            low = _number(reader, table, "low", path)
            high = _number(reader, table, "high", path, None)
            if low is None or values["points"] is None or not label:
                continue
            if high is not None and high < low:
                reader.problem((*path, "high"), "surveys.def.band_empty", low=_fmt(low),
                               high=_fmt(high))
                continue
            intervals.append((path, low, high))
            located.append((path, Band(**values, low=low, high=high)))
        else:
            exclusive = bool(reader.get(table, "exclusive", bool, path, False))
            if exclusive and kind != "multiple":
                reader.problem((*path, "exclusive"), "surveys.def.exclusive_not_multiple")
            if not label or values["points"] is None:
                continue
            located.append((path, Option(**values, exclusive=exclusive)))
    if kind == "band":
        _ordered_intervals(reader, intervals)
    reader.unique(((p, o.code) for p, o in located), "code")
    seen: dict[str, tuple[str, Option]] = {}
    codes = [option.code for _, option in located if option.code]
    for path, option in located:
        for spelling in option.spellings():
            if spelling == option.code and codes.count(spelling) > 1:
                continue  # a repeated code: reported above
            folded = normalise_text(spelling)
            if folded in seen and seen[folded][1] is not option:
                reader.problem(path, "surveys.def.duplicate_spelling", value=spelling,
                               first=seen[folded][0])
            seen.setdefault(folded, (key_path(path), option))
    options = [option for _, option in located]
    return tuple(options)


def _ranges(reader: _Reader, raw: Any, where: Path_) -> tuple[NumberRange, ...]:
    ranges: list[NumberRange] = []
    intervals: list[tuple[Path_, float, float | None]] = []
    for path, table in reader.tables(raw, where, "range"):
        low = _number(reader, table, "min", path)
        high = _number(reader, table, "max", path, None)
        points = reader.points(table, "points", path, _MISSING)
        if low is None or points is None:
            continue
        if high is not None and high < low:
            reader.problem((*path, "max"), "surveys.def.band_empty", low=_fmt(low),
                           high=_fmt(high))
            continue
        intervals.append((path, low, high))
        ranges.append(NumberRange(min=low, max=high, points=points))
    _ordered_intervals(reader, intervals)
    return tuple(ranges)


def _scale_labels(reader: _Reader, table: Mapping[str, Any], name: str, where: Path_,
                  low: int, high: int) -> tuple[tuple[int, str], ...]:
    raw = reader.get(table, name, dict, where, default={})
    out: list[tuple[int, str]] = []
    for key, label in raw.items():
        at = (*where, name, key)
        if not re.fullmatch(r"-?\d+", key) or not low <= int(key) <= high:
            reader.problem(at, "surveys.def.scale_label_key", low=low, high=high)
        elif not isinstance(label, str) or not label.strip():
            reader.problem(at, "surveys.def.wrong_type", expected="text")
        else:
            out.append((int(key), label))
    return tuple(sorted(out))


def _question(reader: _Reader, where: Path_, raw: dict[str, Any],
              section: str) -> Question | None:
    code = reader.code(raw, "code", where)
    kind = reader.get(raw, "type", str, where)
    if kind is not None and kind not in QUESTION_TYPES:
        reader.problem((*where, "type"), "surveys.def.unknown_type", value=kind,
                       allowed=", ".join(QUESTION_TYPES))
        kind = None
    text = reader.text(raw, "text", where)
    if kind is not None:
        allowed = _COMMON_QUESTION_FIELDS | _TYPE_FIELDS[kind]
        for name in raw:
            if name in _FIELDS["question"] and name not in allowed:
                reader.problem((*where, name), "surveys.def.field_not_for_type", type=kind)
    values: dict[str, Any] = {
        "code": code, "section": section, "text": text,
        "text_en": reader.text(raw, "text_en", where, required=False),
        "id": reader.get(raw, "id", str, where, ""),
        "aliases": reader.strings(raw, "aliases", where),
        "informative": bool(reader.get(raw, "informative", bool, where, False)),
        "personal": bool(reader.get(raw, "personal", bool, where, False)),
        "unit": reader.get(raw, "unit", str, where, ""),
        "zero_label": reader.get(raw, "zero_label", str, where, ""),
        "zero_label_en": reader.get(raw, "zero_label_en", str, where, ""),
    }
    before = len(reader.problems)
    if kind in ("single", "multiple", "band"):
        values["options"] = _options(reader, raw.get("options", _MISSING), (*where, "options"),
                                     kind)
    elif kind == "yes_no":
        yes = reader.points(raw, "yes_points", where)
        no = reader.points(raw, "no_points", where)
        values["options"] = (Option(YES_LABEL, yes or 0, aliases=("Si", "Yes")),
                             Option(NO_LABEL, no or 0))
    elif kind == "number":
        values["ranges"] = _ranges(reader, raw.get("bands"), (*where, "bands"))
    elif kind == "rating":
        low = reader.get(raw, "min", int, where, 1)
        high = reader.get(raw, "max", int, where, 5)
        if isinstance(low, int) and isinstance(high, int):
            if low >= high:
                reader.problem((*where, "max"), "surveys.def.rating_bounds", low=low, high=high)
            values["scale_min"], values["scale_max"] = low, high
            values["scale_labels"] = _scale_labels(reader, raw, "labels", where, low, high)
            values["scale_labels_en"] = _scale_labels(reader, raw, "labels_en", where, low,
                                                      high)
    if not code or kind is None or not text or len(reader.problems) > before:
        return None
    question = Question(type=QuestionType(kind), **values)
    if question.informative and question.max_points:
        reader.problem((*where, "informative"), "surveys.def.informative_with_points")
    if question.personal and question.max_points:
        reader.problem((*where, "personal"), "surveys.def.personal_with_points")
    return question


def _sections(reader: _Reader, data: Mapping[str, Any]) -> tuple[Section, ...]:
    sections: list[Section] = []
    entries = reader.tables(data.get("sections", _MISSING), ("sections",), "section",
                            required=True)
    reader.unique(((p, str(s.get("key", ""))) for p, s in entries), "key")
    reader.unique(((p, str(s.get("number", ""))) for p, s in entries), "number")
    for where, raw in entries:
        key = reader.code(raw, "key", where)
        number = reader.get(raw, "number", int, where)
        title = reader.text(raw, "title", where)
        declared = reader.points(raw, "max_points", where, None)
        question_entries = reader.tables(raw.get("questions", _MISSING), (*where, "questions"),
                                         "question", required=True)
        before = len(reader.problems)
        questions = [_question(reader, p, q, key) for p, q in question_entries]
        reader.broken.update(str(q.get("code")) for (_, q), parsed
                             in zip(question_entries, questions, strict=True) if parsed is None)
        complete = len(reader.problems) == before and None not in questions
        own = tuple(q for q in questions if q is not None)
        section = Section(key=key, number=number or 0, title=title,
                          title_en=reader.text(raw, "title_en", where, required=False),
                          description=reader.text(raw, "description", where, required=False),
                          description_en=reader.text(raw, "description_en", where,
                                                     required=False),
                          questions=own)
        # Only meaningful once every question is sound: otherwise it echoes their errors.
        if complete and declared is not None and declared != section.max_points:
            reader.problem((*where, "max_points"), "surveys.def.max_points_mismatch",
                           declared=declared, computed=section.max_points)
        sections.append(section)
    return tuple(sections)


def _check_questions(reader: _Reader, data: Mapping[str, Any], sections: Sequence[Section],
                     entity_aliases: Sequence[str]) -> None:
    """Codes and ids unique in the survey; every heading names one question only."""
    located: list[tuple[Path_, Question]] = []
    raw_sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    for s_index, raw in enumerate(raw_sections):
        if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
            continue
        for q_index, item in enumerate(raw["questions"]):
            if isinstance(item, dict):
                code = item.get("code")
                match = [q for s in sections for q in s.questions if q.code == code]
                if match:
                    located.append((("sections", s_index, "questions", q_index), match[0]))
    reader.unique(((p, q.code) for p, q in located), "code")
    reader.unique(((p, q.id) for p, q in located), "id")
    owner: dict[str, str] = {normalise_text(alias): "respondent.entity_aliases"
                             for alias in entity_aliases}
    for where, question in located:
        for header in dict.fromkeys(normalise_text(h) for h in question.headers()):
            other = owner.get(header)
            if other is not None and other != key_path(where):
                reader.problem((*where, "aliases"), "surveys.def.duplicate_header",
                               value=header, other=other)
            owner.setdefault(header, key_path(where))


def _population(reader: _Reader, raw: Any, questions: Mapping[str, Question]
                ) -> Population | None:
    if raw is _MISSING:
        return None
    where: Path_ = ("population",)
    table = reader.table(raw, where, "population")
    if table is None:
        return None
    year = reader.get(table, "year", int, where, None)
    question_code = reader.get(table, "question", str, where, "")
    question = questions.get(question_code) if question_code else None
    if question_code and question is None:
        reader.unknown_question((*where, "question"), question_code)
    elif question is not None and question.type not in (QuestionType.SINGLE, QuestionType.BAND):
        reader.problem((*where, "question"), "surveys.def.population_question_type",
                       value=question_code)
    classes: list[PopulationClass] = []
    entries = reader.tables(table.get("classes", _MISSING), (*where, "classes"), "class",
                            required=True)
    for index, (path, item) in enumerate(entries, start=1):
        number = reader.get(item, "number", int, path, index)
        low = reader.get(item, "min", int, path)
        points = reader.points(item, "points", path, None)
        option = reader.get(item, "option", str, path, "")
        if number != index:
            reader.problem((*path, "number"), "surveys.def.class_number", value=number,
                           expected_number=index)
        if option and question is not None and question.find_option(option) is None:
            reader.problem((*path, "option"), "surveys.def.unknown_option", value=option,
                           question=question.code)
        if option and not question_code:
            reader.problem((*path, "option"), "surveys.def.option_without_question")
        if low is None:
            continue
        classes.append(PopulationClass(number=number or index, min=low,
                                       label=reader.text(item, "label", path, required=False),
                                       label_en=reader.text(item, "label_en", path,
                                                            required=False),
                                       points=points, option=option))
    if classes and classes[0].min != 0:
        reader.problem((*where, "classes", 0, "min"), "surveys.def.classes_start",
                       value=classes[0].min)
    for index, (before, after) in enumerate(pairwise(classes), start=1):
        if after.min <= before.min:
            reader.problem((*where, "classes", index, "min"), "surveys.def.classes_order",
                           first=before.min, second=after.min)
    return Population(classes=tuple(classes), year=year, question=question_code)


def _criteria(reader: _Reader, data: Mapping[str, Any], sections: Sequence[Section],
              population: Population | None) -> tuple[Criterion, ...]:
    entries = reader.tables(data.get("criteria", _MISSING), ("criteria",), "criterion")
    reader.unique(((p, str(c.get("key", ""))) for p, c in entries), "key")
    reader.unique(((p, str(c.get("code", ""))) for p, c in entries), "code")
    keys = {s.key for s in sections}
    criteria: list[Criterion] = []
    population_seen = False
    for where, raw in entries:
        key = reader.code(raw, "key", where)
        code = reader.code(raw, "code", where)
        weight = _number(reader, raw, "weight", where)
        is_population = bool(reader.get(raw, "population", bool, where, False))
        if isinstance(weight, int | float) and weight < 0:
            reader.problem((*where, "weight"), "surveys.def.negative", value=weight)
        if is_population:
            if population_seen:
                reader.problem((*where, "population"), "surveys.def.two_population_criteria")
            population_seen = True
            if population is None or not population.classes:
                reader.problem((*where, "population"), "surveys.def.no_population_classes")
            elif any(c.points is None for c in population.classes):
                reader.problem((*where, "population"), "surveys.def.classes_without_points")
        elif key and key not in keys:
            reader.problem((*where, "key"), "surveys.def.unknown_section", value=key,
                           allowed=", ".join(sorted(keys)))
        criterion = Criterion(
            key=key, code=code,
            label_it=reader.text(raw, "label_it", where),
            label_en=reader.text(raw, "label_en", where),
            source_heading=reader.text(raw, "source_heading", where, required=False),
            weight=float(weight) if isinstance(weight, int | float) else 0.0,
            population=is_population)
        criteria.append(criterion)
    return tuple(criteria)


def _published(reader: _Reader, raw: Any, where: Path_, kind: FindingKind,
               by_options: Question | None, bins: Sequence[FindingBin]) -> Published:
    if raw is _MISSING:
        return Published()
    table = reader.table(raw, where, "published")
    if table is None:
        return Published()
    allowed = {FindingKind.SHARE: {"share", "count", "total", "groups"},
               FindingKind.COUNT: {"count", "total", "groups"},
               FindingKind.MEAN: {"mean", "groups"},
               FindingKind.DISTRIBUTION: {"shares", "total"}}[kind]
    for name in table:
        if name in _FIELDS["published"] and name not in allowed:
            reader.problem((*where, name), "surveys.def.field_not_for_kind", kind=kind.value)
    share = _number(reader, table, "share", where, None)
    if share is not None and not 0 <= share <= 1:
        reader.problem((*where, "share"), "surveys.def.share_range", value=share)
    groups: list[tuple[str, float | None]] = []
    raw_groups = table.get("groups", _MISSING)
    if isinstance(raw_groups, list):
        for index, name in enumerate(raw_groups):
            if isinstance(name, str) and name.strip():
                groups.append((name, None))
            else:
                reader.problem((*where, "groups", index), "surveys.def.wrong_type",
                               expected="text")
    elif isinstance(raw_groups, dict):
        for name, value in raw_groups.items():
            if by_options is not None and by_options.find_option(name) is None:
                reader.problem((*where, "groups", name), "surveys.def.unknown_option",
                               value=name, question=by_options.code)
            if isinstance(value, int | float) and not isinstance(value, bool):
                groups.append((name, float(value)))
            else:
                reader.problem((*where, "groups", name), "surveys.def.wrong_type",
                               expected="number")
    elif raw_groups is not _MISSING:
        reader.problem((*where, "groups"), "surveys.def.wrong_type", expected="list|table")
    shares: list[tuple[str, float]] = []
    raw_shares = reader.get(table, "shares", dict, where, {})
    bin_keys = {b.key for b in bins}
    for name, value in raw_shares.items():
        if name not in bin_keys:
            reader.problem((*where, "shares", name), "surveys.def.unknown_bin", value=name,
                           allowed=", ".join(sorted(bin_keys)))
        elif not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            reader.problem((*where, "shares", name), "surveys.def.share_range", value=value)
        else:
            shares.append((name, float(value)))
    count = reader.get(table, "count", int, where, None)
    total = reader.get(table, "total", int, where, None)
    mean = _number(reader, table, "mean", where, None)
    return Published(share=share, count=count, total=total, mean=mean, groups=tuple(groups),
                     shares=tuple(shares))


def _template_fields(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ["{"]


def _finding(reader: _Reader, where: Path_, raw: dict[str, Any],
             questions: Mapping[str, Question]) -> Finding | None:
    key = reader.code(raw, "key", where)
    kind_name = reader.get(raw, "kind", str, where)
    kind: FindingKind | None = None
    if kind_name is not None:
        if kind_name in FINDING_KINDS:
            kind = FindingKind(kind_name)
        else:
            reader.problem((*where, "kind"), "surveys.def.unknown_kind", value=kind_name,
                           allowed=", ".join(FINDING_KINDS))
    code = reader.get(raw, "question", str, where)
    question = questions.get(code) if code else None
    if code and question is None:
        reader.unknown_question((*where, "question"), code)
    sentence = reader.text(raw, "sentence", where)
    sentence_en = reader.text(raw, "sentence_en", where, required=False)
    decimals = reader.get(raw, "decimals", int, where, 0)
    values = reader.strings(raw, "values", where)
    low = _number(reader, raw, "min", where, None)
    high = _number(reader, raw, "max", where, None)
    by = reader.get(raw, "by", str, where, "")
    condition_name = reader.get(raw, "condition", str, where, "")
    condition: Condition | None = None
    if condition_name:
        if condition_name in CONDITIONS:
            condition = Condition(condition_name)
        else:
            reader.problem((*where, "condition"), "surveys.def.unknown_condition",
                           value=condition_name, allowed=", ".join(CONDITIONS))
    elif values:
        condition = Condition.IN
    elif low is not None or high is not None:
        condition = Condition.BETWEEN
    by_question = questions.get(by) if by else None
    if by and by_question is None and by not in ENTITY_COLUMNS and by not in reader.broken:
        reader.problem((*where, "by"), "surveys.def.unknown_by", value=by,
                       allowed=", ".join(ENTITY_COLUMNS))
    elif by_question is not None and by_question.type not in CHOICE_TYPES - {
            QuestionType.MULTIPLE}:
        reader.problem((*where, "by"), "surveys.def.by_not_a_choice", value=by)
    bins: list[FindingBin] = []
    bin_entries = reader.tables(raw.get("bins", _MISSING), (*where, "bins"), "bin")
    for path, item in bin_entries:
        b_low = _number(reader, item, "min", path)
        b_high = _number(reader, item, "max", path, None)
        b_key = reader.code(item, "key", path, OPTION_CODE_PATTERN)
        label = reader.text(item, "label", path)
        if b_low is not None and b_key and label:
            bins.append(FindingBin(key=b_key, label=label, min=b_low, max=b_high))
    reader.unique(((p, str(i.get("key", ""))) for p, i in bin_entries), "key")
    _ordered_intervals(reader,
                       [(p, b.min, b.max) for (p, _), b in zip(bin_entries, bins, strict=False)])
    if question is not None and kind is not None:
        numeric = question.type in NUMERIC_TYPES
        choice = question.type in CHOICE_TYPES
        if kind == FindingKind.MEAN and not numeric:
            reader.problem((*where, "question"), "surveys.def.mean_needs_number", value=code)
        if kind in (FindingKind.SHARE, FindingKind.COUNT) and condition is None and not (
                condition_name):
            reader.problem(where, "surveys.def.condition_missing")
        if kind in (FindingKind.MEAN, FindingKind.DISTRIBUTION) and condition is not None:
            reader.problem((*where, "condition" if condition_name else
                            ("values" if values else "min")), "surveys.def.condition_not_for_kind",
                           kind=kind.value)
        if kind == FindingKind.DISTRIBUTION:
            if numeric and not bins:
                reader.problem((*where, "bins"), "surveys.def.bins_missing")
            if not numeric and bins:
                reader.problem((*where, "bins"), "surveys.def.bins_not_for_choice")
            if question.type == QuestionType.TEXT:
                reader.problem((*where, "question"), "surveys.def.text_not_countable",
                               value=code)
        if condition in (Condition.IN, Condition.NOT_IN, Condition.ALL):
            if not choice:
                reader.problem((*where, "condition" if condition_name else "values"),
                               "surveys.def.values_need_choice", value=code)
            elif condition != Condition.ALL and not values:
                reader.problem((*where, "values"), "surveys.def.missing")
            if condition == Condition.ALL and question.type != QuestionType.MULTIPLE:
                reader.problem((*where, "condition"), "surveys.def.all_needs_multiple",
                               value=code)
            for index, value in enumerate(values):
                if choice and question.find_option(value) is None:
                    reader.problem((*where, "values", index), "surveys.def.unknown_option",
                                   value=value, question=code)
        if condition == Condition.BETWEEN:
            if not numeric:
                reader.problem((*where, "condition" if condition_name else "min"),
                               "surveys.def.between_needs_number", value=code)
            if low is None and high is None:
                reader.problem((*where, "min"), "surveys.def.missing")
            if low is not None and high is not None and high < low:
                reader.problem((*where, "max"), "surveys.def.band_empty", low=_fmt(low),
                               high=_fmt(high))
    allowed_fields = set(PLACEHOLDERS) | {f"share_{b.key}" for b in bins} | {
        f"count_{b.key}" for b in bins}
    for name, template in (("sentence", sentence), ("sentence_en", sentence_en)):
        for placeholder in _template_fields(template):
            if placeholder not in allowed_fields:
                reader.problem((*where, name), "surveys.def.unknown_placeholder",
                               value=placeholder, allowed=", ".join(sorted(allowed_fields)))
    published = (_published(reader, raw.get("published", _MISSING), (*where, "published"),
                            kind, by_question, bins) if kind is not None else Published())
    if kind is None or question is None or not key or not sentence:
        return None
    return Finding(key=key, kind=kind, question=question.code, sentence=sentence,
                   sentence_en=sentence_en, condition=condition, values=values, min=low,
                   max=high, bins=tuple(bins), by=by, decimals=decimals or 0,
                   published=published, question_def=question, by_def=by_question)


def _catalogue(reader: _Reader, raw: Any, questions: Mapping[str, Question]
               ) -> Catalogue | None:
    if raw is _MISSING:
        return None
    where: Path_ = ("catalogue",)
    table = reader.table(raw, where, "catalogue")
    if table is None:
        return None
    services: list[CatalogueService] = []
    entries = reader.tables(table.get("services", _MISSING), (*where, "services"), "service",
                            required=True)
    reader.unique(((p, str(s.get("code", ""))) for p, s in entries), "code")
    for path, item in entries:
        code = reader.code(item, "code", path)
        question = reader.get(item, "question", str, path)
        if question and question not in questions:
            reader.unknown_question((*path, "question"), question)
        elif question and questions[question].type != QuestionType.RATING:
            reader.problem((*path, "question"), "surveys.def.service_needs_rating",
                           value=question)
        services.append(CatalogueService(code=code, name=reader.text(item, "name", path),
                                         question=question or "",
                                         name_en=reader.text(item, "name_en", path,
                                                             required=False)))
    codes = {s.code for s in services}
    exclusions: list[Exclusion] = []
    ex_entries = reader.tables(table.get("source_exclusions", _MISSING),
                               (*where, "source_exclusions"), "exclusion")
    reader.unique(((p, str(s.get("code", ""))) for p, s in ex_entries), "code")
    for path, item in ex_entries:
        code = reader.code(item, "code", path)
        if code and code not in codes:
            reader.problem((*path, "code"), "surveys.def.unknown_service", value=code,
                           allowed=", ".join(sorted(codes)))
        exclusions.append(Exclusion(code=code, reason_it=reader.text(item, "reason_it", path),
                                    reason_en=reader.text(item, "reason_en", path)))
    return Catalogue(services=tuple(services), exclusions=tuple(exclusions),
                     title=reader.text(table, "title", where, required=False),
                     title_en=reader.text(table, "title_en", where, required=False))


def _personal(reader: _Reader, raw: Any, questions: Mapping[str, Question]
              ) -> tuple[PersonalColumn, ...]:
    entries = reader.tables(raw, ("personal_columns",), "personal")
    reader.unique(((p, str(c.get("code", ""))) for p, c in entries), "code")
    reader.unique(((p, str(c.get("question", ""))) for p, c in entries), "question")
    columns: list[PersonalColumn] = []
    for path, item in entries:
        code = reader.code(item, "code", path)
        kind = reader.get(item, "kind", str, path)
        if kind is not None and kind not in PERSONAL_KINDS:
            reader.problem((*path, "kind"), "surveys.def.unknown_personal_kind", value=kind,
                           allowed=", ".join(PERSONAL_KINDS))
        question = reader.get(item, "question", str, path, "")
        aliases = reader.strings(item, "aliases", path)
        if bool(question) == bool(aliases):
            reader.problem(path, "surveys.def.personal_question_or_aliases")
        if question and question not in questions:
            reader.unknown_question((*path, "question"), question)
        elif question and not questions[question].personal:
            reader.problem((*path, "question"), "surveys.def.question_not_personal",
                           value=question)
        for index, alias in enumerate(aliases):
            owner = next((q.code for q in questions.values()
                          if normalise_text(alias) in {normalise_text(h) for h in q.headers()}),
                         None)
            if owner is not None:
                reader.problem((*path, "aliases", index), "surveys.def.personal_alias_is_question",
                               value=alias, question=owner)
        columns.append(PersonalColumn(code=code, kind=kind or "other", question=question,
                                      aliases=aliases))
    listed = {c.question for c in columns}
    for question in questions.values():
        if question.personal and question.code not in listed:
            reader.problem(("personal_columns",), "surveys.def.personal_not_listed",
                           value=question.code)
    return tuple(columns)


def parse_definition(data: Mapping[str, Any], file: str, folder_id: str | None = None
                     ) -> Survey:
    """The survey in ``data`` (a parsed TOML document), validated; ``file`` for messages."""
    reader = _Reader(file)
    reader.table(dict(data), (), "root")
    head = reader.table(data.get("survey", {}), ("survey",), "survey") or {}
    where: Path_ = ("survey",)
    survey_id = reader.get(head, "id", str, where)
    if survey_id and not SURVEY_ID_PATTERN.match(survey_id):
        reader.problem((*where, "id"), "surveys.def.bad_survey_id", value=survey_id)
    elif survey_id and folder_id is not None and survey_id != folder_id:
        reader.problem((*where, "id"), "surveys.def.id_not_folder", value=survey_id,
                       folder=folder_id)
    title = reader.text(head, "title", where)
    territory = reader.code(head, "territory", where)
    reconstruction = {"it": "", "en": ""}
    if "reconstruction" in head:
        table = reader.table(head["reconstruction"], (*where, "reconstruction"),
                             "reconstruction")
        if table is not None:
            for lang in ("it", "en"):
                reconstruction[lang] = reader.text(table, lang, (*where, "reconstruction"))
    respondent = reader.table(data.get("respondent", _MISSING), ("respondent",),
                              "respondent") if "respondent" in data else None
    if respondent is None:
        if "respondent" not in data:
            reader.problem(("respondent",), "surveys.def.missing")
        respondent = {}
    entity_code = reader.code(respondent, "code", ("respondent",), required=False) or "ente"
    entity_aliases = reader.strings(respondent, "entity_aliases", ("respondent",))
    if respondent and not entity_aliases:
        reader.problem(("respondent", "entity_aliases"), "surveys.def.empty_list")

    sections = _sections(reader, data)
    _check_questions(reader, data, sections, entity_aliases)
    questions = {q.code: q for s in sections for q in s.questions}
    if entity_code in questions:
        reader.problem(("respondent", "code"), "surveys.def.entity_is_question",
                       value=entity_code)
    population = _population(reader, data.get("population", _MISSING), questions)
    criteria = _criteria(reader, data, sections, population)
    finding_entries = reader.tables(data.get("findings", _MISSING), ("findings",), "finding")
    reader.unique(((p, str(f.get("key", ""))) for p, f in finding_entries), "key")
    findings = [_finding(reader, p, f, questions) for p, f in finding_entries]
    catalogue = _catalogue(reader, data.get("catalogue", _MISSING), questions)
    personal = _personal(reader, data.get("personal_columns", _MISSING), questions)
    if reader.problems:
        raise SurveyDefinitionError(reader.problems)
    return Survey(
        id=survey_id or "", title=title, title_en=reader.text(head, "title_en", where, False),
        name=reader.text(head, "name", where, False),
        name_en=reader.text(head, "name_en", where, False),
        version=str(head.get("version", "")), territory=territory,
        source=str(head.get("source", "")),
        reconstruction_it=reconstruction["it"], reconstruction_en=reconstruction["en"],
        entity_code=entity_code, entity_aliases=entity_aliases, sections=sections,
        criteria=criteria, population=population,
        findings=tuple(f for f in findings if f is not None), catalogue=catalogue,
        personal_columns=personal, path=file)


def load_definition(path: Path | str, folder_id: str | None = None) -> Survey:
    """The survey defined in the file ``path``, validated.

    ``folder_id``: the folder's name, which the definition's ``survey.id`` must equal.
    """
    file = Path(path)
    shown = shown_path(file)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise SurveyDefinitionError([DefinitionProblem(shown, "", "surveys.def.not_found"
                                                       )]) from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SurveyDefinitionError([DefinitionProblem(
            shown, "", "surveys.def.unreadable", {"error": str(error)})]) from error
    return parse_definition(data, shown, folder_id)
