"""METRODIGITAL — the Catalogo servizi page: the services a survey proposed, ranked by the
interest the Comuni rated, and the K chosen for the shared catalogue."""

import streamlit as st

from metrodigital.catalogue import CatalogueError, fmt_mean, has_catalogue, rank_for_survey
from metrodigital.i18n import t
from metrodigital.surveys.answers import wide_answers
from ui.catalogue import (
    breakdowns,
    choice_controls,
    download,
    no_catalogue,
    no_wave,
    outcome_box,
    own_params,
    ranking_chart,
    ranking_table,
    wave_caption,
)
from ui.common import close_page, open_page

page = open_page("catalogue.title", matrix=False, matrix_controls=False)
lang, store, survey, wave = page.lang, page.store, page.survey, page.wave
if not has_catalogue(survey):
    no_catalogue(survey, lang)
    close_page(page)
    st.stop()
if wave is None:
    no_wave(survey, lang)
    close_page(page)
    st.stop()

st.caption(t("catalogue.page.intro", lang))
choice = choice_controls(survey, lang)
try:
    result = rank_for_survey(wide_answers(store, wave.slug), survey, choice, lang)
except CatalogueError as error:
    st.error(t("catalogue.page.bad_answers", lang, detail=error.message(lang)),
             icon=":material/error:")
    close_page(page, own=own_params(choice, survey))
    st.stop()

wave_caption(wave, result, lang)
outcome_box(result, lang)
chosen = result.ranking.table[result.ranking.table["chosen"]]
with st.container(horizontal=True, gap="medium"):
    st.metric(t("catalogue.page.metric_chosen", lang), len(chosen))
    st.metric(t("catalogue.page.metric_excluded", lang),
              int(result.ranking.table["excluded"].sum()))
    st.metric(t("catalogue.page.metric_cutoff", lang),
              fmt_mean(chosen["mean"].min(), lang) if len(chosen) else "—")
ranking_chart(result, lang)
st.subheader(t("catalogue.page.table_title", lang))
ranking_table(result, lang)
download(result, wave, lang)
breakdowns(result, lang)
with st.expander(t("catalogue.method.title", lang), icon=":material/menu_book:"):
    st.markdown(t("catalogue.method.text", lang))
close_page(page, own=own_params(choice, survey))
