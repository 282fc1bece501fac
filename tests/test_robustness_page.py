"""The Robustness page in AppTest: probabilities, tipping sentences, effective weights."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from metrodigital.analysis import analyse
from metrodigital.i18n import t
from metrodigital.ranking import evaluate
from metrodigital.report import build_report
from metrodigital.scenario import Scenario
from metrodigital.store import SEED_WAVE_SLUG, Store
from tests.conftest import PROJECT_DIR
from ui.robustness import intervals_chart

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
    assert int(strambino["Migliore possibile"]) <= 12 < int(strambino["Peggiore possibile"])
    sentences = " ".join(text.value for text in app.text)
    assert ("Strambino entrerebbe tra i 12 se il peso di Infrastrutture passasse da 3 a 5"
            in sentences)
    assert any("Servizi pesa più della sua quota nominale (17,2%)" in m.value
               for m in app.markdown)
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


def test_class_agrees_with_the_bounds_and_the_page_says_why_for_cuorne() -> None:
    """Cuornè can reach rank 12 (N = 12) only with weights at the edges: borderline,
    with 0 % of the draws, and the page names it among those "borderline only at the edges"."""
    app = open_page()
    table = app.dataframe[0].value
    for _, row in table.iterrows():
        best, worst = int(row["Migliore possibile"]), int(row["Peggiore possibile"])
        expected = ("sempre selezionato" if worst <= 12 else "mai selezionato" if best > 12
                    else "in bilico")
        assert row["Classe"] == expected, row["Ente"]
    cuorne = table[table["Ente"] == "Comune di Cuornè"].iloc[0]
    assert (cuorne["Migliore possibile"], cuorne["Classe"]) == ("12", "in bilico")
    assert cuorne["Prob. selezione"] == "0,0%"
    edges = next(c.value for c in app.caption if c.value.startswith("In bilico solo ai limiti"))
    assert "Cuornè" in edges


def test_page_and_report_list_the_same_tipping_points(store: Store) -> None:
    app = open_page()
    start = next(i for i, h in enumerate(app.subheader) if h.value.startswith("Punti di svolta"))
    assert start >= 0
    on_page = [line for text in app.text for line in text.value.splitlines()
               if " se il peso di " in line]
    scenario = Scenario()
    book = load_workbook(io.BytesIO(build_report(
        evaluate(store, scenario), store.wave(SEED_WAVE_SLUG), analyse(store, scenario),
        link="http://localhost:8501/")))
    in_report = [sentence for row in book["Robustezza"].iter_rows(min_row=2, values_only=True)
                 if row[-1] for sentence in str(row[-1]).split("; ")]
    assert sorted(on_page) == sorted(in_report)
    assert any(line.startswith("Prarostino uscirebbe") for line in on_page)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_charts_tooltips_are_titled_in_the_users_language(lang: str) -> None:
    with Store(":memory:") as store:
        spec = intervals_chart(analyse(store, Scenario(draws=1000)), lang).to_dict()
    titles = [tip.get("title") for layer in spec["layer"]
              for tip in layer.get("encoding", {}).get("tooltip", [])]
    assert t("robustness.col_p", lang) in titles and t("robustness.col_worst", lang) in titles
    assert None not in titles  # no raw field name ("worst", "p5") reaches the reader
