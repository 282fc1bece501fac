"""The frame every page shares: config, language, navigation, scenario controls, link."""

from __future__ import annotations

import atexit
import gc
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from metrodigital.display import plain
from metrodigital.i18n import DEFAULT_LANG, LANGUAGES, Lang, normalise_lang, t
from metrodigital.params import (
    PARAM_LANG,
    link_query,
    scenario_param_names,
)
from metrodigital.paths import database_path
from metrodigital.scenario import Note, Scenario
from metrodigital.store import Store, StoreError, Wave
from metrodigital.surveys.model import Survey
from ui.links import (
    enter_page,
    is_fresh_page,
    leave_page_start,
    restate_language_bound,
    seed,
    write_to_link,
)
from ui.look import apply_page_style
from ui.sidebar import (
    Controls,
    add_link_notes,
    link_notes,
    live_controls,
    outer_controls,
    wave_gone_note,
    weights_caption,
)

# Everything imported so far (Streamlit, pandas, Altair, DuckDB…) lives as long as the
# server: moving it out of the collector's sight keeps every later collection short.
gc.freeze()
# ... and back into it at exit, so that DuckDB's objects are freed before its module is torn
# down (otherwise its bindings print "nanobind: leaked … instances" when the process ends).
atexit.register(gc.unfreeze)

_LOGGER = logging.getLogger("metrodigital.pages")

# Every page, as (script path, catalogue key of its label, icon).
PAGES = (
    ("app.py", "nav.matrix", ":material/leaderboard:"),
    ("pages/1_Metodo.py", "nav.method", ":material/menu_book:"),
    ("pages/2_Carica.py", "nav.upload", ":material/upload_file:"),
    ("pages/3_Robustezza.py", "nav.robustness", ":material/balance:"),
    ("pages/4_Confronta.py", "nav.compare", ":material/compare_arrows:"),
    ("pages/5_Catalogo.py", "nav.catalogue", ":material/category:"),
    ("pages/6_Risposte.py", "nav.risposte", ":material/forum:"),
    ("pages/7_Scheda_ente.py", "nav.scheda", ":material/badge:"),
    ("pages/8_Piano_azione.py", "nav.piano", ":material/checklist:"),
)
CATALOGUE_PAGE = "pages/5_Catalogo.py"


LIVE_FRAGMENT = "live"  # the key of a live page's fragment, rerun by the weights and N


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The app's one store (one DuckDB connection; each query takes its own cursor)."""
    return Store(database_path())


@dataclass
class PageStart:
    """What a full run of every page draws first: language, store, the scenario
    controls and the place for the navigation links (filled at the end)."""

    lang: Lang
    title_key: str
    store: Store
    controls: Controls
    nav: DeltaGenerator
    share: DeltaGenerator  # the share box's place for the link, between its heading and help
    failure: DeltaGenerator  # under the title: the last-resort message, if the run fails

    @property
    def survey(self) -> Survey:
        """The survey chosen in the sidebar."""
        return self.controls.survey

    @property
    def wave(self) -> Wave | None:
        """The wave chosen in the sidebar (None when the survey has no wave yet)."""
        if not self.controls.wave:
            return None
        try:
            return self.store.wave(self.controls.wave)
        except KeyError:
            return None


@dataclass
class Frame(PageStart):
    """A page with its whole scenario known and a place, under the title, for what was
    wrong with the link (filled at the end, when every control has read the link)."""

    scenario: Scenario
    shares: DeltaGenerator
    phone: DeltaGenerator  # under the weights, shown on phones only: the results in brief
    notes: DeltaGenerator


def open_page(title_key: str, *, matrix: bool = True, matrix_controls: bool = True) -> Frame:
    """Page config, language switch, every scenario control, title and link notes.

    A page that needs a prioritisation matrix (``matrix=True``) says so and stops
    when the chosen survey has none, or no wave yet; other pages go on with the
    survey and wave chosen (``frame.survey``, ``frame.wave``); without
    ``matrix_controls`` the sidebar shows only the survey and the wave, and the rest
    of the link's scenario is kept for the links to other pages.
    """
    frame = _with_live_controls(_start_page(title_key, matrix_controls=matrix_controls))
    if matrix:
        _stop_without_matrix(frame)
    return frame


def _stop_without_matrix(frame: Frame) -> None:
    """Say plainly that the chosen survey has no matrix (or no wave), and stop the page."""
    if frame.controls.has_matrix:
        return
    survey = frame.survey
    if survey.has_matrix:
        st.info(t("page.no_waves", frame.lang, survey=plain(survey.name_in(frame.lang))),
                icon=":material/inbox:")
    else:
        st.info(t("page.no_matrix", frame.lang, survey=plain(survey.name_in(frame.lang)),
                  page=t(frame.title_key, frame.lang)), icon=":material/grid_off:")
        if survey.catalogue is not None:  # where this survey's answers lead
            st.page_link(CATALOGUE_PAGE, label=t("nav.catalogue", frame.lang),
                         icon=":material/category:",
                         query_params=scenario_query(frame.scenario, frame.lang))
    close_page(frame)
    st.stop()


def open_live_page(title_key: str, body: Callable[[Frame], None],
                   intro: Callable[[PageStart], None] | None = None) -> None:
    """Like :func:`open_page`, then ``intro`` draws what the weights and N do not
    change and ``body`` draws the rest of the page in a fragment.

    Moving a weight or N reruns only the fragment, not the whole page: the
    sidebar is not drawn again, so the ranking follows the mouse sooner. What
    the fragment writes outside itself (the weights' shares, the reset button,
    the page links, the link in the share box) it redraws on each of its reruns.
    ``body`` must end with :func:`close_page`, which writes the link.
    """
    start = _start_page(title_key, live_key=LIVE_FRAGMENT)
    if not start.controls.has_matrix:
        _stop_without_matrix(_with_live_controls(start))
    if intro is not None:
        intro(start)
    _live_fragment(start, body)


@st.fragment(key=LIVE_FRAGMENT)
def _live_fragment(start: PageStart, body: Callable[[Frame], None]) -> None:
    # a fragment rerun is a run of its own
    _catch_failures(start.lang, start.title_key, start.store, start.failure, start.nav)
    if not any(w.slug == start.controls.wave for w in start.store.waves()):
        # the wave was deleted since the full run that drew the sidebar: that run must
        # choose another wave and say so
        st.rerun(scope="app")
    body(_with_live_controls(start))


def _with_live_controls(start: PageStart) -> Frame:
    notes = st.container()  # in the fragment on a live page, so it can always write there
    with notes:
        wave_gone_note(start.lang)
    scenario, shares, phone = live_controls(start.controls, start.lang)
    return Frame(**{f.name: getattr(start, f.name) for f in fields(PageStart)},
                 scenario=scenario, shares=shares, phone=phone, notes=notes)


def _catch_failures(lang: Lang, title_key: str, store: Store | None,
                    place: DeltaGenerator | None = None,
                    nav: DeltaGenerator | None = None) -> None:
    """The last resort of this run: an error nobody foresaw shows, instead of Streamlit's
    own message (a traceback unless ``client.showErrorDetails`` hides it), a message in
    the user's language that says which page failed and whether anything was saved, with
    a reference to the full error in the server's log."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    writes = store.generation if store is not None else None

    def last_resort(error: Exception) -> bool:
        reference = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        _LOGGER.error("page %s failed, reference %s", title_key, reference, exc_info=error)
        saved = store is not None and store.generation != writes
        text = " ".join((
            t("page.failed", lang, page=t(title_key, lang), reference=reference),
            t("page.failed_saved" if saved else "page.failed_nothing_changed", lang)))
        try:
            (place or st).error(text, icon=":material/error:")
        except Exception:  # e.g. the place belongs to a run that has ended
            st.error(text, icon=":material/error:")
        if nav is not None:  # the page links are drawn last: the run did not get there
            try:
                query = {k: st.query_params.get_all(k) for k in st.query_params}
                with nav:
                    for path, label_key, icon in PAGES:
                        st.page_link(path, label=t(label_key, lang), icon=icon,
                                     query_params=query)
            except Exception:
                _LOGGER.exception("page links after a failure")
        return True  # Streamlit shows nothing more

    ctx.on_script_error = last_resort


def _start_page(title_key: str, live_key: str | None = None, *,
                matrix_controls: bool = True) -> PageStart:
    enter_page(title_key)
    _catch_failures(normalise_lang(st.session_state.get(PARAM_LANG, DEFAULT_LANG)), title_key,
                    None)
    linked_lang = st.query_params.get_all(PARAM_LANG)
    bad_lang = bool(linked_lang) and linked_lang[-1] not in LANGUAGES
    seed(PARAM_LANG, normalise_lang(linked_lang[-1] if linked_lang else DEFAULT_LANG))
    lang = normalise_lang(st.session_state[PARAM_LANG])
    st.set_page_config(page_title=f"{t(title_key, lang)} · METRODIGITAL", page_icon="🏛️",
                       layout="wide", initial_sidebar_state="auto")
    apply_page_style(lang)
    with st.sidebar:
        chosen = st.radio(
            "Lingua / Language", options=list(LANGUAGES),
            format_func={"it": "Italiano", "en": "English"}.__getitem__, horizontal=True,
            key=PARAM_LANG, on_change=restate_language_bound,
        )
        nav = st.container()
    write_to_link(PARAM_LANG, [chosen], [DEFAULT_LANG])
    lang = normalise_lang(chosen)
    try:
        store = get_store()
    except StoreError as error:  # e.g. the database file is locked by another program
        st.error(t("store.unavailable", lang, detail=error.message(lang)), icon=":material/error:")
        st.stop()
    controls = outer_controls(store, lang, live_key, matrix_controls=matrix_controls)
    with st.sidebar:
        st.subheader(t("sidebar.share", lang))
        share = st.empty()
        st.caption(t("sidebar.share_help" if controls.has_matrix and controls.drawn
                     else "sidebar.share_help_choice", lang))
    if is_fresh_page() and bad_lang:
        add_link_notes([Note("params.bad_lang", {"value": linked_lang[-1][:40]})])
    st.title(t(title_key, lang))
    failure = st.empty()
    _catch_failures(lang, title_key, store, failure, nav)
    return PageStart(lang, title_key, store, controls, nav, share, failure)


def scenario_query(scenario: Scenario, lang: Lang) -> dict[str, str | list[str]]:
    """The query parameters that reopen ``scenario`` in ``lang``."""
    return link_query(scenario, lang)


def _link_is(query: dict[str, str | list[str]]) -> None:
    """Make the address bar's scenario parameters exactly ``query``: the values the page
    ignored (and has said so above) leave it, so a reload or a copied address no longer
    carries them. Parameters of a page's own (e.g. the Compare page's) are left to it."""
    names = scenario_param_names()
    wanted = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    current = {k: st.query_params.get_all(k) for k in st.query_params if k in names}
    if current == wanted:
        return
    for name in set(current) - set(wanted):
        del st.query_params[name]
    for name, values in wanted.items():
        if current.get(name) != values:
            st.query_params[name] = values if len(values) > 1 else values[0]


def share_url(scenario: Scenario, lang: Lang, own: Mapping[str, str] | None = None) -> str:
    """The full link that reopens ``scenario`` on this page, with the page's ``own``
    parameters (e.g. the Compare page's ``vs``)."""
    here = urlsplit(st.context.url or "")
    query = urlencode({**scenario_query(scenario, lang), **(own or {})}, doseq=True)
    return urlunsplit(here._replace(path=here.path or "/", query=query))


def close_page(frame: Frame, scenario: Scenario | None = None,
               points: pd.DataFrame | None = None,
               own: Mapping[str, str] | None = None) -> None:
    """Navigation links and the share box, both carrying the final scenario; the weights'
    shares, with their real influence when the page passes the wave's ``points``. The
    page's ``own`` parameters go into its share box, not into the links to other pages
    (the page keeps them in the address bar itself)."""
    if frame.controls.has_matrix and frame.controls.drawn:
        weights_caption(frame.shares, scenario or frame.scenario, frame.lang, points)
    with frame.notes:
        link_notes(frame.lang)
    query = scenario_query(scenario or frame.scenario, frame.lang)
    _link_is(query)
    with frame.nav:
        for path, label_key, icon in PAGES:
            st.page_link(path, label=t(label_key, frame.lang), icon=icon, query_params=query)
    frame.share.code(share_url(scenario or frame.scenario, frame.lang, own), language=None,
                     wrap_lines=True)
    leave_page_start()
