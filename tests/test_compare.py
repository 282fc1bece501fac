"""Saved scenarios and comparisons: correlations, who enters and leaves, editors only."""

from __future__ import annotations

import pytest

from metrodigital.compare import compare, delete_scenario, save_scenario, saved_scenarios
from metrodigital.criteria import criterion_keys
from metrodigital.ranking import evaluate
from metrodigital.roles import Actor, AuthConfig, PermissionDenied
from metrodigital.scenario import Scenario, TieRule
from metrodigital.store import Store, StoreError

LOCAL = AuthConfig(server_address="localhost")
OFF = AuthConfig(server_address="0.0.0.0")


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


def test_compare_page_against_the_source_and_saving() -> None:
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_DIR

    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "localhost")
    try:
        app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
        app.query_params["ser"] = "3"
        app.switch_page("pages/4_Confronta.py").run()
        assert not app.exception, [e.message for e in app.exception]
        assert app.title[0].value == "Confronta scenari"
        texts = " ".join(x.value for x in app.text)
        assert "Escono dalla selezione:" in texts
        metrics = {m.label: m.value for m in app.metric}
        assert 0 < float(metrics["Correlazione di Spearman"].replace(",", ".")) < 1
        app.text_input[0].set_value("Servizi a 3")
        next(b for b in app.button if b.label == "Salva lo scenario").click().run()
        assert not app.exception
        assert "Servizi a 3" in app.selectbox[1].options
        opened = [link for link in app.get("page_link") if "Servizi a 3" in link.proto.label]
        assert opened and "ser" in opened[0].proto.query_string
    finally:
        st_config.set_option("server.address", previous)
