"""What colours the Risposte page's map: who answered, a question's answer or a headline
finding, per respondent the page's filters keep. No Streamlit here: ``ui/risposte_map.py``
draws it with ``metrodigital.map_chart``.
"""

from __future__ import annotations

import re

import pandas as pd

from metrodigital.answers_sql import Filters, finding_entities, respondents
from metrodigital.i18n import t
from metrodigital.map_chart import Colouring
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.model import NUMERIC_TYPES, QuestionType, Survey

COVERAGE = "coverage"
# colours of answer categories, in the questionnaire's order (colour-blind safe: Okabe–Ito)
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
            "#000000")
_MEETS, _DOES_NOT = "#0072B2", "#E69F00"
_MAPPABLE = frozenset({QuestionType.SINGLE, QuestionType.YES_NO, QuestionType.BAND,
                       QuestionType.RATING, QuestionType.NUMBER})


def map_options(survey: Survey) -> list[str]:
    """Every colouring the survey allows: coverage, each mappable question that is not
    personal, each headline finding."""
    questions = [f"q:{q.code}" for q in survey.questions
                 if q.type in _MAPPABLE and not q.personal]
    findings = [f"f:{f.key}" for f in survey.findings]
    return [COVERAGE, *questions, *findings]


def option_label(key: str, survey: Survey, lang: str) -> str:
    if key == COVERAGE:
        return t("risposte.map.by_coverage", lang)
    kind, _, code = key.partition(":")
    if kind == "q":
        question = survey.question(code)
        number = f"{question.id} " if question.id else ""
        return t("risposte.map.by_question", lang, question=f"{number}{question.text_in(lang)}")
    finding = survey.finding(code)
    # the finding's sentence with its figures left out ("… dei Comuni non conosce …")
    sentence = re.sub(r"\{[^}]*\}", "…", finding.sentence_in(lang)).strip()
    if len(sentence) > 90:
        sentence = sentence[:89].rstrip() + "…"
    return t("risposte.map.by_finding", lang, finding=sentence or finding.key)


def _in_scope(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The respondents the page's filters keep (population class, zone, Comune/Unione)."""
    keep = pd.Series(True, index=frame.index)
    if filters.classes:
        keep &= frame["classe_popolazione"].astype(str).isin(filters.classes)
    if filters.zones:
        keep &= frame["zona_omogenea"].astype(str).isin(filters.zones)
    if filters.kind:
        keep &= frame["tipo"] == filters.kind
    return frame[keep]


def map_values(store: Store, wave: Wave, survey: Survey, key: str, filters: Filters,
               lang: str) -> tuple[pd.DataFrame, Colouring]:
    """Per respondent in scope (indexed by entity id): ``ente``, ``stato`` (a category
    label), ``punteggio`` (a number, NaN when none) and ``posizione`` (0), and how the map
    colours them."""
    people = _in_scope(respondents(store, wave.slug), filters).set_index("entity_id")
    values = pd.DataFrame({"ente": people["ente"], "stato": "", "punteggio": float("nan"),
                           "posizione": 0}, index=people.index)
    if key == COVERAGE:
        answered = t("risposte.map.answered", lang)
        values["stato"] = answered
        return values, Colouring(t("risposte.map.by_coverage", lang),
                                 ((answered, _PALETTE[0]),))
    kind, _, code = key.partition(":")
    if kind == "q":
        question = survey.question(code)
        answers = wide_answers(store, wave.slug).set_index("entity_id")[code]
        answers = answers.reindex(values.index)
        title = question.text_in(lang)
        if question.type in NUMERIC_TYPES:
            values["punteggio"] = pd.to_numeric(answers, errors="coerce")
            values["stato"] = [t("risposte.map.no_value", lang) if pd.isna(v) else ""
                               for v in values["punteggio"]]
            return values, Colouring(title)
        labels = [(o.key, o.label_in(lang)) for o in question.options]
        by_key = dict(labels)
        none = t("risposte.map.no_value", lang)
        values["stato"] = [by_key.get(str(a), none) if isinstance(a, str) else none
                           for a in answers]
        categories = tuple((label, _PALETTE[i % len(_PALETTE)])
                           for i, (_, label) in enumerate(labels))
        return values, Colouring(title, (*categories, (none, "#bbbbbb")))
    finding = survey.finding(code)
    behind = finding_entities(store, wave, finding, filters=filters)
    meets = dict(zip(behind["istat_code"].astype(str), behind["meets"], strict=True))
    yes, no = t("risposte.map.meets", lang), t("risposte.map.does_not", lang)
    none = t("risposte.map.no_value", lang)
    codes = people["istat_code"].astype(str)
    values["stato"] = [none if code not in meets or meets[code] is None or pd.isna(meets[code])
                       else (yes if bool(meets[code]) else no) for code in codes]
    return values, Colouring(option_label(key, survey, lang),
                             ((yes, _MEETS), (no, _DOES_NOT), (none, "#bbbbbb")))
