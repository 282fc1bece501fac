"""Saved scenarios and comparisons: correlations, who enters and leaves, editors only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.compare import compare, delete_scenario, save_scenario, saved_scenarios
from metrodigital.criteria import criterion_keys
from metrodigital.ranking import evaluate
from metrodigital.roles import Actor, AuthConfig, PermissionDenied
from metrodigital.scenario import Scenario, TieRule
from metrodigital.store import Store, StoreError
from tests.conftest import PROJECT_DIR

LOCAL = AuthConfig(server_address="localhost")
OFF = AuthConfig(server_address="0.0.0.0")
COMPARE = "pages/4_Confronta.py"


def test_a_scenario_against_itself_is_identical(store: Store) -> None:
    same = compare(evaluate(store, Scenario()), evaluate(store, Scenario()))
    assert same.spearman == pytest.approx(1) and same.kendall == pytest.approx(1)
    assert same.entered == () and same.left == ()


def test_servizi_at_3_against_the_source(store: Store) -> None:
    a = evaluate(store, Scenario().with_weights(servizi=3))
    b = evaluate(store, Scenario())
    result = compare(a, b)
    selected_a = set(a.table.loc[a.table["selected"], "ente"])
    selected_b = set(b.table.loc[b.table["selected"], "ente"])
    assert set(result.entered) == selected_a - selected_b
    assert set(result.left) == selected_b - selected_a
    assert result.left  # 13 selected with the source's weights, 12 here
    assert 0.5 < result.kendall < result.spearman < 1


def test_saving_listing_loading_and_deleting(store: Store) -> None:
    scenario = Scenario(top=10, ties=TieRule.CRITERIA,
                        tie_criteria=("servizi",)).with_weights(servizi=3)
    saved = save_scenario(store, "  Servizi   ridotti ", scenario, auth=LOCAL, actor=Actor())
    assert saved.name == "Servizi ridotti"
    assert saved.scenario() == scenario
    assert [s.name for s in saved_scenarios(store)] == ["Servizi ridotti"]
    with pytest.raises(StoreError, match=r"compare\.name_exists"):
        save_scenario(store, "Servizi ridotti", scenario, auth=LOCAL, actor=Actor())
    with pytest.raises(PermissionDenied):
        save_scenario(store, "Altro", scenario, auth=OFF, actor=Actor())
    with pytest.raises(PermissionDenied):
        delete_scenario(store, "Servizi ridotti", auth=OFF, actor=Actor())
    delete_scenario(store, "Servizi ridotti", auth=LOCAL, actor=Actor())
    assert saved_scenarios(store) == []


def test_all_zero_weights_round_trip_too(store: Store) -> None:
    zero = Scenario(weights={k: 0 for k in criterion_keys()})
    saved = save_scenario(store, "Zero", zero, auth=LOCAL, actor=Actor())
    assert saved.scenario() == zero


@pytest.fixture
def address() -> Iterator[None]:
    previous = st_config.get_option("server.address")
    yield
    st_config.set_option("server.address", previous)


def open_compare(**params: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(COMPARE).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def button(app: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in app.button if b.label == label)


def test_compare_page_saves_with_a_confirmation_and_keeps_the_choice_in_the_link(
    address: None,
) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_compare(ser="3")
    assert app.title[0].value == "Confronta scenari"
    texts = " ".join(x.value for x in app.text)
    assert "Escono dalla selezione:" in texts
    metrics = {m.label: m.value for m in app.metric}
    assert 0 < float(metrics["Correlazione di Spearman"].replace(",", ".")) < 1
    next(x for x in app.text_input if x.label.startswith("Nome per salvare")) \
        .set_value("Servizi a 3")
    button(app, "Salva lo scenario").click().run()
    assert not app.exception
    assert any("Scenario «Servizi a 3» salvato" in s.body for s in app.success)
    assert "Servizi a 3" in app.selectbox(key="vs").options
    opened = [link for link in app.get("page_link") if "Servizi a 3" in link.proto.label]
    assert opened and "ser" in opened[0].proto.query_string
    # the choice of what to compare with goes into the link
    app.selectbox(key="vs").set_value("Servizi a 3").run()
    assert app.query_params["vs"] == "Servizi a 3"
    assert "vs=Servizi+a+3" in app.sidebar.code[0].value
    assert app.metric[2].value == "0"  # the same scenario: nobody moves
    app.selectbox(key="vs").set_value("").run()
    assert "vs" not in app.query_params


def test_a_link_reopens_the_comparison_and_a_bad_name_is_reported(store: Store,
                                                                  address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_compare()
    next(x for x in app.text_input if x.label.startswith("Nome per salvare")).set_value("Base")
    button(app, "Salva lo scenario").click().run()
    reopened = open_compare(vs="Base", ser="3")
    assert reopened.selectbox(key="vs").value == "Base"
    assert reopened.metric[2].value != "0"
    wrong = open_compare(vs="[Non](https://elsewhere.example) esiste")
    assert wrong.selectbox(key="vs").value == ""
    notes = " ".join(x.value for x in wrong.text)
    assert "«[Non](https://elsewhere.example) esiste» indicato dal parametro «vs»" in notes


def test_deleting_asks_for_a_confirmation_and_says_it_was_done(address: None) -> None:
    st_config.set_option("server.address", "localhost")
    app = open_compare()
    next(x for x in app.text_input if x.label.startswith("Nome per salvare")) \
        .set_value("Da eliminare")
    button(app, "Salva lo scenario").click().run()
    app.selectbox(key="_compare_victim").set_value("Da eliminare").run()
    assert button(app, "Elimina lo scenario salvato").disabled
    sure = next(c for c in app.checkbox if "Da eliminare" in c.label)
    sure.check().run()
    button(app, "Elimina lo scenario salvato").click().run()
    assert not app.exception
    assert any("Scenario salvato «Da eliminare» eliminato." in s.body for s in app.success)
    assert "Da eliminare" not in app.selectbox(key="vs").options


def test_a_password_editor_stays_an_editor_on_the_compare_page(
    address: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("METRODIGITAL_EDITOR_PASSWORD", "s3greto")
    st_config.set_option("server.address", "0.0.0.0")
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    app.switch_page("pages/2_Carica.py").run()
    app.text_input[0].set_value("s3greto").run()
    assert app.file_uploader
    app.switch_page(COMPARE).run()
    assert not app.exception
    assert [b for b in app.button if b.label == "Salva lo scenario"]
    assert "riservato agli editor" not in " ".join(c.value for c in app.caption)


def test_viewers_see_a_role_instead_of_an_editors_email(store: Store, address: None) -> None:
    import duckdb

    from metrodigital.paths import database_path

    st_config.set_option("server.address", "localhost")
    app = open_compare()
    next(x for x in app.text_input if x.label.startswith("Nome per salvare")).set_value("Mail")
    button(app, "Salva lo scenario").click().run()
    del app
    from ui.common import get_store

    get_store.clear()  # let this test write to the app's database file
    with duckdb.connect(str(database_path())) as db:
        db.execute("UPDATE scenarios SET created_by = 'ufficio@cittametro.it'")
    st_config.set_option("server.address", "0.0.0.0")  # uploads off: a viewer
    viewer = open_compare()
    shown = viewer.dataframe[0].value
    assert "ufficio@cittametro.it" not in shown.to_string()
    assert "editor" in shown["Salvato da" if "Salvato da" in shown else shown.columns[-1]].tolist()


def test_the_slope_chart_names_everyone_on_both_sides_without_overlaps(store: Store) -> None:
    from metrodigital.display import clean
    from metrodigital.explain import short_name
    from ui.compare import LABEL_MAX, side_labels, slope_chart

    result = compare(evaluate(store, Scenario().with_weights(servizi=3)),
                     evaluate(store, Scenario()))
    labels = side_labels(result, "attuale", "fonte")
    for side, column in (("fonte", "rank_b"), ("attuale", "rank_a")):
        mine = labels[labels["scenario"] == side]
        assert mine["posizione"].is_unique  # one label per height: none written over another
        at = dict(zip(mine["posizione"], mine["etichetta"], strict=True))
        for name, rank in zip(result.ranks["ente"], result.ranks[column], strict=True):
            assert clean(short_name(name), LABEL_MAX) in at[int(rank)]
    # the source's tie at 193 (ranks 11–13 with N = 12) shares one label on the left
    tied = labels[(labels["scenario"] == "fonte") & (labels["posizione"] == 11)]
    assert set(tied["etichetta"].iloc[0].split(", ")) == {
        "Mazzè", "Sant'Ambrogio di Torino", "Albiano d'Ivrea"}
    spec = slope_chart(result, "attuale", "fonte", "it").to_dict()
    aligns = {layer["mark"].get("align") for layer in spec["layer"]
              if isinstance(layer["mark"], dict) and layer["mark"].get("type") == "text"}
    assert aligns == {"left", "right"}


def test_saving_or_deleting_on_a_read_only_database_is_a_clear_refusal(tmp_path) -> None:
    path = tmp_path / "sola-lettura.duckdb"
    Store(path).close()
    editor = dict(auth=LOCAL, actor=Actor())
    with Store(path, read_only=True) as viewing:
        with pytest.raises(StoreError) as refused:
            save_scenario(viewing, "Servizi a 3", Scenario().with_weights(servizi=3), **editor)
        assert refused.value.code == "store.read_only"
        assert "{" not in refused.value.message("en")
        with pytest.raises(StoreError):
            delete_scenario(viewing, "Servizi a 3", **editor)
        assert saved_scenarios(viewing) == []
