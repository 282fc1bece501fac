"""METRODIGITAL — the Method page: the surveys, the questionnaire, the matrix, weights, ties,
the catalogue, the link and the source, for the survey chosen in the sidebar."""

import streamlit as st

from metrodigital.i18n import t
from metrodigital.method import link_parameters, survey_outline
from metrodigital.surveys.registry import DEFAULT_SURVEY
from ui.common import close_page, open_page

page = open_page("method.title", matrix=False)
lang, survey = page.lang, page.survey
st.subheader(t("method.surveys.title", lang))
st.markdown(t("method.surveys.body", lang))
if survey.id == DEFAULT_SURVEY:  # the source's method, told in full
    sections = ("questionnaire", "matrix", "weights", "ties", "quotas")
else:
    sections = ("milan",) if survey.id == "ponmetro-milano-2017" else ()
for section in sections:
    st.subheader(t(f"method.{section}.title", lang))
    st.markdown(t(f"method.{section}.body", lang))
if survey.has_matrix:  # the Scheda ente's strengths and weaknesses, as that page states them
    st.subheader(t("method.profile.title", lang))
    st.markdown(t("scheda.rule", lang))
if survey.catalogue is not None:  # the Catalogo servizi's rule, as that page states it
    st.subheader(t("method.catalogue.title", lang))
    st.markdown(t("catalogue.method.text", lang))
st.subheader(t("method.definition.title", lang))
st.caption(t("method.definition.caption", lang, file=survey.path))
reconstruction = survey.reconstruction(lang)
if reconstruction:
    st.info(reconstruction, icon=":material/construction:")
st.dataframe(survey_outline(survey, lang), hide_index=True, width="stretch")
st.subheader(t("method.link.title", lang))
st.markdown(t("method.link.body", lang))
st.dataframe(link_parameters(survey, lang), hide_index=True, width="stretch")
if survey.id == DEFAULT_SURVEY:
    st.subheader(t("method.source.title", lang))
    st.markdown(t("method.source.body", lang))
close_page(page)
