"""The editor role as the page sees it: configuration from secrets/environment, the user."""

from __future__ import annotations

import os

import streamlit as st

from metrodigital.i18n import Lang, catalogue, t
from metrodigital.roles import Actor, AuthConfig, Decision, decide, parse_editors

_PASSWORD_KEY = "_editor_password"


def _secret(name: str) -> object:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets file at all: nothing configured
        return None


def auth_config() -> AuthConfig:
    password = os.environ.get("METRODIGITAL_EDITOR_PASSWORD") or _secret("editor_password")
    editors = os.environ.get("METRODIGITAL_EDITORS") or _secret("editors")
    return AuthConfig(
        oidc=_secret("auth") is not None,
        editor_password=str(password) if password else None,
        editors=parse_editors(str(editors) if editors else None),
        server_address=st.get_option("server.address"),
    )


def current_actor(config: AuthConfig) -> Actor:
    if config.mode == "oidc":
        logged_in = bool(getattr(st.user, "is_logged_in", False))
        return Actor(logged_in=logged_in, email=st.user.get("email") if logged_in else None)
    return Actor(password=st.session_state.get(_PASSWORD_KEY))


def refusal_text(refused: Exception, lang: Lang) -> str:
    """Why a write was refused, in the user's language where the reason is a catalogue key."""
    code = str(getattr(refused, "code", "") or refused)
    return t(code, lang) if code in catalogue() else code


def editor_gate(lang: Lang) -> tuple[AuthConfig, Actor, Decision]:
    """Show who may change data and ask for what is missing (login, password)."""
    config = auth_config()
    actor = current_actor(config)
    decision = decide(config, actor)
    if decision.allowed:
        st.caption(t(decision.reason, lang, who=actor.email or ""))
        if config.mode == "oidc":
            st.button(t("upload.logout", lang), on_click=st.logout)
        return config, actor, decision
    st.info(t(decision.reason, lang), icon=":material/lock:")
    if config.mode == "oidc" and decision.reason == "roles.login_needed":
        st.button(t("upload.login", lang), on_click=st.login)
    elif config.mode == "password":
        st.text_input(t("upload.password", lang), type="password", key=_PASSWORD_KEY)
    return config, actor, decision
