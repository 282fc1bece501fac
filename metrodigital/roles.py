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

Whatever the mode, a request that names a host the app is not served as (the
``Host`` header) is a viewer: a page from another site whose name resolves to
this computer (DNS rebinding) must not become "the person at this computer".
With nothing configured the allowed hosts are localhost's names; otherwise any
host, unless ``METRODIGITAL_ALLOWED_HOSTS`` (or Streamlit's ``server.allowedHosts``)
lists them.

Password attempts are counted per client (:class:`AttemptLimiter`): a few are
free, then each failure makes the client wait longer, and many lock it out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from metrodigital.i18n import t

LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})
# The names a browser on this computer uses for a server bound to localhost.
LOCAL_HOSTS = LOCAL_ADDRESSES

_LOG = logging.getLogger("metrodigital.roles")

Mode = Literal["oidc", "password", "local", "off"]


class PermissionDenied(PermissionError):
    """A write was attempted by someone who is not an editor."""


@dataclass(frozen=True)
class AuthConfig:
    oidc: bool = False
    editor_password: str | None = None
    editors: frozenset[str] = field(default_factory=frozenset)  # allowed e-mails (OIDC)
    server_address: str | None = None  # Streamlit's server.address; None/"" = every interface
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # empty: see host_allowed()

    def host_allowed(self, host: str | None) -> bool:
        """May a request carrying this ``Host`` header act as an editor? ``None`` means
        there was no request at all (a script run without a browser, e.g. in tests)."""
        if host is None:
            return True
        allowed = self.allowed_hosts or (LOCAL_HOSTS if self.mode == "local" else None)
        if allowed is None or "*" in allowed:
            return True
        name = host_name(host)
        # "*.example.org" allows its subdomains, as in Streamlit's server.allowedHosts
        return name in allowed or any(
            pattern.startswith("*.") and name.endswith(pattern[1:]) for pattern in allowed)

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
    password: str | None = None  # what they typed (and the page remembered), if anything
    host: str | None = None  # the Host header of their connection; None: no request

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
    if mode != "off" and not config.host_allowed(actor.host):
        return Decision(False, "roles.wrong_host")
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


def parse_hosts(text: str | None) -> frozenset[str]:
    """``"metro.example.org, localhost"`` → the host names, without ports, lower case."""
    return frozenset(host_name(h) for h in (text or "").split(",") if h.strip())


def host_name(host: str) -> str:
    """The name in a ``Host`` header: ``"[::1]:8501"`` → ``"::1"``, ``"LocalHost.:80"`` →
    ``"localhost"``."""
    value = host.strip().lower()
    bracketed = re.fullmatch(r"\[([^\]]*)\](?::\d*)?", value)
    if bracketed:
        return bracketed.group(1)
    if value.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        value = value.split(":")[0]
    return value.rstrip(".")


# -- who is shown as the author of a wave or scenario --------------------------------

_EMAIL = re.compile(r"[^\s@<>(),;]+@[^\s@<>(),;]+")
_STORED_ROLES = {"editor (password)": "roles.actor_password", "local user": "roles.actor_local"}


def display_actor(stored: str | None, viewer_is_editor: bool, lang: str) -> str:
    """Who uploaded a wave or saved a scenario, as shown to someone: editors see what was
    stored (an e-mail with OIDC), viewers a role and never an address."""
    value = (stored or "").strip()
    if value in _STORED_ROLES:
        return t(_STORED_ROLES[value], lang)
    if viewer_is_editor:
        return value or "—"
    if _EMAIL.search(value):
        return t("roles.actor_editor", lang)
    return value or "—"


# -- password attempts ---------------------------------------------------------------

AttemptStatus = Literal["ok", "wrong", "wait", "locked"]


@dataclass(frozen=True)
class Attempt:
    """What became of one password attempt; ``wait`` is the seconds before the next one
    may be tried (0: now)."""

    status: AttemptStatus
    wait: float = 0.0
    failures: int = 0


@dataclass
class _Record:
    failures: int = 0
    not_before: float = 0.0  # the clock's time before which the client may not try
    last: float = 0.0


class AttemptLimiter:
    """Wrong passwords per client: the first ``free`` failures cost nothing, each later
    one doubles the wait before the next try (1 s, 2 s, 4 s … at most ``max_wait``),
    and ``lock_after`` failures lock the client out for ``lock_seconds``. A right
    password clears the client's record; a record ``forget_after`` seconds old is
    dropped. Attempts made while the client must wait are refused unchecked.

    ``clock`` returns seconds (``time.monotonic`` by default; tests pass a fake one).
    Safe to share between the server's threads.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, free: int = 3,
                 max_wait: float = 60.0, lock_after: int = 10, lock_seconds: float = 900.0,
                 forget_after: float = 3600.0, max_clients: int = 10_000) -> None:
        self._clock = clock
        self.free, self.max_wait = free, max_wait
        self.lock_after, self.lock_seconds = lock_after, lock_seconds
        self.forget_after, self.max_clients = forget_after, max_clients
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every client's failures (a server restart does the same)."""
        with self._lock:
            self._records.clear()

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try again (0: now)."""
        with self._lock:
            record = self._records.get(client)
            return max(0.0, record.not_before - self._clock()) if record else 0.0

    def attempt(self, client: str, typed: str, expected: str) -> Attempt:
        """Check ``typed`` against ``expected`` for ``client``, unless it must wait."""
        with self._lock:
            now = self._clock()
            self._forget(now)
            record = self._records.get(client)
            if record is not None and now < record.not_before:
                locked = record.failures >= self.lock_after
                return Attempt("locked" if locked else "wait", record.not_before - now,
                               record.failures)
            if typed and hmac.compare_digest(typed.encode(), expected.encode()):
                self._records.pop(client, None)
                return Attempt("ok")
            record = self._records.setdefault(client, _Record())
            record.failures += 1
            record.last = now
            if record.failures >= self.lock_after:
                record.not_before = now + self.lock_seconds
            elif record.failures > self.free:
                record.not_before = now + min(self.max_wait,
                                              2.0 ** (record.failures - self.free - 1))
            failures, wait = record.failures, max(0.0, record.not_before - now)
        # the value typed is never logged; the client only by a short digest when it is a
        # session (an address is logged as it is, for the server's administrator)
        _LOG.warning("editor password: wrong attempt %d from %s%s", failures, _client_label(client),
                     " (locked out)" if failures >= self.lock_after else "")
        status: AttemptStatus = "locked" if failures >= self.lock_after else "wrong"
        return Attempt(status, wait, failures)

    def _forget(self, now: float) -> None:
        stale = [c for c, r in self._records.items()
                 if now - r.last > self.forget_after and now >= r.not_before]
        for client in stale:
            del self._records[client]
        while len(self._records) >= self.max_clients:  # bounded, whatever the callers do
            oldest = min(self._records, key=lambda c: self._records[c].last)
            del self._records[oldest]


def _client_label(client: str) -> str:
    if client.startswith("session:"):
        return "session " + hashlib.sha256(client.encode()).hexdigest()[:10]
    return client
