"""``python -m metrodigital findings``: the Risposte page's headline findings, computed by
the same SQL (``metrodigital.answers_sql``), as a table, JSON or CSV.

Personal answers (the compiler's name, e-mail, phone) are never printed unless
``include_personal`` (``--include-personal``) is given, and then only with
``entities`` (``--entities``: who is behind each finding).
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from metrodigital.answers_sql import (
    MIN_N,
    FindingView,
    finding_entities,
    findings_view,
    latest_wave_with_answers,
    waves_with_answers,
)
from metrodigital.export_text import csv_cell, json_dumps, printable
from metrodigital.i18n import Lang, fmt_number, t
from metrodigital.store import Store, Wave, slugify
from metrodigital.surveys.findings import FindingResult, GroupResult
from metrodigital.surveys.model import Survey


class FindingsFailure(LookupError):
    """The command cannot run: its message says why, in the user's language."""


def choose_wave(store: Store, survey: Survey, wanted: str | None, lang: Lang) -> Wave:
    """``--wave`` (slug or name) among the survey's waves; without it, the survey's latest
    wave that has answers."""
    if wanted is None:
        wave = latest_wave_with_answers(store, survey.id)
        if wave is None:
            raise FindingsFailure(t("risposte.cli.no_wave", lang, survey=survey.id))
        return wave
    waves = [w for w in store.waves() if w.survey_id == survey.id]
    slug = wanted if any(w.slug == wanted for w in waves) else slugify(wanted)
    found = next((w for w in waves if w.slug == slug), None)
    if found is None:
        names = ", ".join(f"{w.name} ({w.slug})" for w in waves) or "—"
        raise FindingsFailure(t("cli.wave_not_found", lang, value=printable(wanted),
                                names=names))
    if found not in waves_with_answers(store, survey.id):
        raise FindingsFailure(t("risposte.cli.wave_without_answers", lang, wave=found.slug))
    return found


def _number(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def finding_json(view: FindingView, lang: Lang) -> dict[str, object]:
    result = view.result
    question = result.finding.question_def
    return {
        "key": result.finding.key, "kind": result.finding.kind.value,
        "question": question.code if question else result.finding.question,
        "sentence": result.sentence(lang), "total": result.total,
        "missing": result.missing, "count": result.count, "share": _number(result.share),
        "mean": _number(result.mean),
        "bins": [{"key": b.key, "label": b.label_in(lang), "count": b.count,
                  "share": _number(b.share)} for b in result.bins],
        "groups": [{"key": g.key, "label": g.label_in(lang), "total": g.total,
                    "count": g.count, "share": _number(g.share), "mean": _number(g.mean),
                    "too_few": g.total < MIN_N} for g in view.groups],
    }


def _entities(store: Store, wave: Wave, result: FindingResult,
              include_personal: bool) -> list[dict[str, object]]:
    frame = finding_entities(store, wave, result.finding, include_personal=include_personal)
    rows = []
    for _, row in frame.iterrows():
        item: dict[str, object] = {
            "ente": str(row["ente"]), "istat_code": None if pd.isna(row["istat_code"])
            else str(row["istat_code"]), "answer": None if pd.isna(row["raw"])
            else str(row["raw"]),
            "meets": None if row["meets"] is None or pd.isna(row["meets"])
            else bool(row["meets"]),
            "source_file": None if pd.isna(row["source_file"]) else str(row["source_file"]),
            "source_cell": None if pd.isna(row["source_cell"]) else str(row["source_cell"])}
        for column in [c for c in frame.columns if c.startswith("personal_")]:
            value = row[column]
            item[column.removeprefix("personal_")] = None if pd.isna(value) else str(value)
        rows.append(item)
    return rows


def findings_output(store: Store, survey: Survey, wanted_wave: str | None, *, by: str = "",
                    out_format: str = "table", entities: bool = False,
                    include_personal: bool = False, lang: Lang = "it") -> str:
    """The command's whole output (see the module)."""
    wave = choose_wave(store, survey, wanted_wave, lang)
    views = findings_view(store, wave, by=by)
    results = [v.result for v in views]
    personal = include_personal and entities
    if out_format == "json":
        items = []
        for view in views:
            result = view.result
            item = finding_json(view, lang)
            if entities:
                item["entities"] = _entities(store, wave, result, personal)
            items.append(item)
        return json_dumps({"survey": survey.id, "wave": wave.slug, "example": wave.is_example,
                           "by": by or None, "min_n": MIN_N, "findings": items})
    if out_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["finding", "group", "count", "n", "share", "mean", "too_few",
                         "sentence"])
        for view in views:
            result = view.result
            writer.writerow([csv_cell(v) for v in (
                result.finding.key, "", result.count, result.total, _number(result.share),
                _number(result.mean), result.total < MIN_N, result.sentence(lang))])
            for group in view.groups:
                writer.writerow([csv_cell(v) for v in (
                    result.finding.key, group.label_in(lang), group.count, group.total,
                    _number(group.share), _number(group.mean), group.total < MIN_N, "")])
        if entities:
            writer.writerow([])
            heading = ["finding", "ente", "istat_code", "answer", "meets", "source_file",
                       "source_cell"]
            rows = [(r.finding.key, e) for r in results
                    for e in _entities(store, wave, r, personal)]
            extra = sorted({k for _, e in rows for k in e} - set(heading))
            writer.writerow(heading + extra)
            for key, entity in rows:
                writer.writerow([csv_cell(v) for v in (key, *[entity.get(h) for h in
                                                               heading[1:] + extra])])
        return out.getvalue()
    lines = [t("risposte.cli.heading", lang, survey=survey.title_in(lang),
               wave=wave.label(lang), by=t(f"risposte.by_{by or 'none'}", lang))]
    for view in views:
        result = view.result
        lines.append("")
        lines.append(f"• {printable(result.sentence(lang))}")
        lines.append("  " + t("risposte.cli.n", lang, n=fmt_number(result.total, lang),
                              missing=fmt_number(result.missing, lang)))
        if view.groups:
            for group in view.groups:
                value = _group_value(result, group, lang)
                small = " " + t("risposte.small", lang) if group.total < MIN_N else ""
                label = group.label_in(lang) if group.key is not None else \
                    t("risposte.group_unknown", lang)
                lines.append(f"    {printable(label)}: {value} "
                             f"(n = {group.total}){small}")
        if entities:
            for entity in _entities(store, wave, result, personal):
                mark = "✔ " if entity["meets"] else "  "
                extra = "".join(f"  {k}={printable(str(v))}" for k, v in entity.items()
                                if k not in ("ente", "istat_code", "answer", "meets",
                                             "source_file", "source_cell") and v)
                lines.append(f"    {mark}{printable(str(entity['ente']))} — "
                             f"{printable(str(entity['answer']))} "
                             f"[{entity['source_file']}, {entity['source_cell']}]{extra}")
    return "\n".join(lines) + "\n"


def _group_value(result: FindingResult, group: GroupResult, lang: Lang) -> str:
    from metrodigital.surveys.findings import half_up

    decimals = result.finding.decimals
    if group.mean is not None:
        return fmt_number(half_up(group.mean, decimals), lang, decimals)
    if result.finding.kind.value == "count":
        return fmt_number(group.count or 0, lang)
    if group.share is None:
        return "—"
    from metrodigital.i18n import fmt_percent

    return fmt_percent(half_up(group.share * 100, decimals) / 100, lang, decimals)
