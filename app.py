"""METRODIGITAL — the Matrix page: weights in, ranking and selection out."""

from dataclasses import replace

import streamlit as st

from metrodigital.charts import contributions_chart
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from ui.common import Frame, close_page, open_live_page
from ui.matrix import normalisation_text, pick_tied, prepare_table, show_table, tie_box


def matrix(page: Frame) -> None:
    """Everything a weight or N changes; drawn again alone when one of them moves.

    All the numbers are computed before anything is drawn, so the browser gets the
    whole new page at once and redraws it once.
    """
    lang, store, scenario = page.lang, page.store, page.scenario
    wave = store.wave(scenario.wave)
    caption = t("matrix.caption", lang, wave=wave.name, n=wave.n_rows)
    selection = evaluate(store, scenario)
    if selection.all_weights_zero:
        st.caption(caption)
        st.info(t("selection.all_zero", lang), icon=":material/info:")
        close_page(page)
        return

    main = st.container()
    with main:
        st.caption(caption)
        tie_area = st.container()  # the tie status goes above the picker it depends on
        picks = pick_tied(selection, lang)
    if picks:
        scenario = replace(scenario, picks=picks)
        selection = evaluate(store, scenario)
    normalisation = normalisation_text(store, selection, lang)
    last_in = selection.table.loc[selection.table["selected"], "score"]
    spec, rows = contributions_chart(selection, lang)
    table = prepare_table(selection, lang)

    with tie_area:
        tie_box(selection, lang)
    with main:
        if normalisation:
            st.info(normalisation, icon=":material/tune:")
        col_selected, col_cut, col_top = st.columns(3)
        col_selected.metric(t("matrix.metric_selected", lang), selection.n_selected,
                            help=t("matrix.metric_selected_help", lang))
        col_cut.metric(t("matrix.metric_cutoff", lang),
                       fmt_number(last_in.min(), lang) if len(last_in) else "—",
                       help=t("matrix.metric_cutoff_help", lang))
        col_top.metric(t("matrix.metric_top", lang), scenario.top)
        st.vega_lite_chart(rows, spec, width="stretch", alt=t("matrix.chart_alt", lang))
        st.caption(t("matrix.chart_alt", lang))
        st.subheader(t("matrix.table_title", lang))
        show_table(table)
    close_page(page, scenario, selection.points)


open_live_page("matrix.title", matrix)
