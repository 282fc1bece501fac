"""The pages, driven by Streamlit's AppTest: sliders, links in, bad links, languages."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrodigital.i18n import t
from metrodigital.paths import DATA_DIR
from metrodigital.store import read_seed_matrix
from tests.conftest import PROJECT_DIR
from ui.common import PAGES

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


def shown(element: Any) -> str:
    """An alert's text as the user reads it: names from files are written as escaped
    Markdown (metrodigital.display.plain), shown without the escapes."""
    body = str(element.body)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body).replace("\u2060", "")


def notes(app: AppTest) -> list[str]:
    return [text.value for text in app.text]


def test_matrix_page_shows_the_tie_at_193_and_13_selected() -> None:
    app = open_app()
    assert app.title[0].value == "Matrice di prioritizzazione"
    warning = shown(app.warning[0])
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in warning
    assert "posizioni 11–13" in warning and "13 enti invece di 12" in warning
    assert metric(app, "Enti selezionati") == "13"
    assert metric(app, "Punteggio dell'ultimo selezionato") == "193"
    table = app.dataframe[0].value
    assert len(table) == 36
    assert table["Ente"].iloc[0] == "Unione dei Comuni Nord Est Torino"
    assert table["Selez."].tolist().count("✔") == 13
    assert table["Pari"].tolist().count("=") == 3
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
    assert "esattamente 12 enti" in shown(app.success[0])
    table = app.dataframe[0].value
    assert table["Ente"].iloc[0] == "Moncalieri"
    net = table[table["Ente"] == "Unione dei Comuni Nord Est Torino"].iloc[0]
    assert net["Var."].startswith("↓")
    assert net["Serv."] == 29 * 3
    assert app.query_params["ser"] == "3"
    assert "ser=3" in app.code[0].value  # the share box
    # who enters and leaves against the source's weights, on the page and (for phones)
    # beside the weights
    against = "Rispetto ai pesi della fonte: entrano Strambino; escono Prarostino e " \
        "Albiano d'Ivrea."
    assert shown(app.info[0]) == against
    assert against in shown(app.sidebar.info[0])


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
    assert "Tutti i pesi sono a 0" in shown(app.info[0])
    assert not app.dataframe
    assert not app.metric


def test_tie_rule_by_criteria_decides_and_says_how() -> None:
    app = open_app(tie="criteria", tiek="ser")
    assert metric(app, "Enti selezionati") == "12"
    body = shown(app.warning[0])
    assert "spareggio per Servizi" in body
    assert "Fuori: Sant'Ambrogio di Torino" in body


def test_choice_rule_lets_the_user_pick_among_the_tied() -> None:
    app = open_app(tie="choice")
    assert "Scegli 2 enti" in shown(app.warning[0])
    assert metric(app, "Enti selezionati") == "13"
    pick = app.multiselect(key="pick")
    assert set(pick.options) == {"Mazzè", "Sant'Ambrogio di Torino", "Albiano d'Ivrea"}
    pick.set_value(["mazze", "albiano-d-ivrea"]).run()
    assert metric(app, "Enti selezionati") == "12"
    assert "Fuori: Sant'Ambrogio di Torino" in shown(app.warning[0])
    assert app.query_params["pick"] == ["mazze", "albiano-d-ivrea"]


def test_picks_from_the_link_are_restored_and_strangers_reported() -> None:
    app = open_app(tie="choice", pick=["mazze", "albiano-d-ivrea", "torino"])
    assert metric(app, "Enti selezionati") == "12"
    assert any("«torino»" in note for note in notes(app))


def test_english_is_selectable_and_complete_on_the_matrix_page() -> None:
    app = open_app()
    app.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Prioritisation matrix"
    assert "Tie at the cut-off" in shown(app.warning[0])
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
    note = shown(app.info[0])
    assert note.startswith("Con «Quota del massimo della sezione» invece dei punti grezzi")
    table = app.dataframe[0].value
    assert table["Punteggio"].iloc[0] == "27,00"  # decimals in Italian format
    assert metric(app, "Enti selezionati") == "12"
    bad = open_app(norm="zscore")
    assert bad.radio(key="norm").value == "raw"
    assert any("«norm»" in note for note in notes(bad))


def quota_buttons(app: AppTest) -> list[str]:
    return [b.label for b in app.button if b.key and b.key.startswith("_remove_quota_")]


def test_quotas_from_the_link_say_who_was_displaced_and_why() -> None:
    app = open_app(q=["pop1>=2"])
    assert quota_buttons(app) == ["Togli: almeno 2 enti della classe 1 (meno di 1.250 abitanti)"]
    body = shown(app.info[0])
    assert "Le quote decidono chi occupa i posti" in body
    assert "Angrogna entra nella selezione per la quota" in body
    infeasible = open_app(q=["pop1>=30"])
    assert "Nessuna selezione rispetta tutte le quote" in shown(infeasible.info[0])


def test_quotas_are_chosen_with_pickers_and_stay_in_the_link_as_codes() -> None:
    app = open_app(q=["pop1>=2"])
    group = app.selectbox(key="_quota_group")
    assert group.options == ["classe 1 (meno di 1.250 abitanti)",
                             "classe 2 (da 1.250 a 9.999 abitanti)",
                             "classe 3 (da 10.000 abitanti)"]  # one kind of group at a time
    group.set_value("pop3")
    app.selectbox(key="_quota_bound").set_value("max")
    app.number_input(key="_quota_k").set_value(5)
    next(b for b in app.button if b.label == "Aggiungi la quota").click().run()
    assert quota_buttons(app) == ["Togli: almeno 2 enti della classe 1 (meno di 1.250 abitanti)",
                                  "Togli: al massimo 5 enti della classe 3 (da 10.000 abitanti)"]
    assert app.query_params["q"] == ["pop1>=2", "pop3<=5"]
    app.button(key="_remove_quota_pop1>=2").click().run()
    assert app.query_params["q"] == "pop3<=5"
    app.button(key="_remove_quota_pop3<=5").click().run()
    assert "q" not in app.query_params
    zones = app.selectbox(key="_quota_group").options
    assert "zona omogenea 9 (Eporediese)" in zones and len(zones) == 3 + 11
    app.selectbox(key="_quota_group").set_value("zona9")
    app.selectbox(key="_quota_bound").set_value("min")
    app.number_input(key="_quota_k").set_value(1)
    next(b for b in app.button if b.label == "Aggiungi la quota").click().run()
    assert quota_buttons(app) == ["Togli: almeno 1 ente della zona omogenea 9 (Eporediese)"]
    assert app.query_params["q"] == "zona9>=1"


def test_an_unreadable_quota_in_the_link_is_an_error_and_leaves_the_link() -> None:
    app = open_app(q=["pop1>=2", "zona3<=1", "boh"])
    errors = [e.body for e in app.error]
    # the values are quoted as text (escaped Markdown), never as markup
    assert any("2 quote illeggibili, ignorate: «zona3\\<\\=1», «boh»" in e for e in errors), errors
    assert app.query_params["q"] == "pop1>=2"


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


@pytest.fixture
def bigger_wave() -> Iterator[Callable[[], str]]:
    """Publishes, when called, a wave with 40 entities (more than the source's 36) in the
    app tests' store; deleted afterwards."""
    from ui.common import get_store

    store = get_store()
    published: list[str] = []

    def publish() -> str:
        matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv").drop(
            columns=["entity_id", "punteggio_finale"], errors="ignore")
        extra = matrix.head(4).copy()
        extra["ente"] = [f"Comune di Prova {i}" for i in range(4)]
        wave = store.publish_matrix_wave(
            name="Prova grande", matrix=pd.concat([matrix, extra], ignore_index=True),
            survey_date=None, source_file="prova.csv", sha256="0" * 64, uploaded_by="test")
        published.append(wave.slug)
        return wave.slug

    yield publish
    for slug in published:
        if store.has_wave(slug):
            store.delete_wave(slug)


def test_n_is_kept_when_a_bigger_wave_is_published_meanwhile(bigger_wave) -> None:
    app = open_app(n="20", ser="3")
    assert app.slider(key="n").value == 20 and app.slider(key="n").max == 36
    slug = bigger_wave()  # another editor publishes while this page is open
    app.run()
    assert app.slider(key="n").value == 20
    assert dict(app.query_params) == {"n": "20", "ser": "3"}
    # N's maximum is the chosen wave's size
    app.selectbox(key="wave").set_value(slug).run()
    assert app.slider(key="n").max == 40 and app.slider(key="n").value == 20
    app.session_state["n"] = 39
    app.run()
    app.selectbox(key="wave").set_value("metrodigital-2023").run()
    assert app.slider(key="n").value == 36 and app.slider(key="n").max == 36


def test_a_deleted_wave_is_said_and_the_sources_wave_shown(bigger_wave) -> None:
    from ui.common import get_store

    slug = bigger_wave()
    app = open_app(wave=slug, ser="3")
    assert app.selectbox(key="wave").value == slug
    get_store().delete_wave(slug)  # another editor deletes it while this page is open
    app.run()
    assert not app.exception
    assert app.selectbox(key="wave").value == "metrodigital-2023"
    assert any("L'ondata «Prova grande» che stavi guardando è stata eliminata" in w.body
               for w in app.warning)
    assert dict(app.query_params) == {"ser": "3"}
    assert app.slider(key="ser").value == 3


def test_ignored_link_values_leave_the_address_bar_once_said() -> None:
    app = open_app(ser="abc", seed="x", draws="7", n="3")
    shown = notes(app)
    assert any("«ser»" in note for note in shown) and any("«seed»" in note for note in shown)
    assert dict(app.query_params) == {"n": "3"}


def test_an_unforeseen_error_shows_a_message_in_the_users_language_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import metrodigital.charts

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail /srv/data")

    monkeypatch.setattr(metrodigital.charts, "contributions_chart", broken)
    for lang, expected in (("it", "Nessun dato è stato modificato"),
                           ("en", "Nothing was changed")):
        app = open_app(lang=lang)
        assert not app.exception
        message = app.error[0].body
        assert expected in message and ("«Matrice di prioritizzazione»" in message
                                        or "“Prioritisation matrix”" in message)
        assert "secret detail" not in message and "Traceback" not in message
        assert app.slider(key="ser").value == 5  # the sidebar is still there to work with


def test_streamlit_shows_no_error_details() -> None:
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("page", [None, METHOD, "pages/2_Carica.py", "pages/3_Robustezza.py",
                                  "pages/4_Confronta.py"])
def test_every_page_has_a_last_resort_message(page: str | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.common

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("internal")

    monkeypatch.setattr(ui.common, "close_page", broken)
    app = AppTest.from_file(APP, default_timeout=60)
    if page:
        app.switch_page(page)
    app.run()
    assert not app.exception
    assert any("Nessun dato è stato modificato" in e.body for e in app.error), \
        [e.body for e in app.error]
    # the menu is there to go elsewhere (other links, e.g. to saved scenarios, may be too)
    labels = [link.proto.label for link in app.get("page_link")]
    assert all(t(key) in labels for _, key, _ in PAGES), labels


def test_a_pages_own_parameters_stay_in_the_link() -> None:
    app = open_app(ser="abc", vs="my-scenario")
    assert dict(app.query_params) == {"vs": "my-scenario"}


def test_too_many_picks_are_said_in_the_users_language() -> None:
    app = open_app(tie="choice")
    app.multiselect(key="pick").set_value(
        ["mazze", "albiano-d-ivrea", "sant-ambrogio-di-torino"]).run()
    assert any("Enti scelti: 3, ma i posti sono 2" in w.body for w in app.warning)
    assert metric(app, "Enti selezionati") == "13"  # everyone tied stays in until then
    app.multiselect(key="pick").set_value(["mazze", "albiano-d-ivrea"]).run()
    assert metric(app, "Enti selezionati") == "12"
    assert not any("Enti scelti" in w.body for w in app.warning)


def test_break_ties_by_criteria_without_criteria_asks_for_one() -> None:
    app = open_app(tie="criteria")
    assert any("Scegli almeno un criterio di spareggio" in w.body for w in app.sidebar.warning)
    app.multiselect(key="tiek").set_value(["ser"]).run()
    assert not any("Scegli almeno un criterio" in w.body for w in app.sidebar.warning)
    assert app.query_params["tiek"] == "ser"
