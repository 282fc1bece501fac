"""METRODIGITAL — the Compare page: saved scenarios, and two scenarios side by side."""

from urllib.parse import parse_qs

import streamlit as st

from metrodigital.compare import compare, delete_scenario, save_scenario, saved_scenarios
from metrodigital.criteria import seed_weights
from metrodigital.explain import short_name
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import evaluate
from metrodigital.roles import PermissionDenied, decide
from metrodigital.scenario import Scenario
from metrodigital.store import StoreError
from ui.auth import auth_config, current_actor, refusal_text
from ui.common import close_page, open_page
from ui.compare import slope_chart

page = open_page("compare.title")
lang, store, scenario = page.lang, page.store, page.scenario
auth = auth_config()
actor = current_actor(auth)
may_edit = decide(auth, actor).allowed

saved = [s for s in saved_scenarios(store) if s.wave == scenario.wave]
SOURCE = "__source__"
options = [SOURCE, *(s.name for s in saved)]
other = st.selectbox(t("compare.against", lang), options,
                     format_func=lambda o: t("compare.source", lang) if o == SOURCE else o)
if scenario.total_weight == 0:
    st.info(t("selection.all_zero", lang), icon=":material/info:")
    close_page(page)
    st.stop()
if other == SOURCE:
    other_scenario = Scenario(weights=seed_weights(), top=scenario.top, wave=scenario.wave)
    label_b = t("compare.source", lang)
else:
    other_scenario = next(s for s in saved if s.name == other).scenario()
    label_b = other
label_a = t("compare.current", lang)
result = compare(evaluate(store, scenario), evaluate(store, other_scenario))

rho, tau, moved = st.columns(3)
rho.metric(t("compare.spearman", lang), fmt_number(result.spearman, lang, 3))
tau.metric(t("compare.kendall", lang), fmt_number(result.kendall, lang, 3))
moved.metric(t("compare.moved", lang), len(result.entered) + len(result.left))
entered = ", ".join(short_name(n) for n in result.entered) or "—"
left = ", ".join(short_name(n) for n in result.left) or "—"
st.text(t("compare.entered", lang, names=entered))
st.text(t("compare.left", lang, names=left))
st.altair_chart(slope_chart(result, label_a, label_b, lang), width="stretch")
st.caption(t("compare.chart_alt", lang))

st.subheader(t("compare.saved_title", lang))
if saved:
    st.dataframe([{t("compare.col_name", lang): s.name, t("compare.col_link", lang): "?" + s.query,
                   t("upload.col_uploaded", lang): s.created_at.strftime("%d/%m/%Y %H:%M"),
                   t("upload.col_by", lang): s.created_by} for s in saved],
                 hide_index=True, width="stretch")
    for item in saved:  # loading a saved scenario = opening its link on the Matrix page
        st.page_link("app.py", label=t("compare.open", lang, name=item.name),
                     icon=":material/open_in_new:",
                     query_params=parse_qs(item.query) | ({"lang": lang} if lang != "it" else {}))
else:
    st.caption(t("compare.none_saved", lang))
if may_edit:
    with st.form("save_scenario", clear_on_submit=True):
        name = st.text_input(t("compare.save_name", lang), max_chars=80)
        if st.form_submit_button(t("compare.save", lang)):
            try:
                save_scenario(store, name, scenario, auth=auth, actor=actor)
            except (PermissionDenied, StoreError) as refused:
                st.error(refusal_text(refused, lang))
            else:
                st.rerun()
    if saved:
        victim = st.selectbox(t("compare.delete_which", lang), [s.name for s in saved])
        if st.button(t("compare.delete", lang)):
            delete_scenario(store, victim, auth=auth, actor=actor)
            st.rerun()
else:
    st.caption(t("compare.editors_only", lang))
close_page(page)
