"""What a survey is, as read from ``data/surveys/<id>/survey.toml``.

Frozen dataclasses only: the loader (``loader.py``) builds and validates them,
nothing here reads a file. A survey has sections of typed questions; the
criteria of its prioritisation matrix (none when it has no matrix), with their
reference weights; its territory; its population classes; its headline findings
(``findings.py`` computes them on a wave's answers); the catalogue of services it
proposes (or ``None``); and the columns that hold personal data.

Texts come in Italian with an optional English version (``text``/``text_en``);
``.text_in(lang)`` falls back to Italian.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from metrodigital.text import normalise_text


class QuestionType(StrEnum):
    """The kinds of question a survey may ask."""

    SINGLE = "single"  # one of the options
    MULTIPLE = "multiple"  # any of the options; points add up; an exclusive one stands alone
    YES_NO = "yes_no"  # Sì/No, with yes_points and no_points
    NUMBER = "number"  # a number ≥ 0, points by range (``bands``) if scored
    RATING = "rating"  # a whole number on a scale min..max (e.g. interest 1–5), not scored
    BAND = "band"  # one of ordered numeric bands (spending, size), each with low/high bounds
    TEXT = "text"  # free text, never scored


QUESTION_TYPES: tuple[str, ...] = tuple(kind.value for kind in QuestionType)
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.YES_NO,
                          QuestionType.BAND})
NUMERIC_TYPES = frozenset({QuestionType.NUMBER, QuestionType.RATING})
YES_LABEL, NO_LABEL = "Sì", "No"


def _in(lang: str, it: str, en: str) -> str:
    return en if lang == "en" and en else it


@dataclass(frozen=True)
class Option:
    """One answer of a single, multiple or yes/no question, with its points."""

    label: str
    points: int = 0
    code: str = ""  # stable code (Milan: ``lt5000``; LimeSurvey sub-question: ``SQ001``)
    label_en: str = ""
    aliases: tuple[str, ...] = ()
    exclusive: bool = False  # "Nessuno": not combinable with others in a multiple choice

    @property
    def key(self) -> str:
        """How findings and answers refer to the option: its code, else its label."""
        return self.code or self.label

    def spellings(self) -> tuple[str, ...]:
        return tuple(s for s in (self.label, self.code, *self.aliases) if s)

    def label_in(self, lang: str) -> str:
        return _in(lang, self.label, self.label_en)


@dataclass(frozen=True)
class Band(Option):
    """One option of a band question: a numeric interval ``low ≤ x ≤ high`` (no high: open)."""

    low: float = 0
    high: float | None = None

    def contains(self, value: float) -> bool:
        return value >= self.low and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class NumberRange:
    """Points of a number answer ``min ≤ x ≤ max`` (no ``max``: no upper bound)."""

    min: float
    max: float | None
    points: int

    def contains(self, value: float) -> bool:
        return value >= self.min and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Question:
    code: str  # stable key: lowercase ascii and underscores
    section: str
    type: QuestionType
    text: str
    text_en: str = ""
    id: str = ""  # the number shown in the questionnaire, e.g. "2.1" (optional)
    aliases: tuple[str, ...] = ()  # other column headings an export may use
    options: tuple[Option, ...] = ()  # single/multiple/yes_no: Option; band: Band
    ranges: tuple[NumberRange, ...] = ()  # number: points by range
    scale_min: int = 1  # rating
    scale_max: int = 5  # rating
    scale_labels: tuple[tuple[int, str], ...] = ()  # rating: (value, label), e.g. (1, "nessun…")
    scale_labels_en: tuple[tuple[int, str], ...] = ()
    unit: str = ""  # band/number: e.g. "€"
    zero_label: str = ""  # number: what 0 means ("nessun addetto")
    zero_label_en: str = ""
    informative: bool = False  # asked for the findings, gives no points
    personal: bool = False  # personal data (name, e-mail, phone of the compiler)

    def text_in(self, lang: str) -> str:
        return _in(lang, self.text, self.text_en)

    @property
    def scored(self) -> bool:
        return self.max_points > 0

    @property
    def max_points(self) -> int:
        if self.type in (QuestionType.RATING, QuestionType.TEXT):
            return 0
        if self.type == QuestionType.NUMBER:
            return max((r.points for r in self.ranges), default=0)
        if self.type == QuestionType.MULTIPLE:
            combinable = sum(o.points for o in self.options if not o.exclusive)
            exclusive = [o.points for o in self.options if o.exclusive]
            return max([combinable, *exclusive])
        return max((o.points for o in self.options), default=0)

    def headers(self) -> tuple[str, ...]:
        """The column headings under which an export may name this question."""
        return tuple(h for h in (self.text, self.code, self.id, *self.aliases) if h)

    @cached_property
    def _option_index(self) -> dict[str, Option]:
        index: dict[str, Option] = {}
        for option in self.options:
            for spelling in option.spellings():
                index.setdefault(normalise_text(spelling), option)
        return index

    def find_option(self, value: object) -> Option | None:
        """The option ``value`` names (label, code or alias; tolerant spelling)."""
        return self._option_index.get(normalise_text(value))

    def option(self, key: str) -> Option:
        """The option whose key (code or label) is ``key``."""
        for option in self.options:
            if key in (option.code, option.label):
                return option
        raise KeyError(key)


@dataclass(frozen=True)
class Section:
    key: str
    number: int
    title: str
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    questions: tuple[Question, ...] = ()

    @property
    def max_points(self) -> int:
        return sum(q.max_points for q in self.questions)

    def title_in(self, lang: str) -> str:
        return _in(lang, self.title, self.title_en)


@dataclass(frozen=True)
class PopulationClass:
    """A population class: from ``min`` residents up to the next class's ``min``."""

    number: int  # 1, 2, … in order
    min: int
    label: str = ""
    label_en: str = ""
    points: int | None = None  # points of the population criterion, if the matrix has one
    option: str = ""  # code of the option of the population question that states it

    def label_in(self, lang: str) -> str:
        return _in(lang, self.label, self.label_en)


@dataclass(frozen=True)
class Population:
    """The survey's population classes; ``year``: ISTAT year the thresholds are meant for."""

    classes: tuple[PopulationClass, ...]
    year: int | None = None
    question: str = ""  # code of a question where respondents state their class

    def class_of(self, population: int) -> PopulationClass:
        if population < 0:
            raise ValueError(f"negative population: {population}")
        chosen = self.classes[0]
        for item in self.classes:
            if population >= item.min:
                chosen = item
        return chosen


@dataclass(frozen=True)
class Criterion:
    """One column of the prioritisation matrix: a section's points, or the population's."""

    key: str  # the section's key, or the population criterion's key
    code: str  # short name used in links, e.g. ``?ser=3``
    label_it: str
    label_en: str
    source_heading: str
    weight: float  # the reference weight (the source's)
    population: bool = False  # points from the population classes, not from a section

    def label(self, lang: str = "it") -> str:
        return self.label_en if lang == "en" else self.label_it


@dataclass(frozen=True)
class Published:
    """The figure the source published for a finding (to show beside the computed one)."""

    share: float | None = None
    count: int | None = None
    total: int | None = None
    mean: float | None = None
    groups: tuple[tuple[str, float | None], ...] = ()  # by group: (group, value or None)
    shares: tuple[tuple[str, float], ...] = ()  # distribution: (bin key, share)


@dataclass(frozen=True)
class FindingBin:
    key: str
    label: str
    min: float
    max: float | None

    def contains(self, value: float) -> bool:
        return value >= self.min and (self.max is None or value <= self.max)


class FindingKind(StrEnum):
    SHARE = "share"  # share of those who answered whose answer meets the condition
    COUNT = "count"  # how many meet the condition (of how many answered)
    MEAN = "mean"  # mean of a number or rating
    DISTRIBUTION = "distribution"  # share per bin (numbers) or per option (choices)


class Condition(StrEnum):
    IN = "in"  # the answer is (or, multiple: includes) one of ``values``
    NOT_IN = "not_in"  # the answer is none of ``values``
    ALL = "all"  # multiple: every option of ``values`` chosen (default: every non-exclusive)
    BETWEEN = "between"  # number/rating: min ≤ x ≤ max


FINDING_KINDS: tuple[str, ...] = tuple(kind.value for kind in FindingKind)
CONDITIONS: tuple[str, ...] = tuple(item.value for item in Condition)
# Columns of an answers table that describe the entity rather than answer a question
# (joined from the territory): a finding may break down ``by`` them.
ENTITY_COLUMNS: tuple[str, ...] = ("zona_omogenea", "classe_popolazione")


@dataclass(frozen=True)
class Finding:
    """A headline figure read from the answers, and the sentence that says it."""

    key: str
    kind: FindingKind
    question: str  # question code
    sentence: str  # Italian template: {share} {count} {total} {mean} {groups} {share_<bin>}
    sentence_en: str = ""
    condition: Condition | None = None
    values: tuple[str, ...] = ()  # option keys (code or label)
    min: float | None = None
    max: float | None = None
    bins: tuple[FindingBin, ...] = ()
    by: str = ""  # question code or entity column: the breakdown
    decimals: int = 0  # of the share (as a percentage) or the mean
    published: Published = field(default_factory=Published)
    # The questions themselves, resolved by the loader (the evaluator reads options there).
    question_def: Question | None = field(default=None, compare=False, repr=False)
    by_def: Question | None = field(default=None, compare=False, repr=False)

    def sentence_in(self, lang: str) -> str:
        return _in(lang, self.sentence, self.sentence_en)


@dataclass(frozen=True)
class CatalogueService:
    code: str
    name: str
    question: str  # the rating question asking the interest in it
    name_en: str = ""

    def name_in(self, lang: str) -> str:
        return _in(lang, self.name, self.name_en)


@dataclass(frozen=True)
class Exclusion:
    """A service the source left out of the catalogue, and why."""

    code: str
    reason_it: str
    reason_en: str

    def reason(self, lang: str = "it") -> str:
        return _in(lang, self.reason_it, self.reason_en)


@dataclass(frozen=True)
class Catalogue:
    services: tuple[CatalogueService, ...]
    exclusions: tuple[Exclusion, ...] = ()
    title: str = ""
    title_en: str = ""

    @property
    def chosen(self) -> tuple[CatalogueService, ...]:
        """The services the source kept (those not excluded)."""
        out = {e.code for e in self.exclusions}
        return tuple(s for s in self.services if s.code not in out)


@dataclass(frozen=True)
class PersonalColumn:
    """A column holding personal data: stored, shown to editors only, never in links."""

    code: str
    kind: str  # name | email | phone | other
    question: str = ""  # code of the question that asks it, if any
    aliases: tuple[str, ...] = ()  # else: the export's headings for it

    def headers(self) -> tuple[str, ...]:
        return self.aliases


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    territory: str
    sections: tuple[Section, ...]
    title_en: str = ""
    name: str = ""  # short, for menus ("METRODIGITAL 2022–23 · Torino"); default: the title
    name_en: str = ""
    version: str = ""
    source: str = ""
    reconstruction_it: str = ""  # what of the definition is reconstructed, and from what
    reconstruction_en: str = ""
    entity_code: str = "ente"
    entity_aliases: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()  # empty: the survey has no matrix
    population: Population | None = None
    findings: tuple[Finding, ...] = ()
    catalogue: Catalogue | None = None
    personal_columns: tuple[PersonalColumn, ...] = ()
    path: str = ""  # the definition file, as shown in messages

    def title_in(self, lang: str) -> str:
        return _in(lang, self.title, self.title_en)

    def name_in(self, lang: str) -> str:
        """The survey's short name, for menus and messages."""
        return _in(lang, self.name, self.name_en) or self.title_in(lang)

    def reconstruction(self, lang: str = "it") -> str:
        return _in(lang, self.reconstruction_it, self.reconstruction_en)

    @property
    def population_classes(self) -> tuple[PopulationClass, ...]:
        return self.population.classes if self.population else ()

    @property
    def has_matrix(self) -> bool:
        return bool(self.criteria)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, code: str) -> Question:
        for question in self.questions:
            if code and code in (question.code, question.id):
                return question
        raise KeyError(code)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def criterion(self, key: str) -> Criterion:
        for item in self.criteria:
            if key in (item.key, item.code):
                return item
        raise KeyError(key)

    def finding(self, key: str) -> Finding:
        for item in self.findings:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def reference_weights(self) -> dict[str, float]:
        return {c.key: c.weight for c in self.criteria}

    @property
    def personal_headers(self) -> tuple[str, ...]:
        """Every heading of a column holding personal data (questions' and others')."""
        out: list[str] = []
        for column in self.personal_columns:
            out.extend(column.aliases)
            if column.question:
                out.extend(self.question(column.question).headers())
        return tuple(dict.fromkeys(out))
