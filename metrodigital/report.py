"""The Excel report of a scenario: parameters, ranking, selection, robustness.

Every text cell that a spreadsheet would read as a formula (``= + - @``, tab,
carriage return at the start) is written as text, so an entity name can never
run in the reader's Excel.
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from metrodigital import __version__
from metrodigital.analysis import RobustnessReport, tipping_sentence
from metrodigital.criteria import load_criteria
from metrodigital.explain import quota_sentences, quota_text, tie_sentence
from metrodigital.i18n import t
from metrodigital.ranking import Selection
from metrodigital.store import Wave
from metrodigital.workbook import neutralise_for_export

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5AA6")
_SELECTED_FILL = PatternFill("solid", fgColor="DCEFE3")
_TIED_FILL = PatternFill("solid", fgColor="FFF2CC")


def safe_cell(value: object) -> object:
    """``value`` as a cell value that a spreadsheet shows and never evaluates."""
    return neutralise_for_export(value)


def _table(sheet: Worksheet, headers: list[str], rows: list[list[object]],
           formats: dict[int, str] | None = None) -> None:
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "B2" if len(headers) > 2 else "A2"
    for index, header in enumerate(headers, start=1):
        cells = [len(str(r[index - 1])) for r in rows if index <= len(r)]
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
    criteria = load_criteria()
    book = Workbook()
    params = book.active
    assert params is not None
    params.title = t("report.sheet_parameters", lang)
    shares = scenario.shares()
    rows: list[list[object]] = [
        [t("report.wave", lang), wave.name],
        [t("report.wave_file", lang), wave.source_file],
        ["SHA-256", wave.sha256],
        [t("report.top", lang), scenario.top],
        [t("report.ties", lang), scenario.ties_label()],
        [t("report.tie_status", lang), tie_sentence(selection, lang)],
        [t("report.quotas", lang), "; ".join(quota_text(q, lang) for q in scenario.quotas)
         or "—"],
        *([t("report.quota_effect", lang), line] for line in quota_sentences(selection, lang)),
        [t("report.normalisation", lang),
         t(f"sidebar.normalisation_{scenario.normalisation}", lang)],
        [t("report.created", lang), (now or datetime.now()).strftime("%Y-%m-%d %H:%M")],
        [t("report.version", lang), __version__],
        [t("report.link", lang), link],
    ]
    for c in criteria:
        rows.append([t("report.weight_of", lang, criterion=c.label(lang)),
                     scenario.weights[c.key], shares[c.key]])
    if robustness is not None:
        sim = robustness.simulation
        rows += [[t("report.spread", lang), scenario.spread],
                 [t("report.draws", lang), sim.draws], [t("report.seed", lang), sim.seed]]
    _table(params, [t("report.parameter", lang), t("report.value", lang),
                    t("report.share", lang)], rows, {3: "0.0%"})

    ranking = book.create_sheet(t("report.sheet_ranking", lang))
    table = selection.table
    headers = [t("table.rank", lang), t("table.entity", lang), t("table.score", lang),
               t("table.selected", lang), t("table.tied", lang),
               *(c.label(lang) for c in criteria)]
    body = [[int(r["rank"]), r["ente"], float(r["score"]), bool(r["selected"]),
             bool(r["tied_at_cutoff"]), *(float(r[c.key]) for c in criteria)]
            for _, r in table.iterrows()]
    _table(ranking, headers, body, {3: "#,##0.##"})
    last = len(body) + 1
    ranking.conditional_formatting.add(
        f"D2:D{last}", CellIsRule(operator="equal", formula=["TRUE"], fill=_SELECTED_FILL))
    ranking.conditional_formatting.add(
        f"E2:E{last}", CellIsRule(operator="equal", formula=["TRUE"], fill=_TIED_FILL))

    chosen = book.create_sheet(t("report.sheet_selection", lang))
    picked = table[table["selected"]]
    _table(chosen, [t("table.rank", lang), t("table.entity", lang), t("table.score", lang),
                    t("table.tied", lang)],
           [[int(r["rank"]), r["ente"], float(r["score"]), bool(r["tied_at_cutoff"])]
            for _, r in picked.iterrows()], {3: "#,##0.##"})
    chosen.append([])
    chosen.append([safe_cell(tie_sentence(selection, lang))])

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
