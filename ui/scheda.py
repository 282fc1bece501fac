"""The Scheda ente page's parts: the entity picker (``ente`` in the link), its standing,
robustness, section profile, strengths and weaknesses, offers, answers and history."""

from __future__ import annotations

import math
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from metrodigital.analysis import RobustnessReport
from metrodigital.display import clean, plain
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.interviews import InterviewRecord
from metrodigital.offers import OfferDefinitionError, OfferList, offers_for, trigger_text
from metrodigital.params import PARAM_ENTE
from metrodigital.profile import (
    EntityProfile,
    EntityRef,
    build_profile,
    resolve_entity,
    status_text,
    wave_entities,
    waves_with_answers,
)
from metrodigital.ranking import Selection, evaluate
from metrodigital.roles import Actor, AuthConfig
from metrodigital.scenario import Note, Scenario
from metrodigital.store import Store, Wave
from ui.links import is_fresh_page, raw_params, write_to_link
from ui.map import ENTITY_PAGE
from ui.sidebar import add_link_notes, wave_buttons

_WAVE_KEY = "_scheda_wave"
_LINK_MAX = 40
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def entity_picker(store: Store, wave: Wave, lang: Lang) -> EntityRef | None:
    """The entity chosen (seeded from the link's ``ente``; a key the wave does not
    know is said among the link notes); None until one is chosen."""
    entities = wave_entities(store, wave.slug)
    if not entities:
        st.info(t("scheda.no_entities", lang), icon=":material/inbox:")
        return None
    by_key = {e.key: e for e in entities}
    fresh = is_fresh_page() or st.session_state.get(_WAVE_KEY) != wave.slug
    if fresh:
        linked = raw_params().get(PARAM_ENTE, [])
        found = resolve_entity(entities, linked[-1]) if linked else None
        if linked and found is None:
            add_link_notes([Note("scheda.bad_ente", {"value": linked[-1][:_LINK_MAX]})])
        st.session_state[PARAM_ENTE] = found.key if found else None
        st.session_state[_WAVE_KEY] = wave.slug
    if st.session_state.get(PARAM_ENTE) not in by_key:
        st.session_state[PARAM_ENTE] = None
    names = {e.key: clean(e.name) for e in entities}
    chosen = st.selectbox(t("scheda.pick", lang), options=sorted(names, key=names.__getitem__),
                          format_func=names.__getitem__, key=PARAM_ENTE, index=None,
                          placeholder=t("scheda.pick_placeholder", lang))
    write_to_link(PARAM_ENTE, [chosen] if chosen else [])
    return by_key.get(chosen) if chosen else None


def own_params(entity: EntityRef | None) -> dict[str, str]:
    return {PARAM_ENTE: entity.key} if entity else {}


def header(profile: EntityProfile, lang: Lang) -> None:
    st.subheader(plain(profile.entity.name))
    st.caption(t("scheda.wave_caption", lang, wave=plain(profile.wave.label(lang)),
                 n=profile.n_respondents, survey=plain(profile.survey.name_in(lang))))
    if profile.population_class:
        st.caption(t("scheda.class_caption", lang, label=plain(profile.population_class),
                     n=profile.n_class))
    standing = profile.standing
    if standing is None:
        if not profile.survey.has_matrix:
            st.info(t("scheda.no_matrix", lang, survey=plain(profile.survey.name_in(lang))),
                    icon=":material/grid_off:")
        return
    decimals = 0 if standing.score == round(standing.score) else 2
    with st.container(horizontal=True, gap="medium"):
        st.metric(t("scheda.metric.rank", lang), standing.rank,
                  help=t("scheda.metric.rank_of", lang, n=standing.n), border=True)
        st.metric(t("scheda.metric.score", lang), fmt_number(standing.score, lang, decimals),
                  border=True)
        st.metric(t("scheda.metric.status", lang), status_text(profile, lang), border=True)
    st.caption(t("scheda.metric.rank_of", lang, n=standing.n) + " · "
               + t("scheda.metric.reference_rank", lang, rank=standing.reference_rank))
    if standing.tied:
        st.warning(plain(standing.tie_sentence, max_len=None), icon=":material/balance:")


def robustness(profile: EntityProfile, lang: Lang) -> None:
    view = profile.robustness
    if view is None:
        return
    st.markdown(f"#### {t('scheda.robustness.title', lang)}")
    cls = t("scheda.robustness.undecided", lang) if view.cls == "undecided" else \
        t(f"robustness.class_{view.cls}", lang)
    st.markdown(t("scheda.robustness.text", lang, cls=cls, p=fmt_percent(view.p_selected, lang),
                  best=view.best_rank, worst=view.worst_rank))
    if view.tipping:
        for sentence in view.tipping:
            st.markdown(f"- {plain(sentence, max_len=None)}")
    else:
        st.caption(t("scheda.robustness.no_tipping", lang))


def section_rows(profile: EntityProfile, lang: Lang) -> pd.DataFrame:
    """The chart's data: per section and group, quartiles and median as % of the maximum."""
    rows = []
    for s in profile.sections:
        top = s.maximum or 1.0
        for series, q1, median, q3 in (
                ("class", s.class_q1, s.class_median, s.class_q3),
                ("all", s.all_q1, s.all_median, s.all_q3)):
            if math.isnan(median):
                continue
            rows.append({"section": s.label, "series": t(f"scheda.series.{series}", lang),
                         "q1": q1 / top, "median": median / top, "q3": q3 / top,
                         "entity": s.points / top, "points": s.points, "max": s.maximum})
    return pd.DataFrame(rows)


def sections_chart(profile: EntityProfile, lang: Lang) -> alt.Chart | alt.LayerChart:
    data = section_rows(profile, lang)
    order = [s.label for s in profile.sections]
    y = alt.Y("section:N", sort=order, title=None)
    offset = alt.YOffset("series:N", title=None)
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    axis = alt.X("q1:Q", title=t("scheda.sections.axis", lang),
                 scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    bars = alt.Chart(data).mark_bar(height=8, opacity=0.6).encode(
        x=axis, x2="q3:Q", y=y, yOffset=offset, color=colour)
    ticks = alt.Chart(data).mark_tick(thickness=2, size=14, color="black").encode(
        x="median:Q", y=y, yOffset=offset)
    entity = alt.Chart(data.drop_duplicates("section")).mark_point(
        filled=True, size=110, color="#d62728", shape="diamond").encode(
        x="entity:Q", y=y,
        tooltip=[alt.Tooltip("section:N", title=t("scheda.col.section", lang)),
                 alt.Tooltip("points:Q", title=t("scheda.col.points", lang)),
                 alt.Tooltip("max:Q", title=t("scheda.col.max", lang))])
    return (bars + ticks + entity).properties(height=alt.Step(34))


def sections(profile: EntityProfile, lang: Lang) -> None:
    if not profile.sections:
        return
    st.markdown(f"#### {t('scheda.sections.title', lang)}")
    st.altair_chart(sections_chart(profile, lang), width="stretch")
    st.caption(t("scheda.sections.caption", lang))
    st.dataframe(profile.sections_frame(lang), hide_index=True, width="stretch")
    none = t("scheda.none", lang)
    strong = ", ".join(s.label for s in profile.strengths) or none
    weak = ", ".join(s.label for s in profile.weaknesses) or none
    st.markdown(f"**{t('scheda.strengths', lang)}:** {plain(strong, max_len=None)}  \n"
                f"**{t('scheda.weaknesses', lang)}:** {plain(weak, max_len=None)}")
    st.caption(t("scheda.rule", lang))


def offers(profile: EntityProfile, lang: Lang, problem: OfferDefinitionError | None) -> None:
    st.markdown(f"#### {t('scheda.offers.title', lang)}")
    if problem is not None:
        st.error(t("scheda.offers.bad_file", lang, detail=plain("; ".join(
            problem.messages(lang)), max_len=None)), icon=":material/error:")
        return
    if not profile.has_offers:
        st.caption(t("scheda.offers.no_list", lang, survey=plain(profile.survey.name_in(lang))))
        return
    if not profile.has_answers:
        return  # said once by the answers' part
    if not profile.fits:
        st.caption(t("scheda.offers.none", lang))
        return
    for fit in profile.fits:
        with st.container(border=True):
            st.markdown(f"**{plain(fit.offer.name_in(lang))}** · "
                        f"{plain(fit.offer.description_in(lang), max_len=None)}")
            st.caption(t("scheda.offers.because", lang) + " " + "; ".join(
                plain(trigger_text(profile.survey, tr, lang), max_len=None)
                for tr in fit.triggers))


def answers(store: Store, profile: EntityProfile, lang: Lang) -> None:
    st.markdown(f"#### {t('scheda.answers.title', lang)}")
    if not profile.has_answers:
        st.info(t("scheda.answers.none", lang, wave=plain(profile.wave.label(lang))),
                icon=":material/inbox:")
        wave_buttons(waves_with_answers(store, profile.survey.id, profile.entity.entity_id),
                     lang, "scheda")
        return
    st.dataframe(profile.answers.drop(columns=["code"]), hide_index=True, width="stretch")


def history(profile: EntityProfile, lang: Lang) -> None:
    if profile.history.empty:
        return
    st.markdown(f"#### {t('scheda.history.title', lang)}")
    st.dataframe(profile.history, hide_index=True, width="stretch")


def brief_buttons(store: Store, scenario: Scenario, profile: EntityProfile,
                  report: RobustnessReport | None, lang: Lang) -> None:
    """Download the entity's brief, and the brief of every selected entity (both built
    when clicked)."""
    from metrodigital.brief import brief_file_name, build_brief
    from ui.common import share_url

    link = share_url(scenario, lang, own_params(profile.entity))

    def one() -> bytes:
        return build_brief([profile], lang, link)

    with st.container(horizontal=True):
        st.download_button(t("brief.download_one", lang), data=one,
                           file_name=brief_file_name([profile]), mime=DOCX_MIME,
                           icon=":material/description:", key="_brief_one")
        if profile.standing is None:
            return
        selection = evaluate(store, scenario)
        chosen = [e for e in wave_entities(store, scenario.wave)
                  if e.entity_id in set(selection.selected_ids)]
        if not chosen:
            return

        def everyone() -> bytes:
            profiles = [build_profile(store, scenario, e, lang, report=report,
                                      selection=selection) for e in chosen]
            profiles.sort(key=lambda p: p.standing.rank if p.standing else 0)
            return build_brief(profiles, lang, share_url(scenario, lang))

        st.download_button(t("brief.download_all", lang, n=len(chosen)), data=everyone,
                           file_name=f"brief-{scenario.wave}-selezionati.docx",
                           mime=DOCX_MIME, icon=":material/library_books:", key="_brief_all")


# -- interview record -------------------------------------------------------------------
_FORM = "_interview_"


def interview(store: Store, profile: EntityProfile, lang: Lang) -> None:
    """The record in force, its versions, the editor's form and the export."""
    from metrodigital import interviews
    from metrodigital.roles import display_actor
    from ui.auth import editor_gate, is_editor

    survey, entity = profile.survey, profile.entity
    try:
        offers = offers_for(survey.id)
    except OfferDefinitionError:
        offers = None
    st.markdown(f"#### {t('interviews.title', lang)}")
    editor = is_editor()
    versions = interviews.history(store, survey.id, entity.entity_id)
    if not versions:
        st.caption(t("interviews.none", lang))
    else:
        record = versions[0]
        who = display_actor(record.saved_by, editor, lang)
        st.caption(t("interviews.current", lang, version=record.version,
                     when=record.saved_at.strftime("%d/%m/%Y %H:%M"),
                     who=t("interviews.by", lang, who=plain(who))))
        names = {entity.entity_id: entity.name}
        frame = interviews.records_frame([record], names, offers, lang, include_who=False)
        st.dataframe(frame.drop(columns=[frame.columns[0]]), hide_index=True, width="stretch")
        with st.expander(t("interviews.history", lang, n=len(versions))):
            st.dataframe(interviews.records_frame(versions, names, offers, lang,
                                                  include_who=editor)
                         .drop(columns=[frame.columns[0]]), hide_index=True, width="stretch")
    with st.expander(t("interviews.edit", lang), icon=":material/edit_note:"):
        auth, actor, decision = editor_gate(lang)
        if decision.allowed:
            _interview_form(store, profile, offers, versions[0] if versions else None,
                            auth, actor, lang)
    everyone = {e.entity_id: e.name for e in wave_entities(store, profile.wave.slug)}
    st.download_button(
        t("interviews.export", lang),
        data=lambda: interviews.export_xlsx(store, survey.id, everyone, offers, lang,
                                            include_who=editor),
        file_name=f"interviste-{survey.id}.xlsx", icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="_interviews_export")


def _interview_form(store: Store, profile: EntityProfile, offers: OfferList | None,
                    record: InterviewRecord | None, auth: AuthConfig, actor: Actor,
                    lang: Lang) -> None:
    from metrodigital import interviews
    from metrodigital.roles import PermissionDenied
    from metrodigital.store import StoreError
    from ui.auth import refusal_text

    entity = profile.entity
    key = _FORM + entity.entity_id + "_"
    if key + "date" not in st.session_state:  # the record in force fills the form
        st.session_state[key + "date"] = record.interview_date if record else None
        st.session_state[key + "who"] = record.attendees if record else ""
        st.session_state[key + "notes"] = record.notes if record else ""
        st.session_state[key + "actions"] = [a.offer for a in record.actions] if record \
            else []
        for action in record.actions if record else ():
            st.session_state[key + "status_" + action.offer] = action.status
    when = st.date_input(t("interviews.date", lang), key=key + "date", format="DD/MM/YYYY")
    who = st.text_input(t("interviews.attendees", lang), key=key + "who",
                        max_chars=interviews.ATTENDEES_MAX)
    notes = st.text_area(t("interviews.notes", lang), key=key + "notes",
                         max_chars=interviews.TEXT_MAX)
    actions: list[interviews.Action] = []
    if offers is None:
        st.caption(t("interviews.no_offers", lang))
    else:
        names = {o.key: clean(o.name_in(lang)) for o in offers.offers}
        chosen = st.multiselect(t("interviews.actions", lang), options=list(names),
                                format_func=names.__getitem__, key=key + "actions")
        for offer in chosen:
            status = st.selectbox(t("interviews.status_of", lang, offer=plain(names[offer])),
                                  options=list(interviews.STATUSES),
                                  format_func=lambda s: interviews.status_label(s, lang),
                                  key=key + "status_" + offer)
            actions.append(interviews.Action(offer, str(status)))
    if st.button(t("interviews.save", lang), type="primary", key=key + "save",
                 icon=":material/save:"):
        try:
            version = interviews.save_record(
                store, auth, actor, survey_id=profile.survey.id, entity_id=entity.entity_id,
                offers=offers, interview_date=when if isinstance(when, date) else None,
                attendees=str(who or ""), notes=str(notes or ""), actions=actions)
        except interviews.InterviewError as error:
            st.error(t("interviews.refused", lang, reason=error.message(lang)),
                     icon=":material/error:")
        except (PermissionDenied, StoreError) as refused:
            st.error(t("interviews.refused", lang, reason=refusal_text(refused, lang)),
                     icon=":material/lock:")
        else:
            st.success(t("interviews.saved", lang, version=version),
                       icon=":material/check_circle:")
            st.rerun()


# -- the Matrix table's links to the Scheda ---------------------------------------------
SCHEDA_PATH = ENTITY_PAGE  # the page's address (pages/7_Scheda_ente.py), as the map links it


def scheda_url(query: dict[str, str | list[str]]) -> str:
    """The Scheda ente's address with ``query``, on the server the page was opened from
    (relative when unknown)."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    encoded = urlencode(query, doseq=True)
    try:
        here = urlsplit(st.context.url or "")
    except Exception:  # no request (a script run without a browser)
        here = urlsplit("")
    if not here.netloc:
        return f"{SCHEDA_PATH}?{encoded}"
    base = here.path if here.path.endswith("/") else here.path.rsplit("/", 1)[0] + "/"
    return urlunsplit(here._replace(path=base + SCHEDA_PATH, query=encoded, fragment=""))


def scheda_link_column(selection: Selection, lang: Lang
                       ) -> tuple[str, list[str], object]:
    """The Matrix table's column of links: label, one URL per row (the scenario and the
    entity), and its column setting (an icon; the link opens the Scheda)."""
    from metrodigital.params import link_query

    query = link_query(selection.scenario, lang)
    links = [scheda_url({**query, PARAM_ENTE: str(e)}) for e in selection.table["entity_id"]]
    label = t("scheda.table_column", lang)
    column = st.column_config.LinkColumn(label, width=54, display_text=":material/badge:",
                                         help=t("scheda.table_column_help", lang))
    return label, links, column


# -- PNRR record ------------------------------------------------------------------------
def pnrr_frame(profile: EntityProfile, lang: Lang) -> pd.DataFrame:
    """The comparison as the page and the brief show it."""
    from metrodigital.pnrr import measures

    question = profile.survey.question(measures().question)
    yes, no = t("piano.yes", lang), t("piano.no", lang)

    def label(option: str) -> str:
        try:
            return question.option(option).label_in(lang)
        except KeyError:
            return option

    frame = profile.pnrr
    return pd.DataFrame({
        t("pnrr.col.measure", lang): frame["option"].map(label),
        t("pnrr.col.declared", lang): frame["declared"].map(
            lambda v: "—" if v is None else yes if v else no),
        t("pnrr.col.funded_survey", lang): frame["funded_survey"].map({True: yes, False: no}),
        t("pnrr.col.funded_latest", lang): frame["funded_latest"].map({True: yes, False: no}),
        t("pnrr.col.flag", lang): frame["flag"].map(
            lambda f: t(f"pnrr.flag.{f}", lang) if f else ""),
    })


def pnrr(profile: EntityProfile, lang: Lang) -> None:
    if profile.pnrr.empty:
        return
    from metrodigital.pnrr import applications

    st.markdown(f"#### {t('pnrr.title', lang)}")
    if profile.pnrr["declared"].isna().all():
        st.caption(t("pnrr.no_declaration", lang))
    st.dataframe(pnrr_frame(profile, lang), hide_index=True, width="stretch")
    found = applications(profile.entity.istat_code)
    with st.expander(t("pnrr.applications", lang, n=len(found))):
        st.dataframe(pd.DataFrame({
            t("pnrr.col.record", lang): found["record"].map(
                lambda r: t(f"pnrr.record.{r}", lang)),
            t("interviews.col.entity", lang): found["comune"],
            t("pnrr.col.call", lang): found["avviso"],
            t("pnrr.col.amount", lang): found["importo_finanziamento"],
            t("pnrr.col.status", lang): found["stato_candidatura"],
        }), hide_index=True, width="stretch")
    st.caption(t("pnrr.attribution", lang))
