"""Who may change data: editors upload and delete waves; anyone with a link can simulate.

The decision is a pure function of the configuration and of who is asking, so
it is tested on its own; the write path (``Store`` via ``ingest.publish`` and
``delete_wave``) calls :func:`require_editor` itself, whatever the page did.

Order of precedence:

1. OIDC login configured (Streamlit's ``st.login``, an ``[auth]`` section in
   secrets): editors are the logged-in users, restricted to
   ``METRODIGITAL_EDITORS`` (comma-separated e-mails) when that is set.
2. An editor password (``METRODIGITAL_EDITOR_PASSWORD`` in the environment or
   ``editor_password`` in secrets): editors are those who typed it.
3. Nothing configured: the server bound to localhost means the person at this
   computer is the editor; bound to any other address, uploads are off and the
   page says how to configure one of the above.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Literal

LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})

Mode = Literal["oidc", "password", "local", "off"]


class PermissionDenied(PermissionError):
    """A write was attempted by someone who is not an editor."""


@dataclass(frozen=True)
class AuthConfig:
    oidc: bool = False
    editor_password: str | None = None
    editors: frozenset[str] = field(default_factory=frozenset)  # allowed e-mails (OIDC)
    server_address: str | None = None  # Streamlit's server.address; None/"" = every interface

    @property
    def mode(self) -> Mode:
        if self.oidc:
            return "oidc"
        if self.editor_password:
            return "password"
        if (self.server_address or "").strip().lower() in LOCAL_ADDRESSES:
            return "local"
        return "off"


@dataclass(frozen=True)
class Actor:
    """Who is asking: what the page knows about the person in front of it."""

    logged_in: bool = False
    email: str | None = None
    password: str | None = None  # what they typed, if anything

    def name(self, config: AuthConfig) -> str:
        if config.mode == "oidc" and self.email:
            return self.email
        return {"password": "editor (password)", "local": "local user"}.get(config.mode, "—")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a message-catalogue key explaining the decision


def decide(config: AuthConfig, actor: Actor) -> Decision:
    """May ``actor`` change data under ``config``?"""
    mode = config.mode
    if mode == "oidc":
        if not actor.logged_in:
            return Decision(False, "roles.login_needed")
        if config.editors and (actor.email or "").strip().lower() not in config.editors:
            return Decision(False, "roles.not_an_editor")
        return Decision(True, "roles.editor_oidc")
    if mode == "password":
        typed = (actor.password or "").encode()
        expected = (config.editor_password or "").encode()
        if typed and hmac.compare_digest(typed, expected):
            return Decision(True, "roles.editor_password")
        return Decision(False, "roles.password_needed")
    if mode == "local":
        return Decision(True, "roles.editor_local")
    return Decision(False, "roles.uploads_off")


def require_editor(config: AuthConfig, actor: Actor) -> None:
    """Raise PermissionDenied unless ``actor`` is an editor: the write path's own check."""
    decision = decide(config, actor)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)


def parse_editors(text: str | None) -> frozenset[str]:
    return frozenset(e.strip().lower() for e in (text or "").split(",") if e.strip())
