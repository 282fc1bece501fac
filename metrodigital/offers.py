"""What the Città Metropolitana offers the Comuni, as data: ``data/offers/<survey>.toml``.

Each offer lists the answers that signal the need (its *signals*); an offer *fits* an
entity when at least one signal fires on the entity's answers. A signal is

- ``any``: a single/yes-no answer among ``values``, or a multiple choice with at least
  one of ``values`` chosen;
- ``lacks``: a multiple choice answered without any of ``values``;
- ``at_most``: a number answer ≤ ``max``.

``values`` are option keys of the survey's question (the code, else the label). The file
is validated on load against the survey definition: every problem is reported with the
file and the key (``offers[3].signals[0].values``) in the user's language.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import DATA_DIR
from metrodigital.surveys.model import QuestionType, Survey
from metrodigital.surveys.registry import load_survey

OFFERS_DIR = DATA_DIR / "offers"
CONDITIONS = ("any", "lacks", "at_most")
_OFFER_FIELDS = {"key", "name", "name_en", "description", "description_en", "signals"}
_SIGNAL_FIELDS = {"question", "condition", "values", "max"}
_ROOT_FIELDS = {"survey", "offers", "questions"}
_QUESTION_FIELDS = {"section", "text", "text_en"}


@dataclass(frozen=True)
class OfferProblem:
    file: str
    key: str
    code: str
    params: Mapping[str, object]

    def message(self, lang: str = DEFAULT_LANG) -> str:
        text = t(self.code, lang, **self.params)
        return f"{self.file}: {self.key}: {text}" if self.key else f"{self.file}: {text}"


class OfferDefinitionError(ValueError):
    """An offers file cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[OfferProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.message() for p in self.problems))

    def messages(self, lang: str = DEFAULT_LANG) -> list[str]:
        return [p.message(lang) for p in self.problems]


@dataclass(frozen=True)
class Signal:
    question: str
    condition: str
    values: tuple[str, ...] = ()
    max: float | None = None

    def fires(self, answer: object) -> bool:
        """Does ``answer`` (as :func:`wide_answers` types it) signal the need?"""
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            return False
        if self.condition == "at_most":
            return isinstance(answer, int | float) and self.max is not None \
                and float(answer) <= self.max
        chosen = set(answer) if isinstance(answer, list | tuple) else {str(answer)}
        if self.condition == "lacks":
            return isinstance(answer, list | tuple) and not chosen & set(self.values)
        return bool(chosen & set(self.values))


@dataclass(frozen=True)
class Offer:
    key: str
    name: str
    name_en: str
    description: str
    description_en: str
    signals: tuple[Signal, ...]

    def name_in(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def description_in(self, lang: str) -> str:
        return self.description_en if lang == "en" and self.description_en else self.description


@dataclass(frozen=True)
class Trigger:
    """One answer that made an offer fit: the question and the answer as given."""

    question: str
    signal: Signal
    answer: object


@dataclass(frozen=True)
class Fit:
    offer: Offer
    triggers: tuple[Trigger, ...]


@dataclass(frozen=True)
class InterviewQuestion:
    """A question suggested for the interview when ``section`` is a weakness."""

    section: str
    text: str
    text_en: str = ""

    def text_in(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text


@dataclass(frozen=True)
class OfferList:
    survey_id: str
    file: str
    offers: tuple[Offer, ...]
    questions: tuple[InterviewQuestion, ...] = ()

    def questions_for(self, section: str) -> list[InterviewQuestion]:
        return [q for q in self.questions if q.section == section]

    def offer(self, key: str) -> Offer:
        for offer in self.offers:
            if offer.key == key:
                return offer
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.offers)


def _text(raw: Mapping[str, Any], name: str, where: str, file: str,
          problems: list[OfferProblem], *, required: bool = True) -> str:
    value = raw.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(OfferProblem(file, f"{where}.{name}", "offers.def.text_needed", {}))
        return ""
    return value.strip()


def _signal(raw: object, where: str, survey: Survey, file: str,
            problems: list[OfferProblem]) -> Signal | None:
    if not isinstance(raw, dict):
        problems.append(OfferProblem(file, where, "offers.def.not_a_table", {}))
        return None
    for name in sorted(set(raw) - _SIGNAL_FIELDS):
        problems.append(OfferProblem(file, f"{where}.{name}", "offers.def.unknown_field",
                                     {"known": ", ".join(sorted(_SIGNAL_FIELDS))}))
    code = raw.get("question")
    try:
        question = survey.question(str(code))
    except KeyError:
        problems.append(OfferProblem(file, f"{where}.question", "offers.def.unknown_question",
                                     {"value": str(code), "survey": survey.id}))
        return None
    condition = raw.get("condition", "any")
    if condition not in CONDITIONS:
        problems.append(OfferProblem(file, f"{where}.condition", "offers.def.bad_condition",
                                     {"value": str(condition), "known": ", ".join(CONDITIONS)}))
        return None
    if condition == "at_most":
        limit = raw.get("max")
        if question.type not in (QuestionType.NUMBER, QuestionType.RATING) or \
                not isinstance(limit, int | float) or isinstance(limit, bool):
            problems.append(OfferProblem(file, f"{where}.max", "offers.def.bad_max",
                                         {"question": question.code}))
            return None
        return Signal(question.code, condition, max=float(limit))
    if condition == "lacks" and question.type != QuestionType.MULTIPLE:
        problems.append(OfferProblem(file, f"{where}.condition", "offers.def.lacks_not_multiple",
                                     {"question": question.code}))
        return None
    values = raw.get("values")
    if not isinstance(values, list) or not values:
        problems.append(OfferProblem(file, f"{where}.values", "offers.def.values_needed", {}))
        return None
    keys = {o.key for o in question.options}
    bad = [str(v) for v in values if str(v) not in keys]
    if bad:
        problems.append(OfferProblem(file, f"{where}.values", "offers.def.unknown_values",
                                     {"values": ", ".join(bad), "question": question.code,
                                      "known": ", ".join(sorted(keys))}))
        return None
    return Signal(question.code, condition, tuple(str(v) for v in values))


def parse_offers(data: Mapping[str, Any], file: str,
                 survey: Survey | None = None) -> OfferList:
    """Validate an offers file's content; raise :class:`OfferDefinitionError` with every
    problem (file and key) when it cannot be used."""
    problems: list[OfferProblem] = []
    survey_id = data.get("survey")
    if survey is None:
        try:
            survey = load_survey(str(survey_id))
        except KeyError:
            raise OfferDefinitionError([OfferProblem(file, "survey", "offers.def.unknown_survey",
                                                     {"value": str(survey_id)})]) from None
    for name in sorted(set(data) - _ROOT_FIELDS):
        problems.append(OfferProblem(file, name, "offers.def.unknown_field",
                                     {"known": ", ".join(sorted(_ROOT_FIELDS))}))
    raw_offers = data.get("offers")
    if not isinstance(raw_offers, list) or not raw_offers:
        raise OfferDefinitionError([OfferProblem(file, "offers", "offers.def.no_offers", {})])
    offers: list[Offer] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_offers):
        where = f"offers[{i}]"
        if not isinstance(raw, dict):
            problems.append(OfferProblem(file, where, "offers.def.not_a_table", {}))
            continue
        for name in sorted(set(raw) - _OFFER_FIELDS):
            problems.append(OfferProblem(file, f"{where}.{name}", "offers.def.unknown_field",
                                         {"known": ", ".join(sorted(_OFFER_FIELDS))}))
        key = _text(raw, "key", where, file, problems)
        if key in seen:
            problems.append(OfferProblem(file, f"{where}.key", "offers.def.duplicate_key",
                                         {"value": key}))
        seen.add(key)
        raw_signals = raw.get("signals")
        if not isinstance(raw_signals, list) or not raw_signals:
            problems.append(OfferProblem(file, f"{where}.signals", "offers.def.signals_needed",
                                         {}))
            raw_signals = []
        signals = [_signal(s, f"{where}.signals[{j}]", survey, file, problems)
                   for j, s in enumerate(raw_signals)]
        offers.append(Offer(
            key=key, name=_text(raw, "name", where, file, problems),
            name_en=_text(raw, "name_en", where, file, problems, required=False),
            description=_text(raw, "description", where, file, problems, required=False),
            description_en=_text(raw, "description_en", where, file, problems, required=False),
            signals=tuple(s for s in signals if s is not None)))
    questions = _questions(data.get("questions", []), survey, file, problems)
    if problems:
        raise OfferDefinitionError(problems)
    return OfferList(survey.id, file, tuple(offers), questions)


def _questions(raw: object, survey: Survey, file: str, problems: list[OfferProblem]
               ) -> tuple[InterviewQuestion, ...]:
    if not isinstance(raw, list):
        problems.append(OfferProblem(file, "questions", "offers.def.not_a_list", {}))
        return ()
    sections = {s.key for s in survey.sections}
    out = []
    for i, item in enumerate(raw):
        where = f"questions[{i}]"
        if not isinstance(item, dict):
            problems.append(OfferProblem(file, where, "offers.def.not_a_table", {}))
            continue
        for name in sorted(set(item) - _QUESTION_FIELDS):
            problems.append(OfferProblem(file, f"{where}.{name}", "offers.def.unknown_field",
                                         {"known": ", ".join(sorted(_QUESTION_FIELDS))}))
        section = item.get("section")
        if section not in sections:
            problems.append(OfferProblem(file, f"{where}.section", "offers.def.unknown_section",
                                         {"value": str(section),
                                          "known": ", ".join(sorted(sections))}))
            continue
        out.append(InterviewQuestion(str(section), _text(item, "text", where, file, problems),
                                     _text(item, "text_en", where, file, problems,
                                           required=False)))
    return tuple(out)


def load_offers_file(path: Path | str) -> OfferList:
    path = Path(path)
    shown = f"data/offers/{path.name}" if path.parent == OFFERS_DIR else str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise OfferDefinitionError([OfferProblem(shown, "", "offers.def.unreadable",
                                                 {"detail": type(error).__name__})]) from None
    except tomllib.TOMLDecodeError as error:
        raise OfferDefinitionError([OfferProblem(shown, "", "offers.def.bad_toml",
                                                 {"detail": str(error)})]) from None
    return parse_offers(data, shown)


@lru_cache(maxsize=8)
def offers_for(survey_id: str) -> OfferList | None:
    """The offers of a survey (``data/offers/<survey>.toml``), None when it has none."""
    path = OFFERS_DIR / f"{survey_id}.toml"
    if not path.is_file():
        return None
    return load_offers_file(path)


def fits(offers: OfferList, answers: Mapping[str, object]) -> list[Fit]:
    """The offers that fit an entity whose typed answers are ``answers`` (a row of
    :func:`wide_answers`), each with the answers that triggered it, in the file's order."""
    out: list[Fit] = []
    for offer in offers.offers:
        triggers = tuple(Trigger(s.question, s, answers.get(s.question))
                         for s in offer.signals if s.fires(answers.get(s.question)))
        if triggers:
            out.append(Fit(offer, triggers))
    return out


def answer_text(survey: Survey, code: str, answer: object, lang: str) -> str:
    """An answer as the user reads it: option labels in the language, numbers as written."""
    if answer is None or (isinstance(answer, float) and math.isnan(answer)):
        return "—"
    question = survey.question(code)
    if isinstance(answer, list | tuple):
        labels = []
        for key in answer:
            try:
                labels.append(question.option(str(key)).label_in(lang))
            except KeyError:
                labels.append(str(key))
        return "; ".join(labels) if labels else "—"
    if isinstance(answer, float):
        from metrodigital.i18n import fmt_number

        return fmt_number(answer, lang, 0 if answer == round(answer) else 2)
    try:
        return question.option(str(answer)).label_in(lang)
    except KeyError:
        return str(answer)


def trigger_text(survey: Survey, trigger: Trigger, lang: str) -> str:
    """«2.4 Come effettua l'Ente il backup…: Nessun backup / non so»."""
    question = survey.question(trigger.question)
    head = f"{question.id} " if question.id else ""
    return t("offers.trigger", lang, question=head + question.text_in(lang),
             answer=answer_text(survey, trigger.question, trigger.answer, lang))


def fit_table(offers: OfferList, answers: pd.DataFrame) -> pd.DataFrame:
    """One row per (entity, offer that fits it): ``entity_id, offer`` (wide answers in)."""
    rows = []
    for record in answers.to_dict("records"):
        for fit in fits(offers, record):
            rows.append({"entity_id": record["entity_id"], "offer": fit.offer.key})
    return pd.DataFrame(rows, columns=["entity_id", "offer"])
