"""METRODIGITAL — the Piano d'azione page: per offer of the Città Metropolitana, how many
entities it fits and how many agreed to it, by zone and population class, with the
entities; Excel export."""

import altair as alt
import pandas as pd
import streamlit as st

from metrodigital.action_plan import (
    build_plan,
    entities_frame,
    group_frame,
    plan_xlsx,
    summary_frame,
)
from metrodigital.answers_sql import waves_with_answers
from metrodigital.display import plain
from metrodigital.i18n import t
from metrodigital.interviews import all_current
from metrodigital.offers import OfferDefinitionError, offers_for
from metrodigital.profile import answered_entities
from ui.common import close_page, open_page
from ui.sidebar import wave_buttons

page = open_page("piano.title", matrix=False, matrix_controls=False)
lang, store, survey, wave = page.lang, page.store, page.survey, page.wave
try:
    offers = offers_for(survey.id)
except OfferDefinitionError as error:
    st.error(t("scheda.offers.bad_file", lang, detail=plain("; ".join(error.messages(lang)),
                                                          max_len=None)), icon=":material/error:")
    close_page(page)
    st.stop()
if offers is None or wave is None:
    st.info(t("piano.no_offers", lang, survey=plain(survey.name_in(lang))) if offers is None
            else t("scheda.no_wave", lang, survey=plain(survey.name_in(lang))),
            icon=":material/inbox:")
    close_page(page)
    st.stop()
st.caption(t("piano.intro", lang))
if not answered_entities(store, wave.slug):
    st.info(t("piano.no_answers", lang, wave=plain(wave.label(lang))), icon=":material/inbox:")
    wave_buttons(waves_with_answers(store, survey.id), lang, "piano")
    close_page(page)
    st.stop()

plan = build_plan(store, wave.slug, survey, offers, lang)
st.caption(t("piano.caption", lang, wave=plain(wave.label(lang)), n=plan.respondents,
             interviews=len(all_current(store, survey.id))))
summary = summary_frame(plan, lang)
offer_col, fits_col, agreed_col = summary.columns[:3]
long = summary[[offer_col, fits_col, agreed_col]].melt(
    id_vars=offer_col, var_name=t("piano.chart.kind", lang),
    value_name=t("piano.chart.count", lang))
st.altair_chart(alt.Chart(long).mark_bar().encode(
    y=alt.Y(f"{offer_col}:N", sort=list(summary[offer_col]), title=None),
    yOffset=alt.YOffset(f"{t('piano.chart.kind', lang)}:N"),
    x=alt.X(f"{t('piano.chart.count', lang)}:Q"),
    color=alt.Color(f"{t('piano.chart.kind', lang)}:N", legend=alt.Legend(orient="bottom")),
    tooltip=list(long.columns)).properties(height=alt.Step(14)), width="stretch")
st.dataframe(summary, hide_index=True, width="stretch")
st.download_button(t("piano.download", lang), data=lambda: plan_xlsx(plan, lang),
                   file_name=f"piano-azione-{wave.slug}.xlsx", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
group = st.radio(t("piano.by", lang), options=["zona", "classe"], horizontal=True,
                 format_func=lambda g: t(f"piano.by.{g}", lang), key="_piano_by")
st.dataframe(group_frame(plan, str(group), lang), hide_index=True, width="stretch")
st.subheader(t("piano.entities", lang))
for row in plan.summary.to_dict("records"):
    if not row["fits"] and not row["agreed"]:
        continue
    offer = offers.offer(str(row["offer"]))
    with st.expander(t("piano.entities_of", lang, offer=plain(offer.name_in(lang)),
                       fits=row["fits"], agreed=row["agreed"])):
        frame: pd.DataFrame = entities_frame(plan, lang, offer.key)
        st.dataframe(frame.drop(columns=[frame.columns[0]]), hide_index=True, width="stretch")
close_page(page)
