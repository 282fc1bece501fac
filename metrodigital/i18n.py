"""The one message catalogue of the app, and locale-aware number formatting.

Messages live in ``metrodigital/locales/*.toml``; each file holds a table per
message key with one string per language, so a translation sits next to its
original::

    ["matrix.title"]
    it = "Matrice di prioritizzazione"
    en = "Prioritisation matrix"

Keys are namespaced by area (``matrix.``, ``ingest.``, ...). Placeholders use
``str.format`` syntax. Every key must exist in every language (tested).

A message about a number of things has one form per plural category of the
language (CLDR's, through Babel: Italian and English have ``one`` and ``other``;
Italian also ``many``, for millions, which falls back to ``other``), and
``count`` names the parameter that chooses the form::

    ["upload.clean"]
    count = "n"
    it = { one = "Nessun problema: 1 ente.", other = "Nessun problema: {n} enti." }
    en = { one = "No problems: 1 entity.", other = "No problems: {n} entities." }
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, format_percent, parse_decimal

Lang = Literal["it", "en"]
LANGUAGES: tuple[Lang, ...] = ("it", "en")
DEFAULT_LANG: Lang = "it"
_LOCALES = {"it": "it_IT", "en": "en_GB"}
_LOCALE_DIR = Path(__file__).parent / "locales"


# A message's text in one language: a string, or one string per plural category.
Text = str | dict[str, str]


@cache
def _load() -> tuple[dict[str, dict[str, Text]], dict[str, str]]:
    merged: dict[str, dict[str, Text]] = {}
    counts: dict[str, str] = {}
    for path in sorted(_LOCALE_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        for key, texts in table.items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice ({path.name})")
            texts = dict(texts)
            count = texts.pop("count", None)
            if count is not None:
                counts[key] = str(count)
            elif any(isinstance(text, dict) for text in texts.values()):
                raise ValueError(f"message key {key!r} has plural forms but no count "
                                 f"({path.name})")
            merged[key] = texts
    return merged, counts


def catalogue() -> dict[str, dict[str, Text]]:
    """All messages, ``{key: {lang: text}}``, merged from every locale file; a text with
    plural forms is ``{category: text}``."""
    return _load()[0]


def plural_counts() -> dict[str, str]:
    """For each message with plural forms, the parameter that chooses the form."""
    return _load()[1]


def plural_category(count: object, lang: str) -> str:
    """CLDR's plural category of ``count`` in ``lang``: ``one``, ``many`` or ``other``.
    ``count`` may already be formatted for ``lang`` ("1.234")."""
    locale = _LOCALES[normalise_lang(lang)]
    if isinstance(count, int | float):
        number = float(count)
    else:
        try:
            number = float(parse_decimal(str(count), locale=locale))
        except (NumberFormatError, ValueError):
            return "other"
    return str(Locale.parse(locale).plural_form(abs(number)))


def normalise_lang(value: object) -> Lang:
    """The language for ``value``, falling back to Italian for anything unknown."""
    return value if value in LANGUAGES else DEFAULT_LANG  # type: ignore[return-value]


def has_message(key: str) -> bool:
    """Whether the catalogue has the message ``key``."""
    return key in catalogue()


def t(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The message ``key`` in ``lang``, with ``params`` substituted; for a message with
    plural forms, the form that suits the number in its ``count`` parameter."""
    texts = catalogue()[key]
    text = texts.get(normalise_lang(lang)) or texts[DEFAULT_LANG]
    if isinstance(text, dict):
        category = plural_category(params[plural_counts()[key]], lang)
        text = text.get(category) or text["other"]
    return text.format(**params) if params else text


def fmt_number(value: float, lang: str = DEFAULT_LANG, decimals: int | None = None) -> str:
    """``value`` in the language's number format (Italian: 1.234,5).

    With ``decimals=None`` whole numbers print without decimals and others with
    up to three significant decimals.
    """
    if decimals is None:
        pattern = "#,##0" if float(value).is_integer() else "#,##0.###"
    else:
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[normalise_lang(lang)])


def fmt_percent(share: float, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """``share`` (0..1) as a percentage in the language's format (Italian: 12,5%)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return format_percent(share, format=pattern, locale=_LOCALES[normalise_lang(lang)])


_QUOTES = {"it": ("«", "»"), "en": ("“", "”")}


def quote(text: object, lang: str = DEFAULT_LANG) -> str:
    """``text`` between the language's quotation marks: «x» in Italian, “x” in English."""
    left, right = _QUOTES[normalise_lang(lang)]
    return f"{left}{text}{right}"
