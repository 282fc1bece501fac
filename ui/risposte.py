"""Drawing the Risposte page: the choice, the headline findings with the entities behind
them, each question's chart with its table, the coverage, the files.

Every number comes from ``metrodigital.answers_sql`` (DuckDB); here they are only
labelled and drawn. The choice is kept in the link (``metrodigital.risposte``):
widgets keyed by the link parameters, seeded from the link when the page is entered,
written back after each run. Personal answers are drawn only for editors
(``ui.auth.is_editor``) and never reach the link.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from metrodigital.answers_sql import (
    BREAKDOWNS,
    KINDS,
    MIN_N,
    NOT_SELECTED,
    SELECTED,
    Coverage,
    CrossTab,
    FindingView,
    class_labels,
    finding_entities,
    waves_with_answers,
)
from metrodigital.charts import with_number_locale
from metrodigital.display import NAME_MAX, clean, plain
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.risposte import (
    PARAM_BY,
    PARAM_CLASS,
    PARAM_FINDING,
    PARAM_KIND,
    PARAM_SEARCH,
    PARAM_SECTION,
    PARAM_VERSUS,
    PARAM_ZONE,
    RisposteChoice,
    choice_from_params,
    survey_zones,
)
from metrodigital.risposte_report import (
    GroupNames,
    build_risposte_workbook,
    crosstab_rows,
    csv_text,
    option_labels,
    risposte_file_name,
)
from metrodigital.scenario import Scenario
from metrodigital.store import Store, Wave
from metrodigital.surveys.findings import FindingResult, half_up
from metrodigital.surveys.model import NUMERIC_TYPES, Question, QuestionType, Survey
from ui.links import is_fresh_page, keep_across_languages, raw_params, write_to_link
from ui.sidebar import add_link_notes, wave_buttons

_SURVEY_KEY = "_risposte_survey"  # the survey whose choice the widgets hold
_OPEN_KEY = "_rf_"  # + finding key: that finding's expander
# Okabe–Ito (colour-blind safe) for groups; a diverging scale for ratings.
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#F0E442", "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC")
RATING_COLOURS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")


# -- names ---------------------------------------------------------------------------------


def group_names(survey: Survey, by: str, lang: Lang) -> GroupNames:
    """How a group key of breakdown ``by`` is named (None: not known)."""
    unknown = t("risposte.group_unknown", lang)
    if by == "classe":
        labels = class_labels(survey, lang)
        return lambda key: labels.get(str(key), str(key)) if _known(key) else unknown
    if by == "tipo":
        return lambda key: t(f"risposte.kind_{key}", lang) if key in KINDS else unknown
    if by == "sel":
        return lambda key: t(f"risposte.sel_{key}", lang) if key in (SELECTED, NOT_SELECTED) \
            else unknown
    return lambda key: clean(str(key)) if _known(key) else unknown


def _known(key: object) -> bool:
    return key is not None and not (isinstance(key, float) and pd.isna(key))


# -- the choice ----------------------------------------------------------------------------


def _seed_from_link(survey: Survey) -> None:
    fresh = is_fresh_page() or st.session_state.get(_SURVEY_KEY) != survey.id
    if not fresh:
        return
    if st.session_state.get(_SURVEY_KEY) not in (None, survey.id):
        choice, notes = RisposteChoice(), []  # another survey: its own defaults
    else:
        choice, notes = choice_from_params(raw_params(), survey)
    add_link_notes(notes)
    st.session_state[_SURVEY_KEY] = survey.id
    st.session_state[PARAM_SECTION] = choice.section
    st.session_state[PARAM_BY] = choice.by
    st.session_state[PARAM_CLASS] = list(choice.classes)
    st.session_state[PARAM_ZONE] = list(choice.zones)
    st.session_state[PARAM_KIND] = choice.kind
    st.session_state[PARAM_SEARCH] = choice.search
    st.session_state[PARAM_FINDING] = choice.finding
    st.session_state[PARAM_VERSUS] = choice.versus
    for finding in survey.findings:
        st.session_state[_OPEN_KEY + finding.key] = finding.key == choice.finding


def matrix_selection(store: Store, scenario: Scenario, wave: Wave) -> tuple[str, ...] | None:
    """The entities the link's Matrix scenario selects on this wave (None: the survey has
    no matrix, or the scenario selects nothing, e.g. every weight at 0)."""
    from dataclasses import replace

    from metrodigital.ranking import evaluate

    try:
        selection = evaluate(store, replace(scenario, wave=wave.slug))
    except Exception:  # no points, no weights: the breakdown is simply not offered
        return None
    chosen = tuple(selection.selected_ids)
    return chosen or None


def choice_controls(survey: Survey, sections: list[str], lang: Lang,
                    selection: tuple[str, ...] | None = None) -> RisposteChoice:
    """Section, breakdown and filters: drawn, read, written to the link. The breakdown
    "selected or not" is offered when the link's Matrix scenario selects entities."""
    _seed_from_link(survey)
    breakdowns = [b for b in BREAKDOWNS if b != "sel" or selection]
    if st.session_state.get(PARAM_BY) not in ["", *breakdowns]:
        st.session_state[PARAM_BY] = ""
    if st.session_state.get(PARAM_SECTION) not in sections:
        st.session_state[PARAM_SECTION] = sections[0] if sections else ""
    titles = {s.key: f"{s.number}. {clean(s.title_in(lang))}" for s in survey.sections}
    classes = class_labels(survey, lang)
    zones = list(survey_zones(survey.territory))
    st.session_state[PARAM_CLASS] = [c for c in st.session_state.get(PARAM_CLASS, [])
                                     if c in classes]
    st.session_state[PARAM_ZONE] = [z for z in st.session_state.get(PARAM_ZONE, [])
                                    if z in zones]
    with st.container(border=True):
        left, right = st.columns([3, 2])
        with left:
            section = st.selectbox(t("risposte.section", lang), options=sections,
                                   format_func=titles.__getitem__,
                                   key=keep_across_languages(PARAM_SECTION))
        with right:
            by = st.selectbox(t("risposte.by", lang), options=["", *breakdowns],
                              format_func=lambda v: t(f"risposte.by_{v or 'none'}", lang),
                              key=keep_across_languages(PARAM_BY),
                              help=t("risposte.by_help", lang, min_n=MIN_N))
        with st.expander(t("risposte.filters", lang), icon=":material/filter_alt:",
                         expanded=bool(st.session_state[PARAM_CLASS] or
                                       st.session_state[PARAM_ZONE] or
                                       st.session_state.get(PARAM_KIND))):
            picked_classes = st.multiselect(
                t("risposte.filter_class", lang), options=list(classes),
                format_func=classes.__getitem__, key=keep_across_languages(PARAM_CLASS),
                placeholder=t("risposte.filter_all", lang))
            picked_zones = st.multiselect(
                t("risposte.filter_zone", lang), options=zones, format_func=clean,
                key=PARAM_ZONE, placeholder=t("risposte.filter_all", lang),
                help=None if zones else t("risposte.no_zones", lang), disabled=not zones)
            kind = st.radio(t("risposte.filter_kind", lang), options=["", *KINDS],
                            format_func=lambda v: t(f"risposte.kind_{v or 'all'}", lang),
                            key=keep_across_languages(PARAM_KIND), horizontal=True)
    choice = RisposteChoice(section=str(section or ""), by=str(by or ""),
                            classes=tuple(picked_classes), zones=tuple(picked_zones),
                            kind=str(kind or ""),
                            search=str(st.session_state.get(PARAM_SEARCH, "") or ""),
                            finding=str(st.session_state.get(PARAM_FINDING, "") or ""),
                            selection=selection or ())
    if choice.by == "sel":
        st.caption(t("risposte.sel_help", lang, n=len(selection or ())))
    return choice


def drawn_choice(choice: RisposteChoice) -> RisposteChoice:
    """``choice`` with what was drawn after it: the search box and the finding opened."""
    from dataclasses import replace

    return replace(choice, search=str(st.session_state.get(PARAM_SEARCH, "") or ""),
                   finding=str(st.session_state.get(PARAM_FINDING, "") or ""),
                   versus=str(st.session_state.get(PARAM_VERSUS, "") or ""))


def write_choice(choice: RisposteChoice, default_section: str) -> None:
    """The choice into the address bar (defaults left out)."""
    write_to_link(PARAM_SECTION, [choice.section], [default_section])
    write_to_link(PARAM_BY, [choice.by], [""])
    write_to_link(PARAM_CLASS, list(choice.classes))
    write_to_link(PARAM_ZONE, list(choice.zones))
    write_to_link(PARAM_KIND, [choice.kind], [""])
    write_to_link(PARAM_SEARCH, [choice.search], [""])
    write_to_link(PARAM_FINDING, [choice.finding], [""])
    write_to_link(PARAM_VERSUS, [choice.versus], [""])


def own_params(choice: RisposteChoice, default_section: str) -> dict[str, Any]:
    from metrodigital.risposte import choice_to_params

    params = choice_to_params(choice)
    if params.get(PARAM_SECTION) == default_section:
        del params[PARAM_SECTION]
    return params


def filters_caption(choice: RisposteChoice, survey: Survey, respondents: int,
                    lang: Lang) -> None:
    parts = []
    if choice.classes:
        labels = class_labels(survey, lang)
        parts.append(", ".join(labels.get(c, c) for c in choice.classes))
    if choice.zones:
        parts.append(", ".join(plain(z) for z in choice.zones))
    if choice.kind:
        parts.append(t(f"risposte.kind_{choice.kind}", lang))
    if parts:
        st.caption(t("risposte.filtered", lang, filters="; ".join(parts), n=respondents))


# -- the wave ------------------------------------------------------------------------------


def wave_caption(wave: Wave, respondents: int, lang: Lang) -> None:
    st.caption(t("risposte.caption", lang, wave=plain(wave.label(lang)), n=respondents))
    if wave.is_example:
        st.warning(t("risposte.synthetic", lang), icon=":material/science:")


def no_answers(store: Store, survey: Survey, wave: Wave | None, lang: Lang) -> None:
    """The chosen wave holds no answers (the source's matrix, say): which ones do."""
    name = plain(wave.label(lang)) if wave is not None else "—"
    st.info(t("risposte.no_answers", lang, wave=name, survey=plain(survey.name_in(lang))),
            icon=":material/inbox:")
    wave_buttons(waves_with_answers(store, survey.id), lang, "risposte")


# -- findings ------------------------------------------------------------------------------


def _published_text(result: FindingResult, lang: Lang) -> str:
    published = result.finding.published
    decimals = result.finding.decimals
    if published.share is not None:
        return fmt_percent(published.share, lang, decimals)
    if published.mean is not None:
        return fmt_number(published.mean, lang, decimals)
    if published.count is not None:
        return fmt_number(published.count, lang)
    if published.shares:
        return ", ".join(f"{k}: {fmt_percent(v, lang, decimals)}" for k, v in published.shares)
    return ""


def _opened(key: str) -> None:
    """An expander opened or closed: the link names the open finding (one at a time)."""
    opened = bool(st.session_state.get(_OPEN_KEY + key))
    st.session_state[PARAM_FINDING] = key if opened else ""
    if opened:
        for other in [k for k in st.session_state if isinstance(k, str)
                      and k.startswith(_OPEN_KEY) and k != _OPEN_KEY + key]:
            st.session_state[other] = False


def findings_block(store: Store, wave: Wave, views: list[FindingView],
                   choice: RisposteChoice, lang: Lang, editor: bool) -> None:
    st.subheader(t("risposte.findings", lang))
    if not views:
        st.info(t("risposte.no_findings", lang), icon=":material/info:")
        return
    st.caption(t("risposte.findings_help", lang))
    for view in views:
        result = view.result
        finding = result.finding
        label = plain(result.sentence(lang), max_len=None)
        small = result.total < MIN_N
        icon = ":material/warning:" if small else ":material/insights:"
        box = st.expander(label, icon=icon, key=_OPEN_KEY + finding.key,
                          on_change=_opened, args=(finding.key,))
        if not box.open:
            continue
        with box:
            _finding_detail(store, wave, view, choice, lang, editor)


def _finding_detail(store: Store, wave: Wave, view: FindingView, choice: RisposteChoice,
                    lang: Lang, editor: bool) -> None:
    result = view.result
    finding = result.finding
    question = finding.question_def
    assert question is not None
    st.caption(t("risposte.finding_question", lang, id=plain(question.id or question.code),
                 question=plain(question.text_in(lang), max_len=None), n=result.total,
                 missing=result.missing))
    if result.total < MIN_N:
        st.warning(t("risposte.too_few", lang, n=result.total, min_n=MIN_N),
                   icon=":material/warning:")
    published = _published_text(result, lang)
    if published:
        st.caption(t("risposte.published", lang, value=published))
    if view.groups:
        st.dataframe(_groups_frame(view, lang), hide_index=True, width="stretch")
    if result.bins:
        st.dataframe(pd.DataFrame({
            t("risposte.col.bin", lang): [b.label_in(lang) for b in result.bins],
            t("risposte.col.count", lang): [b.count for b in result.bins],
            t("risposte.col.share", lang): [_pct(b.share, lang) for b in result.bins]}),
            hide_index=True, width="stretch")
    entities = finding_entities(store, wave, finding, filters=choice.filters,
                                include_personal=editor)
    st.markdown(t("risposte.entities", lang, n=len(entities)))
    from metrodigital.surveys.registry import load_survey

    personal = {q.code: clean(q.text_in(lang)) for q in load_survey(wave.survey_id).questions
                if q.personal}
    frame = entities_frame(entities, question, finding.condition is not None or
                           finding.kind.value in ("share", "count"), lang, personal)
    label, links = scheda_links(entities["istat_code"], lang)
    frame.insert(1, label, links)
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        label: st.column_config.LinkColumn(label, display_text=":material/badge:",
                                           help=t("scheda.table_column_help", lang))})
    if editor and any(c.startswith("personal_") for c in entities.columns):
        st.caption(t("risposte.personal_editor", lang))


def scheda_links(codes: pd.Series, lang: Lang) -> tuple[str, list[str | None]]:
    """A link per entity to its Scheda ente (by ISTAT code; an Unione by its members'),
    keeping the scenario the address holds."""
    from metrodigital.params import PARAM_ENTE, scenario_param_names
    from ui.links import raw_params
    from ui.scheda import scheda_url

    names = scenario_param_names()
    query: dict[str, str | list[str]] = {
        k: v for k, v in raw_params().items() if k in names}
    links = [scheda_url({**query, PARAM_ENTE: str(code)}) if isinstance(code, str) and code
             else None for code in codes]
    return t("scheda.table_column", lang), links


def _pct(share: float | None, lang: Lang, decimals: int = 0) -> str:
    if share is None or pd.isna(share):
        return "—"
    return fmt_percent(half_up(float(share) * 100, decimals) / 100, lang, decimals)


def _groups_frame(view: FindingView, lang: Lang) -> pd.DataFrame:
    result = view.result
    decimals = result.finding.decimals
    rows = []
    for group in view.groups:
        label = group.label_in(lang) if group.key is not None else \
            t("risposte.group_unknown", lang)
        if group.mean is not None or result.finding.kind.value == "mean":
            value = fmt_number(half_up(group.mean, decimals), lang, decimals) \
                if group.mean is not None else "—"
        elif result.finding.kind.value == "count":
            value = fmt_number(group.count or 0, lang)
        else:
            value = _pct(group.share, lang, decimals)
        rows.append({t("risposte.col.group", lang): clean(label),
                     t("risposte.col.value", lang): value,
                     "n": group.total,
                     t("risposte.col.note", lang): t("risposte.small", lang)
                     if group.total < MIN_N else ""})
    return pd.DataFrame(rows)


def entities_frame(entities: pd.DataFrame, question: Question, with_meets: bool,
                   lang: Lang, personal_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The entities behind a finding as the page shows them (cells are text: safe)."""
    out = pd.DataFrame({
        t("risposte.col.entity", lang): entities["ente"].astype(str),
        t("risposte.col.kind", lang): [t(f"risposte.kind_{k}", lang) if k in KINDS else ""
                                       for k in entities["tipo"]],
        t("risposte.col.zone", lang): entities["zona_omogenea"].fillna("—").astype(str),
        t("risposte.col.answer", lang): entities["raw"].fillna("").astype(str),
    })
    if with_meets:
        out[t("risposte.col.meets", lang)] = ["✔" if m is True else "" for m in
                                              entities["meets"]]
    out[t("risposte.col.file", lang)] = entities["source_file"].fillna("—").astype(str)
    out[t("risposte.col.cell", lang)] = entities["source_cell"].fillna("—").astype(str)
    names = dict(personal_names or {})
    for column in [c for c in entities.columns if c.startswith("personal_")]:
        code = column.removeprefix("personal_")
        out[names.get(code, code)] = entities[column].fillna("").astype(str)
    return out


# -- questions -----------------------------------------------------------------------------


def question_block(ct: CrossTab, survey: Survey, choice: RisposteChoice, lang: Lang) -> None:
    question = ct.question
    heading = f"{question.id} " if question.id else ""
    st.markdown(f"**{plain(heading + question.text_in(lang), max_len=None)}**")
    st.caption(t("risposte.question_caption", lang,
                 kind=t(f"risposte.type_{question.type.value}", lang), n=ct.n,
                 respondents=int(ct.overall["respondents"])))
    if question.personal:
        st.caption(t("risposte.personal_question", lang))
    if ct.n == 0:
        st.info(t("risposte.no_one", lang), icon=":material/info:")
        return
    if ct.n < MIN_N:
        st.warning(t("risposte.too_few", lang, n=ct.n, min_n=MIN_N), icon=":material/warning:")
    names = group_names(survey, ct.by, lang)
    if question.type == QuestionType.TEXT:
        _texts(ct, names, lang)
        return
    chart_col, table_col = st.columns([3, 2], gap="medium")
    with chart_col:
        spec, data = chart_spec(ct, names, lang)
        st.vega_lite_chart(data, spec, width="stretch")
    with table_col:
        st.dataframe(crosstab_table(ct, names, lang), hide_index=True, width="stretch")


def _group_label(names: GroupNames, key: object, n: int, lang: Lang) -> str:
    base = names(key)
    if n < MIN_N:
        return t("risposte.group_small", lang, group=base, n=n)
    return t("risposte.group_n", lang, group=base, n=n)


def _all_label(ct: CrossTab, lang: Lang) -> str:
    return t("risposte.group_all", lang, n=ct.n)


def chart_rows(ct: CrossTab, names: GroupNames, lang: Lang) -> pd.DataFrame:
    """One row per bar (or bar piece): option/value/bin, group, share, count, n, small."""
    question = ct.question
    labels = option_labels(question, lang, NAME_MAX)
    counts = ct.counts
    if question.type == QuestionType.NUMBER:
        order = {k: i for i, k in enumerate(dict.fromkeys(counts["key"]))}
        label_of = {k: k for k in order}
    else:
        order = {k: i for i, k in enumerate(labels)}
        label_of = labels
    parts = counts[~counts["whole"]] if ct.by else counts
    group_order = {None if pd.isna(g) else g: i for i, g in enumerate(ct.groups["grp"])}
    rows = []
    for _, row in parts.iterrows():
        n = int(row["n"])
        group = _all_label(ct, lang) if row["whole"] else _group_label(names, row["grp"], n,
                                                                       lang)
        rows.append({"risposta": label_of.get(str(row["key"]), clean(str(row["key"]))),
                     "ordine": order.get(str(row["key"]), len(order)),
                     "gruppo_ordine": group_order.get(None if pd.isna(row["grp"])
                                                      else row["grp"], 0),
                     "gruppo": group, "quota": float(row["share"] or 0),
                     "conteggio": int(row["count"]), "n": n, "piccolo": n < MIN_N,
                     "etichetta": f"{_pct(row['share'], lang)} ({int(row['count'])})"})
    return pd.DataFrame(rows, columns=["risposta", "ordine", "gruppo_ordine", "gruppo", "quota",
                                       "conteggio", "n", "piccolo", "etichetta"])


def chart_spec(ct: CrossTab, names: GroupNames, lang: Lang) -> tuple[dict[str, Any],
                                                                    pd.DataFrame]:
    """The Vega-Lite chart that fits the question, and its data."""
    question = ct.question
    title = t("risposte.chart_n", lang, n=ct.n)
    data = rating_rows(ct, names, lang) if question.type == QuestionType.RATING else \
        chart_rows(ct, names, lang)
    tooltip = [alt.Tooltip("risposta:N", title=t("risposte.col.answer", lang)),
               alt.Tooltip("gruppo:N", title=t("risposte.col.group", lang)),
               alt.Tooltip("quota:Q", title=t("risposte.col.share", lang), format=".0%"),
               alt.Tooltip("conteggio:Q", title=t("risposte.col.count", lang)),
               alt.Tooltip("n:Q", title="n")]
    opacity = alt.condition("datum.piccolo", alt.value(0.35), alt.value(1.0))
    if question.type == QuestionType.RATING:
        chart = _rating_chart(ct, data, lang, tooltip, opacity, title)
    else:
        y = alt.Y("risposta:N", title=None, sort=alt.EncodingSortField("ordine", op="min"),
                  axis=alt.Axis(labelLimit=alt.ExprRef(
                      "max(90, min(260, containerSize()[0] * 0.45))")))
        x = alt.X("quota:Q", title=t("risposte.axis_share", lang),
                  scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%", tickCount=5))
        enc = {"y": y, "x": x, "tooltip": tooltip, "opacity": opacity}
        if ct.by:
            enc["color"] = alt.Color("gruppo:N", title=None,
                                     legend=alt.Legend(orient="bottom", columns=2,
                                                       labelLimit=220),
                                     sort=_group_sort(data),
                                     scale=alt.Scale(range=list(GROUP_COLOURS)))
            enc["yOffset"] = alt.YOffset("gruppo:N", sort=_group_sort(data))
            step = 14
        else:
            step = 26
        bars = alt.Chart(data).mark_bar().encode(**enc)
        layers = [bars]
        if not ct.by:
            layers.append(alt.Chart(data).mark_text(align="left", dx=4, fontSize=11).encode(
                y=y, x=x, text="etichetta:N"))
        n_groups = max(1, data["gruppo"].nunique()) if ct.by else 1
        chart = alt.layer(*layers).properties(
            title=title, height=alt.Step(step if not ct.by else max(6, 40 // n_groups)))
    spec = with_number_locale(chart.to_dict(), lang)
    spec.pop("datasets", None)
    spec.pop("data", None)
    if isinstance(spec.get("layer"), list):
        for layer in spec["layer"]:
            layer.pop("data", None)
    return spec, data


def _group_sort(data: pd.DataFrame) -> list[str]:
    """The groups in the breakdown's order (classes by size, zones by name)."""
    ordered = data.sort_values("gruppo_ordine", kind="stable")["gruppo"]
    return list(dict.fromkeys(ordered))


def rating_rows(ct: CrossTab, names: GroupNames, lang: Lang) -> pd.DataFrame:
    """Diverging stacked bars' pieces: the low ratings left of zero, the high ones right,
    the middle one split across it; one bar per group (or all), the mean in its label."""
    question = ct.question
    mid = (question.scale_min + question.scale_max) / 2
    labels = option_labels(question, lang, NAME_MAX)
    parts = ct.counts[~ct.counts["whole"]] if ct.by else ct.counts
    groups = ct.groups[~ct.groups["whole"]] if ct.by else ct.groups
    rows = []
    for order, (_, g) in enumerate(groups.iterrows()):
        n = int(g["n"])
        if n == 0:
            continue
        whole = bool(g["whole"])
        grp = None if pd.isna(g["grp"]) else g["grp"]
        mine = parts[(parts["whole"] == whole) & (parts["grp"].isna() if grp is None
                                                   else parts["grp"] == grp)]
        name = _all_label(ct, lang) if whole else _group_label(names, grp, n, lang)
        mean = g["mean"]
        name = t("risposte.with_mean", lang, group=name,
                 mean=fmt_number(half_up(float(mean), 2), lang, 2) if pd.notna(mean) else "—")
        shares = {int(k): float(s) for k, s in zip(mine["key"], mine["share"], strict=True)}
        counts = {int(k): int(c) for k, c in zip(mine["key"], mine["count"], strict=True)}
        below = sum(v for k, v in shares.items() if k < mid)
        start = -below - (shares.get(int(mid), 0.0) / 2 if float(mid).is_integer() else 0.0)
        for value in range(question.scale_min, question.scale_max + 1):
            share = shares.get(value, 0.0)
            rows.append({"gruppo": name, "gruppo_ordine": order,
                         "risposta": labels.get(str(value), str(value)), "valore": value,
                         "inizio": start, "fine": start + share, "quota": share,
                         "conteggio": counts.get(value, 0), "n": n, "piccolo": n < MIN_N})
            start += share
    return pd.DataFrame(rows, columns=["gruppo", "gruppo_ordine", "risposta", "valore",
                                       "inizio", "fine", "quota", "conteggio", "n",
                                       "piccolo"])


def _rating_chart(ct: CrossTab, data: pd.DataFrame, lang: Lang, tooltip: list[Any],
                  opacity: Any, title: str) -> alt.Chart:
    domain = list(option_labels(ct.question, lang, NAME_MAX).values())
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("gruppo:N", title=None, sort=_group_sort(data),
                axis=alt.Axis(labelLimit=alt.ExprRef(
                    "max(100, min(280, containerSize()[0] * 0.45))"))),
        x=alt.X("inizio:Q", title=t("risposte.axis_rating", lang),
                axis=alt.Axis(format=".0%", labelExpr="format(abs(datum.value), '.0%')"),
                scale=alt.Scale(domain=[-1, 1])),
        x2="fine:Q",
        color=alt.Color("risposta:N", title=None, sort=domain,
                        scale=alt.Scale(domain=domain, range=list(_rating_range(len(domain)))),
                        legend=alt.Legend(orient="bottom", labelLimit=200, columns=alt.ExprRef(
                            "containerSize()[0] < 420 ? 2 : 5"))),
        order=alt.Order("valore:Q"), tooltip=tooltip, opacity=opacity,
    ).properties(title=title, height=alt.Step(28))


def _rating_range(n: int) -> tuple[str, ...]:
    if n == 5:
        return RATING_COLOURS
    if n <= 2:
        return (RATING_COLOURS[0], RATING_COLOURS[-1])[:n]
    step = (len(RATING_COLOURS) - 1) / (n - 1)
    return tuple(RATING_COLOURS[round(i * step)] for i in range(n))


def crosstab_table(ct: CrossTab, names: GroupNames, lang: Lang) -> pd.DataFrame:
    """The chart's text alternative: answers down, groups across, "72% (26)" in each cell,
    n at the bottom, a group under MIN_N marked."""
    rows = crosstab_rows(ct, names, lang)
    return rows


def _texts(ct: CrossTab, names: GroupNames, lang: Lang) -> None:
    search = st.text_input(t("risposte.search", lang), key=PARAM_SEARCH,
                           placeholder=t("risposte.search_placeholder", lang),
                           max_chars=100)
    texts = ct.texts
    if search:
        st.caption(t("risposte.search_found", lang, n=len(texts), query=plain(search)))
    st.dataframe(pd.DataFrame({
        t("risposte.col.entity", lang): texts["ente"].astype(str),
        t("risposte.col.answer", lang): texts["text"].astype(str),
        t("risposte.col.file", lang): texts["source_file"].fillna("—").astype(str),
        t("risposte.col.cell", lang): texts["source_cell"].fillna("—").astype(str),
        **({t("risposte.col.group", lang): [names(g) for g in texts["grp"]]} if ct.by else {}),
    }), hide_index=True, width="stretch")


# -- coverage ------------------------------------------------------------------------------


def coverage_block(cover: Coverage, survey: Survey, lang: Lang) -> None:
    st.subheader(t("risposte.coverage", lang))
    st.caption(t("risposte.coverage_help", lang, territory=plain(survey.territory)))
    with st.container(horizontal=True, gap="medium"):
        st.metric(t("risposte.metric_respondents", lang), fmt_number(cover.respondents, lang))
        st.metric(t("risposte.metric_covered", lang),
                  t("risposte.of", lang, part=fmt_number(cover.covered, lang),
                    whole=fmt_number(cover.comuni, lang)))
        st.metric(t("risposte.metric_missing", lang), fmt_number(len(cover.missing), lang))
    if cover.unmatched:
        st.warning(t("risposte.unmatched", lang, n=cover.unmatched), icon=":material/help:")
    classes = class_labels(survey, lang)
    by_zone, by_class = st.columns(2, gap="medium")
    with by_zone:
        st.dataframe(_coverage_table(cover.by_zone, lambda g: clean(str(g)) if _known(g)
                                     else t("risposte.zone_unknown", lang),
                                     t("risposte.col.zone", lang), lang),
                     hide_index=True, width="stretch")
    with by_class:
        st.dataframe(_coverage_table(cover.by_class, lambda g: classes.get(str(g), str(g))
                                     if _known(g) else t("risposte.group_unknown", lang),
                                     t("risposte.col.class", lang), lang),
                     hide_index=True, width="stretch")
    with st.expander(t("risposte.missing", lang, n=len(cover.missing)),
                     icon=":material/person_off:"):
        missing = cover.missing
        st.dataframe(pd.DataFrame({
            t("risposte.col.istat", lang): missing["codice_istat"].astype(str),
            t("risposte.col.comune", lang): missing["comune"].astype(str),
            t("risposte.col.zone", lang): missing["zona"].fillna("—").astype(str),
            t("risposte.col.class", lang): [classes.get(str(c), str(c)) if _known(c) else "—"
                                            for c in missing["classe"]],
            t("risposte.col.population", lang): missing["popolazione"].astype(int),
        }), hide_index=True, width="stretch")


def _coverage_table(table: pd.DataFrame, name: GroupNames, heading: str,
                    lang: Lang) -> pd.DataFrame:
    return pd.DataFrame({
        heading: [name(g) for g in table["grp"]],
        t("risposte.col.comuni", lang): table["comuni"].astype(int),
        t("risposte.col.answered", lang): table["covered"].astype(int),
        t("risposte.col.share", lang): [_pct(s, lang) for s in table["share"]],
    })


# -- files ---------------------------------------------------------------------------------


def downloads(survey: Survey, wave: Wave, crosstabs: list[CrossTab],
              views: list[FindingView], cover: Coverage, choice: RisposteChoice,
              link: str, lang: Lang) -> None:
    """Excel (formatted, formula-safe) and CSV of the page's tables (no personal answers:
    the page's tables never hold them for a viewer, and the files never do)."""
    names = group_names(survey, choice.by, lang)
    st.subheader(t("risposte.files", lang))
    left, right = st.columns([1, 1])
    with left:
        st.download_button(
            t("risposte.download_xlsx", lang),
            data=lambda: build_risposte_workbook(
                survey, wave, [c for c in crosstabs if not c.question.personal], views,
                cover, names, lang, link=link),
            file_name=risposte_file_name(wave.slug, date.today(), "xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", on_click="ignore")
    with right:
        style = st.radio(t("risposte.csv_style", lang), options=["it", "en"],
                         format_func=lambda v: t(f"risposte.csv_{v}", lang),
                         key=keep_across_languages("_risposte_csv"), horizontal=True)
        st.download_button(
            t("risposte.download_csv", lang),
            data=lambda: csv_text([c for c in crosstabs if not c.question.personal], names,
                                  lang, style).encode("utf-8-sig"),
            file_name=risposte_file_name(wave.slug, date.today(), "csv"),
            mime="text/csv", icon=":material/download:", on_click="ignore")


def section_questions(crosstabs: list[CrossTab], survey: Survey, choice: RisposteChoice,
                      lang: Lang) -> None:
    section = survey.section(choice.section)
    st.subheader(t("risposte.section_title", lang, number=section.number,
                   title=plain(section.title_in(lang), max_len=None)))
    for ct in crosstabs:
        with st.container(border=True):
            question_block(ct, survey, choice, lang)


def numeric(question: Question) -> bool:
    return question.type in NUMERIC_TYPES


# -- across waves --------------------------------------------------------------------------


def changes_block(store: Store, survey: Survey, wave: Wave, choice: RisposteChoice,
                  lang: Lang, editor: bool) -> None:
    """Another wave of the survey to compare with (``rvs``), and what moved since."""
    from metrodigital.answers_sql import wave_changes

    others = [w for w in waves_with_answers(store, survey.id) if w.slug != wave.slug]
    st.subheader(t("risposte.changes", lang))
    if not others:
        st.caption(t("risposte.changes_none", lang))
        st.session_state[PARAM_VERSUS] = ""
        return
    labels = {w.slug: plain(w.label(lang)) for w in others}
    if st.session_state.get(PARAM_VERSUS) not in ["", *labels]:
        st.session_state[PARAM_VERSUS] = ""
    versus = st.selectbox(t("risposte.versus", lang), options=["", *labels],
                          format_func=lambda v: labels.get(v, t("risposte.versus_none", lang)),
                          key=keep_across_languages(PARAM_VERSUS),
                          help=t("risposte.versus_help", lang))
    if not versus:
        return
    before = next(w for w in others if w.slug == versus)
    changes = wave_changes(store, before, wave, survey, include_personal=editor)
    st.caption(t("risposte.changes_caption", lang, before=labels[versus],
                 after=plain(wave.label(lang)), n=changes.entities))
    if changes.entities == 0:
        return
    titles = {s.key: f"{s.number}. {clean(s.title_in(lang))}" for s in survey.sections}
    st.dataframe(pd.DataFrame({
        t("risposte.section", lang): [titles.get(k, k) for k in changes.sections["section"]],
        t("risposte.col.both", lang): changes.sections["both"].astype(int),
        t("risposte.col.changed", lang): changes.sections["changed"].astype(int),
    }), hide_index=True, width="stretch")
    section = survey.section(choice.section) if choice.section else survey.sections[0]
    codes = {q.code: q for q in section.questions}
    mine = changes.questions[changes.questions["question"].isin(list(codes))]
    st.markdown(t("risposte.changes_section", lang, section=titles.get(section.key, "")))
    st.dataframe(pd.DataFrame({
        t("risposte.col.question", lang): [
            clean(f"{codes[c].id} {codes[c].text_in(lang)}".strip(), max_len=None)
            for c in mine["question"]],
        t("risposte.col.both", lang): mine["both"].astype(int),
        t("risposte.col.changed", lang): mine["changed"].astype(int),
        t("risposte.col.share", lang): [_pct(v, lang) for v in mine["share"]],
        t("risposte.col.mean_change", lang): [
            "" if pd.isna(a) else f"{fmt_number(half_up(a, 2), lang, 2)} → "
                                  f"{fmt_number(half_up(b, 2), lang, 2)}"
            for a, b in zip(mine["mean_before"], mine["mean_after"], strict=True)],
    }), hide_index=True, width="stretch")
    moves = changes.moves[changes.moves["question"].isin(list(codes))]
    with st.expander(t("risposte.moves", lang, n=len(moves)), icon=":material/swap_horiz:"):
        st.dataframe(pd.DataFrame({
            t("risposte.col.entity", lang): moves["ente"].astype(str),
            t("risposte.col.question", lang): [codes[c].id or c for c in moves["question"]],
            t("risposte.col.before", lang): moves["before"].fillna("").astype(str),
            t("risposte.col.after", lang): moves["after"].fillna("").astype(str),
            t("risposte.col.cell", lang): moves["cell_after"].fillna("—").astype(str),
        }), hide_index=True, width="stretch")
