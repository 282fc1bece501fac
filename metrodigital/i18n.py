"""The one message catalogue of the app, and locale-aware number formatting.

Messages live in ``metrodigital/locales/*.toml``; each file holds a table per
message key with one string per language, so a translation sits next to its
original::

    ["matrix.title"]
    it = "Matrice di prioritizzazione"
    en = "Prioritisation matrix"

Keys are namespaced by area (``matrix.``, ``ingest.``, ...). Placeholders use
``str.format`` syntax. Every key must exist in every language (tested).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from babel.numbers import format_decimal, format_percent

Lang = Literal["it", "en"]
LANGUAGES: tuple[Lang, ...] = ("it", "en")
DEFAULT_LANG: Lang = "it"
_LOCALES = {"it": "it_IT", "en": "en_GB"}
_LOCALE_DIR = Path(__file__).parent / "locales"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages, ``{key: {lang: text}}``, merged from every locale file."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_LOCALE_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        for key, texts in table.items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice ({path.name})")
            merged[key] = dict(texts)
    return merged


def normalise_lang(value: object) -> Lang:
    """The language for ``value``, falling back to Italian for anything unknown."""
    return value if value in LANGUAGES else DEFAULT_LANG  # type: ignore[return-value]


def t(key: str, lang: str = DEFAULT_LANG, /, **params: object) -> str:
    """The message ``key`` in ``lang``, with ``params`` substituted."""
    texts = catalogue()[key]
    text = texts.get(normalise_lang(lang)) or texts[DEFAULT_LANG]
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
