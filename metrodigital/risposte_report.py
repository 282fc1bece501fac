"""The Risposte page's tables as the page shows them, and as files: Excel (formatted,
formula-safe: ``metrodigital.report``'s cell writer) and CSV (``;`` with a decimal
comma, or ``,`` with a decimal point). No personal answer ever enters these files:
the callers pass only the questions a viewer may see, and :func:`long_rows` refuses a
personal question.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd
from openpyxl import Workbook

from metrodigital.answers_sql import MIN_N, Coverage, CrossTab, FindingView
from metrodigital.display import clean
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.store import Wave
from metrodigital.surveys.findings import half_up
from metrodigital.surveys.model import NUMERIC_TYPES, Question, QuestionType, Survey
from metrodigital.workbook import neutralise_for_export

GroupNames = Callable[[object], str]
STATS = ("mean", "median", "min", "max")


def risposte_file_name(wave_slug: str, day: date, suffix: str) -> str:
    return f"risposte_{wave_slug}_{day.isoformat()}.{suffix}"


def option_labels(question: Question, lang: Lang, max_len: int | None = None
                  ) -> dict[str, str]:
    """Each answer key → its label, in the questionnaire's order (a rating's values with
    their named ends); names as plain text, cut at ``max_len``."""
    if question.type == QuestionType.RATING:
        named = dict(question.scale_labels_en if lang == "en" and question.scale_labels_en
                     else question.scale_labels)
        return {str(v): (f"{v} · {named[v]}" if v in named else str(v))
                for v in range(question.scale_min, question.scale_max + 1)}
    return {o.key: clean(o.label_in(lang), max_len=max_len) for o in question.options}


def _pct(share: object, lang: Lang) -> str:
    if share is None or pd.isna(share):  # type: ignore[arg-type]
        return "—"
    return fmt_percent(half_up(float(share) * 100, 0) / 100, lang, 0)


def _group_columns(ct: CrossTab, names: GroupNames, lang: Lang) -> list[tuple[bool, object,
                                                                               str, int]]:
    """(whole, group key, column heading, n) for "all" and each group."""
    out = []
    for _, g in ct.groups.iterrows():
        n = int(g["n"])
        if bool(g["whole"]):
            heading = t("risposte.group_all", lang, n=n)
        elif n < MIN_N:
            heading = t("risposte.group_small", lang, group=names(g["grp"]), n=n)
        else:
            heading = t("risposte.group_n", lang, group=names(g["grp"]), n=n)
        out.append((bool(g["whole"]), None if pd.isna(g["grp"]) else g["grp"], heading, n))
    return out


def _cell(counts: pd.DataFrame, whole: bool, grp: object, key: str) -> pd.Series | None:
    mask = (counts["whole"] == whole) & (counts["key"].astype(str) == key)
    mask &= counts["grp"].isna() if grp is None else counts["grp"] == grp
    found = counts[mask]
    return None if found.empty else found.iloc[0]


def _keys(ct: CrossTab, lang: Lang) -> dict[str, str]:
    if ct.question.type == QuestionType.NUMBER:
        return {k: k for k in dict.fromkeys(ct.counts["key"].astype(str))}
    labels = option_labels(ct.question, lang)
    extra = {k: k for k in ct.counts["key"].astype(str) if k not in labels}
    return {**labels, **extra}


def crosstab_rows(ct: CrossTab, names: GroupNames, lang: Lang) -> pd.DataFrame:
    """The page's table of one question: answers down, "all" and each group across, each
    cell "72% (26)" (a number question: its counts per bin, then mean, median, min, max);
    the last row gives each column's n."""
    columns = _group_columns(ct, names, lang)
    answer = t("risposte.col.answer", lang)
    rows: list[dict[str, str]] = []
    for key, label in _keys(ct, lang).items():
        row = {answer: label}
        for whole, grp, heading, _ in columns:
            found = _cell(ct.counts, whole, grp, key)
            row[heading] = "—" if found is None else (
                f"{_pct(found['share'], lang)} ({int(found['count'])})")
        rows.append(row)
    if ct.question.type in NUMERIC_TYPES:
        for stat in STATS:
            row = {answer: t(f"risposte.stat_{stat}", lang)}
            for (_w, _g, heading, _), (_, g) in zip(columns, ct.groups.iterrows(),
                                                        strict=True):
                value = g[stat]
                row[heading] = "—" if pd.isna(value) else fmt_number(
                    half_up(float(value), 2), lang, 2 if stat in ("mean", "median") else None)
            rows.append(row)
    rows.append({answer: "n", **{heading: fmt_number(n, lang)
                                 for _, _, heading, n in columns}})
    return pd.DataFrame(rows)


def long_rows(ct: CrossTab, names: GroupNames, lang: Lang) -> list[list[object]]:
    """One row per (answer, group): question id, question, answer, group, count, n, share,
    too few; a number question adds its statistics (value in the count column)."""
    if ct.question.personal:
        raise ValueError(f"personal question {ct.question.code!r} in an export")
    question = ct.question
    text = clean(question.text_in(lang), max_len=None)
    qid = question.id or question.code
    columns = _group_columns(ct, names, lang)
    group_name = {(whole, grp): (t("risposte.all", lang) if whole else names(grp))
                  for whole, grp, _, _ in columns}
    out: list[list[object]] = []
    for key, label in _keys(ct, lang).items():
        for whole, grp, _, n in columns:
            found = _cell(ct.counts, whole, grp, key)
            count = 0 if found is None else int(found["count"])
            share = None if found is None or pd.isna(found["share"]) else float(found["share"])
            out.append([qid, text, label, group_name[(whole, grp)], count, n, share,
                        n < MIN_N])
    if question.type in NUMERIC_TYPES:
        for stat in STATS:
            for (whole, grp, _, n), (_, g) in zip(columns, ct.groups.iterrows(), strict=True):
                value = None if pd.isna(g[stat]) else float(g[stat])
                out.append([qid, text, t(f"risposte.stat_{stat}", lang),
                            group_name[(whole, grp)], value, n, None, n < MIN_N])
    return out


def long_headers(lang: Lang) -> list[str]:
    return [t("risposte.col.question_id", lang), t("risposte.col.question", lang),
            t("risposte.col.answer", lang), t("risposte.col.group", lang),
            t("risposte.col.count", lang), "n", t("risposte.col.share", lang),
            t("risposte.col.too_few", lang, min_n=MIN_N)]


def _csv_value(value: object, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = repr(round(value, 6)).removesuffix(".0") if value.is_integer() else \
            f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if style == "it" else text
    if isinstance(value, int):
        return str(value)
    return str(neutralise_for_export(str(value)))


def csv_text(crosstabs: Sequence[CrossTab], names: GroupNames, lang: Lang,
             style: str = "it") -> str:
    """Every cross-tab in long form: ``style`` "it" = ``;`` with decimal comma, "en" = ``,``
    with decimal point. Text that a spreadsheet would take for a formula gets a leading
    apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if style == "it" else ",", lineterminator="\r\n")
    writer.writerow(long_headers(lang))
    for ct in crosstabs:
        for row in long_rows(ct, names, lang):
            writer.writerow([_csv_value(v, style) for v in row])
    return out.getvalue()


def findings_rows(views: Sequence[FindingView], lang: Lang) -> list[list[object]]:
    """One row per finding (its sentence), then one per group of its breakdown."""
    rows: list[list[object]] = []
    for view in views:
        result = view.result
        question = result.finding.question_def
        qid = (question.id or question.code) if question else ""
        rows.append([result.finding.key, qid, "", result.sentence(lang), result.count,
                     result.total, result.share, result.mean, result.missing])
        for group in view.groups:
            rows.append([result.finding.key, qid, group.label_in(lang), "", group.count,
                         group.total, group.share, group.mean, None])
    return rows


def findings_headers(lang: Lang) -> list[str]:
    return [t("risposte.col.finding", lang), t("risposte.col.question_id", lang),
            t("risposte.col.group", lang), t("risposte.col.sentence", lang),
            t("risposte.col.count", lang), "n",
            t("risposte.col.share", lang), t("risposte.stat_mean", lang),
            t("risposte.col.missing", lang)]


def build_risposte_workbook(survey: Survey, wave: Wave, crosstabs: Sequence[CrossTab],
                            views: Sequence[FindingView], cover: Coverage,
                            names: GroupNames, lang: Lang, *, link: str = "") -> bytes:
    """The page's tables as .xlsx: about, findings, answers (long), coverage, missing."""
    from metrodigital.report import _append, _table  # the report's formula-safe writer

    book = Workbook()
    about = book.active
    about.title = t("risposte.sheet_about", lang)[:31]
    for line in ([t("risposte.title", lang)], [t("risposte.file_survey", lang),
                                                survey.title_in(lang)],
                 [t("risposte.file_wave", lang), wave.label(lang)],
                 [t("risposte.file_link", lang), link],
                 [t("risposte.file_min_n", lang, min_n=MIN_N)]):
        _append(about, list(line))
    if wave.is_example:
        _append(about, [t("risposte.synthetic", lang)])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 80
    sheet = book.create_sheet(t("risposte.sheet_findings", lang)[:31])
    _table(sheet, findings_headers(lang), findings_rows(views, lang),
           formats={7: "0%", 8: "0.00"})
    sheet = book.create_sheet(t("risposte.sheet_answers", lang)[:31])
    rows = [row for ct in crosstabs for row in long_rows(ct, names, lang)]
    _table(sheet, long_headers(lang), rows, formats={7: "0%"})
    sheet = book.create_sheet(t("risposte.sheet_coverage", lang)[:31])
    cover_rows: list[list[object]] = []
    for heading, table in ((t("risposte.col.zone", lang), cover.by_zone),
                           (t("risposte.col.class", lang), cover.by_class)):
        for _, row in table.iterrows():
            cover_rows.append([heading, "—" if pd.isna(row["grp"]) else str(row["grp"]),
                               int(row["comuni"]), int(row["covered"]), float(row["share"])])
    _table(sheet, [t("risposte.col.by", lang), t("risposte.col.group", lang),
                   t("risposte.col.comuni", lang), t("risposte.col.answered", lang),
                   t("risposte.col.share", lang)], cover_rows, formats={5: "0%"})
    sheet = book.create_sheet(t("risposte.sheet_missing", lang)[:31])
    missing = cover.missing
    _table(sheet, [t("risposte.col.istat", lang), t("risposte.col.comune", lang),
                   t("risposte.col.zone", lang), t("risposte.col.class", lang),
                   t("risposte.col.population", lang)],
           [[str(r["codice_istat"]), str(r["comune"]),
             "" if pd.isna(r["zona"]) else str(r["zona"]),
             "" if pd.isna(r["classe"]) else str(r["classe"]), int(r["popolazione"])]
            for _, r in missing.iterrows()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
