"""METRODIGITAL — the Robustness page: who is safely in, who is borderline, what would change it."""

from datetime import date

import streamlit as st

from metrodigital.analysis import dominance_sentence, tipping_sentence
from metrodigital.display import plain_list
from metrodigital.explain import short_name
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from metrodigital.report import build_report, report_file_name, scenario_link
from ui.common import close_page, open_page
from ui.robustness import (
    chart_rows,
    edge_only,
    effective_frame,
    intervals_chart,
    report_frame,
    robustness_controls,
    shared_analysis,
)

page = open_page("robustness.title")
lang, store = page.lang, page.store
if page.scenario.total_weight == 0:
    st.info(t("selection.all_zero", lang), icon=":material/info:")
    close_page(page)
    st.stop()

scenario = robustness_controls(page.scenario, lang)
st.caption(t("robustness.caption", lang, k=scenario.spread, draws=fmt_number(scenario.draws, lang),
             seed=scenario.seed))
report = shared_analysis(store, scenario, lang)
if report is None:
    close_page(page, scenario)
    st.stop()

classes = [row["class"] for row in report.rows()]
core, borderline, never = st.columns(3)
core.metric(t("robustness.metric_core", lang), classes.count("always"))
borderline.metric(t("robustness.metric_borderline", lang), classes.count("borderline"))
never.metric(t("robustness.metric_never", lang), classes.count("never"))
if classes.count("undecided"):
    st.warning(t("robustness.undecided_note", lang, count=classes.count("undecided")),
               icon=":material/timer:")
if edge_only(report):
    edge_names = plain_list(short_name(e) for e in edge_only(report))
    st.caption(t("robustness.edge_only", lang, names=edge_names, top=report.simulation.top))

st.altair_chart(intervals_chart(report, lang), width="stretch")
st.caption(t("robustness.chart_alt", lang))
if len(chart_rows(report)) < len(classes):
    st.caption(t("robustness.chart_subset", lang, shown=fmt_number(len(chart_rows(report)), lang),
                 total=fmt_number(len(classes), lang)))
st.dataframe(report_frame(report, lang), hide_index=True, width="stretch",
             column_config={t("robustness.col_best", lang): st.column_config.TextColumn(
                 help=t("robustness.bounds_help", lang))})
if not report.bounds.exact:
    st.caption(t("robustness.intervals_note", lang))
st.caption(t("robustness.ties_note", lang))
if scenario.quotas:
    st.caption(t("robustness.no_quotas", lang))

st.subheader(t("robustness.tipping_title", lang))
st.caption(t("robustness.tipping_caption", lang))
listed = report.listed_tipping()  # the same list as the Excel report's
if listed:
    # a long list scrolls in a box of its own
    with st.container(height=360 if len(listed) > 15 else None, border=len(listed) > 15):
        st.text("\n".join(tipping_sentence(report, tp, lang) for tp in listed))
else:
    st.text(t("robustness.no_tipping", lang))

link = scenario_link(scenario, lang, st.context.url)  # this page's own address, full
st.download_button(
    t("report.download", lang), icon=":material/download:",
    file_name=report_file_name(store.wave(scenario.wave), date.today()),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # built only when clicked: openpyxl is too slow to run on every slider move
    data=lambda: build_report(evaluate(store, scenario), store.wave(scenario.wave), report,
                              link=link, lang=lang),
)

st.subheader(t("robustness.effective_title", lang))
st.dataframe(effective_frame(report, lang), hide_index=True, width="stretch")
st.markdown(dominance_sentence(report, lang))
close_page(page, scenario)
