"""Every page on a wave whose names are hostile: nothing from the file is rendered as
Markdown (no link, outside image, colour, icon, KaTeX, HTML), no bidirectional control
reaches the page, no 500-character name is shown whole.

The wave (``tests/hostile.py``) keeps the source's points, so the tie at the cut-off,
the quotas' notice and the normalisation notice all name hostile entities.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.message import Message
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from metrodigital.compare import save_scenario
from metrodigital.roles import Actor, AuthConfig
from metrodigital.scenario import Scenario
from metrodigital.store import Store, Wave
from tests.conftest import PROJECT_DIR
from tests.hostile import (
    HEADER,
    SCENARIO_NAME,
    WAVE_NAME,
    hostile_constructs,
    hostile_matrix,
    publish_hostile_wave,
)

APP = str(PROJECT_DIR / "app.py")
# Elements whose texts Streamlit shows as they are (no Markdown): their values may hold
# the names verbatim. Everything else is checked field by field below.
VERBATIM = {"text", "code", "arrow_data_frame", "arrow_vega_lite_chart", "vega_lite_chart",
            "json", "dataframe"}
MARKDOWN_FIELDS = ("body", "label", "help", "caption")


@pytest.fixture(scope="module")
def hostile_wave(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wave]:
    """The app's database replaced, for this module, by one holding the hostile wave (and
    a saved scenario with a hostile name); the server bound to localhost (an editor)."""
    from ui.common import get_store

    db = Path(tmp_path_factory.mktemp("hostile")) / "app.duckdb"
    wave = publish_hostile_wave(db)
    store = Store(db)
    save_scenario(store, SCENARIO_NAME, Scenario(wave=wave.slug).with_weights(servizi=3),
                  auth=AuthConfig(server_address="localhost"), actor=Actor())
    store.close()
    previous = st_config.get_option("server.address")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(db))
        st_config.set_option("server.address", "localhost")
        get_store.clear()
        try:
            yield wave
        finally:
            get_store.clear()
            st_config.set_option("server.address", previous)


def run_page(page: str | None, **params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        app.query_params[key] = value
    if page:
        app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def markdown_texts(app: AppTest) -> list[tuple[str, str]]:
    """(element type, text) for every text the page sent that Streamlit renders as
    Markdown: bodies of markdown, captions and alerts, every widget, metric, expander
    and page-link label, help texts, radio options."""
    found: list[tuple[str, str]] = []

    def visit(node: object) -> None:
        kind = str(getattr(node, "type", ""))
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message) and kind not in VERBATIM:
            for field in MARKDOWN_FIELDS:
                value = getattr(proto, field, None)
                if isinstance(value, str) and value:
                    found.append((kind, value))
            if kind == "radio":
                found.extend((kind, str(option)) for option in proto.options)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(app._tree)
    return found


def option_texts(app: AppTest) -> list[tuple[str, str]]:
    """(element type, option) for every choice of a select box or multiselect: shown as
    text, but still read by the browser's bidirectional algorithm."""
    found: list[tuple[str, str]] = []

    def visit(node: object) -> None:
        kind = str(getattr(node, "type", ""))
        if kind in {"selectbox", "multiselect"}:
            found.extend((kind, str(option)) for option in node.proto.options)  # type: ignore[attr-defined]
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(app._tree)
    return found


def assert_nothing_hostile(app: AppTest) -> list[str]:
    texts = markdown_texts(app)
    bad = [(kind, text[:120], hostile_constructs(text)) for kind, text in texts
           if hostile_constructs(text)]
    assert not bad, bad
    lying = [(kind, option[:120]) for kind, option in option_texts(app)
             if {"bidirectional control", "500-character name"} & set(hostile_constructs(option))]
    assert not lying, lying
    # options are shown as text: a Markdown escape added to them would show its backslash
    escaped = [(kind, option[:120]) for kind, option in option_texts(app)
               if re.search(r"\\[!-/:-@\[-`{-~]", option)]
    assert not escaped, escaped
    return [text for _, text in texts]


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


def test_matrix_page_tie_box_and_caption(hostile_wave: Wave) -> None:
    app = run_page(None, wave=hostile_wave.slug)
    texts = assert_nothing_hostile(app)
    assert app.warning, "the tie at the cut-off names the tied entities"
    assert "Ondata" in joined(texts) and "evil" in app.caption[0].value
    assert "Mazz" in app.warning[0].body  # a tied entity, escaped but named


def test_matrix_page_normalisation_notice(hostile_wave: Wave) -> None:
    app = run_page(None, wave=hostile_wave.slug, norm="minmax")
    assert_nothing_hostile(app)
    notice = next(i.body for i in app.info if "punti grezzi" in i.body)
    assert "evil" in notice, "the notice names hostile entities (escaped)"


def test_matrix_page_quota_notice(hostile_wave: Wave) -> None:
    app = run_page(None, wave=hostile_wave.slug, q="pop1>=3")
    assert_nothing_hostile(app)
    notice = next(i.body for i in app.info if "esce dalla selezione per la quota" in i.body)
    assert "evil" in notice, "the quota notice names hostile entities (escaped)"


def test_matrix_page_manual_pick_among_the_tied(hostile_wave: Wave) -> None:
    app = run_page(None, wave=hostile_wave.slug, tie="choice")
    assert_nothing_hostile(app)
    assert app.multiselect


def test_method_page(hostile_wave: Wave) -> None:
    assert_nothing_hostile(run_page("pages/1_Metodo.py", wave=hostile_wave.slug))


def test_upload_page_waves_table_and_delete_confirmation(hostile_wave: Wave) -> None:
    app = run_page("pages/2_Carica.py", wave=hostile_wave.slug)
    texts = assert_nothing_hostile(app)
    assert any("Ondata" in c.label for c in app.checkbox), joined(texts)


def test_upload_page_with_a_hostile_file(hostile_wave: Wave) -> None:
    app = run_page("pages/2_Carica.py", wave=hostile_wave.slug)
    app.file_uploader[0].set_value(("ostile.csv", hostile_matrix(extra_header=True),
                                    "text/csv")).run()
    assert not app.exception, [e.message for e in app.exception]
    texts = assert_nothing_hostile(app)
    assert "Colonna" in joined(texts), "the ignored column's header is named"
    assert HEADER not in joined(texts)


def test_robustness_page(hostile_wave: Wave) -> None:
    assert_nothing_hostile(run_page("pages/3_Robustezza.py", wave=hostile_wave.slug,
                                    draws="1000"))


def test_compare_page_with_a_hostile_saved_scenario(hostile_wave: Wave) -> None:
    app = run_page("pages/4_Confronta.py", wave=hostile_wave.slug, vs=SCENARIO_NAME)
    texts = assert_nothing_hostile(app)
    assert app.selectbox(key="vs").value == SCENARIO_NAME
    assert "Scenario" in joined(texts)


def test_the_wave_name_is_stored_as_written(hostile_wave: Wave) -> None:
    assert hostile_wave.name == WAVE_NAME.strip()
