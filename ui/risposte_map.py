"""The map on the Risposte page: the territory's Comuni coloured by who answered, by a
question's answer or by a headline finding, for the respondents the page's filters keep
(what colours it: ``metrodigital.answers_map``).

The map itself is the Matrix page's (``metrodigital.map_chart``): the same boundaries,
placement of Unioni on their members, outlines, attribution and table alternative;
here the colour is an answer instead of a selection.
"""

from __future__ import annotations

import streamlit as st

from metrodigital.answers_map import COVERAGE, map_options, map_values, option_label
from metrodigital.answers_sql import Filters, respondents
from metrodigital.boundaries import ATTRIBUTION, WaveGeography, wave_geography
from metrodigital.display import clean, plain
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.map_chart import answered_rows, covered, map_spec, table_frame, value_rows
from metrodigital.params import PARAM_RISPOSTE_MAP
from metrodigital.scenario import Note
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.model import Survey
from ui.links import is_fresh_page, seed, write_to_link
from ui.sidebar import add_link_notes

_TABLE_KEY = "_risposte_map_table"


def _chosen(survey: Survey, lang: Lang) -> str:
    options = map_options(survey)
    if is_fresh_page() or PARAM_RISPOSTE_MAP not in st.session_state:
        linked = st.query_params.get_all(PARAM_RISPOSTE_MAP)
        if linked and linked[-1] not in options and is_fresh_page():
            add_link_notes([Note("params.bad_value", {
                "param": PARAM_RISPOSTE_MAP, "value": linked[-1][:40],
                "default": option_label(COVERAGE, survey, lang)})])
        seed(PARAM_RISPOSTE_MAP, linked[-1] if linked and linked[-1] in options else COVERAGE)
    if st.session_state.get(PARAM_RISPOSTE_MAP) not in options:
        st.session_state[PARAM_RISPOSTE_MAP] = COVERAGE
    key = str(st.selectbox(t("risposte.map.colour_by", lang), options, key=PARAM_RISPOSTE_MAP,
                           format_func=lambda k: clean(option_label(k, survey, lang)),
                           help=t("risposte.map.colour_by_help", lang)))
    write_to_link(PARAM_RISPOSTE_MAP, [key], [COVERAGE])
    return key


def answers_map(store: Store, wave: Wave, survey: Survey, filters: Filters,
                lang: Lang) -> str:
    """Draw the map section; returns the colouring chosen (for the page's own link)."""
    st.subheader(t("risposte.map.title", lang))
    key = _chosen(survey, lang)
    people = respondents(store, wave.slug)
    try:
        geo: WaveGeography = wave_geography(store, store.generation, survey.territory,
                                            tuple(sorted(people["entity_id"])))
    except (OSError, LookupError, ValueError):  # no boundaries for this territory
        st.info(t("map.unavailable", lang, territory=plain(survey.territory)),
                icon=":material/map:")
        return key
    values, colouring = map_values(store, wave, survey, key, filters, lang)
    spec = map_spec(geo, lang, colouring, dict(zip(people["entity_id"], people["ente"],
                                                   strict=True)))
    rows = value_rows(geo, values, lang)
    st.vega_lite_chart(answered_rows(rows), spec, width="stretch",
                       alt=t("risposte.map.alt", lang, what=option_label(key, survey, lang),
                             covered=covered(rows),
                             total=fmt_number(len(geo.placement.codes), lang)))
    st.caption(ATTRIBUTION)
    st.caption(t("map.coverage", lang, covered=covered(rows),
                 total=fmt_number(len(geo.placement.codes), lang)))
    box = st.expander(t("map.table", lang), icon=":material/table:", key=_TABLE_KEY,
                      on_change="rerun")
    if box.open:
        columns = ("comune", "ente", "stato", "punteggio_testo", "zona")
        box.dataframe(table_frame(rows, lang, columns), hide_index=True, width="stretch",
                      height=300)
    return key


def pnrr_confirmation(store: Store, wave: Wave, survey: Survey, lang: Lang) -> None:
    """How many of the wave's PNRR declarations the public record (PA digitale 2026 open
    data, as of the survey's time) confirms; nothing for a survey that does not ask."""
    from metrodigital.pnrr import ATTRIBUTION_KEY, confirmation, measures

    try:
        question = measures().question
        survey.question(question)
    except (KeyError, OSError, ValueError):  # the survey asks no PNRR question
        return
    result = confirmation(wide_answers(store, wave.slug))
    if not result.entities:
        return
    st.subheader(t("risposte.pnrr.title", lang))
    st.markdown(t("risposte.pnrr.body", lang, declared=fmt_number(result.declared, lang),
                  confirmed=fmt_number(result.confirmed, lang),
                  share=fmt_percent(result.confirmed / result.declared, lang)
                  if result.declared else "—",
                  surprise=fmt_number(result.funded_not_declared, lang),
                  entities=fmt_number(result.entities, lang)))
    st.caption(t(ATTRIBUTION_KEY, lang))
