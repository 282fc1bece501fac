"""The interview brief: a Word document (.docx) per entity, or one for every selected entity.

Each entity's part holds: the scenario link and the wave's file hash; why the entity was
selected (rank, score, status, tie, robustness); its section profile as a chart (a PNG
drawn here with Pillow) and a table; strengths and weaknesses with the rule; the answers
to verify; the offers that fit with the answers that triggered each; suggested questions
for each weak section (``[[questions]]`` of ``data/offers/<survey>.toml``); room for notes.
Every text comes from the message catalogue, in Italian or English.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from metrodigital.i18n import fmt_number, fmt_percent, t
from metrodigital.offers import OfferList, offers_for, trigger_text
from metrodigital.pnrr import measures
from metrodigital.profile import EntityProfile, status_text

# Answers that the interviewer should check with the entity: its PNRR answers, and any
# "don't know" or missing answer.
_VERIFY_SECTIONS = ("pnrr",)
_DONT_KNOW = ("non so", "non lo so", "non saprei", "nessun backup / non so")


def section_chart_png(profile: EntityProfile, lang: str) -> bytes:
    """The section profile as a PNG: per section, the quartile bar and median of all
    respondents (grey) and of the class (blue), the entity a red diamond; % of the max."""
    rows = profile.sections
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=13)
    left, right, top, row_h = 230, 40, 46, 44
    width = 900
    height = top + row_h * len(rows) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    span = width - left - right

    def x(share: float) -> float:
        return left + span * max(0.0, min(1.0, share))

    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        draw.line([(x(tick), top - 8), (x(tick), height - 34)], fill="#dddddd")
        draw.text((x(tick) - 12, height - 30), f"{int(tick * 100)}%", fill="#444444", font=small)
    legend = [(t("scheda.series.all", lang), "#9e9e9e"), (t("scheda.series.class", lang),
                                                           "#4c78a8"),
              (t("scheda.series.entity", lang), "#d62728")]
    lx = left
    for label, colour in legend:
        draw.rectangle([lx, 12, lx + 14, 26], fill=colour)
        draw.text((lx + 20, 11), label, fill="black", font=small)
        lx += 30 + int(draw.textlength(label, font=small))
    for i, s in enumerate(rows):
        y = top + i * row_h + row_h / 2
        draw.text((10, y - 9), s.label[:28], fill="black", font=font)
        maximum = s.maximum or 1.0
        for offset, (q1, med, q3), colour in (
                (-7, (s.all_q1, s.all_median, s.all_q3), "#9e9e9e"),
                (7, (s.class_q1, s.class_median, s.class_q3), "#4c78a8")):
            if math.isnan(med):
                continue
            yy = y + offset
            draw.rectangle([x(q1 / maximum), yy - 4, max(x(q3 / maximum), x(q1 / maximum) + 2),
                            yy + 4], fill=colour)
            draw.line([(x(med / maximum), yy - 7), (x(med / maximum), yy + 7)], fill="black",
                      width=2)
        ex = x(s.points / maximum)
        draw.polygon([(ex, y - 9), (ex + 9, y), (ex, y + 9), (ex - 9, y)], fill="#d62728")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# characters XML 1.0 cannot hold (a name from a file may carry them): dropped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _heading(doc: DocumentType, text: str, level: int) -> None:
    doc.add_heading(_xml(text), level=level)


def _para(doc: DocumentType, text: str, style: str | None = None) -> None:
    doc.add_paragraph(_xml(text), style=style)


def _number(value: float, lang: str) -> str:
    return fmt_number(value, lang, 0 if value == round(value) else 1)


def _why(profile: EntityProfile, lang: str) -> list[str]:
    standing = profile.standing
    if standing is None:
        return [t("brief.why_no_matrix", lang)]
    lines = [t("brief.why", lang, rank=standing.rank, n=standing.n,
               score=_number(standing.score, lang), status=status_text(profile, lang),
               top=standing.top, reference=standing.reference_rank)]
    if standing.tied:
        lines.append(standing.tie_sentence)
    view = profile.robustness
    if view is not None:
        cls = t("scheda.robustness.undecided", lang) if view.cls == "undecided" else \
            t(f"robustness.class_{view.cls}", lang)
        lines.append(t("brief.robustness", lang, cls=cls, p=fmt_percent(view.p_selected, lang),
                       best=view.best_rank, worst=view.worst_rank))
        lines.extend(view.tipping)
    return lines


def _to_verify(profile: EntityProfile, lang: str) -> list[tuple[str, str]]:
    if profile.answers.empty:
        return []
    question_col = t("scheda.col.question", lang)
    answer_col = t("scheda.col.answer", lang)
    out = []
    for record in profile.answers.to_dict("records"):
        question = profile.survey.question(str(record["code"]))
        answer = str(record[answer_col])
        if question.section in _VERIFY_SECTIONS or answer == "—" or \
                answer.strip().lower() in _DONT_KNOW:
            out.append((str(record[question_col]), answer))
    return out


def _pnrr_differences(profile: EntityProfile, lang: str) -> list[tuple[str, str]]:
    """The PNRR record's differences from the declaration (the survey's PNRR question)."""
    if profile.pnrr.empty:
        return []
    question = profile.survey.question(measures().question)
    out = []
    for row in profile.pnrr.to_dict("records"):
        if not row["flag"]:
            continue
        label = str(row["measure"])
        with contextlib.suppress(KeyError):
            label = question.option(str(row["option"])).label_in(lang)
        out.append((t("pnrr.verify", lang, measure=label), t(f"pnrr.flag.{row['flag']}", lang)))
    return out


def _table(doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = _xml(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = _xml(text)


def _entity_part(doc: DocumentType, profile: EntityProfile, lang: str, link: str,
                 offers: OfferList | None) -> None:
    _heading(doc, t("brief.entity_title", lang, ente=profile.entity.name), level=1)
    wave = profile.wave
    _para(doc, t("brief.scenario", lang, wave=wave.label(lang),
                        survey=profile.survey.name_in(lang)))
    _para(doc, t("brief.link", lang, link=link))
    _para(doc, t("brief.hash", lang, file=wave.source_file, sha=wave.sha256))
    if profile.population_class:
        _para(doc, t("scheda.class_caption", lang, label=profile.population_class,
                            n=profile.n_class))

    _heading(doc, t("brief.why_title", lang), level=2)
    for line in _why(profile, lang):
        _para(doc, line, style="List Bullet")

    if profile.sections:
        _heading(doc, t("scheda.sections.title", lang), level=2)
        doc.add_picture(io.BytesIO(section_chart_png(profile, lang)), width=Cm(16))
        _para(doc, t("brief.chart_caption", lang))
        _table(doc, [t("scheda.col.section", lang), t("scheda.col.points", lang),
                     t("scheda.col.max", lang), t("scheda.col.class_median", lang),
                     t("scheda.col.all_median", lang), t("scheda.col.verdict", lang)],
               [[s.label, _number(s.points, lang), _number(s.maximum, lang),
                 "—" if math.isnan(s.class_median) else _number(s.class_median, lang),
                 _number(s.all_median, lang),
                 t(f"scheda.verdict.{s.verdict}", lang) if s.verdict else ""]
                for s in profile.sections])
        _heading(doc, t("brief.strengths_title", lang), level=2)
        none = t("scheda.none", lang)
        _para(doc, f"{t('scheda.strengths', lang)}: "
                          + (", ".join(s.label for s in profile.strengths) or none))
        _para(doc, f"{t('scheda.weaknesses', lang)}: "
                          + (", ".join(s.label for s in profile.weaknesses) or none))
        _para(doc, t("scheda.rule", lang).replace("**", ""))

    _heading(doc, t("brief.verify_title", lang), level=2)
    if not profile.has_answers:
        _para(doc, t("scheda.answers.none", lang, wave=wave.label(lang)))
    else:
        verify = _to_verify(profile, lang) + _pnrr_differences(profile, lang)
        if verify:
            _table(doc, [t("scheda.col.question", lang), t("scheda.col.answer", lang)], verify)
        else:
            _para(doc, t("brief.verify_none", lang))
        if profile.pnrr.empty:
            _para(doc, t("brief.pnrr_not_compared", lang))
        else:
            _para(doc, t("pnrr.attribution", lang))

    _heading(doc, t("scheda.offers.title", lang), level=2)
    if offers is None:
        _para(doc, t("scheda.offers.no_list", lang, survey=profile.survey.name_in(lang)))
    elif not profile.has_answers:
        _para(doc, t("brief.offers_need_answers", lang))
    elif not profile.fits:
        _para(doc, t("scheda.offers.none", lang))
    for fit in profile.fits:
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(_xml(fit.offer.name_in(lang))).bold = True
        paragraph.add_run(_xml(" — " + t("scheda.offers.because", lang) + " " + "; ".join(
            trigger_text(profile.survey, tr, lang) for tr in fit.triggers)))

    _heading(doc, t("brief.questions_title", lang), level=2)
    asked = False
    for section in profile.weaknesses:
        for question in (offers.questions_for(section.key) if offers else []):
            _para(doc, f"{section.label}: {question.text_in(lang)}",
                              style="List Number")
            asked = True
    if not asked:
        _para(doc, t("brief.questions_none", lang))

    _heading(doc, t("brief.notes_title", lang), level=2)
    for _ in range(8):
        _para(doc, "_" * 80)


def build_brief(profiles: Sequence[EntityProfile], lang: str, link: str,
                *, today: date | None = None) -> bytes:
    """The .docx of one or more entities' briefs (one part each, a page apart)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)  # type: ignore[attr-defined]
    when = (today or date.today()).strftime("%d/%m/%Y")
    title = t("brief.title_one", lang, ente=profiles[0].entity.name) if len(profiles) == 1 \
        else t("brief.title_all", lang, n=len(profiles))
    doc.core_properties.title = _xml(title)
    doc.core_properties.language = lang
    _heading(doc, title, level=0)
    _para(doc, t("brief.generated", lang, date=when))
    for i, profile in enumerate(profiles):
        if i:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        offers = None
        try:
            offers = offers_for(profile.survey.id)
        except ValueError:
            offers = None
        _entity_part(doc, profile, lang, link, offers)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def brief_file_name(profiles: Sequence[EntityProfile]) -> str:
    if len(profiles) == 1:
        key = profiles[0].entity.entity_id
        return f"brief-{key}.docx"
    return f"brief-{profiles[0].wave.slug}-selezionati.docx"
