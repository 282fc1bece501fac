"""METRODIGITAL — the Compare page: saved scenarios, and two scenarios side by side."""

import streamlit as st

from metrodigital.compare import compare
from metrodigital.display import clean
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from ui.common import close_page, open_page
from ui.compare import (
    SOURCE,
    choose_other,
    entered_and_left,
    keep_in_link,
    other_scenario,
    saved_list,
    saving,
    slope_chart,
)

page = open_page("compare.title")
lang, store, scenario = page.lang, page.store, page.scenario
saved, may_edit, auth, actor = saving(store, scenario)
other = choose_other(saved, scenario, lang)
if scenario.total_weight == 0:
    st.info(t("selection.all_zero", lang), icon=":material/info:")
    close_page(page, own=keep_in_link(other))
    st.stop()
label_a = t("compare.current", lang)
label_b = t("compare.source", lang) if other == SOURCE else clean(other)
result = compare(evaluate(store, scenario), evaluate(store, other_scenario(other, saved, scenario)))

rho, tau, moved = st.columns(3)
rho.metric(t("compare.spearman", lang), fmt_number(result.spearman, lang, 3))
tau.metric(t("compare.kendall", lang), fmt_number(result.kendall, lang, 3))
moved.metric(t("compare.moved", lang), len(result.entered) + len(result.left))
entered_and_left(result, lang)
st.altair_chart(slope_chart(result, label_a, label_b, lang), width="stretch")
st.caption(t("compare.chart_alt", lang))

saved_list(store, saved, scenario, lang, may_edit=may_edit, auth=auth, actor=actor)
close_page(page, own=keep_in_link(other))
