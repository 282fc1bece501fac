"""One message catalogue, complete in both languages; Italian number formats."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from metrodigital.explain import tie_sentence
from metrodigital.i18n import (
    LANGUAGES,
    catalogue,
    fmt_number,
    fmt_percent,
    plural_counts,
    quote,
    t,
)
from metrodigital.questionnaire import AnswerProblem, ColumnProblem, QuotedNames
from metrodigital.ranking import evaluate
from metrodigital.scenario import Scenario, TieRule
from metrodigital.store import Store
from tests.conftest import PROJECT_DIR


def forms(text: str | dict[str, str]) -> list[str]:
    """A message's text, or each of its plural forms."""
    return list(text.values()) if isinstance(text, dict) else [text]


def fields(text: str | dict[str, str]) -> set[str]:
    return {name for form in forms(text) for _, name, _, _ in string.Formatter().parse(form)
            if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(form.strip() for lang in LANGUAGES for form in forms(texts[lang])), key
        assert fields(texts["it"]) == fields(texts["en"]), key


def test_plural_messages_have_one_and_other_and_name_their_count() -> None:
    for key, count in plural_counts().items():
        for lang in LANGUAGES:
            text = catalogue()[key][lang]
            assert isinstance(text, dict) and {"one", "other"} <= set(text), (key, lang)
            assert count in fields(text["other"]), key


def test_plurals_follow_the_number() -> None:
    assert t("sidebar.quota_min", "it", k=1, group="zona omogenea 9") == \
        "almeno 1 ente della zona omogenea 9"
    assert t("sidebar.quota_min", "it", k=2, group="zona omogenea 9") == \
        "almeno 2 enti della zona omogenea 9"
    assert t("sidebar.quota_max", "en", k=1, group="class 3") == "at most 1 entity of class 3"
    assert t("sidebar.quota_max", "en", k=0, group="class 3") == "at most 0 entities of class 3"
    assert t("upload.errors", "it", n=1) == "1 errore blocca la pubblicazione:"
    assert t("upload.errors", "en", n=3) == "3 errors block publishing:"
    assert t("upload.accept", "it", n=1) == "Accetto l'avviso elencato sopra"
    assert t("matrix.caption", "it", wave="Prova", n=1).startswith("Ondata «Prova», 1 ente.")


def test_quotation_marks_follow_the_language() -> None:
    assert quote("Servizi", "it") == "«Servizi»"
    assert quote("Services", "en") == "“Services”"


def test_every_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    sources = [*PROJECT_DIR.glob("metrodigital/*.py"), *PROJECT_DIR.glob("ui/*.py"),
               PROJECT_DIR / "app.py", *PROJECT_DIR.glob("pages/*.py")]
    for path in sources:
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Note"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    missing = sorted(key for key in used if key not in catalogue())
    assert not missing
    assert len(used) > 40


def test_italian_and_english_number_formats() -> None:
    assert fmt_number(1234.5, "it") == "1.234,5"
    assert fmt_number(1234.5, "en") == "1,234.5"
    assert fmt_number(193, "it") == "193"
    assert fmt_number(2.0, "it", 2) == "2,00"
    assert fmt_percent(5 / 29, "it") == "17,2%"
    assert fmt_percent(5 / 29, "en") == "17.2%"


def test_unknown_language_falls_back_to_italian() -> None:
    assert t("nav.matrix", "fr") == "Matrice"
    assert t("nav.matrix", "en") == "Matrix"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_contains_html(lang: str) -> None:
    for key, texts in catalogue().items():
        assert not any(re.search(r"<[a-z/]", form) for form in forms(texts[lang])), key


# --- plurals and quotation marks everywhere ----------------------------------------------

# Plural nouns that must never follow a bare 1, and singular ones that must never follow a 2.
PLURAL_NOUNS = (
    "enti", "Comuni", "avvisi", "errori", "punti", "estrazioni", "secondi", "minuti", "ore",
    "giorni", "righe", "colonne", "celle", "fogli", "risposte", "domande", "sezioni", "voti",
    "ondate", "servizi", "quote", "posti", "criteri", "pesi", "volte", "rispondenti", "anni",
    "caratteri", "tentativi", "valori",
    "entities", "warnings", "errors", "points", "draws", "seconds", "minutes", "hours", "days",
    "rows", "columns", "cells", "sheets", "answers", "questions", "sections", "ratings",
    "waves", "services", "quotas", "places", "criteria", "weights", "times", "respondents",
    "years", "characters", "attempts", "values", "files",
)
SINGULAR_NOUNS = (
    "ente", "Comune", "avviso", "errore", "punto", "estrazione", "secondo", "minuto", "riga",
    "colonna", "risposta", "domanda", "sezione", "voto", "ondata",
    "entity", "warning", "error", "point", "draw", "second", "minute", "row", "column",
    "answer", "question", "section", "rating", "wave",
)
ONE_BEFORE_PLURAL = re.compile(r"(?<![\d.,])1\s(?:" + "|".join(PLURAL_NOUNS) + r")\b")
TWO_BEFORE_SINGULAR = re.compile(r"(?<![\d.,])2\s(?:" + "|".join(SINGULAR_NOUNS) + r")\b")

# Messages still "1 enti"-style; remove a key once it has plural forms.
PENDING: frozenset[str] = frozenset()


def rendered(key: str, lang: str, value: int) -> str:
    """Message ``key`` with every placeholder set to ``value`` (a list of names where the
    message quotes each one, ``{allowed:en}``)."""
    params: dict[str, object] = {}
    for form in forms(catalogue()[key][lang]):
        for _, name, spec, _ in string.Formatter().parse(form):
            if name:
                params[name] = QuotedNames((str(value),)) if spec else value
    return t(key, lang, **params)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_with_a_count_agree_with_one_and_with_two(lang: str) -> None:
    assert len(plural_counts()) > 20
    for key in plural_counts().keys() - PENDING:
        one, two = rendered(key, lang, 1), rendered(key, lang, 2)
        assert not ONE_BEFORE_PLURAL.search(one), (key, one)
        assert not TWO_BEFORE_SINGULAR.search(two), (key, two)
        assert one != two, key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_puts_1_before_a_plural_noun(lang: str) -> None:
    wrong = {key: text for key in catalogue() if key not in PENDING
             if ONE_BEFORE_PLURAL.search(text := rendered(key, lang, 1))}
    assert not wrong


def test_english_messages_never_use_italian_quotation_marks() -> None:
    for key, texts in catalogue().items():
        for form in forms(texts["en"]):
            assert "«" not in form and "»" not in form, key
        text = rendered(key, "en", 1)
        assert "«" not in text and "»" not in text, key


def test_tie_sentences_agree_with_their_numbers(store: Store) -> None:
    # source wave: 3 entities tied at 193 points for ranks 11-13; with N = 12, 2 places left
    two = evaluate(store, Scenario(top=12, ties=TieRule.CHOICE))
    assert "Scegli 2 enti tra i pari merito. Finché la scelta non è completa sono " \
        "inclusi tutti (13 enti)." in tie_sentence(two, "it")
    assert "Choose 2 of the tied entities. Until the choice is complete all are " \
        "included (13 entities)." in tie_sentence(two, "en")
    assert "hanno tutti 193 punti" in tie_sentence(two, "it")
    one = evaluate(store, Scenario(top=11, ties=TieRule.CHOICE))
    assert "Scegli 1 ente tra i pari merito." in tie_sentence(one, "it")
    assert "Choose 1 of the tied entities." in tie_sentence(one, "en")
    assert "la selezione conta esattamente 1 ente." in \
        tie_sentence(evaluate(store, Scenario(top=1)), "it")


def test_answer_problems_quote_the_expected_answers_in_the_chosen_language() -> None:
    problem = AnswerProblem("questionnaire.answer.unknown_option", "A1", "forse",
                            ("Sì", "No"))
    assert problem.message("it") == \
        "Domanda A1: «forse» non è tra le risposte previste («Sì», «No»)"
    assert problem.message("en") == \
        "Question A1: “forse” is not one of the expected answers (“Sì”, “No”)"
    # the params travel with the problem (ingest.CellProblem) and are rendered later
    assert t(problem.code, "en", **problem.params).endswith("(“Sì”, “No”)")
    columns = ColumnProblem("questionnaire.columns.duplicate", "A1", (0, 1))
    assert columns.message("en", ("Servizi", "Servizi (2)")) == \
        "Question A1 appears in several columns (“Servizi”, “Servizi (2)”): the first is used"
    assert "(«Servizi», «Servizi (2)»)" in columns.message("it", ("Servizi", "Servizi (2)"))
