"""The upload page in AppTest: roles, report, preview, publishing a wave, deleting it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.criteria import criterion_keys
from tests.conftest import PROJECT_DIR
from tests.test_ingest import seed_rows, xlsx

APP = str(PROJECT_DIR / "app.py")
UPLOAD = "pages/2_Carica.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def address() -> Iterator[None]:
    previous = st_config.get_option("server.address")
    yield
    st_config.set_option("server.address", previous)


def open_upload(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(UPLOAD).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    return "\n".join(t.value for t in app.text)


def test_on_localhost_the_user_can_upload_check_and_publish(address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_upload()
    assert app.title[0].value == "Carica questionari"
    rows = seed_rows()[:4]
    rows[2][4] = "forse"
    app.file_uploader[0].set_value(("matrice.xlsx", xlsx([["ente", *criterion_keys()], *rows]),
                                    XLSX)).run()
    assert not app.exception
    assert "Foglio1!E4: «forse» non è un numero" in texts(app)
    assert not [b for b in app.button if b.label == "Pubblica come nuova ondata"]
    good = xlsx([["ente", *criterion_keys()], *seed_rows()[:4]])
    app.file_uploader[0].set_value(("matrice.xlsx", good, XLSX)).run()
    assert "Nessun problema: 4 enti pronti da pubblicare." in [s.body for s in app.success]
    app.text_input[0].set_value("Prova 2025")
    form_buttons = [b for b in app.button if b.label == "Pubblica come nuova ondata"]
    form_buttons[0].click().run()
    assert any("Ondata «Prova 2025» pubblicata: 4 enti" in s.body for s in app.success)
    # the new wave can be chosen in the sidebar, and deleted after confirmation
    app.run()
    assert "Prova 2025" in app.dataframe[0].value["Ondata"].tolist()
    assert "Prova 2025" in app.selectbox(key="wave").options
    delete = next(b for b in app.button if b.label == "Elimina")
    assert delete.disabled
    app.checkbox[-1].check().run()
    next(b for b in app.button if b.label == "Elimina").click().run()
    assert not app.exception
    assert "Prova 2025" not in app.dataframe[0].value["Ondata"].tolist()
    assert app.selectbox(key="wave").options == ["METRODIGITAL 2023"]


def test_bound_to_every_interface_with_nothing_configured_uploads_are_off(
    address: None,
) -> None:
    st_config.set_option("server.address", "0.0.0.0")
    app = open_upload()
    assert "Caricamenti disattivati" in app.info[0].body
    assert not app.file_uploader


def test_password_mode_asks_for_the_password(address: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRODIGITAL_EDITOR_PASSWORD", "s3greto")
    st_config.set_option("server.address", "0.0.0.0")
    app = open_upload()
    assert not app.file_uploader
    app.text_input[0].set_value("sbagliata").run()
    assert not app.file_uploader
    app.text_input[0].set_value("s3greto").run()
    assert app.file_uploader


def test_an_unreadable_file_is_refused_with_a_reason(address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_upload(lang="en")
    app.file_uploader[0].set_value(("rotto.xlsx", b"PK\x03\x04 not really a zip", XLSX)).run()
    assert not app.exception
    assert app.error and "cannot be read" in app.error[0].body


def test_an_unknown_name_can_be_resolved_to_a_comune(address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_upload()
    rows = seed_rows()[:3]
    rows[0][0] = "Comune di Pinerol"  # a typo
    app.file_uploader[0].set_value(("m.xlsx", xlsx([["ente", *criterion_keys()], *rows]),
                                    XLSX)).run()
    assert "«Comune di Pinerol»" in texts(app)
    resolver = next(s for s in app.selectbox if s.label == "«Comune di Pinerol» corrisponde a")
    assert "Pinerolo" in resolver.options
    resolver.set_value("Pinerolo").run()
    assert not app.exception
    assert any(s.body.startswith("Nessun problema: 3 enti") for s in app.success)
