"""The scenario controls every page shares, kept in step with the link."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from metrodigital.criteria import load_criteria, seed_weights
from metrodigital.explain import note_text, quota_text
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.quotas import Quota, parse_quota
from metrodigital.robustness import effective_weights
from metrodigital.scenario import (
    DEFAULT_TOP,
    PARAM_NORMALISATION,
    PARAM_QUOTAS,
    PARAM_TIE_CRITERIA,
    PARAM_TIES,
    PARAM_TOP,
    PARAM_WAVE,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Normalisation,
    Note,
    Scenario,
    TieRule,
    scenario_from_params,
)
from metrodigital.store import SEED_WAVE_SLUG, Store
from ui.links import is_fresh_page, keep_across_languages, raw_params, seed, write_to_link

_NOTES_KEY = "_link_notes"


def _reset_weights() -> None:
    for c in load_criteria():
        st.session_state[c.code] = int(c.seed_weight)


def _reset_weights_everywhere() -> None:
    """Reset from inside the live fragment: the sliders are drawn by the full run, so the
    whole page runs again to move them."""
    _reset_weights()
    st.rerun()


@dataclass
class Controls:
    """The sidebar's scenario controls, drawn by a full run, and the place under the
    weights for what :func:`live_controls` draws, possibly in a fragment."""

    linked: Scenario  # the scenario the link asked for (already checked)
    wave: str
    top_max: int
    normalisation: Normalisation
    quotas: tuple[Quota, ...]
    ties: TieRule
    tie_criteria: tuple[str, ...]
    weights_slot: DeltaGenerator  # under the weight sliders: shares and reset button
    live: bool  # weights and N rerun only the page's live fragment


def outer_controls(store: Store, lang: Lang, live_key: str | None = None) -> Controls:
    """Draw every scenario control: wave, weights, normalisation, N, quotas, tie rule.

    With ``live_key`` (the key of the page's fragment), moving a weight or N
    reruns only that fragment: see :func:`live_controls`.

    On a session's first run every control takes its value from the link;
    values the link got wrong fall back to their defaults and are reported by
    :func:`link_notes`.
    """
    waves = store.waves()
    slugs = [w.slug for w in waves]
    names = {w.slug: w.name for w in waves}
    top_max = max(w.n_rows for w in waves)
    linked, notes = scenario_from_params(raw_params(), waves=slugs, top_max=top_max)
    if is_fresh_page():  # the link is read once per page entered; its notes replace older ones
        st.session_state[_NOTES_KEY] = notes
    codes = {c.code: c for c in load_criteria()}

    with st.sidebar:
        seed(PARAM_WAVE, linked.wave)
        if st.session_state[PARAM_WAVE] not in slugs:  # the wave was deleted meanwhile
            st.session_state[PARAM_WAVE] = SEED_WAVE_SLUG
        wave = st.selectbox(t("sidebar.wave", lang), options=slugs,
                            format_func=names.__getitem__, key=PARAM_WAVE,
                            help=t("sidebar.wave_help", lang))
        write_to_link(PARAM_WAVE, [wave], [SEED_WAVE_SLUG])

        st.subheader(t("sidebar.weights", lang))
        rerun_live = (lambda: st.rerun(live_key)) if live_key else None
        for c in load_criteria():
            seed(c.code, int(linked.weights[c.key]))
            st.slider(
                c.label(lang), min_value=WEIGHT_MIN, max_value=WEIGHT_MAX, step=1,
                key=c.code, on_change=rerun_live,
                help=t("sidebar.weight_help", lang, heading=c.source_heading,
                       seed=int(c.seed_weight), param=c.code),
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
        seed(PARAM_TOP, min(linked.top, top_max))
        st.slider(t("sidebar.top", lang), min_value=1, max_value=top_max, key=PARAM_TOP,
                  on_change=rerun_live, help=t("sidebar.top_help", lang))

        seed(PARAM_QUOTAS, ", ".join(q.code for q in linked.quotas))
        quota_text = st.text_input(t("sidebar.quotas", lang), key=PARAM_QUOTAS,
                                   help=t("sidebar.quotas_help", lang),
                                   placeholder="pop1>=2, pop3<=5")
        quotas = _quotas_from_text(quota_text, lang)
        write_to_link(PARAM_QUOTAS, [q.code for q in quotas])

        seed(PARAM_TIES, linked.ties.value)
        rule = st.radio(t("sidebar.ties", lang), options=[r.value for r in TieRule],
                        format_func=lambda r: t(f"sidebar.ties_{r}", lang),
                        key=keep_across_languages(PARAM_TIES),
                        help=t("sidebar.ties_help", lang))
        write_to_link(PARAM_TIES, [rule], [TieRule.ALL.value])

        seed(PARAM_TIE_CRITERIA, [criterion_code(k) for k in linked.tie_criteria])
        tie_codes = st.multiselect(
            t("sidebar.tie_criteria", lang), options=list(codes),
            format_func=lambda code: codes[code].label(lang),
            key=keep_across_languages(PARAM_TIE_CRITERIA),
            disabled=rule != TieRule.CRITERIA, help=t("sidebar.tie_criteria_help", lang),
            placeholder=t("sidebar.tie_criteria_placeholder", lang),
        )
        write_to_link(PARAM_TIE_CRITERIA, tie_codes)
    return Controls(
        linked=linked, wave=str(wave), top_max=top_max,
        normalisation=Normalisation(normalisation), quotas=tuple(quotas), ties=TieRule(rule),
        tie_criteria=tuple(codes[code].key for code in tie_codes),
        weights_slot=weights_slot, live=live_key is not None,
    )


def live_controls(controls: Controls, lang: Lang) -> tuple[Scenario, DeltaGenerator]:
    """The whole scenario, with the weights and N as the sliders now say; their values go
    into the link, and under the weights come the box for their shares and the reset
    button (enabled when a weight differs from the source's).

    A page can call this in a fragment together with what the weights change, so that
    moving a slider reruns only that.
    """
    linked = controls.linked
    weights: dict[str, float] = {}
    for c in load_criteria():
        weights[c.key] = st.session_state[c.code]
        write_to_link(c.code, [str(weights[c.key])], [str(int(c.seed_weight))])
    top = int(st.session_state[PARAM_TOP])
    write_to_link(PARAM_TOP, [str(top)], [str(DEFAULT_TOP)])
    with controls.weights_slot:
        shares_box = st.empty()  # filled by weights_caption once the page knows the points
        st.button(t("sidebar.reset", lang),
                  on_click=_reset_weights_everywhere if controls.live else _reset_weights,
                  disabled=weights == seed_weights(), width="stretch")
    return Scenario(
        weights=weights, top=top, ties=controls.ties,
        tie_criteria=controls.tie_criteria, wave=controls.wave,
        # set on the pages that use them; kept here so that every link carries them
        picks=linked.picks, spread=linked.spread, draws=linked.draws, seed=linked.seed,
        normalisation=controls.normalisation, quotas=controls.quotas,
    ), shares_box


def _quotas_from_text(text: str, lang: Lang) -> list[Quota]:
    """The quotas typed in the sidebar; what cannot be read is said under the box."""
    quotas: list[Quota] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        quota = parse_quota(part)
        if quota is None or (quotas and quota.kind != quotas[0].kind):
            st.caption(t("sidebar.bad_quota", lang, value=part[:40]))
            continue
        if quota not in quotas:
            quotas.append(quota)
    if quotas:
        st.caption("; ".join(quota_text(q, lang) for q in quotas))
    return quotas


def weights_caption(box: DeltaGenerator, scenario: Scenario, lang: Lang,
                    points: pd.DataFrame | None = None) -> None:
    """Each weight's nominal share w/Σw and, with the wave's points, its real influence
    (its share of the score's variance)."""
    total = scenario.total_weight
    if not total:
        box.caption(t("sidebar.shares", lang, shares="—", total=fmt_number(0, lang)))
        return
    keys = [c.key for c in load_criteria()]
    influence = None
    if points is not None and len(points) > 1:
        influence = effective_weights(points[keys].to_numpy(dtype=float),
                                      [scenario.weights[k] for k in keys],
                                      criteria=keys).variance_share
    parts = []
    for i, c in enumerate(load_criteria()):
        if not scenario.weights[c.key]:
            continue
        part = f"{c.label(lang)} {fmt_percent(scenario.weights[c.key] / total, lang)}"
        if influence is not None:
            part += f" → {fmt_percent(float(influence[i]), lang)}"
        parts.append(part)
    key = "sidebar.shares_influence" if influence is not None else "sidebar.shares"
    box.caption(t(key, lang, shares=", ".join(parts), total=fmt_number(total, lang)))


def criterion_code(key: str) -> str:
    return next(c.code for c in load_criteria() if c.key == key)


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
