"""The pages, driven by Streamlit's AppTest: sliders, links in, bad links, languages."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
METHOD = "pages/1_Metodo.py"


def open_app(**params: str | list[str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metric(app: AppTest, label: str) -> str:
    return next(str(m.value) for m in app.metric if m.label == label)


def notes(app: AppTest) -> list[str]:
    return [text.value for text in app.text]


def test_matrix_page_shows_the_tie_at_193_and_13_selected() -> None:
    app = open_app()
    assert app.title[0].value == "Matrice di prioritizzazione"
    warning = app.warning[0].body
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in warning
    assert "posizioni 11–13" in warning and "13 enti invece di 12" in warning
    assert metric(app, "Enti selezionati") == "13"
    assert metric(app, "Punteggio dell'ultimo selezionato") == "193"
    table = app.dataframe[0].value
    assert len(table) == 36
    assert table["Ente"].iloc[0] == "Unione dei Comuni Nord Est Torino"
    assert table["Selez."].tolist().count("✔") == 13
    assert table["Pari al taglio"].tolist().count("=") == 3
    assert set(table["Var."]) == {"="}


def test_a_slider_move_updates_ranking_selection_and_link() -> None:
    app = open_app()
    # A weight slider reruns only the page's fragment. AppTest cannot run that alone in an
    # app with a pages/ folder (its fragment-only run knows no page for the page links),
    # so the whole page runs with the new value; the browser test
    # test_a_weight_redraws_everything_it_changes_and_reset_restores_the_source moves
    # the slider for real.
    app.session_state["ser"] = 3
    app.run()
    assert not app.exception
    assert metric(app, "Enti selezionati") == "12"
    assert "esattamente 12 enti" in app.success[0].body
    table = app.dataframe[0].value
    assert table["Ente"].iloc[0] == "Comune di Moncalieri"
    net = table[table["Ente"] == "Unione dei Comuni Nord Est Torino"].iloc[0]
    assert net["Var."].startswith("↓")
    assert net["Servizi"] == 29 * 3
    assert app.query_params["ser"] == "3"
    assert "ser=3" in app.code[0].value  # the share box


def test_shares_are_shown_in_italian_format() -> None:
    app = open_app()
    caption = next(c.value for c in app.caption if c.value.startswith("Quota nominale"))
    assert "somma dei pesi 29" in caption
    # beside each weight: nominal share → real influence (share of the score's variance)
    assert "Servizi 17,2% → 67,3%" in caption


def test_reset_restores_the_sources_weights() -> None:
    app = open_app(ser="0", pop="10")
    assert app.slider(key="ser").value == 0
    app.button[0].click().run()
    assert app.slider(key="ser").value == 5 and app.slider(key="pop").value == 4
    assert metric(app, "Enti selezionati") == "13"


def test_link_parameters_restore_the_scenario() -> None:
    app = open_app(ser="3", n="5", tie="criteria", tiek=["inf", "ser"], lang="en")
    assert app.slider(key="ser").value == 3
    assert app.slider(key="n").value == 5
    assert app.radio(key="tie").value == "criteria"
    assert app.multiselect(key="tiek").value == ["inf", "ser"]
    assert app.title[0].value == "Prioritisation matrix"
    assert metric(app, "Entities selected") == "5"
    assert not notes(app)


@pytest.mark.parametrize("raw", ["abc", "-1", "99", "2.5", "1e400", "nan", "",
                                 "<script>alert(1)</script>", "**x**", "9" * 200])
def test_hostile_link_values_fall_back_with_a_visible_note(raw: str) -> None:
    app = open_app(ser=raw, n=raw, tie=raw, tiek=raw, wave=raw, lang=raw)
    assert app.slider(key="ser").value == 5
    assert app.slider(key="n").value == 12
    assert app.radio(key="tie").value == "all"
    assert app.selectbox(key="wave").value == "metrodigital-2023"
    assert metric(app, "Enti selezionati") == "13"
    shown = notes(app)
    assert any("«ser»" in note for note in shown)
    assert any("«n»" in note for note in shown)
    # values are quoted as plain text, never rendered as markup
    assert not any(raw and raw in md.value for md in app.markdown if "<" in raw)


def test_notes_can_be_closed() -> None:
    app = open_app(ser="abc")
    assert notes(app)
    app.button(key="_dismiss_link_notes").click().run()
    assert not notes(app)


def test_all_weights_zero_is_an_explained_empty_state() -> None:
    zero = {code: "0" for code in ["ana", "inf", "org", "ser", "pnrr", "dati", "concl", "pop"]}
    app = open_app(**zero)
    assert "Tutti i pesi sono a 0" in app.info[0].body
    assert not app.dataframe
    assert not app.metric


def test_tie_rule_by_criteria_decides_and_says_how() -> None:
    app = open_app(tie="criteria", tiek="ser")
    assert metric(app, "Enti selezionati") == "12"
    body = app.warning[0].body
    assert "spareggio per Servizi" in body
    assert "Fuori: Sant'Ambrogio di Torino" in body


def test_choice_rule_lets_the_user_pick_among_the_tied() -> None:
    app = open_app(tie="choice")
    assert "Scegli 2 enti" in app.warning[0].body
    assert metric(app, "Enti selezionati") == "13"
    pick = app.multiselect(key="pick")
    assert set(pick.options) == {"Mazzè", "Sant'Ambrogio di Torino", "Albiano d'Ivrea"}
    pick.set_value(["mazze", "albiano-d-ivrea"]).run()
    assert metric(app, "Enti selezionati") == "12"
    assert "Fuori: Sant'Ambrogio di Torino" in app.warning[0].body
    assert app.query_params["pick"] == ["mazze", "albiano-d-ivrea"]


def test_picks_from_the_link_are_restored_and_strangers_reported() -> None:
    app = open_app(tie="choice", pick=["mazze", "albiano-d-ivrea", "torino"])
    assert metric(app, "Enti selezionati") == "12"
    assert any("«torino»" in note for note in notes(app))


def test_english_is_selectable_and_complete_on_the_matrix_page() -> None:
    app = open_app()
    app.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Prioritisation matrix"
    assert "Tie at the cut-off" in app.warning[0].body
    assert list(app.dataframe[0].value.columns[:4]) == ["Rank", "Change", "Entity", "Score"]
    assert app.query_params["lang"] == "en"


def test_method_page_opens_with_the_scenario_of_the_link() -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["ser"] = "2"
    app.switch_page(METHOD).run()
    assert not app.exception
    assert app.title[0].value == "Metodo"
    headers = [h.value for h in app.subheader]
    assert "I pareggi al taglio" in headers and "La fonte" in headers
    assert app.slider(key="ser").value == 2
    body = " ".join(md.value for md in app.markdown)
    assert "Mazzè" in body and "193" in body and "1, 2, 2, 4" in body


def test_method_page_in_english() -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["lang"] = "en"
    app.switch_page(METHOD).run()
    assert app.title[0].value == "Method"
    assert "Ties at the cut-off" in [h.value for h in app.subheader]


def test_normalisation_from_the_link_shows_what_changes_against_raw_points() -> None:
    app = open_app(norm="share")
    assert app.radio(key="norm").value == "share"
    note = app.info[0].body
    assert note.startswith("Con «Quota del massimo della sezione» invece dei punti grezzi")
    table = app.dataframe[0].value
    assert table["Punteggio"].iloc[0] == "27,00"  # decimals in Italian format
    assert metric(app, "Enti selezionati") == "12"
    bad = open_app(norm="zscore")
    assert bad.radio(key="norm").value == "raw"
    assert any("«norm»" in note for note in notes(bad))


def test_quotas_from_the_link_say_who_was_displaced_and_why() -> None:
    app = open_app(q=["pop1>=2"])
    assert app.text_input(key="q").value == "pop1>=2"
    body = app.info[0].body
    assert "Le quote decidono chi occupa i posti" in body
    assert "Angrogna entra nella selezione per la quota «almeno 2 enti di classe di " \
        "popolazione 1»" in body
    assert "esce dalla selezione" in body
    assert metric(app, "Enti selezionati") == "12"
    app.text_input(key="q").set_value("pop1>=2, zona3<=1, boh").run()
    assert any("«zona3<=1» non è una quota valida" in c.value for c in app.caption)
    assert any("«boh» non è una quota valida" in c.value for c in app.caption)
    assert app.query_params["q"] == "pop1>=2"
    infeasible = open_app(q=["pop1>=30"])
    assert "Nessuna selezione rispetta tutte le quote" in infeasible.info[0].body


def test_the_matrix_page_does_not_load_scipy() -> None:
    """SciPy's statistics and optimiser take about half a second to import: the Matrix
    page, which uses neither, must not pay for them when the server starts."""
    script = (
        "import sys;"
        "import ui.common, ui.matrix, metrodigital.charts, metrodigital.ranking;"
        "print(sorted(m for m in sys.modules if m in ('scipy.stats', 'scipy.optimize')))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, text=True,
                            capture_output=True, check=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"


SCENARIO_LINK = {"ser": "3", "pop": "7", "n": "10", "norm": "share", "tie": "criteria",
                 "tiek": ["inf", "ser"]}


def control_values(app: AppTest) -> dict[str, object]:
    return {"ser": app.slider(key="ser").value, "pop": app.slider(key="pop").value,
            "n": app.slider(key="n").value, "norm": app.radio(key="norm").value,
            "tie": app.radio(key="tie").value, "tiek": app.multiselect(key="tiek").value}


def test_every_control_keeps_its_value_across_a_language_switch() -> None:
    app = open_app(**SCENARIO_LINK)
    before, link = control_values(app), dict(app.query_params)
    assert before == {"ser": 3, "pop": 7, "n": 10, "norm": "share", "tie": "criteria",
                      "tiek": ["inf", "ser"]}
    app.radio(key="lang").set_value("en").run()
    assert control_values(app) == before
    assert app.title[0].value == "Prioritisation matrix"
    assert {k: v for k, v in app.query_params.items() if k != "lang"} == link
    app.radio(key="lang").set_value("it").run()
    assert control_values(app) == before
    assert dict(app.query_params) == link
