"""Drawing the Compare page: which scenario to compare with (kept in the link), the slope
chart of ranks, the saved scenarios with saving and deleting (each confirmed)."""

from __future__ import annotations

from urllib.parse import parse_qs

import altair as alt
import pandas as pd
import streamlit as st

from metrodigital.compare import (
    Comparison,
    SavedScenario,
    delete_scenario,
    save_scenario,
    saved_scenarios,
)
from metrodigital.display import clean, plain
from metrodigital.explain import short_name
from metrodigital.i18n import Lang, t
from metrodigital.params import PARAM_COMPARE
from metrodigital.roles import Actor, AuthConfig, PermissionDenied, decide, display_actor
from metrodigital.scenario import Note, Scenario
from metrodigital.store import Store, StoreError
from ui.auth import auth_config, current_actor, refusal_text
from ui.links import is_fresh_page, seed, write_to_link
from ui.sidebar import add_link_notes

CHANGE_COLOURS = {"entered": "#009E73", "left": "#D55E00", "in": "#0072B2", "out": "#BBBBBB"}
SOURCE = ""  # the option for the source's weights: absent from the link
LABEL_MAX = 32  # longest entity name written beside the chart's lines
_DONE_KEY = "_compare_done"  # what the last save or delete did, said after its rerun


def saving(store: Store, scenario: Scenario) -> tuple[list[SavedScenario], bool, AuthConfig,
                                                      Actor]:
    """The wave's saved scenarios and whether this user may save and delete them."""
    auth = auth_config()
    actor = current_actor(auth)
    saved = [s for s in saved_scenarios(store) if s.wave == scenario.wave]
    return saved, decide(auth, actor).allowed, auth, actor


def choose_other(saved: list[SavedScenario], scenario: Scenario, lang: Lang) -> str:
    """The scenario to compare with: the source's weights or a saved one, kept in the link
    (``vs``); a name the link gives that is not saved for this wave is reported."""
    names = [s.name for s in saved]
    if is_fresh_page():
        linked = st.query_params.get_all(PARAM_COMPARE)
        wanted = linked[-1] if linked else SOURCE
        if wanted and wanted not in names:
            add_link_notes([Note("compare.bad_vs", {"value": clean(wanted, 40)})])
            wanted = SOURCE
        seed(PARAM_COMPARE, wanted)
    if st.session_state.get(PARAM_COMPARE) not in [SOURCE, *names]:  # deleted meanwhile
        st.session_state[PARAM_COMPARE] = SOURCE
    other = st.selectbox(t("compare.against", lang), [SOURCE, *names], key=PARAM_COMPARE,
                         format_func=lambda o: t("compare.source", lang) if o == SOURCE
                         else clean(o))
    write_to_link(PARAM_COMPARE, [other], [SOURCE])
    return str(other)


def keep_in_link(other: str) -> dict[str, str]:
    """The comparison in the address bar, and as the page's own parameter for its share
    box (none when comparing with the source's weights, the default)."""
    write_to_link(PARAM_COMPARE, [other], [SOURCE])
    return {} if other == SOURCE else {PARAM_COMPARE: other}


def other_scenario(other: str, saved: list[SavedScenario], scenario: Scenario) -> Scenario:
    if other == SOURCE:
        # "the source": the wave's reference weights
        return Scenario(weights=dict(scenario.reference), reference=dict(scenario.reference),
                        top=scenario.top, wave=scenario.wave, survey=scenario.survey)
    return next(s for s in saved if s.name == other).scenario()


def entered_and_left(result: Comparison, lang: Lang) -> None:
    entered = ", ".join(clean(short_name(n)) for n in result.entered) or "—"
    left = ", ".join(clean(short_name(n)) for n in result.left) or "—"
    st.text(t("compare.entered", lang, names=entered))  # st.text: names are never markup
    st.text(t("compare.left", lang, names=left))


def side_labels(comparison: Comparison, label_a: str, label_b: str) -> pd.DataFrame:
    """One label per rank on each side: entities sharing a rank share a label ("A, B"), so
    no two labels are written at the same height."""
    ranks = comparison.ranks
    names = [clean(short_name(n), LABEL_MAX) for n in ranks["ente"]]
    rows = []
    for side, column in ((label_b, "rank_b"), (label_a, "rank_a")):
        grouped: dict[int, list[str]] = {}
        for name, rank in zip(names, ranks[column], strict=True):
            grouped.setdefault(int(rank), []).append(name)
        rows += [{"scenario": side, "posizione": rank, "etichetta": ", ".join(group)}
                 for rank, group in sorted(grouped.items())]
    return pd.DataFrame(rows)


def slope_chart(comparison: Comparison, label_a: str, label_b: str,
                lang: Lang) -> alt.LayerChart:
    """Each entity's rank in B (left) and A (right), joined by a line coloured by what
    happened to it; names written on both sides."""
    ranks = comparison.ranks
    change = [
        "entered" if a and not b else "left" if b and not a else "in" if a else "out"
        for a, b in zip(ranks["selected_a"], ranks["selected_b"], strict=True)
    ]
    labels = {key: t(f"compare.change_{key}", lang) for key in CHANGE_COLOURS}
    names = [clean(short_name(n)) for n in ranks["ente"]]
    long = pd.DataFrame({
        "nome": names * 2,
        "scenario": [label_b] * len(ranks) + [label_a] * len(ranks),
        "posizione": list(ranks["rank_b"]) + list(ranks["rank_a"]),
        "cambio": [labels[c] for c in change] * 2,
    })
    colour = alt.Color("cambio:N", title=t("compare.change", lang),
                       scale=alt.Scale(domain=list(labels.values()),
                                       range=list(CHANGE_COLOURS.values())),
                       legend=alt.Legend(orient="top"))
    x = alt.X("scenario:N", sort=[label_b, label_a], title=None,
              scale=alt.Scale(type="point", padding=1.5),  # room for the names on both sides
              axis=alt.Axis(labelAngle=0, orient="top", labelLimit=300))
    y = alt.Y("posizione:Q", scale=alt.Scale(reverse=True, domain=[1, len(ranks)], nice=False),
              title=t("robustness.rank_axis", lang))
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=x, y=y, color=colour, detail="nome:N",
        tooltip=["nome:N", "scenario:N", "posizione:Q", "cambio:N"])
    text = alt.Chart(side_labels(comparison, label_a, label_b)).encode(
        x=x, y=y, text="etichetta:N")
    left = text.mark_text(align="right", dx=-8, fontSize=10, limit=260) \
        .transform_filter(alt.datum.scenario == label_b)
    right = text.mark_text(align="left", dx=8, fontSize=10, limit=260) \
        .transform_filter(alt.datum.scenario == label_a)
    return alt.layer(lines, left, right).properties(height=max(400, 16 * len(ranks)),
                                                    title=t("compare.chart_title", lang))


def _say_done(lang: Lang) -> None:
    """What the last save or delete did (it reran the page), said once."""
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        key, name = done
        st.success(t(key, lang, name=plain(name)),
                   icon=":material/check_circle:")


def saved_list(store: Store, saved: list[SavedScenario], scenario: Scenario, lang: Lang, *,
               may_edit: bool, auth: AuthConfig, actor: Actor) -> None:
    """The wave's saved scenarios with links to open them; for editors, save and delete."""
    st.subheader(t("compare.saved_title", lang))
    _say_done(lang)
    if saved:
        st.dataframe([{t("compare.col_name", lang): clean(s.name, None),
                       t("compare.col_link", lang): "?" + s.query,
                       t("upload.col_uploaded", lang): s.created_at.strftime("%d/%m/%Y %H:%M"),
                       t("upload.col_by", lang): display_actor(s.created_by, may_edit, lang)}
                      for s in saved], hide_index=True, width="stretch")
        for item in saved:  # loading a saved scenario = opening its link on the Matrix page
            st.page_link("app.py", label=t("compare.open", lang, name=plain(item.name)),
                         icon=":material/open_in_new:",
                         query_params=parse_qs(item.query) | ({"lang": lang} if lang != "it"
                                                              else {}))
    else:
        st.caption(t("compare.none_saved", lang))
    if not may_edit:
        st.caption(t("compare.editors_only", lang))
        return
    with st.form("save_scenario", clear_on_submit=True):
        name = st.text_input(t("compare.save_name", lang), max_chars=80)
        if st.form_submit_button(t("compare.save", lang), icon=":material/save:"):
            try:
                stored = save_scenario(store, name, scenario, auth=auth, actor=actor)
            except (PermissionDenied, StoreError) as refused:
                st.error(refusal_text(refused, lang))
            else:
                st.session_state[_DONE_KEY] = ("compare.saved", stored.name)
                st.rerun()
    if saved:
        names = [s.name for s in saved]
        victim = st.selectbox(t("compare.delete_which", lang), names, format_func=clean,
                              key="_compare_victim")
        sure = st.checkbox(t("compare.delete_confirm", lang, name=plain(victim)),
                           key=f"_compare_sure_{victim}")
        if st.button(t("compare.delete", lang), disabled=not sure, icon=":material/delete:"):
            try:
                delete_scenario(store, victim, auth=auth, actor=actor)
            except (PermissionDenied, StoreError) as refused:
                st.error(refusal_text(refused, lang))
            else:
                st.session_state[_DONE_KEY] = ("compare.deleted", victim)
                st.rerun()
