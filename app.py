"""METRODIGITAL — the Matrix page: weights in, ranking and selection out."""

from dataclasses import replace

import streamlit as st

from metrodigital.charts import contributions_chart
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from ui.common import close_page, open_page
from ui.matrix import normalisation_note, pick_tied, ranking_table, tie_box

page = open_page("matrix.title")
lang, store, scenario = page.lang, page.store, page.scenario
wave = store.wave(scenario.wave)
st.caption(t("matrix.caption", lang, wave=wave.name, n=wave.n_rows))

selection = evaluate(store, scenario)
if selection.all_weights_zero:
    st.info(t("selection.all_zero", lang), icon=":material/info:")
    close_page(page)
    st.stop()

tie_area = st.container()  # the tie status goes above the picker it depends on
picks = pick_tied(selection, lang)
if picks:
    scenario = replace(scenario, picks=picks)
    selection = evaluate(store, scenario)
with tie_area:
    tie_box(selection, lang)
normalisation_note(store, selection, lang)

col_selected, col_cut, col_top = st.columns(3)
col_selected.metric(t("matrix.metric_selected", lang), selection.n_selected,
                    help=t("matrix.metric_selected_help", lang))
last_in = selection.table.loc[selection.table["selected"], "score"]
col_cut.metric(t("matrix.metric_cutoff", lang),
               fmt_number(last_in.min(), lang) if len(last_in) else "—",
               help=t("matrix.metric_cutoff_help", lang))
col_top.metric(t("matrix.metric_top", lang), scenario.top)

spec, rows = contributions_chart(selection, lang)
st.vega_lite_chart(rows, spec, width="stretch", alt=t("matrix.chart_alt", lang))
st.caption(t("matrix.chart_alt", lang))
st.subheader(t("matrix.table_title", lang))
ranking_table(selection, lang)
close_page(page, scenario, selection.points)
