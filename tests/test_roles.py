"""Permission logic on its own: who is an editor under each configuration."""

from __future__ import annotations

import logging

import pytest

from metrodigital.roles import (
    Actor,
    Attempt,
    AttemptLimiter,
    AuthConfig,
    PermissionDenied,
    decide,
    display_actor,
    host_name,
    parse_editors,
    parse_hosts,
    require_editor,
)


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1", "::1", " LOCALHOST "])
def test_nothing_configured_on_localhost_makes_the_local_user_an_editor(address: str) -> None:
    config = AuthConfig(server_address=address)
    assert config.mode == "local"
    assert decide(config, Actor()).allowed


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "192.0.2.10", "example.org"])
def test_nothing_configured_elsewhere_turns_uploads_off(address: str | None) -> None:
    config = AuthConfig(server_address=address)
    decision = decide(config, Actor())
    assert not decision.allowed and decision.reason == "roles.uploads_off"
    with pytest.raises(PermissionDenied):
        require_editor(config, Actor(password="anything"))


def test_password_mode_needs_the_exact_password_even_on_localhost() -> None:
    config = AuthConfig(editor_password="s3greto", server_address="localhost")
    assert config.mode == "password"
    assert not decide(config, Actor()).allowed
    assert not decide(config, Actor(password="sbagliata")).allowed
    assert not decide(config, Actor(password="s3greto ")).allowed
    assert decide(config, Actor(password="s3greto")).allowed


def test_oidc_mode_needs_a_login_and_an_allowed_email() -> None:
    config = AuthConfig(oidc=True, editor_password="ignored",
                        editors=parse_editors("Ufficio@Cittametro.it, b@x.it"))
    assert config.mode == "oidc"
    assert decide(config, Actor()).reason == "roles.login_needed"
    assert decide(config, Actor(logged_in=True, email="c@x.it")).reason == "roles.not_an_editor"
    assert decide(config, Actor(logged_in=True, email="ufficio@cittametro.it")).allowed
    open_config = AuthConfig(oidc=True)
    assert decide(open_config, Actor(logged_in=True, email="chiunque@x.it")).allowed


# -- hosts (DNS rebinding) -------------------------------------------------------------

@pytest.mark.parametrize(("header", "name"), [
    ("localhost:8501", "localhost"), ("LOCALHOST.", "localhost"), ("127.0.0.1:80", "127.0.0.1"),
    ("[::1]:8501", "::1"), ("[::1]", "::1"), ("::1", "::1"),
    ("rebind.example:8501", "rebind.example"),
])
def test_host_names_are_read_without_port_case_or_final_dot(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize("host", ["localhost:8501", "127.0.0.1:8501", "[::1]:8501"])
def test_local_mode_accepts_localhost_names(host: str) -> None:
    assert decide(AuthConfig(server_address="localhost"), Actor(host=host)).allowed


@pytest.mark.parametrize("host", ["rebind.example:8501", "127.0.0.1.nip.io:8501", "",
                                  "localhost.rebind.example", "0.0.0.0:8501"])
def test_local_mode_treats_any_other_host_as_a_viewer(host: str) -> None:
    config = AuthConfig(server_address="localhost")
    decision = decide(config, Actor(host=host))
    assert not decision.allowed and decision.reason == "roles.wrong_host"
    with pytest.raises(PermissionDenied):
        require_editor(config, Actor(host=host))


def test_allowed_hosts_apply_to_every_mode_when_set() -> None:
    hosts = parse_hosts("metro.example.org, LOCALHOST:8501")
    assert hosts == {"metro.example.org", "localhost"}
    config = AuthConfig(editor_password="s3greto", allowed_hosts=hosts)
    assert decide(config, Actor(password="s3greto", host="metro.example.org")).allowed
    assert not decide(config, Actor(password="s3greto", host="evil.example")).allowed
    # password mode without a list: the password is what protects it, any host is served
    open_config = AuthConfig(editor_password="s3greto")
    assert decide(open_config, Actor(password="s3greto", host="evil.example")).allowed
    # a configured list also replaces localhost's names in local mode
    local = AuthConfig(server_address="localhost", allowed_hosts=parse_hosts("pc.office"))
    assert decide(local, Actor(host="pc.office:8501")).allowed
    assert not decide(local, Actor(host="localhost:8501")).allowed
    # wildcards as in Streamlit's server.allowedHosts
    wild = AuthConfig(server_address="localhost", allowed_hosts=parse_hosts("*.office.example"))
    assert decide(wild, Actor(host="pc1.office.example:8501")).allowed
    assert not decide(wild, Actor(host="office.example.evil:8501")).allowed
    anything = AuthConfig(server_address="localhost", allowed_hosts=parse_hosts("*"))
    assert decide(anything, Actor(host="any.example")).allowed


# -- password attempts -----------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_right_password_passes_and_clears_the_record() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(clock, free=3)
    assert limiter.attempt("a", "x", "s3greto").status == "wrong"
    assert limiter.attempt("a", "s3greto", "s3greto").status == "ok"
    assert limiter.attempt("a", "", "s3greto").status == "wrong"  # empty never matches
    assert limiter.attempt("a", "s3greto ", "s3greto").status == "wrong"


def test_failures_slow_down_then_lock_out_one_client_only() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(clock, free=3, max_wait=60, lock_after=10, lock_seconds=900)
    for n in range(1, 4):  # the first failures cost nothing
        assert limiter.attempt("a", "no", "s3greto") == Attempt("wrong", 0.0, n)
    assert limiter.wait("a") == 0
    fourth = limiter.attempt("a", "no", "s3greto")
    assert fourth.status == "wrong" and fourth.wait == 1
    # while it must wait, even the right password is refused without being checked
    refused = limiter.attempt("a", "s3greto", "s3greto")
    assert refused.status == "wait" and refused.wait == 1
    assert limiter.attempt("b", "s3greto", "s3greto").status == "ok"  # another client
    waits = []
    for _ in range(5):  # failures 5..9: 2, 4, 8, 16, 32 s
        clock.now += limiter.wait("a")
        waits.append(limiter.attempt("a", "no", "s3greto").wait)
    assert waits == [2, 4, 8, 16, 32]
    clock.now += limiter.wait("a")
    tenth = limiter.attempt("a", "no", "s3greto")
    assert tenth.status == "locked" and tenth.wait == 900
    clock.now += 899
    assert limiter.attempt("a", "s3greto", "s3greto").status == "locked"
    clock.now += 1
    assert limiter.attempt("a", "s3greto", "s3greto").status == "ok"


def test_waits_are_capped() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(clock, free=0, max_wait=60, lock_after=100)
    for _ in range(20):
        clock.now += limiter.wait("a")
        last = limiter.attempt("a", "no", "s3greto")
    assert last.wait == 60


def test_old_records_are_forgotten_and_memory_is_bounded() -> None:
    clock = FakeClock()
    limiter = AttemptLimiter(clock, free=3, forget_after=3600, max_clients=50)
    limiter.attempt("a", "no", "s3greto")
    clock.now += 3601
    limiter.attempt("b", "no", "s3greto")
    assert _failures(limiter, "a") == 0
    for i in range(500):
        limiter.attempt(f"c{i}", "no", "s3greto")
    assert len(limiter._records) <= 50


def test_failures_are_logged_without_the_value(caplog: pytest.LogCaptureFixture) -> None:
    limiter = AttemptLimiter(FakeClock())
    with caplog.at_level(logging.WARNING, logger="metrodigital.roles"):
        limiter.attempt("address:192.0.2.7", "hunter2-typed", "s3greto")
        limiter.attempt("session:0123-abcd", "other-typed", "s3greto")
    assert "192.0.2.7" in caplog.text and "wrong attempt 1" in caplog.text
    assert "typed" not in caplog.text and "s3greto" not in caplog.text
    assert "0123-abcd" not in caplog.text  # a session id is a credential: only a digest


def _failures(limiter: AttemptLimiter, client: str) -> int:
    record = limiter._records.get(client)
    return record.failures if record else 0


# -- who is shown as author --------------------------------------------------------------

def test_viewers_never_see_an_editors_address() -> None:
    assert display_actor("ufficio@cittametro.it", False, "it") == "editor"
    assert display_actor("Mario Rossi <m.rossi@x.it>", False, "en") == "editor"
    assert display_actor("ufficio@cittametro.it", True, "it") == "ufficio@cittametro.it"
    assert display_actor("local user", False, "it") == "utente locale"
    assert display_actor("editor (password)", True, "en") == "editor (password)"
    assert display_actor("Fonte: relazione", False, "it") == "Fonte: relazione"
    assert display_actor("", False, "it") == "—"


# -- the password box on a page ----------------------------------------------------------

def test_the_upload_page_slows_down_wrong_passwords(monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_DIR

    monkeypatch.setenv("METRODIGITAL_EDITOR_PASSWORD", "s3greto")
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
        app.switch_page("pages/2_Carica.py").run()
        with caplog.at_level(logging.WARNING, logger="metrodigital.roles"):
            for attempt in range(4):
                app.text_input[0].set_value(f"sbagliata{attempt}").run()
                assert "Password errata." in app.error[0].body
        assert "Troppi tentativi errati: riprovare tra 1 secondo." in app.error[0].body
        assert app.text_input[0].value == ""  # the box is emptied after each attempt
        app.text_input[0].set_value("s3greto").run()  # too soon: refused unchecked
        assert not app.file_uploader and "Troppi tentativi" in app.error[0].body
        assert "sbagliata" not in caplog.text and "wrong attempt 4" in caplog.text
    finally:
        st_config.set_option("server.address", previous)


def test_a_reset_forgets_every_clients_failures() -> None:
    limiter = AttemptLimiter(lambda: 0.0, free=0)
    assert limiter.attempt("a", "no", "s3greto").status == "wrong"
    assert limiter.wait("a") > 0
    limiter.reset()
    assert limiter.wait("a") == 0
