"""The Excel report of a scenario: parameters, ranking, selection, robustness.

Text from files and people (entity names, the wave's name) is written as what a
person reads (:func:`metrodigital.export_text.printable`: no escape sequence or
control character, which openpyxl would refuse anyway) in a *string* cell:
Excel shows a string cell's text and never evaluates it, so "=HYPERLINK(…)" or
"-2+3 Comune" read exactly as written, with no apostrophe in front; text that
starts like a formula also gets Excel's quote prefix, so editing the cell keeps
it text.

The link to the scenario is absolute: the address the page was opened from, or
the app's public address (``METRODIGITAL_PUBLIC_URL``, default
http://localhost:8501) for the command line.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from metrodigital import __version__
from metrodigital.analysis import RobustnessReport, tipping_sentence
from metrodigital.explain import quota_sentences, quota_text, tie_rule_text, tie_sentence
from metrodigital.export_text import printable
from metrodigital.i18n import t
from metrodigital.params import link_query
from metrodigital.ranking import Selection, score_decimals
from metrodigital.scenario import Scenario
from metrodigital.store import Wave
from metrodigital.surveys.registry import load_survey
from metrodigital.workbook import neutralise_for_export

PUBLIC_URL_ENV = "METRODIGITAL_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5AA6")
_SELECTED_FILL = PatternFill("solid", fgColor="DCEFE3")
_TIED_FILL = PatternFill("solid", fgColor="FFF2CC")


def _absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def public_url() -> str:
    """The app's public address: ``$METRODIGITAL_PUBLIC_URL`` or http://localhost:8501.

    Raises ValueError when the setting is not an http(s) address.
    """
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if not configured:
        return DEFAULT_PUBLIC_URL
    if not _absolute(configured):
        raise ValueError(configured)
    return configured


def scenario_link(scenario: Scenario, lang: str, base: str | None = None) -> str:
    """The full link that opens ``scenario`` in ``lang``: ``base`` (the address a page was
    opened from) when it is an http(s) address, else the app's public address."""
    if not _absolute(base):
        try:
            base = public_url()
        except ValueError:
            base = DEFAULT_PUBLIC_URL
    query = link_query(scenario, lang)
    here = urlsplit(base)
    return urlunsplit(here._replace(path=here.path or "/", query=urlencode(query, doseq=True),
                                    fragment=""))


def report_file_name(wave: Wave, day: date) -> str:
    """``metrodigital_<wave>_<YYYY-MM-DD>.xlsx``: which wave, which day."""
    return f"metrodigital_{wave.slug}_{day.isoformat()}.xlsx"


def safe_cell(value: object) -> object:
    """``value`` as a cell shows it: text without escape sequences or control characters
    (what a person reads), anything else as it is. :func:`_write` makes it a string cell."""
    return printable(value) if isinstance(value, str) else value


def _write(cell: Cell, value: object) -> None:
    """Put ``value`` in ``cell``; text always as a string cell, never a formula."""
    cell.value = safe_cell(value)
    _as_text(cell)


def _as_text(cell: Cell) -> None:
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl takes "=…" for a formula
        if neutralise_for_export(cell.value) != cell.value:  # it starts like a formula
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def _append(sheet: Worksheet, values: list[object]) -> None:
    sheet.append([safe_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        _as_text(cell)


def _table(sheet: Worksheet, headers: list[str], rows: list[list[object]],
           formats: dict[int, str] | None = None) -> None:
    _append(sheet, list(headers))
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        _append(sheet, row)
    sheet.freeze_panes = "B2" if len(headers) > 2 else "A2"
    for index, header in enumerate(headers, start=1):
        cells = [len(str(safe_cell(r[index - 1]))) for r in rows if index <= len(r)]
        width = max([len(str(header)), *cells])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), 60)
    for index, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.auto_filter.ref = sheet.dimensions


def build_report(selection: Selection, wave: Wave, robustness: RobustnessReport | None,
                 *, link: str, lang: str = "it", now: datetime | None = None) -> bytes:
    """The report as .xlsx bytes."""
    scenario = selection.scenario
    criteria = load_survey(wave.survey_id).criteria  # the wave's survey's matrix
    book = Workbook()
    params = book.active
    assert params is not None
    params.title = t("report.sheet_parameters", lang)
    weights = dict(selection.weights or scenario.weights)  # the weights ranked with
    total = sum(weights.values())
    rows: list[list[object]] = [
        [t("report.wave", lang), wave.name],
        [t("report.wave_file", lang), wave.source_file],
        ["SHA-256", wave.sha256],
        [t("report.top", lang), scenario.top],
        [t("report.ties", lang), tie_rule_text(selection, lang)],
        [t("report.tie_status", lang), tie_sentence(selection, lang)],
        [t("report.quotas", lang), "; ".join(quota_text(q, lang) for q in scenario.quotas)
         or "—"],
        *([t("report.quota_effect", lang), line]
          for line in quota_sentences(selection, lang, with_tie=False)),
        [t("report.normalisation", lang),
         t(f"sidebar.normalisation_{scenario.normalisation}", lang)],
        [t("report.created", lang), (now or datetime.now()).strftime("%Y-%m-%d %H:%M")],
        [t("report.version", lang), __version__],
        [t("report.link", lang), link],
    ]
    for c in criteria:
        rows.append([t("report.weight_of", lang, criterion=c.label(lang)),
                     weights[c.key], weights[c.key] / total if total else 0.0])
    if robustness is not None:
        sim = robustness.simulation
        rows += [[t("report.spread", lang), scenario.spread],
                 [t("report.draws", lang), sim.draws], [t("report.seed", lang), sim.seed]]
    _table(params, [t("report.parameter", lang), t("report.value", lang),
                    t("report.share", lang)], rows, {3: "0.0%"})
    link_cell = next(row[1] for row in params.iter_rows(min_row=2)
                     if row[0].value == t("report.link", lang))
    if _absolute(link):
        link_cell.hyperlink = link  # opens the scenario with a click
        link_cell.style = "Hyperlink"

    ranking = book.create_sheet(t("report.sheet_ranking", lang))
    table = selection.table
    headers = [t("table.rank", lang), t("table.entity", lang), t("table.score", lang),
               t("table.selected", lang), t("table.tied", lang),
               *(c.label(lang) for c in criteria)]
    decimals = score_decimals(selection)  # as the page shows them

    def number(value: float) -> float | int:
        return round(float(value), decimals) if decimals else round(float(value))

    score_format = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    body = [[int(r["rank"]), r["ente"], number(r["score"]), bool(r["selected"]),
             bool(r["tied_at_cutoff"]), *(number(r[c.key]) for c in criteria)]
            for _, r in table.iterrows()]
    _table(ranking, headers, body, {3: score_format} | {
        6 + i: score_format for i in range(len(criteria))})
    last = len(body) + 1
    ranking.conditional_formatting.add(
        f"D2:D{last}", CellIsRule(operator="equal", formula=["TRUE"], fill=_SELECTED_FILL))
    ranking.conditional_formatting.add(
        f"E2:E{last}", CellIsRule(operator="equal", formula=["TRUE"], fill=_TIED_FILL))

    chosen = book.create_sheet(t("report.sheet_selection", lang))
    picked = table[table["selected"]]
    _table(chosen, [t("table.rank", lang), t("table.entity", lang), t("table.score", lang),
                    t("table.tied", lang)],
           [[int(r["rank"]), r["ente"], number(r["score"]), bool(r["tied_at_cutoff"])]
            for _, r in picked.iterrows()], {3: score_format})
    _write(chosen.cell(chosen.max_row + 2, 1), tie_sentence(selection, lang))

    if robustness is not None:
        robust = book.create_sheet(t("report.sheet_robustness", lang))
        out = robustness.rows()
        _table(robust, [t("table.entity", lang), t("table.rank", lang),
                        t("robustness.col_p", lang), t("robustness.col_p5", lang),
                        t("robustness.col_p50", lang), t("robustness.col_p95", lang),
                        t("robustness.col_best", lang), t("robustness.col_worst", lang),
                        t("robustness.col_class", lang), t("report.tipping", lang)],
               [[r["ente"], r["rank"], r["p_selected"], r["rank_p05"], r["rank_p50"],
                 r["rank_p95"], r["best_rank"], r["worst_rank"],
                 t(f"robustness.class_{r['class']}", lang),
                 "; ".join(tipping_sentence(robustness, tp, lang)
                           for tp in robustness.tipping if tp.entity == i)]
                for i, r in enumerate(out)], {3: "0.0%"})
        robust.conditional_formatting.add(
            f"C2:C{len(out) + 1}",
            ColorScaleRule(start_type="num", start_value=0, start_color="F8F8F8",
                           end_type="num", end_value=1, end_color="63BE7B"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
