"""The Robustness page in AppTest: probabilities, tipping sentences, effective weights."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
PAGE = "pages/3_Robustezza.py"


def open_page(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_robustness_page_with_the_sources_weights() -> None:
    app = open_page()
    assert app.title[0].value == "Quanto è robusta la selezione"
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Sempre selezionati"]) + int(metrics["In bilico"]) \
        + int(metrics["Mai selezionati"]) == 36
    table = app.dataframe[0].value
    strambino = table[table["Ente"] == "Comune di Strambino"].iloc[0]
    assert strambino["Classe"] == "in bilico"
    assert strambino["Migliore possibile"] <= 12 < strambino["Peggiore possibile"]
    sentences = " ".join(text.value for text in app.text)
    assert ("Strambino entrerebbe tra i 12 se il peso di Infrastrutture passasse da 3 a 5"
            in sentences)
    assert "Servizi pesa più della sua quota nominale (17,2%)" in app.markdown[-1].value
    assert "seme 20230321" in " ".join(c.value for c in app.caption)


def test_robustness_parameters_come_from_the_link_and_bad_ones_are_reported() -> None:
    app = open_page(k="2", draws="1000", seed="7", lang="en")
    assert app.slider(key="k").value == 2
    assert app.selectbox(key="draws").value == 1000
    assert app.number_input(key="seed").value == 7
    assert app.title[0].value == "How robust the selection is"
    bad = open_page(k="99", draws="12345", seed="-1")
    assert bad.slider(key="k").value == 1
    assert bad.selectbox(key="draws").value == 10_000
    notes = " ".join(text.value for text in bad.text)
    assert "«k»" in notes and "«draws»" in notes and "«seed»" in notes


def test_all_weights_zero_is_explained() -> None:
    zero = {c: "0" for c in ["ana", "inf", "org", "ser", "pnrr", "dati", "concl", "pop"]}
    app = open_page(**zero)
    assert "Tutti i pesi sono a 0" in app.info[0].body
