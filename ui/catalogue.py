"""Drawing the Catalogo servizi page: the choice, the ranking, the breakdowns, the file.

The choice (K, how the Comuni count, the exclusions and their reasons) is drawn
in the page, not in the sidebar: its widgets are keyed by the link parameters
(``ck``, ``cby``, ``cx``; one reason box per excluded service), seeded from the
link when the page is entered, and written back to the address bar after each
run (the share box gets them through ``close_page(own=…)``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from metrodigital.catalogue import (
    CATALOGUE_PAGE,
    HIGH_RATING,
    NO_EXCLUSIONS,
    PARAM_BY,
    PARAM_EXCLUDE,
    PARAM_TOP,
    REASON_MAX,
    WEIGHTINGS,
    Breakdown,
    CatalogueChoice,
    ExclusionChoice,
    SurveyCatalogue,
    catalogue_link,
    choice_from_params,
    choice_to_params,
    clean_reason,
    exclusion_values,
    fmt_mean,
    outcome_sentence,
    result_notes,
    source_choice,
    source_reason,
)
from metrodigital.catalogue_report import build_catalogue_workbook, catalogue_file_name
from metrodigital.charts import NUMBER, with_number_locale
from metrodigital.display import clean, plain
from metrodigital.i18n import Lang, fmt_percent, t
from metrodigital.store import Wave
from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import load_survey, survey_ids
from ui.links import is_fresh_page, keep_across_languages, raw_params, write_to_link
from ui.sidebar import add_link_notes

_SURVEY_KEY = "_catalogue_survey"  # the survey whose choice the widgets hold
_REASON_KEY = "cx_reason_"  # + service code: the reason box of an excluded service
# Okabe–Ito, colour-blind safe: in the catalogue, left out by the user, not chosen.
STATUS_COLOURS = ("#009E73", "#999999", "#56B4E9")
BAR_STEP = 34


def surveys_with_catalogue() -> list[Survey]:
    found = []
    for survey_id in survey_ids():
        try:
            survey = load_survey(survey_id)
        except Exception:  # a broken definition is reported where it is chosen
            continue
        if survey.catalogue is not None and survey.catalogue.services:
            found.append(survey)
    return found


def no_catalogue(survey: Survey, lang: Lang) -> None:
    """Say plainly that this survey proposes no services, and how to switch; the link
    drops the catalogue's parameters, which mean nothing for this survey."""
    for key in (PARAM_TOP, PARAM_BY, PARAM_EXCLUDE):
        write_to_link(key, [])
    found = surveys_with_catalogue()
    others = [plain(s.name_in(lang)) for s in found]
    st.info(t("catalogue.page.no_catalogue", lang, survey=plain(survey.name_in(lang)),
              label=t("sidebar.survey", lang), others=", ".join(others) or "—"),
            icon=":material/category:")
    for other in found:  # or straight there: the sidebar's survey changes, as if chosen
        st.button(t("catalogue.page.open_other", lang, survey=plain(other.name_in(lang))),
                  key=f"_open_catalogue_{other.id}", icon=":material/category:",
                  on_click=_switch_survey, args=(other.id,))


def _switch_survey(survey_id: str) -> None:
    """Choose ``survey_id`` in the sidebar; its wave falls back to the survey's default."""
    from metrodigital.params import PARAM_SURVEY, PARAM_WAVE

    st.session_state[PARAM_SURVEY] = survey_id
    st.session_state[PARAM_WAVE] = ""


def no_wave(survey: Survey, lang: Lang) -> None:
    st.info(t("catalogue.page.no_wave", lang, survey=plain(survey.name_in(lang))),
            icon=":material/inbox:")


# -- the choice ------------------------------------------------------------------------


def _seed_from_link(survey: Survey) -> None:
    """On a newly entered page, or when the survey changed, the widgets take the link's
    choice (or the survey's defaults); what the link got wrong is said with the other
    link notes."""
    fresh = is_fresh_page() or st.session_state.get(_SURVEY_KEY) != survey.id
    if not fresh:
        return
    if st.session_state.get(_SURVEY_KEY) not in (None, survey.id):
        choice, notes = source_choice(survey), []  # another survey: its own defaults
    else:
        choice, notes = choice_from_params(raw_params(), survey)
    add_link_notes(notes)
    st.session_state[_SURVEY_KEY] = survey.id
    st.session_state[PARAM_TOP] = choice.top
    st.session_state[PARAM_BY] = choice.by
    st.session_state[PARAM_EXCLUDE] = list(choice.codes)
    for service in survey.catalogue.services:  # type: ignore[union-attr]
        st.session_state[_REASON_KEY + service.code] = ""
    for item in choice.exclusions:
        own = {source_reason(survey, item.code, lang) for lang in ("it", "en")}
        st.session_state[_REASON_KEY + item.code] = "" if item.reason in own else item.reason


def choice_controls(survey: Survey, lang: Lang) -> CatalogueChoice:
    """K, how the Comuni count, the exclusions with their reasons: drawn, and read."""
    _seed_from_link(survey)
    services = survey.catalogue.services  # type: ignore[union-attr]
    names = {s.code: clean(s.name_in(lang)) for s in services}
    codes = list(names)
    st.session_state[PARAM_EXCLUDE] = [c for c in st.session_state.get(PARAM_EXCLUDE, [])
                                       if c in names]
    with st.container(border=True):
        top_col, by_col = st.columns([1, 2])
        with top_col:
            top = int(st.number_input(t("catalogue.page.top", lang), min_value=1,
                                      max_value=len(codes), step=1, key=PARAM_TOP,
                                      help=t("catalogue.page.top_help", lang)))
        with by_col:
            by = str(st.radio(t("catalogue.page.by", lang), options=list(WEIGHTINGS),
                              format_func=lambda v: t(f"catalogue.page.by_{v}", lang),
                              key=keep_across_languages(PARAM_BY), horizontal=True,
                              help=t("catalogue.page.by_help", lang)))
        excluded = st.multiselect(
            t("catalogue.page.exclude", lang), options=codes, format_func=names.__getitem__,
            key=keep_across_languages(PARAM_EXCLUDE),
            placeholder=t("catalogue.page.exclude_none", lang),
            help=t("catalogue.page.exclude_help", lang))
        exclusions = []
        for code in excluded:
            own = source_reason(survey, code, lang)
            label = t("catalogue.page.reason", lang, service=plain(names[code]))
            reason = st.text_input(
                label, key=_REASON_KEY + code, max_chars=REASON_MAX,
                placeholder=clean(own, max_len=None) if own else
                t("catalogue.page.reason_needed", lang),
                help=t("catalogue.page.reason_help_source" if own else
                       "catalogue.page.reason_help", lang))
            kept, cut = clean_reason(reason)
            if cut:
                st.caption(t("catalogue.link.reason_cut", lang, code=code, max=len(kept)))
            exclusions.append(ExclusionChoice(code, kept))
    choice = CatalogueChoice(top=top, by=by, exclusions=tuple(exclusions))  # type: ignore[arg-type]
    _write_choice(choice, survey)
    return choice


def own_params(choice: CatalogueChoice, survey: Survey) -> dict[str, Any]:
    """The choice's link parameters, for the share box (all of them: the page's own)."""
    return choice_to_params(choice, survey)


def _write_choice(choice: CatalogueChoice, survey: Survey) -> None:
    defaults = source_choice(survey)
    write_to_link(PARAM_TOP, [str(choice.top)], [str(defaults.top)])
    write_to_link(PARAM_BY, [choice.by], [defaults.by])
    values = exclusion_values(choice.exclusions, survey) or [NO_EXCLUSIONS]
    write_to_link(PARAM_EXCLUDE, values, exclusion_values(defaults.exclusions, survey))


# -- the results -----------------------------------------------------------------------


def wave_caption(wave: Wave, result: SurveyCatalogue, lang: Lang) -> None:
    st.caption(t("catalogue.page.caption", lang, wave=plain(wave.label(lang)), n=result.respondents,
                 by=t(f"catalogue.by_{result.choice.by}", lang), high=HIGH_RATING))
    if wave.is_example:
        st.warning(t("catalogue.page.synthetic", lang), icon=":material/science:")


def outcome_box(result: SurveyCatalogue, lang: Lang) -> None:
    """The catalogue in one sentence; a tie at the cut-off stands out as on the Matrix
    page; exclusions still waiting for a reason are named."""
    sentence = outcome_sentence(result, lang, name=plain)  # names from a file: as text
    if result.ranking.tie is not None:
        st.warning(sentence, icon=":material/balance:")
    else:
        st.success(sentence, icon=":material/check_circle:")
    for line in result_notes(result, lang, name=plain):
        st.warning(line, icon=":material/edit_note:")


def _status(row: pd.Series, lang: Lang) -> str:
    if row["chosen"]:
        return t("catalogue.status_chosen", lang)
    if row["excluded"]:
        return t("catalogue.status_excluded", lang)
    return t("catalogue.status_out", lang)


def chart_rows(result: SurveyCatalogue, lang: Lang) -> pa.Table:
    table = result.ranking.table
    rated = table[table["n"] > 0]
    return pa.table({
        "servizio": [clean(n) for n in rated["name"]],
        "posizione": list(range(len(rated))),
        "media": rated["mean"].astype(float).tolist(),
        "quota": rated["share_high"].astype(float).tolist(),
        "n": rated["n"].astype(int).tolist(),
        "stato": [_status(r, lang) for _, r in rated.iterrows()],
        "etichetta": [fmt_mean(m, lang) + ("  =" if tied else "")
                      for m, tied in zip(rated["mean"], rated["tied_at_cutoff"], strict=True)],
        "motivo": [clean(r, max_len=None) or "—" for r in rated["excluded_reason"]],
    })


@lru_cache(maxsize=8)
def _chart_spec(lang: str) -> dict[str, Any]:
    statuses = [t("catalogue.status_chosen", lang), t("catalogue.status_excluded", lang),
                t("catalogue.status_out", lang)]
    base = alt.Chart(pd.DataFrame(columns=["servizio"]))
    y = alt.Y("servizio:N", title=None,
              sort=alt.EncodingSortField("posizione", op="min", order="ascending"),
              axis=alt.Axis(labelLimit=alt.ExprRef("max(90, min(240, containerSize()[0] * 0.4))")))
    bars = base.mark_bar().encode(
        x=alt.X("media:Q", title=t("catalogue.col.mean", lang),
                scale=alt.Scale(domain=[0, 5]), axis=alt.Axis(format=NUMBER, tickCount=5)),
        color=alt.Color("stato:N", title=None, sort=statuses,
                        scale=alt.Scale(domain=statuses, range=list(STATUS_COLOURS)),
                        legend=alt.Legend(orient="top", labelLimit=160, columns=alt.ExprRef(
                            "containerSize()[0] < 420 ? 2 : 3"))),
        tooltip=[
            alt.Tooltip("servizio:N", title=t("catalogue.col.service", lang)),
            alt.Tooltip("media:Q", title=t("catalogue.col.mean", lang), format=",.2f"),
            alt.Tooltip("quota:Q", title=t("catalogue.col.share_high", lang, high=HIGH_RATING),
                        format=".0%"),
            alt.Tooltip("n:Q", title=t("catalogue.col.n", lang)),
            alt.Tooltip("stato:N", title=t("catalogue.chart.status", lang)),
            alt.Tooltip("motivo:N", title=t("catalogue.col.excluded", lang)),
        ],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(
        x="media:Q", text="etichetta:N")
    chart = alt.layer(bars, labels).encode(y=y).properties(
        height=alt.Step(BAR_STEP), title=t("catalogue.chart.title", lang)
    ).configure_view(stroke=None)
    spec = with_number_locale(chart.to_dict(), lang)
    spec.pop("data", None)
    spec.pop("datasets", None)
    return spec


def ranking_chart(result: SurveyCatalogue, lang: Lang) -> None:
    st.vega_lite_chart(chart_rows(result, lang), _chart_spec(lang), width="stretch")
    st.caption(t("catalogue.chart.alt", lang))


def ranking_table(result: SurveyCatalogue, lang: Lang) -> None:
    """The same numbers as the chart, as a table (the chart's text alternative)."""
    table = result.ranking.table
    rated = table["n"] > 0
    data = pd.DataFrame({
        t("catalogue.col.rank", lang): [int(r) if ok else None
                                        for r, ok in zip(table["rank"], rated, strict=True)],
        t("catalogue.col.service", lang): [clean(n) for n in table["name"]],
        t("catalogue.col.mean", lang): [fmt_mean(m, lang) if ok else "—"
                                        for m, ok in zip(table["mean"], rated, strict=True)],
        t("catalogue.col.share_high", lang, high=HIGH_RATING): [
            fmt_percent(s, lang, 0) if ok else "—"
            for s, ok in zip(table["share_high"], rated, strict=True)],
        t("catalogue.col.n", lang): table["n"].astype(int),
        t("catalogue.col.chosen", lang): ["✔" if v else "" for v in table["chosen"]],
        t("catalogue.col.tied", lang): ["=" if v else "" for v in table["tied_at_cutoff"]],
        t("catalogue.col.excluded", lang): [clean(r, max_len=None) if e else ""
                                            for r, e in zip(table["excluded_reason"],
                                                            table["excluded"], strict=True)],
    })
    st.dataframe(data, hide_index=True, width="stretch", column_config={
        t("catalogue.col.rank", lang): st.column_config.NumberColumn(width=50),
        t("catalogue.col.excluded", lang): st.column_config.TextColumn(width="large"),
    })


def breakdown_table(part: Breakdown, lang: Lang, group_key: str) -> pd.DataFrame:
    """Services down, groups across; each cell "mean · share ≥ 4 (n)", a group under the
    minimum "n = 2: too few"."""
    table = part.table
    groups = list(dict.fromkeys(
        t("catalogue.group_missing", lang) if pd.isna(g) else clean(str(g))
        for g in table["group"]))
    cells: dict[str, dict[str, str]] = {}
    services: list[str] = []
    for _, row in table.iterrows():
        group = t("catalogue.group_missing", lang) if pd.isna(row["group"]) else \
            clean(str(row["group"]))
        service = clean(row["name"])
        if service not in services:
            services.append(service)
        if row["n"] == 0:
            text = "—"
        elif row["small"]:
            text = t("catalogue.cell_small", lang, n=int(row["n"]))
        else:
            text = t("catalogue.cell", lang, mean=fmt_mean(row["mean"], lang),
                     share=fmt_percent(row["share_high"], lang, 0), n=int(row["n"]))
        cells.setdefault(service, {})[group] = text
    data = pd.DataFrame({t(group_key, lang): services,
                         **{g: [cells[s].get(g, "—") for s in services] for g in groups}})
    return data


def breakdowns(result: SurveyCatalogue, lang: Lang) -> None:
    st.subheader(t("catalogue.page.breakdowns", lang))
    st.caption(t("catalogue.page.breakdowns_help", lang, high=HIGH_RATING,
                 min_n=result.by_class.min_n if result.by_class else 5))
    parts = [(key, part) for key, part in (("catalogue.page.by_class", result.by_class),
                                           ("catalogue.page.by_zone", result.by_zone))
             if part is not None]
    if not parts:
        st.info(t("catalogue.page.no_groups", lang), icon=":material/info:")
        return
    tabs = st.tabs([t(key, lang) for key, _ in parts])
    for tab, (key, part) in zip(tabs, parts, strict=True):
        with tab:
            st.dataframe(breakdown_table(part, lang, "catalogue.col.service"),
                         hide_index=True, width="stretch")
            if key == "catalogue.page.by_zone":
                st.caption(t("catalogue.page.zones_help", lang))


def page_link(survey: Survey, wave: Wave, choice: CatalogueChoice, lang: Lang) -> str:
    """The address that reopens this choice, from the address the page was opened at."""
    here = urlsplit(st.context.url or "")
    path = here.path.rstrip("/")
    if path.endswith("/" + CATALOGUE_PAGE):
        path = path[: -len(CATALOGUE_PAGE) - 1]
    base = urlunsplit(here._replace(path=path, query="", fragment="")) \
        if here.scheme in ("http", "https") else None
    if base is None:
        from metrodigital.report import DEFAULT_PUBLIC_URL, public_url

        try:
            base = public_url()
        except ValueError:
            base = DEFAULT_PUBLIC_URL
    return catalogue_link(base, survey, wave.slug, choice, lang)


def download(result: SurveyCatalogue, wave: Wave, lang: Lang) -> None:
    """The Excel file: the choice with its reasons, the numbers, the link back."""
    link = page_link(result.survey, wave, result.choice, lang)

    def workbook() -> bytes:
        return build_catalogue_workbook(result, wave_name=wave.name,
                                        example=wave.is_example,
                                        link=link, lang=lang)

    st.download_button(t("catalogue.page.download", lang), data=workbook,
                       file_name=catalogue_file_name(wave.slug, date.today()),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", on_click="ignore")
