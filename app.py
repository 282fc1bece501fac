"""METRODIGITAL — the Matrix page: weights in, ranking and selection out."""

from dataclasses import replace

import streamlit as st

from metrodigital.charts import contributions_chart
from metrodigital.display import plain
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from ui.common import Frame, PageStart, close_page, open_live_page
from ui.map import territory_map
from ui.matrix import (
    changes_text,
    download_table,
    phone_summary,
    pick_tied,
    prepare_table,
    show_table,
    tie_box,
)
from ui.scheda import scheda_link_column


def intro(page: PageStart) -> None:
    """What the weights and N do not change, drawn by the full run only."""
    wave = page.store.wave(page.controls.wave)
    st.caption(t("matrix.caption", page.lang, wave=plain(wave.name), n=wave.n_rows))


def matrix(page: Frame) -> None:
    """Everything a weight or N changes; drawn again alone when one of them moves.

    The numbers are computed before this part draws anything, so its elements reach
    the browser together.
    """
    lang, store, scenario = page.lang, page.store, page.scenario
    selection = evaluate(store, scenario)
    if selection.all_weights_zero:
        st.info(t("selection.all_zero", lang), icon=":material/info:")
        close_page(page)
        return

    tie_area = st.container()  # the tie status goes above the picker it depends on
    picks = pick_tied(selection, lang)
    if picks != scenario.picks:  # the picker's choice, not the link's, from now on
        scenario = replace(scenario, picks=picks)
        selection = evaluate(store, scenario)
    changes = changes_text(store, selection, lang)
    last_in = selection.table.loc[selection.table["selected"], "score"]
    # a click on an entity's bar opens its Scheda ente, as the table's link does
    scheda = scheda_link_column(selection, lang)
    spec, rows = contributions_chart(selection, lang, scheda[1])
    table = prepare_table(selection, lang, scheda=scheda)

    with tie_area:
        tie_box(selection, lang)
    with page.phone:
        phone_summary(selection, changes, lang)
    if changes:
        st.info("  \n".join(changes), icon=":material/swap_vert:")
    with st.container(horizontal=True, gap="medium"):
        st.metric(t("matrix.metric_selected", lang), selection.n_selected,
                  help=t("matrix.metric_selected_help", lang))
        st.metric(t("matrix.metric_cutoff", lang),
                  fmt_number(last_in.min(), lang) if len(last_in) else "—",
                  help=t("matrix.metric_cutoff_help", lang))
        st.metric(t("matrix.metric_top", lang), scenario.top)
    chart_column, map_column = st.columns([3, 2], gap="medium")  # stacked on a phone
    with chart_column:
        st.vega_lite_chart(rows, spec, width="stretch", alt=t("matrix.chart_alt", lang))
        st.caption(t("matrix.chart_alt", lang))
    with map_column:
        territory_map(store, selection, lang)
    st.subheader(t("matrix.table_title", lang))
    show_table(table)
    download_table(table, lang, scenario.wave)
    close_page(page, scenario, selection.points)


open_live_page("matrix.title", matrix, intro)
