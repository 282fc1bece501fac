"""One message catalogue, complete in both languages; Italian number formats."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from metrodigital.i18n import LANGUAGES, catalogue, fmt_number, fmt_percent, t
from tests.conftest import PROJECT_DIR


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key
        assert fields(texts["it"]) == fields(texts["en"]), key


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
        assert not re.search(r"<[a-z/]", texts[lang]), key
