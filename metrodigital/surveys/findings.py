"""Headline findings of a survey, computed on a wave's answers.

A finding (declared in the survey definition, ``[[findings]]``) reads one
question: the share or count of respondents whose answer meets a condition, the
mean of a number or rating, or the distribution over bins or options; optionally
broken down ``by`` another question or an entity column (zona omogenea).

``evaluate_finding(finding, answers)`` is pure: ``answers`` is a DataFrame with one
row per respondent and one column per question code (plus, for a breakdown, the
entity columns such as ``zona_omogenea``). Cells hold:

- single, band, yes/no: the option's label, code or an alias (tolerant spelling);
- multiple: a list/tuple/set of options, or one text "A;B;" (Microsoft Forms); an
  empty list is "nothing chosen", an empty cell is "no answer";
- number, rating: a number (or a text such as "3" or "2,5");
- missing answers: ``None``/NaN/empty text. They are left out of the total.

The result carries the numbers and says them in a sentence (``.sentence(lang)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from metrodigital.i18n import DEFAULT_LANG, fmt_number, fmt_percent
from metrodigital.surveys.model import (
    NUMERIC_TYPES,
    Condition,
    Finding,
    FindingKind,
    Option,
    Question,
    QuestionType,
)
from metrodigital.text import parse_number


def half_up(value: float, decimals: int) -> float:
    """``value`` rounded half up (3.625 → 3.63), as the sources publish their figures;
    the number formatter alone would round half to even (3.62)."""
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(exact)


def _percent(share: float, lang: str, decimals: int) -> str:
    return fmt_percent(half_up(share * 100, decimals) / 100, lang, decimals)


def _number(value: float, lang: str, decimals: int) -> str:
    return fmt_number(half_up(value, decimals), lang, decimals)


@dataclass(frozen=True)
class BinResult:
    key: str
    label: str
    count: int
    share: float | None
    label_en: str = ""

    def label_in(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label


@dataclass(frozen=True)
class GroupResult:
    """A finding's figures for one group of the breakdown (``key`` None: group unknown)."""

    key: str | None
    label: str
    total: int
    count: int | None = None
    share: float | None = None
    mean: float | None = None
    label_en: str = ""

    def label_in(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label


@dataclass(frozen=True)
class FindingResult:
    finding: Finding
    total: int  # respondents who answered the question
    missing: int  # respondents without a (readable) answer
    count: int | None = None
    share: float | None = None
    mean: float | None = None
    bins: tuple[BinResult, ...] = ()
    groups: tuple[GroupResult, ...] = ()

    def params(self, lang: str = DEFAULT_LANG) -> dict[str, str]:
        """The sentence's placeholders, formatted for ``lang``."""
        decimals = self.finding.decimals
        out = {"total": fmt_number(self.total, lang),
               "count": fmt_number(self.count, lang) if self.count is not None else "–",
               "share": _percent(self.share, lang, decimals) if self.share is not None else "–",
               "mean": _number(self.mean, lang, decimals) if self.mean is not None else "–",
               "groups": self._groups_text(lang)}
        for item in self.bins:
            out[f"count_{item.key}"] = fmt_number(item.count, lang)
            out[f"share_{item.key}"] = (_percent(item.share, lang, decimals)
                                        if item.share is not None else "–")
        return out

    def _groups_text(self, lang: str) -> str:
        parts = []
        decimals = self.finding.decimals
        for group in self.groups:
            if group.key is None:
                continue
            if group.mean is not None:
                parts.append(f"{group.label_in(lang)} {_number(group.mean, lang, decimals)}")
            elif self.finding.kind == FindingKind.COUNT and group.count:
                parts.append(f"{group.label_in(lang)} ({fmt_number(group.count, lang)})")
            elif self.finding.kind == FindingKind.SHARE and group.share is not None:
                parts.append(f"{group.label_in(lang)} "
                             f"{_percent(group.share, lang, decimals)}")
        return "; ".join(parts) if parts else "–"

    def sentence(self, lang: str = DEFAULT_LANG) -> str:
        return self.finding.sentence_in(lang).format(**self.params(lang))


# --- reading cells --------------------------------------------------------------------

def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def _as_number(value: object) -> float | None:
    return None if _blank(value) else parse_number(value)


def _as_options(question: Question, value: object) -> frozenset[Option] | None:
    """The options a cell chose; None when the cell has no (readable) answer."""
    if isinstance(value, list | tuple | set | frozenset):
        pieces: Iterable[object] = [v for v in value if not _blank(v)]
    elif _blank(value):
        return None
    else:
        whole = question.find_option(value)
        if whole is not None:
            return frozenset({whole})
        if question.type != QuestionType.MULTIPLE or ";" not in str(value):
            return None
        pieces = [p for p in str(value).split(";") if p.strip()]
    found = [question.find_option(piece) for piece in pieces]
    if any(option is None for option in found):
        return None
    return frozenset(option for option in found if option is not None)


def _meets(finding: Finding, question: Question, value: object) -> bool | None:
    """Whether one answer meets the finding's condition; None: no answer."""
    if finding.condition == Condition.BETWEEN:
        number = _as_number(value)
        if number is None:
            return None
        return ((finding.min is None or number >= finding.min)
                and (finding.max is None or number <= finding.max))
    chosen = _as_options(question, value)
    if chosen is None:
        return None
    wanted = {question.find_option(v) for v in finding.values}
    if finding.condition == Condition.ALL:
        needed = wanted or {o for o in question.options if not o.exclusive}
        return needed <= chosen
    hit = bool(chosen & wanted)
    return not hit if finding.condition == Condition.NOT_IN else hit


# --- evaluating -----------------------------------------------------------------------

def _group_keys(finding: Finding, answers: pd.DataFrame
                ) -> tuple[list[str | None], dict[str | None, tuple[str, str]]]:
    """Each row's group key and every group's label, in display order."""
    column = answers[finding.by] if finding.by in answers.columns else pd.Series(
        [None] * len(answers), index=answers.index)
    by = finding.by_def
    keys: list[str | None] = []
    labels: dict[str | None, tuple[str, str]] = {}  # key -> Italian and English label
    if by is not None:
        for option in by.options:
            labels[option.key] = (option.label, option.label_en)
        for value in column:
            option = by.find_option(value) if not _blank(value) else None
            keys.append(option.key if option is not None else None)
    else:
        for value in column:
            key = None if _blank(value) else str(value).strip()
            keys.append(key)
        for key in sorted({k for k in keys if k is not None}):
            labels[key] = (key, "")
    labels[None] = ("?", "")
    return keys, labels


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def evaluate_finding(finding: Finding, answers: pd.DataFrame) -> FindingResult:
    """``finding`` computed on ``answers`` (one row per respondent, columns by question code).

    A question column missing from ``answers`` means no one answered it.
    """
    question = finding.question_def
    if question is None:
        raise ValueError(f"finding {finding.key!r} was not resolved by the loader")
    cells = (list(answers[finding.question]) if finding.question in answers.columns
             else [None] * len(answers))
    keys, labels = _group_keys(finding, answers) if finding.by else (
        [None] * len(cells), {})

    if finding.kind == FindingKind.MEAN:
        numbers = [_as_number(value) for value in cells]
        given = [n for n in numbers if n is not None]
        groups = []
        for key, (label, label_en) in labels.items():
            own = [n for n, k in zip(numbers, keys, strict=True) if k == key and n is not None]
            if own or key is not None:
                groups.append(GroupResult(key, label, len(own), label_en=label_en,
                                          mean=sum(own) / len(own) if own else None))
        return FindingResult(finding, total=len(given), missing=len(cells) - len(given),
                             mean=sum(given) / len(given) if given else None,
                             groups=tuple(groups))

    if finding.kind == FindingKind.DISTRIBUTION:
        bins: list[BinResult] = []
        if question.type in NUMERIC_TYPES:
            numbers = [n for n in (_as_number(v) for v in cells) if n is not None]
            total = len(numbers)
            for item in finding.bins:
                count = sum(item.contains(n) for n in numbers)
                bins.append(BinResult(item.key, item.label, count, _ratio(count, total)))
        else:
            chosen = [c for c in (_as_options(question, v) for v in cells) if c is not None]
            total = len(chosen)
            for option in question.options:
                count = sum(option in c for c in chosen)
                bins.append(BinResult(option.key, option.label, count, _ratio(count, total),
                                      option.label_en))
        return FindingResult(finding, total=total, missing=len(cells) - total,
                             bins=tuple(bins))

    meets = [_meets(finding, question, value) for value in cells]
    answered = [m for m in meets if m is not None]
    count = sum(answered)
    groups = []
    for key, (label, label_en) in labels.items():
        own = [m for m, k in zip(meets, keys, strict=True) if k == key and m is not None]
        if own or key is not None:
            groups.append(GroupResult(key, label, len(own), count=sum(own), label_en=label_en,
                                      share=_ratio(sum(own), len(own))))
    return FindingResult(finding, total=len(answered), missing=len(cells) - len(answered),
                         count=count, share=_ratio(count, len(answered)), groups=tuple(groups))


def evaluate_findings(findings: Iterable[Finding], answers: pd.DataFrame
                      ) -> list[FindingResult]:
    return [evaluate_finding(finding, answers) for finding in findings]
