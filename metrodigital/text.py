"""The one text normaliser and the one number parser for everything read from a file.

Every upload format (matrix CSV/xlsx, questionnaire responses, survey exports) and
every name, header and option matched against a definition goes through these two
functions, so the same cell reads the same way wherever it is written.

``normalise_text(value)``
    folds a cell for comparison: curly quotes, primes, guillemets and dashes become
    their ASCII forms; accents go; case is folded; runs of spaces (nbsp included)
    become one space; spaces around ``, ; :``, apostrophes and inside brackets go,
    as do trailing spaces and full stops. 2022.0 reads "2022" and None reads "".

``parse_number(value)``
    a number, or None when the cell does not hold one. The rule for text:

    * one separator, "," or ".", is the decimal separator: "12,5" and "12.5" are 12.5,
      and so "1.234" and "1,234" are 1.234 (an Italian reads "1,234" as a decimal;
      the matrix reader always worked this way, and scores must not change);
    * thousands are grouped by three after a first group of one to three digits, with
      one kind of separator (".", ",", space, nbsp, narrow or thin space, or "'"), and
      are recognised only when unambiguous: two or more groups ("1.234.567"), or one
      group followed by a decimal part with the *other* separator ("1.234,5" Italian,
      "1,234.5" English), or any space or "'" grouping ("1 234", "1'234,5");
    * an optional leading "+", "-" or "−" (U+2212); an exponent ("1,5e3");
    * anything else is not a number: "1.2.3,4", "12 5", "12 punti", "nan", "inf",
      numbers too large for a float, booleans and dates.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

__all__ = ["cell_text", "normalise_text", "parse_number"]


# --------------------------------------------------------------------------- text

_APOSTROPHES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u02bc": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u200b": None, "\ufeff": None, "\u00ad": None,
})
_SPACES = re.compile(r"\s+")
_AROUND_PUNCTUATION = re.compile(r"\s*([,;:])\s*")
_AROUND_APOSTROPHE = re.compile(r"\s*'\s*")
_AFTER_OPEN = re.compile(r"\(\s+")
_BEFORE_CLOSE = re.compile(r"\s+\)")


def cell_text(value: object) -> str:
    """A cell as text: 2022.0 reads "2022", a midnight datetime reads as a date, None as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def normalise_text(value: object) -> str:
    """``value`` folded for comparison: no accents, case, extra spaces or curly quotes.

    "  Nome dell’Ente\u00a0" and "nome dell'ente" normalise alike; None gives "".
    """
    return _fold(cell_text(value))


@lru_cache(maxsize=65_536)  # the same answers and headers come back on every row
def _fold(text: str) -> str:
    text = text.translate(_APOSTROPHES)  # before NFKD, which splits "´" into space + accent
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", text.casefold().translate(_APOSTROPHES)).strip()
    text = _AROUND_PUNCTUATION.sub(r"\1 ", text).strip()
    text = _AROUND_APOSTROPHE.sub("'", text)
    text = _AFTER_OPEN.sub("(", text)
    return _BEFORE_CLOSE.sub(")", text).rstrip(" .")


# --------------------------------------------------------------------------- numbers

_NUMBER_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "})
_PLAIN = re.compile(r"\d+(?:[.,]\d*)?|[.,]\d+")
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d+")
_GROUPED = [  # (pattern, its thousands separator)
    (re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?"), " "),
    (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), "."),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ","),
    (re.compile(r"\d{1,3}(?:'\d{3})+(?:[.,]\d+)?"), "'"),
]


def parse_number(value: object) -> float | None:
    """``value`` as a number, or None when it is not one (the rule is in the module's
    docstring).

    Accepts numbers (int, float, Decimal, NumPy scalars) and numbers stored as text:
    "12", " 12 ", "12,5", "1.234,5", "1,234.5", "1 234", "-3", "−3", "1,5e3".
    Booleans, dates, NaN and infinities are not numbers.
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return None
    if isinstance(value, numbers.Real | Decimal):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.translate(_NUMBER_SPACES).strip().replace("\u2212", "-")
    sign = 1.0
    if text and text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:].lstrip()
    if _PLAIN.fullmatch(text) or _SCIENTIFIC.fullmatch(text):
        number = float(text.replace(",", "."))
    else:
        for pattern, thousands in _GROUPED:
            if pattern.fullmatch(text):
                number = float(text.replace(thousands, "").replace(",", "."))
                break
        else:
            return None
    number *= sign
    return number if math.isfinite(number) else None
