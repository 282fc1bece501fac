"""One message catalogue, complete in both languages; Italian number formats."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from metrodigital.i18n import (
    LANGUAGES,
    catalogue,
    fmt_number,
    fmt_percent,
    plural_counts,
    quote,
    t,
)
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
