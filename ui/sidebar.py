"""The scenario controls every page shares, kept in step with the link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from metrodigital import territories
from metrodigital.criteria import load_criteria
from metrodigital.display import clean, plain
from metrodigital.explain import note_text
from metrodigital.i18n import Lang, fmt_number, fmt_percent, quote, t
from metrodigital.params import (
    PARAM_NORMALISATION,
    PARAM_QUOTAS,
    PARAM_SURVEY,
    PARAM_TIE_CRITERIA,
    PARAM_TIES,
    PARAM_TOP,
    PARAM_WAVE,
    default_wave,
    format_weight,
    scenario_from_params,
)
from metrodigital.quotas import Quota, parse_quota
from metrodigital.robustness import effective_weights
from metrodigital.scenario import (
    DEFAULT_TOP,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Normalisation,
    Note,
    Scenario,
    TieRule,
)
from metrodigital.store import SEED_WAVE_SLUG, Store, Wave
from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey, survey_ids
from ui.links import is_fresh_page, keep_across_languages, raw_params, seed, write_to_link

_NOTES_KEY = "_link_notes"
_WAVE_GONE_KEY = "_wave_gone"  # the name of the wave deleted while this session showed it
_WAVE_NAMES_KEY = "_wave_names"  # slug → name of the waves the last full run saw
_TOP_MAX_KEY = "_top_max"  # N's maximum when its slider was last drawn
_QUOTA_GROUP_KEY = "_quota_group"
_QUOTA_BOUND_KEY = "_quota_bound"
_QUOTA_K_KEY = "_quota_k"


def _reset_weights(reference: dict[str, float]) -> None:
    """Give every weight slider its wave's reference weight back."""
    for code, weight in reference.items():
        st.session_state[code] = int(weight)


def _reset_weights_everywhere(reference: dict[str, float]) -> None:
    """Reset from inside the live fragment: the sliders are drawn by the full run, so the
    whole page runs again to move them."""
    _reset_weights(reference)
    st.rerun()


def _reference_by_code(survey: str, wave: Wave | None) -> dict[str, float]:
    """The reference weight of each criterion of ``survey``, by link code: the wave's,
    else the survey definition's."""
    weights = dict(wave.reference_weights) if wave is not None else {}
    return {c.code: float(weights.get(c.key, c.seed_weight)) for c in load_criteria(survey)}


def _weights_now(survey: str) -> dict[str, float]:
    return {c.code: st.session_state.get(c.code) for c in load_criteria(survey)}


def _survey_changed(waves: list[Wave]) -> None:
    """Another survey chosen: its default wave, with that wave's reference weights."""
    survey = st.session_state[PARAM_SURVEY]
    slug = default_wave(survey, waves)
    st.session_state[PARAM_WAVE] = slug
    wave = next((w for w in waves if w.slug == slug), None)
    _reset_weights(_reference_by_code(survey, wave))
    st.session_state.pop(PARAM_TIE_CRITERIA, None)
    st.session_state.pop(_WAVE_GONE_KEY, None)


def _wave_changed(waves: list[Wave], shown: str) -> None:
    """Another wave of the same survey: weights the user had not moved from the previous
    wave's reference weights follow the new wave's; moved ones stay as they are."""
    st.session_state.pop(_WAVE_GONE_KEY, None)
    by_slug = {w.slug: w for w in waves}
    survey = st.session_state.get(PARAM_SURVEY, DEFAULT_SURVEY)
    before = _reference_by_code(survey, by_slug.get(shown))
    if _weights_now(survey) == before:
        _reset_weights(_reference_by_code(survey, by_slug.get(st.session_state[PARAM_WAVE])))


def wave_label(wave: Wave, lang: Lang) -> str:
    """A wave as a select box shows it: its name, and a mark when it is synthetic."""
    return clean(wave.label(lang))


@dataclass
class Controls:
    """The sidebar's scenario controls, drawn by a full run, and the place under the
    weights for what :func:`live_controls` draws, possibly in a fragment."""

    linked: Scenario  # the scenario the link asked for (already checked)
    survey: Survey
    wave: str  # "" when the survey has no wave yet
    top_max: int
    normalisation: Normalisation
    quotas: tuple[Quota, ...]
    ties: TieRule
    tie_criteria: tuple[str, ...]
    weights_slot: DeltaGenerator  # under the weight sliders: shares and reset button
    phone_slot: DeltaGenerator  # above the weight sliders: the results, on phones only
    live: bool  # weights and N rerun only the page's live fragment
    reference: dict[str, float]  # the wave's reference weights, by criterion key
    drawn: bool = True  # the matrix's controls are in the sidebar (else: the link's values)

    @property
    def has_matrix(self) -> bool:
        return self.survey.has_matrix and bool(self.wave)


def outer_controls(store: Store, lang: Lang, live_key: str | None = None, *,
                   matrix_controls: bool = True) -> Controls:
    """Draw every scenario control: survey, wave, weights, normalisation, N, quotas, tie rule.

    With ``live_key`` (the key of the page's fragment), moving a weight or N
    reruns only that fragment: see :func:`live_controls`. A survey without a
    matrix gets only the survey and wave pickers.

    On a session's first run every control takes its value from the link;
    values the link got wrong fall back to their defaults and are reported by
    :func:`link_notes`.

    Without ``matrix_controls`` (a page that does not use the matrix) only the survey
    and wave are drawn; the rest of the scenario is kept as the link says, so that it
    is still in the links to the other pages.
    """
    waves = store.waves()  # read on every full run: a wave published or deleted shows at once
    sizes = {w.slug: w.n_rows for w in waves}
    linked, notes = scenario_from_params(raw_params(), waves=waves,
                                         top_max=max(sizes.values(), default=1))
    if is_fresh_page():  # the link is read once per page entered; its notes replace older ones
        st.session_state[_NOTES_KEY] = notes
        st.session_state.pop(_WAVE_GONE_KEY, None)
    surveys = {sid: load_survey(sid) for sid in survey_ids()}

    with st.sidebar:
        seed(PARAM_SURVEY, linked.survey)
        if st.session_state[PARAM_SURVEY] not in surveys:
            st.session_state[PARAM_SURVEY] = DEFAULT_SURVEY
        survey_id = str(st.selectbox(
            t("sidebar.survey", lang), options=list(surveys),
            format_func=lambda sid: clean(surveys[sid].name_in(lang)),
            key=keep_across_languages(PARAM_SURVEY),
            help=t("sidebar.survey_help", lang), on_change=_survey_changed, args=(waves,)))
        write_to_link(PARAM_SURVEY, [survey_id], [DEFAULT_SURVEY])
        survey = surveys[survey_id]
        of_survey = [w for w in waves if w.survey_id == survey_id]
        names = {w.slug: w.name for w in waves}
        by_slug = {w.slug: w for w in of_survey}

        seed(PARAM_WAVE, linked.wave)
        shown = st.session_state[PARAM_WAVE]
        if shown not in by_slug:
            if shown and shown in st.session_state.get(_WAVE_NAMES_KEY, {}) \
                    and shown not in names:  # the wave was deleted meanwhile
                st.session_state[_WAVE_GONE_KEY] = st.session_state[_WAVE_NAMES_KEY][shown]
            st.session_state[PARAM_WAVE] = default_wave(survey_id, waves)
            shown = st.session_state[PARAM_WAVE]
        st.session_state[_WAVE_NAMES_KEY] = names
        if of_survey:
            wave = str(st.selectbox(t("sidebar.wave", lang), options=list(by_slug),
                                    format_func=lambda slug: wave_label(by_slug[slug], lang),
                                    key=keep_across_languages(PARAM_WAVE),
                                    help=t("sidebar.wave_help", lang),
                                    placeholder=t("look.choose", lang),
                                    on_change=_wave_changed, args=(waves, shown)))
        else:
            wave = ""
            st.info(t("sidebar.no_waves", lang), icon=":material/inbox:")
        # the source's wave is the default survey's default; another survey's wave is
        # always in the link (see metrodigital.params.scenario_to_params)
        write_to_link(PARAM_WAVE, [wave] if wave else [],
                      [SEED_WAVE_SLUG] if survey_id == DEFAULT_SURVEY else [])
        reference = {c.key: w for c, w in zip(
            load_criteria(survey_id),
            _reference_by_code(survey_id, by_slug.get(wave)).values(), strict=True)}
        if not (survey.has_matrix and wave and matrix_controls):
            drawn = survey.has_matrix and bool(wave)  # the link's scenario, kept as it is
            return Controls(
                linked=linked, survey=survey, wave=wave, top_max=sizes.get(wave, 1),
                normalisation=linked.normalisation if drawn else Normalisation.RAW,
                quotas=linked.quotas if drawn else (),
                ties=linked.ties if drawn else TieRule.ALL,
                tie_criteria=linked.tie_criteria if drawn else (),
                weights_slot=st.container(), phone_slot=st.container(),
                live=live_key is not None, reference=reference, drawn=False)
        criteria = load_criteria(survey_id)
        codes = {c.code: c for c in criteria}

        st.subheader(t("sidebar.weights", lang))
        # on a phone the open sidebar covers most of the page: the results in brief, above
        # the weights (drawn by the page, shown on narrow screens only)
        phone_slot = st.container(key="phone_only")
        rerun_live = (lambda: st.rerun(live_key)) if live_key else None
        for c in criteria:
            seed(c.code, int(linked.weights.get(c.key, reference[c.key])))
            st.slider(
                c.label(lang), min_value=WEIGHT_MIN, max_value=WEIGHT_MAX, step=1,
                key=c.code, on_change=rerun_live,
                help=t("sidebar.weight_help", lang, heading=c.source_heading,
                       seed=fmt_number(reference[c.key], lang), param=c.code),
            )
        # a place of its own, so that a fragment drawing there leaves the sliders be
        weights_slot = st.container()

        seed(PARAM_NORMALISATION, linked.normalisation.value)
        normalisation = st.radio(
            t("sidebar.normalisation", lang), options=[n.value for n in Normalisation],
            format_func=lambda n: t(f"sidebar.normalisation_{n}", lang),
            key=keep_across_languages(PARAM_NORMALISATION),
            help=t("sidebar.normalisation_help", lang))
        write_to_link(PARAM_NORMALISATION, [normalisation], [Normalisation.RAW.value])

        st.subheader(t("sidebar.selection", lang))
        top_max = sizes[wave]
        _top_slider(linked.top, top_max, lang, rerun_live)

        quotas = quota_controls([q.code for q in linked.quotas], top_max, lang, survey_id)
        write_to_link(PARAM_QUOTAS, [q.code for q in quotas])

        seed(PARAM_TIES, linked.ties.value)
        rule = st.radio(t("sidebar.ties", lang), options=[r.value for r in TieRule],
                        format_func=lambda r: t(f"sidebar.ties_{r}", lang),
                        key=keep_across_languages(PARAM_TIES),
                        help=t("sidebar.ties_help", lang))
        write_to_link(PARAM_TIES, [rule], [TieRule.ALL.value])

        seed(PARAM_TIE_CRITERIA, [c.code for c in criteria if c.key in linked.tie_criteria])
        st.session_state[PARAM_TIE_CRITERIA] = [
            code for code in st.session_state.get(PARAM_TIE_CRITERIA, []) if code in codes]
        tie_codes = st.multiselect(
            t("sidebar.tie_criteria", lang), options=list(codes),
            format_func=lambda code: codes[code].label(lang),
            key=keep_across_languages(PARAM_TIE_CRITERIA),
            disabled=rule != TieRule.CRITERIA, help=t("sidebar.tie_criteria_help", lang),
            placeholder=t("sidebar.tie_criteria_placeholder", lang), select_all=False,
        )
        if rule == TieRule.CRITERIA and not tie_codes:
            st.warning(t("sidebar.tie_criteria_missing", lang), icon=":material/arrow_upward:")
        write_to_link(PARAM_TIE_CRITERIA, tie_codes)
    return Controls(
        linked=linked, survey=survey, wave=wave, top_max=top_max,
        normalisation=Normalisation(normalisation), quotas=tuple(quotas), ties=TieRule(rule),
        tie_criteria=tuple(codes[code].key for code in tie_codes),
        weights_slot=weights_slot, phone_slot=phone_slot, live=live_key is not None,
        reference=reference,
    )


def _top_slider(linked_top: int, top_max: int, lang: Lang,
                on_change: Callable[[], None] | None) -> None:
    """N, from 1 to the chosen wave's size.

    Streamlit gives a slider whose maximum changes a new identity, and the new
    slider starts from its minimum: so when the maximum changes (another wave
    chosen, or the chosen wave replaced) N is given again, kept when it fits and
    lowered to the new maximum when it does not.
    """
    if is_fresh_page() and linked_top > top_max:
        add_link_notes([Note("sidebar.top_over_wave", {"value": linked_top, "max": top_max})])
    seed(PARAM_TOP, min(linked_top, top_max))
    if st.session_state.get(_TOP_MAX_KEY) != top_max:
        st.session_state[PARAM_TOP] = min(int(st.session_state[PARAM_TOP]), top_max)
        st.session_state[_TOP_MAX_KEY] = top_max
    st.slider(t("sidebar.top", lang), min_value=1, max_value=max(top_max, 2), key=PARAM_TOP,
              on_change=on_change, help=t("sidebar.top_help", lang, max=top_max))


def _choose_wave(slug: str) -> None:
    st.session_state[PARAM_WAVE] = slug


def wave_buttons(waves: list[Wave], lang: Lang, key: str) -> None:
    """A button per wave that makes it the sidebar's wave (e.g. the waves that hold the
    answers a page needs, when the chosen one has none)."""
    for wave in waves:
        st.button(t("sidebar.open_wave", lang, wave=plain(wave.label(lang))),
                  key=f"_{key}_wave_{wave.slug}", icon=":material/swap_horiz:",
                  on_click=_choose_wave, args=(wave.slug,))


def wave_gone_note(lang: Lang) -> None:
    """Say that the wave this session was looking at has been deleted meanwhile."""
    gone = st.session_state.get(_WAVE_GONE_KEY)
    if gone:
        st.warning(t("sidebar.wave_gone", lang, name=plain(gone)), icon=":material/delete:")


def live_controls(controls: Controls,
                  lang: Lang) -> tuple[Scenario, DeltaGenerator, DeltaGenerator]:
    """The whole scenario, with the weights and N as the sliders now say; their values go
    into the link, and under the weights come a box for the results seen on a phone
    (shown only on narrow screens), the box for their shares and the reset button
    (enabled when a weight differs from the source's).

    A page can call this in a fragment together with what the weights change, so that
    moving a slider reruns only that.
    """
    linked = controls.linked
    survey = controls.survey.id
    criteria = load_criteria(survey) if controls.has_matrix else ()
    if not controls.drawn:
        with controls.phone_slot:
            phone_box = st.container()
        with controls.weights_slot:
            shares_box = st.empty()
        keep = {c.key: linked.weights.get(c.key, controls.reference[c.key]) for c in criteria}
        return replace(linked, weights=keep, reference=dict(controls.reference),
                       survey=survey, wave=controls.wave), shares_box, phone_box
    weights: dict[str, float] = {}
    for c in criteria:
        weights[c.key] = st.session_state[c.code]
        write_to_link(c.code, [str(weights[c.key])],
                      [format_weight(controls.reference[c.key])])
    top = int(st.session_state.get(PARAM_TOP, DEFAULT_TOP)) if criteria else linked.top
    if criteria:
        write_to_link(PARAM_TOP, [str(top)], [str(DEFAULT_TOP)])
    with controls.phone_slot:
        phone_box = st.container()
    with controls.weights_slot:
        shares_box = st.empty()  # filled by weights_caption once the page knows the points
        if criteria:
            reference = {c.code: controls.reference[c.key] for c in criteria}
            st.button(t("sidebar.reset", lang),
                      on_click=_reset_weights_everywhere if controls.live else _reset_weights,
                      args=(reference,), disabled=weights == controls.reference,
                      width="stretch")
    return Scenario(
        weights=weights, top=top, ties=controls.ties,
        tie_criteria=controls.tie_criteria, wave=controls.wave,
        # set on the pages that use them; kept here so that every link carries them
        picks=linked.picks, spread=linked.spread, draws=linked.draws, seed=linked.seed,
        normalisation=controls.normalisation, quotas=controls.quotas,
        survey=survey, reference=dict(controls.reference),
    ), shares_box, phone_box


def _population_classes(survey: str) -> tuple[int, ...]:
    return tuple(c.number for c in load_survey(survey).population_classes) or (1, 2, 3)


@cache
def _zones(survey: str) -> dict[int, str]:
    """Zona omogenea → its name, for every zone of the survey's territory."""
    try:
        return dict(territories.load_territory(load_survey(survey).territory).zones)
    except (KeyError, OSError, ValueError):
        return {}


def group_label(kind: str, group: int, lang: Lang, survey: str = DEFAULT_SURVEY) -> str:
    """A quota's group as a person names it: "Classe 1 (meno di 1.250 abitanti)",
    "Zona 9 (Eporediese)"."""
    if kind == "pop":
        if survey == DEFAULT_SURVEY:
            return t(f"sidebar.quota_pop{group}", lang)
        label = next((c.label_in(lang) for c in load_survey(survey).population_classes
                      if c.number == group), "")
        return t("sidebar.quota_pop_named", lang, group=group, name=label)
    name = _zones(survey).get(group, "")
    return t("sidebar.quota_zona_named" if name else "sidebar.quota_zona", lang,
             group=group, name=name)


def quota_controls(linked: list[str], top_max: int, lang: Lang,
                   survey: str = DEFAULT_SURVEY) -> list[Quota]:
    """The quotas: the ones in force, each with a button that removes it, and pickers to
    add one (group by name, at least / at most, k). One kind of group at a time."""
    seed(PARAM_QUOTAS, list(linked))
    quotas = [q for q in (parse_quota(code) for code in st.session_state[PARAM_QUOTAS]) if q]
    st.markdown(f"**{t('sidebar.quotas', lang)}**", help=t("sidebar.quotas_help", lang))
    bad = [n for n in st.session_state.get(_NOTES_KEY, []) if n.code == "params.bad_quota"]
    if bad:
        st.error(t("sidebar.bad_quotas", lang, count=len(bad),
                   values=", ".join(quote(plain(n.params["value"]), lang) for n in bad)),
                 icon=":material/error:")
    for quota in quotas:
        st.button(t("sidebar.quota_remove", lang, quota=quota_label(quota, lang, survey)),
                  key=f"_remove_quota_{quota.code}", icon=":material/close:",
                  on_click=_remove_quota, args=(quota.code,), width="stretch",
                  help=t("sidebar.quota_remove_help", lang))
    kind = quotas[0].kind if quotas else None
    groups = [("pop", g) for g in _population_classes(survey)] + [
        ("zona", z) for z in _zones(survey)]
    options = [f"{k}{g}" for k, g in groups if kind is None or k == kind]
    by_option = dict(zip([f"{k}{g}" for k, g in groups], groups, strict=True))
    with st.container(border=True):
        st.selectbox(t("sidebar.quota_group", lang), options, key=keep_across_languages(
            _QUOTA_GROUP_KEY), format_func=lambda o: group_label(*by_option[o], lang, survey),
            help=t("sidebar.quota_group_help", lang) if kind else None,
            placeholder=t("look.choose", lang))
        bound_col, k_col = st.columns([3, 2])
        bound_col.selectbox(t("sidebar.quota_bound", lang), ["min", "max"],
                            key=keep_across_languages(_QUOTA_BOUND_KEY),
                            format_func=lambda b: t(f"sidebar.quota_bound_{b}", lang),
                            placeholder=t("look.choose", lang))
        k_col.number_input(t("sidebar.quota_k", lang), min_value=0, max_value=top_max,
                           value=1, step=1, key=_QUOTA_K_KEY)
        st.button(t("sidebar.quota_add", lang), icon=":material/add:", on_click=_add_quota,
                  width="stretch")
    return quotas


def quota_label(quota: Quota, lang: Lang, survey: str = DEFAULT_SURVEY) -> str:
    """ "almeno 2 enti della classe 1 (meno di 1.250 abitanti)"."""
    return t(f"sidebar.quota_{quota.bound}", lang, k=quota.k,
             group=group_label(quota.kind, quota.group, lang, survey))


def _add_quota() -> None:
    group = st.session_state.get(_QUOTA_GROUP_KEY)
    bound = st.session_state.get(_QUOTA_BOUND_KEY, "min")
    k = int(st.session_state.get(_QUOTA_K_KEY, 1))
    if not group:
        return
    code = f"{group}{'>=' if bound == 'min' else '<='}{k}"
    new = parse_quota(code)
    if new is None:
        return
    kept = [c for c in st.session_state.get(PARAM_QUOTAS, [])
            if (q := parse_quota(c)) is not None
            and (q.kind, q.group, q.bound) != (new.kind, new.group, new.bound)]
    st.session_state[PARAM_QUOTAS] = [*kept, new.code]


def _remove_quota(code: str) -> None:
    st.session_state[PARAM_QUOTAS] = [c for c in st.session_state.get(PARAM_QUOTAS, [])
                                      if c != code]


def weights_caption(box: DeltaGenerator, scenario: Scenario, lang: Lang,
                    points: pd.DataFrame | None = None) -> None:
    """Each weight's nominal share w/Σw and, with the wave's points, its real influence
    (its share of the score's variance)."""
    total = scenario.total_weight
    if not total:
        box.caption(t("sidebar.shares", lang, shares="—", total=fmt_number(0, lang)))
        return
    criteria = load_criteria(scenario.survey)
    keys = [c.key for c in criteria]
    influence = None
    if points is not None and len(points) > 1:
        influence = effective_weights(points[keys].to_numpy(dtype=float),
                                      [scenario.weights[k] for k in keys],
                                      criteria=keys).variance_share
    parts = []
    for i, c in enumerate(criteria):
        if not scenario.weights[c.key]:
            continue
        part = f"{c.label(lang)} {fmt_percent(scenario.weights[c.key] / total, lang)}"
        if influence is not None:
            part += f" → {fmt_percent(float(influence[i]), lang)}"
        parts.append(part)
    key = "sidebar.shares_influence" if influence is not None else "sidebar.shares"
    box.caption(t(key, lang, shares=", ".join(parts), total=fmt_number(total, lang)))


def add_link_notes(notes: list[Note]) -> None:
    """Remember what was wrong with the opened link, to show it until the user closes it."""
    if notes:
        st.session_state[_NOTES_KEY] = [*st.session_state.get(_NOTES_KEY, []), *notes]


def link_notes(lang: Lang) -> None:
    """Say which values of the opened link were not usable, until the user closes the note."""
    notes: list[Note] = st.session_state.get(_NOTES_KEY, [])
    if not notes:
        return
    with st.container(border=True):
        st.warning(t("params.header", lang), icon=":material/warning:")
        for note in notes:
            st.text(note_text(note, lang))  # st.text: link values are never rendered as markup
        if st.button(t("params.dismiss", lang), key="_dismiss_link_notes"):
            st.session_state[_NOTES_KEY] = []
            st.rerun()
