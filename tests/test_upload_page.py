"""The upload page in AppTest: roles, report, preview, publishing a wave, deleting it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
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
    # the survey's waves: the source's and its synthetic example, labelled as such
    assert app.selectbox(key="wave").options == [
        "METRODIGITAL 2023", "METRODIGITAL 2023 – risposte (dati sintetici di esempio)"]


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


def names_editor_key(data: bytes, sheet: str = "Foglio1") -> str:
    return f"_names_{hashlib.sha256(data).hexdigest()}_{sheet}"


def pick_names(app: AppTest, data: bytes, choices: dict[int, str]) -> AppTest:
    """Pick entities in the names table, as a user does in the browser (AppTest seeds a
    data editor's edits through its state)."""
    app.session_state[names_editor_key(data)] = {
        "edited_rows": {row: {"Ente": choice} for row, choice in choices.items()},
        "added_rows": [], "deleted_rows": []}
    return app.run()


def test_an_unknown_name_can_be_resolved_to_a_comune(address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_upload()
    rows = seed_rows()[:3]
    rows[0][0] = "Comune di Pinerol"  # a typo
    data = xlsx([["ente", *criterion_keys()], *rows])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    assert "«Comune di Pinerol»" in texts(app)
    [names] = app.data_editor
    table = names.value
    assert table["Nome nel file"].tolist() == ["Comune di Pinerol"]
    assert table["Righe"].tolist() == ["2"]
    assert "«Pinerolo»" in table["Nomi ufficiali simili"][0]
    pick_names(app, data, {0: "Pinerolo"})
    assert not app.exception
    assert any(s.body.startswith("Nessun problema: 3 enti") for s in app.success)


# --------------------------------------------------------------------------- hostile uploads

@pytest.fixture
def editor_db(address: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The page opened by an editor (localhost) on a database of its own."""
    from ui.common import get_store

    st_config.set_option("server.address", "localhost")
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("METRODIGITAL_DB", str(path))
    get_store.clear()
    yield path
    get_store.clear()


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def publish_as(app: AppTest, name: str, accept: bool = False) -> AppTest:
    app.text_input(key="_wave_name").set_value(name)
    if accept:
        next(c for c in app.checkbox if c.label.startswith("Accetto")).check()
    return button(app, "Pubblica come nuova ondata").click().run()


def test_a_name_mapped_onto_an_entity_already_in_the_file_is_an_error_naming_both(
        editor_db: Path) -> None:
    app = open_upload()
    rows = seed_rows()[:4]  # row 3 of the sheet is Comune di Rivalba
    rows[0][0] = "Comune di Rivalbb"
    data = xlsx([["ente", *criterion_keys()], *rows])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    pick_names(app, data, {0: "Rivalba"})
    assert not app.exception
    assert app.error[0].body == "1 errore blocca la pubblicazione:"
    assert ("Foglio1!A3: «Comune di Rivalba» e «Comune di Rivalbb → Rivalba» della riga 2 "
            "diventerebbero lo stesso ente (Rivalba)") in texts(app)
    assert not [b for b in app.button if b.label == "Pubblica come nuova ondata"]


def test_publishing_and_deleting_update_the_sidebar_and_the_list_at_once(
        editor_db: Path) -> None:
    app = open_upload()
    # a wave larger than the source's: N's slider grows, and must not reset N when it shrinks
    rows = [*seed_rows(), *[[f"Comune di Prova {i}", *[1] * 8] for i in range(14)]]
    data = xlsx([["ente", *criterion_keys()], *rows])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    publish_as(app, "Grande 2025", accept=True)
    assert not app.exception
    assert "Ondata «Grande 2025» pubblicata: 50 enti. Sceglila nella barra laterale." in [
        s.body for s in app.success]
    assert "Grande 2025" in app.selectbox(key="wave").options  # no reload needed
    assert "Grande 2025" in app.dataframe[0].value["Ondata"].tolist()
    assert not app.file_uploader[0].value  # the published file is put away
    app.selectbox(key="wave").set_value("grande-2025").run()
    app.slider(key="n").set_value(15).run()
    app.checkbox(key="_delete_sure_grande-2025").check().run()
    button(app, "Elimina").click().run()
    assert not app.exception
    assert app.selectbox(key="wave").options == [
        "METRODIGITAL 2023", "METRODIGITAL 2023 – risposte (dati sintetici di esempio)"]
    assert app.selectbox(key="wave").value == "metrodigital-2023"
    assert app.slider(key="n").value == 15
    assert "Grande 2025" not in app.dataframe[0].value["Ondata"].tolist()
    [done] = [s.body for s in app.success]
    assert done.startswith("Ondata «Grande 2025» eliminata. Era l'ondata in vista")


def test_the_confirmation_names_the_saved_scenarios_a_delete_removes(editor_db: Path) -> None:
    from metrodigital.compare import save_scenario
    from metrodigital.scenario import Scenario
    from metrodigital.store import Store
    from tests.test_ingest import LOCAL, ME

    app = open_upload()
    data = xlsx([["ente", *criterion_keys()], *seed_rows()[:5]])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    publish_as(app, "Con scenari")
    from ui.common import get_store

    store: Store = get_store()
    for name in ("Servizi al minimo", "*Pesi* [uguali](http://x)"):
        save_scenario(store, name, Scenario(wave="con-scenari"), auth=LOCAL, actor=ME)
    app.run()
    warning = app.warning[0].body
    assert warning.startswith("Con questa ondata saranno eliminati anche 2 scenari salvati:")
    assert "Servizi al minimo" in warning and "\\*Pesi\\*" in warning
    confirm = app.checkbox(key="_delete_sure_con-scenari")
    assert confirm.label.startswith("Confermo: eliminare definitivamente «Con scenari» con "
                                    "tutti i suoi dati e i suoi 2 scenari salvati")
    confirm.check().run()
    button(app, "Elimina").click().run()
    [done] = [s.body for s in app.success]
    assert done.startswith("Ondata «Con scenari» eliminata. Eliminati anche 2 scenari salvati:")
    assert "Servizi al minimo" in done


def test_the_same_file_again_under_another_name_needs_an_acceptance(editor_db: Path) -> None:
    app = open_upload()
    data = xlsx([["ente", *criterion_keys()], *seed_rows()[:5]])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    publish_as(app, "Prima")
    app.file_uploader[0].set_value(("copia.xlsx", data, XLSX)).run()
    assert "è già stato pubblicato come «Prima»" in texts(app)
    publish_as(app, "Seconda")
    assert "Ci sono avvisi da accettare" in app.error[0].body
    assert "Seconda" not in app.selectbox(key="wave").options
    publish_as(app, "Seconda", accept=True)
    assert "Seconda" in app.selectbox(key="wave").options


def test_a_wave_name_taken_meanwhile_is_refused_and_the_file_stays(editor_db: Path) -> None:
    app = open_upload()
    data = xlsx([["ente", *criterion_keys()], *seed_rows()[:5]])
    app.file_uploader[0].set_value(("m.xlsx", data, XLSX)).run()
    from metrodigital.ingest import prepare, publish
    from tests.test_ingest import LOCAL, ME
    from ui.common import get_store

    # another editor publishes "Contesa" while this one is filling in the form
    other = prepare(xlsx([["ente", *criterion_keys()], *seed_rows()[5:9]]), "altro.xlsx")
    publish(get_store(), other, name="Contesa", survey_date=None, auth=LOCAL, actor=ME)
    publish_as(app, "Contesa")
    assert not app.exception
    assert app.error and "Esiste già" in app.error[0].body
    assert app.file_uploader[0].value  # nothing lost: the file is still there to publish
    publish_as(app, "Contesa bis")
    assert "Contesa bis" in app.selectbox(key="wave").options


def test_a_macro_workbook_gets_the_apps_own_message(editor_db: Path) -> None:
    app = open_upload()
    uploader = app.file_uploader[0]
    assert {".xlsm", ".xls", ".ods"} <= set(uploader.proto.type)
    app.file_uploader[0].set_value(("macro.xlsm", xlsx([["ente"], ["Ivrea"]]), XLSX)).run()
    assert not app.exception
    assert app.error[0].body.startswith("Il file non può essere letto")
    assert "macro" in texts(app)


def test_renamed_question_columns_can_be_mapped_and_are_reported_once(
        editor_db: Path) -> None:
    from tests.test_ingest_hostile import EXAMPLE

    book = load_workbook(EXAMPLE)
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=8, value="Domanda rinominata A")  # question 1.2
    sheet.cell(row=2, column=9, value="Domanda rinominata B")  # question 2.1
    out = io.BytesIO()
    book.save(out)
    app = open_upload()
    app.file_uploader[0].set_value(("rinominate.xlsx", out.getvalue(), XLSX)).run()
    report = texts(app)
    assert "Risposte: Manca la colonna della domanda 1.2" in report
    assert "nessuna risposta" not in report  # not 72 copies of it, without a place
    column_h = next(s for s in app.selectbox if s.label == "Colonna H «Domanda rinominata A»")
    assert any(option.startswith("1.2 · Quale ruolo") for option in column_h.options)
    column_h.set_value("1.2")
    next(s for s in app.selectbox
         if s.label == "Colonna I «Domanda rinominata B»").set_value("2.1").run()
    assert not app.exception
    assert any(s.body.startswith("Nessun problema: 36 enti") for s in app.success)


def test_many_unknown_names_are_one_table_and_one_line_per_kind(editor_db: Path) -> None:
    from scripts.bench_import import responses_workbook

    app = open_upload()
    app.file_uploader[0].set_value(("grande.xlsx", responses_workbook(300), XLSX)).run()
    assert not app.exception
    [names] = app.data_editor
    assert len(names.value) == 264  # every name beyond the 36 of the source
    assert not [s for s in app.selectbox if s.label.endswith("corrisponde a")]
    lines = [line for line in texts(app).splitlines() if not line.startswith("    ")]
    assert len(lines) == 2  # unknown name; no population: one line each
    assert lines[0].startswith("Risposte, colonna F: 264 righe con un problema di questo tipo")


def test_a_read_only_database_location_still_shows_the_waves(
        address: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.common import get_store

    st_config.set_option("server.address", "localhost")
    monkeypatch.setenv("METRODIGITAL_DB", "/proc/metrodigital/app.duckdb")  # never writable
    get_store.clear()
    try:
        app = open_upload()
        assert app.dataframe[0].value["Ondata"].tolist() == [
            "METRODIGITAL 2023", "METRODIGITAL 2023 – risposte (dati sintetici di esempio)",
            "PON Metro Milano 2017 (dati sintetici di esempio)"]
        assert "sola lettura" in app.info[-1].body
        assert not app.file_uploader
        matrix = AppTest.from_file(APP, default_timeout=60).run()
        assert not matrix.exception
        assert matrix.title[0].value
    finally:
        get_store.clear()


def test_a_damaged_database_is_a_clear_message_not_a_traceback(
        address: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.common import get_store

    st_config.set_option("server.address", "localhost")
    damaged = tmp_path / "rotto.duckdb"
    damaged.write_bytes(b"DUCK" + bytes(range(256)) * 64)  # a file cut off and scrambled
    monkeypatch.setenv("METRODIGITAL_DB", str(damaged))
    get_store.clear()
    try:
        app = open_upload()
        [error] = app.error
        assert "«rotto.duckdb»" in error.body
        assert str(tmp_path) not in error.body
        assert not app.exception
        english = open_upload(lang="en")  # the store's own message, in the chosen language
        [error] = english.error
        assert error.body.startswith(
            "The data is not available: The database file “rotto.duckdb” is damaged")
        assert "«" not in error.body and "Impossibile" not in error.body
    finally:
        get_store.clear()


def test_an_acceptance_given_for_one_file_is_not_carried_to_the_next(editor_db: Path) -> None:
    app = open_upload()
    first = xlsx([["ente", *criterion_keys()], ["Comune di Nessunluogo", *[1] * 8]])
    app.file_uploader[0].set_value(("a.xlsx", first, XLSX)).run()
    next(c for c in app.checkbox if c.label.startswith("Accetto")).check().run()
    second = xlsx([["ente", *criterion_keys()], ["Comune di Altroluogo", *[2] * 8]])
    app.file_uploader[0].set_value(("b.xlsx", second, XLSX)).run()
    accept = next(c for c in app.checkbox if c.label.startswith("Accetto"))
    assert not accept.value
    app.text_input(key="_wave_name").set_value("Non accettata")
    button(app, "Pubblica come nuova ondata").click().run()
    assert "Ci sono avvisi da accettare" in app.error[0].body
    assert "Non accettata" not in app.selectbox(key="wave").options
