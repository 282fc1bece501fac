"""The zone omogenee section of the upload page: which zones are in force, and, for
editors, a CSV to load and every earlier load to go back to."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrodigital.display import clean, plain
from metrodigital.i18n import Lang, fmt_number, t
from metrodigital.roles import Actor, AuthConfig, require_editor
from metrodigital.store import Store, StoreError
from metrodigital.surveys.model import Survey
from metrodigital.territories import load_territory
from metrodigital.zones import ZoneFile, effective_zones, read_zone_file

_UPLOADER = "_zones_uploader"
_FLASH = "_zones_flash"
_CHOSEN = "_zones_chosen_load"


def _source(store: Store, territory: str, lang: Lang) -> str:
    active = next((z for z in store.zone_loads(territory) if z.active), None)
    if active is None:
        return t("zones.source_shipped", lang)
    return t("zones.source_load", lang, load=active.load_id, file=active.file_name)


def _load_now(store: Store, territory: str, read: ZoneFile, auth: AuthConfig, actor: Actor,
              lang: Lang) -> None:
    try:
        require_editor(auth, actor)  # the write path checks the role itself
        load = store.load_zones(territory, read.members, file_name=read.file_name,
                                sha256=read.sha256, by=actor.name(auth))
    except (StoreError, PermissionError) as refused:
        st.session_state[_FLASH] = ("error", _refusal(refused, lang))
        return
    st.session_state[_FLASH] = ("success", t("zones.loaded", lang, load=load))
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1  # empty it


def _activate_now(store: Store, territory: str, load: int | None, auth: AuthConfig,
                  actor: Actor, lang: Lang) -> None:
    try:
        require_editor(auth, actor)
        store.activate_zones(territory, load, by=actor.name(auth))
    except (StoreError, PermissionError) as refused:
        st.session_state[_FLASH] = ("error", _refusal(refused, lang))
        return
    st.session_state[_FLASH] = ("success", t("zones.switched", lang,
                                             source=_source(store, territory, lang)))


def _refusal(refused: Exception, lang: Lang) -> str:
    render = getattr(refused, "message", None)
    if callable(render):
        return str(render(lang))
    reason = str(refused.args[0]) if refused.args else ""
    return t(reason, lang) if reason.startswith("roles.") else t("zones.editors_only", lang)


def zones_section(store: Store, survey: Survey, lang: Lang, auth: AuthConfig, actor: Actor,
                  *, editor: bool) -> None:
    """What zones are in force for the survey's territory; editors load and go back."""
    territory = load_territory(survey.territory)
    st.subheader(t("zones.title", lang))
    st.caption(t("zones.caption", lang))
    zones = effective_zones(store, territory.id)
    known = sum(zone is not None for zone in zones.values())
    st.caption(plain(t("zones.known", lang, known=fmt_number(known, lang),
                       total=fmt_number(len(zones), lang),
                       territory=territory.display_name(lang),
                       source=_source(store, territory.id, lang)), None))
    flash = st.session_state.pop(_FLASH, None)
    if flash is not None:
        kind, text = flash
        (st.success if kind == "success" else st.error)(plain(text, None),
                                                         icon=":material/map:")
    if not editor or store.read_only:
        return
    upload = st.file_uploader(t("zones.file", lang), type=["csv", "txt"],
                              key=f"{_UPLOADER}_{st.session_state.get(_UPLOADER, 0)}")
    if upload is not None:
        read = read_zone_file(upload.getvalue(), upload.name, territory)
        if read.problems:
            st.error(t("zones.rejected", lang), icon=":material/block:")
            st.text("\n".join(p.message(lang) for p in read.problems))  # text, never markup
        else:
            st.info(t("zones.ready", lang, n=fmt_number(len(read.members), lang),
                      rest=fmt_number(read.not_listed, lang)), icon=":material/map:")
            st.button(t("zones.load", lang), type="primary", on_click=_load_now,
                      args=(store, territory.id, read, auth, actor, lang))
    loads = store.zone_loads(territory.id)
    if not loads:
        return
    st.markdown(f"**{t('zones.history', lang)}**")
    st.dataframe(pd.DataFrame({
        t("zones.col_load", lang): [z.load_id for z in loads],
        t("zones.col_file", lang): [z.file_name for z in loads],
        t("zones.col_when", lang): [f"{z.loaded_at:%d/%m/%Y %H:%M}" for z in loads],
        t("zones.col_by", lang): [z.loaded_by for z in loads],
        t("zones.col_comuni", lang): [z.n_comuni for z in loads],
        t("zones.col_active", lang): ["✔" if z.active else "" for z in loads],
    }), hide_index=True, width="stretch")
    chosen = st.selectbox(t("zones.use_load", lang), [z.load_id for z in loads], key=_CHOSEN,
                          format_func=lambda n: clean(t("zones.source_load", lang, load=n,
                                                        file=next(z.file_name for z in loads
                                                                  if z.load_id == n))))
    left, right = st.columns(2)
    left.button(t("zones.use_load", lang), on_click=_activate_now, width="stretch",
                args=(store, territory.id, chosen, auth, actor, lang),
                disabled=any(z.active and z.load_id == chosen for z in loads))
    right.button(t("zones.use_shipped", lang), on_click=_activate_now, width="stretch",
                 args=(store, territory.id, None, auth, actor, lang),
                 disabled=not any(z.active for z in loads))
