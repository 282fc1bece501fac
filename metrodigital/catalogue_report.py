"""The Excel file of a service catalogue: the choice, the reasons, the numbers.

Sheets: the parameters (survey, wave, whether its data are synthetic, K, how
the Comuni count, the outcome and the link that reopens the same choice), the
exclusions with their reasons, the ranking, and the breakdowns by population
class and by zone (n beside every figure, groups under the minimum marked).

Cells are written as the ranking report writes them (:mod:`metrodigital.report`):
text from files and people as a string cell that Excel never evaluates, with
the quote prefix when it starts like a formula; means keep every decimal (shown
with two), shares are formatted as percentages.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.worksheet.worksheet import Worksheet

from metrodigital import __version__
from metrodigital.catalogue import (
    HIGH_RATING,
    Breakdown,
    SurveyCatalogue,
    outcome_sentence,
    result_notes,
    source_reason,
)
from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.report import _SELECTED_FILL, _TIED_FILL, _table, _write  # one way to write

_MEAN_FORMAT = "0.00"
_SHARE_FORMAT = "0.0%"


def catalogue_file_name(wave_slug: str, day: date) -> str:
    """``catalogo_<wave>_<YYYY-MM-DD>.xlsx``: which wave, which day."""
    return f"catalogo_{wave_slug}_{day.isoformat()}.xlsx"


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _yes(flag: bool, lang: str) -> str:
    return t("catalogue.xlsx.yes" if flag else "catalogue.xlsx.no", lang)


def _mark(sheet: Worksheet, column: str, rows: int) -> None:
    sheet.conditional_formatting.add(
        f"{column}2:{column}{rows + 1}",
        CellIsRule(operator="equal", formula=["TRUE"], fill=_SELECTED_FILL))


def build_catalogue_workbook(result: SurveyCatalogue, *, wave_name: str, example: bool,
                             link: str, lang: str = DEFAULT_LANG,
                             now: datetime | None = None) -> bytes:
    """The catalogue as .xlsx bytes, every text in ``lang``."""
    ranking = result.ranking
    choice = result.choice
    survey = result.survey
    book = Workbook()
    params = book.active
    assert params is not None
    params.title = t("catalogue.xlsx.sheet_parameters", lang)
    rows: list[list[object]] = [
        [t("catalogue.xlsx.survey", lang), survey.title_in(lang)],
        [t("report.wave", lang), wave_name],
        [t("catalogue.xlsx.synthetic", lang),
         t("catalogue.xlsx.synthetic_yes", lang) if example else _yes(False, lang)],
        [t("catalogue.xlsx.respondents", lang), result.respondents],
        [t("catalogue.xlsx.top", lang), choice.top],
        [t("catalogue.xlsx.by", lang), t(f"catalogue.by_{choice.by}", lang)],
        [t("catalogue.xlsx.score", lang), t("catalogue.xlsx.score_text", lang,
                                            high=HIGH_RATING)],
        [t("catalogue.xlsx.outcome", lang), outcome_sentence(result, lang)],
        *([t("catalogue.xlsx.note", lang), line] for line in result_notes(result, lang)),
        [t("report.created", lang), (now or datetime.now()).strftime("%Y-%m-%d %H:%M")],
        [t("report.version", lang), __version__],
        [t("report.link", lang), link],
    ]
    if survey.reconstruction(lang):
        rows.insert(1, [t("catalogue.xlsx.definition", lang), survey.reconstruction(lang)])
    _table(params, [t("report.parameter", lang), t("report.value", lang)], rows)
    link_cell = next(row[1] for row in params.iter_rows(min_row=2)
                     if row[0].value == t("report.link", lang))
    if link.startswith(("http://", "https://")):
        link_cell.hyperlink = link
        link_cell.style = "Hyperlink"

    names = result.names()
    excluded = book.create_sheet(t("catalogue.xlsx.sheet_exclusions", lang))
    applied = dict(ranking.params.exclude)
    body: list[list[object]] = []
    for item in choice.exclusions:
        own = source_reason(survey, item.code, lang)
        reason = applied.get(item.code, "")
        origin = ("catalogue.xlsx.reason_source" if reason and reason == own and not
                  item.reason.strip() else "catalogue.xlsx.reason_user")
        body.append([item.code, names.get(item.code, item.code),
                     reason or t("catalogue.xlsx.reason_missing", lang),
                     t(origin, lang) if reason else "—"])
    if not body:
        body.append(["—", t("catalogue.xlsx.no_exclusions", lang), "", ""])
    _table(excluded, [t("catalogue.xlsx.code", lang), t("catalogue.xlsx.service", lang),
                      t("catalogue.xlsx.reason", lang), t("catalogue.xlsx.reason_origin", lang)],
           body)

    table = book.create_sheet(t("catalogue.xlsx.sheet_ranking", lang))
    body = [[None if pd.isna(r["rank"]) else int(r["rank"]), r["code"], r["name"],
             _number(r["mean"]), _number(r["share_high"]), int(r["n"]), bool(r["chosen"]),
             bool(r["tied_at_cutoff"]),
             r["excluded_reason"] if r["excluded"] else ""]
            for _, r in ranking.table.iterrows()]
    _table(table, [t("catalogue.col.rank", lang), t("catalogue.xlsx.code", lang),
                   t("catalogue.col.service", lang), t("catalogue.col.mean", lang),
                   t("catalogue.col.share_high", lang, high=HIGH_RATING),
                   t("catalogue.col.n", lang), t("catalogue.col.chosen", lang),
                   t("catalogue.col.tied", lang), t("catalogue.col.excluded", lang)],
           body, {4: _MEAN_FORMAT, 5: _SHARE_FORMAT})
    _mark(table, "G", len(body))
    table.conditional_formatting.add(
        f"H2:H{len(body) + 1}", CellIsRule(operator="equal", formula=["TRUE"], fill=_TIED_FILL))
    if ranking.tie is not None:
        _write(table.cell(table.max_row + 2, 1), outcome_sentence(result, lang))

    for key, part in (("catalogue.xlsx.sheet_by_class", result.by_class),
                      ("catalogue.xlsx.sheet_by_zone", result.by_zone)):
        if part is not None:
            _breakdown_sheet(book.create_sheet(t(key, lang)), part, key, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _breakdown_sheet(sheet: Worksheet, part: Breakdown, key: str, lang: str) -> None:
    group_label = t("catalogue.col.class" if key.endswith("class") else "catalogue.col.zone",
                    lang)
    body = [[t("catalogue.group_missing", lang) if _missing(r["group"]) else str(r["group"]),
             r["name"], _number(r["mean"]), _number(r["share_high"]), int(r["n"]),
             t("catalogue.too_small", lang, min_n=part.min_n) if r["small"] else ""]
            for _, r in part.table.iterrows()]
    _table(sheet, [group_label, t("catalogue.col.service", lang), t("catalogue.col.mean", lang),
                   t("catalogue.col.share_high", lang, high=HIGH_RATING),
                   t("catalogue.col.n", lang), t("catalogue.col.small", lang)],
           body, {3: _MEAN_FORMAT, 4: _SHARE_FORMAT})


def _missing(value: object) -> bool:
    return not isinstance(value, str) and bool(pd.isna(value))
