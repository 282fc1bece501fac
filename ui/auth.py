"""The editor role as the page sees it: configuration from secrets/environment, the user.

An editor who typed the password is remembered for the rest of the session (in
the session's own state, not in a widget, so it survives moving between pages).
Attempts go through one :class:`~metrodigital.roles.AttemptLimiter` for the
whole server, keyed by the client's address (by the session when the address
is unknown, e.g. on localhost).
"""

from __future__ import annotations

import math
import os

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from metrodigital.i18n import Lang, catalogue, t
from metrodigital.roles import (
    Actor,
    Attempt,
    AttemptLimiter,
    AuthConfig,
    Decision,
    decide,
    parse_editors,
    parse_hosts,
)
from metrodigital.store import StoreError
from ui.hardening import allow_uploads

_REMEMBERED_KEY = "_editor_password_ok"  # not a widget key: it survives a change of page
_PASSWORD_KEY = "_editor_password"  # the password box: emptied after each attempt
_ATTEMPT_KEY = "_editor_password_attempt"  # what became of the last attempt, to say it
# One limiter for the whole server: a module lives as long as the server process.
LIMITER = AttemptLimiter()


def _secret(name: str) -> object:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets file at all: nothing configured
        return None


def auth_config() -> AuthConfig:
    password = os.environ.get("METRODIGITAL_EDITOR_PASSWORD") or _secret("editor_password")
    editors = os.environ.get("METRODIGITAL_EDITORS") or _secret("editors")
    # the app's own list, else the one Streamlit's server checks WebSockets against
    hosts = (os.environ.get("METRODIGITAL_ALLOWED_HOSTS") or _secret("allowed_hosts")
             or ",".join(st.get_option("server.allowedHosts") or ()))
    return AuthConfig(
        oidc=_secret("auth") is not None,
        editor_password=str(password) if password else None,
        editors=parse_editors(str(editors) if editors else None),
        server_address=st.get_option("server.address"),
        allowed_hosts=parse_hosts(str(hosts) if hosts else None),
    )


def request_host() -> str | None:
    """The Host header of this session's connection; None when there is no request (a
    script run without a browser). A browser always sends one."""
    headers = st.context.headers
    if not headers:
        return None
    return str(headers.get("host") or "")


def client_key() -> str:
    """Whom the password limiter counts: the client's address, else this session."""
    address = st.context.ip_address
    if isinstance(address, str) and address:  # (a test harness may give something else)
        return f"address:{address}"
    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id if ctx else ''}"


def current_actor(config: AuthConfig) -> Actor:
    host = request_host()
    if config.mode == "oidc":
        logged_in = bool(getattr(st.user, "is_logged_in", False))
        return Actor(logged_in=logged_in, email=st.user.get("email") if logged_in else None,
                     host=host)
    return Actor(password=st.session_state.get(_REMEMBERED_KEY), host=host)


def is_editor() -> bool:
    """Is the person in front of this page an editor (for what the page shows them)?"""
    config = auth_config()
    return decide(config, current_actor(config)).allowed


def refusal_text(refused: Exception, lang: Lang) -> str:
    """Why a write was refused, in the user's language where the reason is a catalogue key."""
    if isinstance(refused, StoreError):
        return refused.message(lang)
    code = str(getattr(refused, "code", "") or refused)
    return t(code, lang) if code in catalogue() else code


def _forget_password() -> None:
    st.session_state.pop(_REMEMBERED_KEY, None)


def _try_password() -> None:
    """The password box's callback: one attempt, counted per client; the box is emptied."""
    typed = str(st.session_state.get(_PASSWORD_KEY) or "")
    st.session_state[_PASSWORD_KEY] = ""
    if not typed:
        return
    result = LIMITER.attempt(client_key(), typed, auth_config().editor_password or "")
    if result.status == "ok":
        st.session_state[_REMEMBERED_KEY] = typed
        st.session_state.pop(_ATTEMPT_KEY, None)
    else:
        st.session_state[_ATTEMPT_KEY] = result


def _password_box(lang: Lang) -> None:
    """Ask for the editors' password; say why the last attempt failed."""
    st.text_input(t("upload.password", lang), type="password", key=_PASSWORD_KEY,
                  on_change=_try_password)
    result: Attempt | None = st.session_state.pop(_ATTEMPT_KEY, None)
    if result is None:
        return
    if result.status == "locked":
        st.error(t("roles.password_locked", lang, minutes=math.ceil(result.wait / 60)),
                 icon=":material/lock_clock:")
        return
    lines = [t("roles.password_wrong", lang)] if result.status == "wrong" else []
    if result.wait > 0:
        lines.append(t("roles.password_wait", lang, seconds=math.ceil(result.wait)))
    st.error(" ".join(lines), icon=":material/error:")


def editor_gate(lang: Lang) -> tuple[AuthConfig, Actor, Decision]:
    """Show who may change data and ask for what is missing (login, password)."""
    config = auth_config()
    actor = current_actor(config)
    decision = decide(config, actor)
    allow_uploads(decision.allowed)  # the upload endpoint takes files from editors only
    if decision.allowed:
        st.caption(t(decision.reason, lang, who=actor.email or ""))
        if config.mode == "oidc":
            st.button(t("upload.logout", lang), on_click=st.logout)
        elif config.mode == "password":
            st.button(t("roles.password_forget", lang), on_click=_forget_password)
        return config, actor, decision
    st.info(t(decision.reason, lang), icon=":material/lock:")
    if config.mode == "oidc" and decision.reason == "roles.login_needed":
        st.button(t("upload.login", lang), on_click=st.login)
    elif config.mode == "password" and decision.reason == "roles.password_needed":
        _password_box(lang)
    return config, actor, decision
