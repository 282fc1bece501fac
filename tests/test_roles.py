"""Permission logic on its own: who is an editor under each configuration."""

from __future__ import annotations

import pytest

from metrodigital.roles import (
    Actor,
    AuthConfig,
    PermissionDenied,
    decide,
    parse_editors,
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
