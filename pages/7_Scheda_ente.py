"""METRODIGITAL — the Scheda ente page: one entity in the chosen scenario (``ente`` in the
link): standing, robustness, section profile, strengths and weaknesses, offers that fit,
answers beside its peers', history, interview brief and record."""

import streamlit as st

from metrodigital.display import plain
from metrodigital.i18n import t
from metrodigital.offers import OfferDefinitionError, offers_for
from metrodigital.profile import build_profile
from ui import scheda
from ui.common import close_page, open_page
from ui.robustness import shared_analysis

page = open_page("scheda.title", matrix=False)
lang, store, survey, wave = page.lang, page.store, page.survey, page.wave
if wave is None:
    st.info(t("scheda.no_wave", lang, survey=plain(survey.name_in(lang))),
            icon=":material/inbox:")
    close_page(page)
    st.stop()

st.caption(t("scheda.intro", lang))
entity = scheda.entity_picker(store, wave, lang)
if entity is None:
    close_page(page)
    st.stop()

problem = None
try:
    offers_for(survey.id)
except OfferDefinitionError as error:
    problem = error
has_points = survey.has_matrix and not store.points(wave.slug).empty
report = shared_analysis(store, page.scenario, lang) if has_points else None
profile = build_profile(store, page.scenario, entity, lang, report=report,
                        offers_ok=problem is None)
scheda.header(profile, lang)
scheda.brief_buttons(store, page.scenario, profile, report, lang)
scheda.robustness(profile, lang)
scheda.sections(profile, lang)
scheda.offers(profile, lang, problem)
scheda.pnrr(profile, lang)
scheda.answers(store, profile, lang)
scheda.history(profile, lang)
scheda.interview(store, profile, lang)
close_page(page, own=scheda.own_params(entity))
