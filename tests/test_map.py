"""The map of the territory: boundaries shipped and joined by ISTAT code, entities placed on
the Comuni (Unioni as their members), the spec's colours, the Matrix page drawing it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrodigital.boundaries import (
    ATTRIBUTION,
    check_join,
    load_boundaries,
    place_entities,
    wave_geography,
)
from metrodigital.explain import short_name
from metrodigital.i18n import t
from metrodigital.map_chart import (
    NO_ANSWER,
    STATUS_COLOURS,
    Colouring,
    answered_rows,
    map_rows,
    map_spec,
    table_frame,
    value_rows,
)
from metrodigital.ranking import evaluate
from metrodigital.scenario import Scenario
from metrodigital.store import Store
from metrodigital.territories import load_territory
from tests.conftest import PROJECT_DIR
from ui.map import entity_links

UNIONE_NORD_EST = ("001028", "001063", "001130", "001236", "001249", "001265", "001314")
MONCALIERI, TROFARELLO, LA_LOGGIA = "001156", "001280", "001127"


@pytest.mark.parametrize(("territory", "count"), [("torino", 312), ("milano", 133)])
def test_every_comune_has_a_shape_and_every_shape_a_comune(territory: str, count: int) -> None:
    join = check_join(territory)
    assert join.without_shape == () and join.without_comune == ()
    boundaries = load_boundaries(territory)
    assert len(boundaries.codes) == count == len(set(boundaries.codes))
    assert sorted(boundaries.codes) == sorted(load_territory(territory).istat_codes)
    # the file says where it comes from and under which licence
    assert boundaries.metadata["licence"] == "CC-BY-4.0"
    assert "openpolis" in boundaries.metadata["source"]
    assert "ISTAT" in boundaries.metadata["attribution"]


def test_shipped_boundaries_stay_small() -> None:
    for territory in ("torino", "milano"):
        path = PROJECT_DIR / "data" / "boundaries" / f"{territory}.topo.json"
        assert path.stat().st_size < 100_000


def test_the_build_script_gives_back_the_shipped_files(tmp_path: Path) -> None:
    """scripts/build_boundaries.py derives the shipped files from openpolis' (where the
    source copies are on this machine)."""
    source = PROJECT_DIR.parent / "shared" / "data" / "boundaries"  # beside the project
    if not source.is_dir():
        pytest.skip("the openpolis source files are not on this machine")
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "build_boundaries.py"),
         "--source", str(source), "--out", str(tmp_path)],
        capture_output=True, text=True, check=True)
    assert "torino: 312 Comuni" in result.stdout and "milano: 133 Comuni" in result.stdout
    for territory in ("torino", "milano"):
        shipped = PROJECT_DIR / "data" / "boundaries" / f"{territory}.topo.json"
        assert (tmp_path / f"{territory}.topo.json").read_bytes() == shipped.read_bytes()


def test_a_group_outline_is_its_outer_border() -> None:
    """Two neighbours' outline leaves out the border they share."""
    boundaries = load_boundaries("torino")
    one = set(boundaries.outline_arcs([MONCALIERI]))
    other = set(boundaries.outline_arcs([TROFARELLO]))
    shared = one & other
    assert shared  # Moncalieri and Trofarello are neighbours
    both = set(boundaries.outline_arcs([MONCALIERI, TROFARELLO]))
    assert both == (one | other) - shared
    line = boundaries.outline([MONCALIERI, TROFARELLO])
    assert line["type"] == "MultiLineString"
    lon, lat = line["coordinates"][0][0]
    assert 7.4 < lon < 7.9 and 44.9 < lat < 45.1  # south of Turin


def test_unioni_are_drawn_as_their_members_and_a_comunes_own_answer_comes_first() -> None:
    codes = load_boundaries("torino").codes
    placement = place_entities(codes, {
        "moncalieri": (MONCALIERI,),
        "unione-mtl": (MONCALIERI, TROFARELLO, LA_LOGGIA),
        "unione-ne": UNIONE_NORD_EST,
        "senza-codice": (),
        "milano": ("015146",),
    })
    at = dict(zip(codes, placement.entity, strict=True))
    own = dict(zip(codes, placement.own, strict=True))
    assert at[MONCALIERI] == "moncalieri" and own[MONCALIERI]
    assert at[TROFARELLO] == at[LA_LOGGIA] == "unione-mtl" and not own[TROFARELLO]
    assert {at[c] for c in UNIONE_NORD_EST} == {"unione-ne"}
    assert placement.unioni["unione-mtl"] == (MONCALIERI, TROFARELLO, LA_LOGGIA)
    assert placement.off_map == ("milano", "senza-codice")
    assert sum(e is not None for e in placement.entity) == 1 + 2 + 7


def inline(data: dict[str, Any]) -> Any:
    """A spec's inline data: JSON text (parsed by Vega) read back."""
    values = data["values"]
    return json.loads(values) if isinstance(values, str) else values


def seed_geography(store: Store):  # type: ignore[no-untyped-def]
    selection = evaluate(store, Scenario())
    geo = wave_geography(store, store.generation, "torino",
                         tuple(sorted(selection.table["entity_id"])))
    return selection, geo


def by_comune(rows: Any) -> pd.DataFrame:
    return rows.to_pandas().set_index("comune")


def test_rows_colour_respondents_by_selection_and_the_others_grey(store: Store) -> None:
    selection, geo = seed_geography(store)
    rows = map_rows(geo, selection, "it")
    assert rows.num_rows == 312
    frame = by_comune(rows)
    labels = {k: t(f"map.{k}", "it") for k in STATUS_COLOURS}
    # the seed's default: the Unione Nord Est first, three tied at 193 on ranks 11–13
    assert frame.loc["Settimo Torinese", "stato"] == labels["selected"]
    assert frame.loc["Settimo Torinese", "ente"] == "Unione dei Comuni Nord Est Torino"
    assert frame.loc["Settimo Torinese", "posizione"] == "1"
    tied = frame[frame["chiave"] == "tied"]
    assert sorted(tied.index) == ["Albiano d'Ivrea", "Mazzè", "Sant'Ambrogio di Torino"]
    assert set(tied["punteggio_testo"]) == {"193"}
    assert set(tied["selezionato"]) == {"sì"}  # the default rule includes the whole tie
    assert frame.loc["Torino", "stato"] == labels["no_answer"]
    assert not frame.loc["Torino", "risposto"]
    assert pd.isna(frame.loc["Torino", "punteggio"])  # null: coloured grey, not as a score
    # the chart is sent only the Comuni an answer covers; the others stay the grey layer
    sent = answered_rows(rows).to_pandas()
    assert len(sent) == 43 and sent["risposto"].all() and "Torino" not in set(sent["comune"])
    assert frame.loc["Torino", "punteggio_testo"] == "—"
    # 34 Comuni + the Unioni's members (Moncalieri answered on its own too)
    assert int(frame["risposto"].sum()) == 34 + 7 + 2
    table = selection.table
    chosen = table["selected"] & ~table["tied_at_cutoff"]
    assert set(frame.loc[frame["chiave"] == "selected", "ente"]) == {
        short_name(e) for e in table.loc[chosen, "ente"]}


def test_moving_a_weight_recolours_only_the_rows_not_the_spec(store: Store) -> None:
    selection, geo = seed_geography(store)
    names = dict(zip(selection.table["entity_id"], selection.table["ente"], strict=True))
    spec = map_spec(geo, "it", "selection", names)
    moved = evaluate(store, Scenario().with_weights(servizi=0))
    assert map_spec(geo, "it", "selection", names) is spec  # built once per wave
    before = by_comune(map_rows(geo, selection, "it"))["chiave"]
    after = by_comune(map_rows(geo, moved, "it"))["chiave"]
    changed = sorted(before.index[before != after])
    assert "Strambino" in changed  # enters the selection with Servizi at 0
    assert after["Strambino"] == "selected" and before["Strambino"] == "not_selected"


def test_spec_colours_by_selection_with_grey_for_no_answer(store: Store) -> None:
    _selection, geo = seed_geography(store)
    spec = map_spec(geo, "en", "selection", {})
    text = json.dumps(spec)
    everyone, answered = spec["layer"][:2]
    colour = answered["encoding"]["color"]
    assert everyone["encoding"]["color"] == colour  # one scale: the grey is "No answer"
    assert colour["field"] == "stato"
    assert colour["scale"]["domain"] == ["Selected", "Tied at the cut-off", "Not selected",
                                         "No answer"]
    assert colour["scale"]["range"][-1] == STATUS_COLOURS["no_answer"]
    assert everyone["transform"] == [{"calculate": '"No answer"', "as": "stato"}]
    # geometry goes in as JSON text, parsed by Vega once (cheap for the browser to compare)
    assert isinstance(everyone["data"]["values"], str)
    assert len(inline(everyone["data"])["objects"]["municipalities"]["geometries"]) == 312
    lookup = answered["transform"][0]
    assert lookup["lookup"] == "codice_istat" and lookup["from"]["key"] == "id"
    # the lookup holds only the shapes an answer may cover (43 Comuni of the seed wave)
    assert len(inline(lookup["from"]["data"])["objects"]["risposte"]["geometries"]) == 43
    # the map fits the territory, not the rows
    assert spec["projection"]["fit"]["geometry"]["type"] == "MultiPoint"
    assert "href" not in text  # no Scheda ente page yet
    # Italian decimals in the Italian map's legend and tooltips
    italian = map_spec(geo, "it", "score", {})
    assert italian["config"]["locale"]["number"]["decimal"] == ","
    tooltip = {item["field"]: item["title"] for item in answered["encoding"]["tooltip"]}
    assert tooltip == {"comune": "Comune", "ente": "Answered as", "stato": "Status",
                       "selezionato": "In the selection", "punteggio_testo": "Score",
                       "posizione": "Rank", "zona": "Zona omogenea"}
    grey_tooltip = [item["field"] for item in everyone["encoding"]["tooltip"]]
    assert grey_tooltip == ["properties.name", "stato", "properties.zona"]
    legend = colour["legend"]
    assert legend["labelFontSize"] >= 14 and legend["titleFontSize"] >= 14  # a projector


def test_score_colouring_leaves_non_respondents_grey(store: Store) -> None:
    _, geo = seed_geography(store)
    spec = map_spec(geo, "it", "score", {})
    grey, scored = spec["layer"][:2]
    assert grey["encoding"]["fill"]["scale"]["range"] == [STATUS_COLOURS["no_answer"]]
    assert "color" not in grey["encoding"]
    assert scored["encoding"]["color"]["field"] == "punteggio"
    assert scored["encoding"]["color"]["type"] == "quantitative"


def test_outlines_of_unioni_and_known_zones(store: Store) -> None:
    selection, geo = seed_geography(store)
    names = dict(zip(selection.table["entity_id"], selection.table["ente"], strict=True))
    spec = map_spec(geo, "it", "selection", names)
    features = [f for layer in spec["layer"][2:] for f in inline(layer["data"])]
    kinds = {f["properties"]["tipo"] for f in features}
    assert kinds == {t("map.outline_unione", "it"), t("map.outline_zone", "it")}
    unioni = sorted(f["properties"]["nome"] for f in features
                    if f["properties"]["tipo"] == t("map.outline_unione", "it"))
    assert unioni == ["Unione dei Comuni Moncalieri, Trofarello, La Loggia",
                      "Unione dei Comuni Nord Est Torino"]
    zones = {f["properties"]["nome"] for f in features
             if f["properties"]["tipo"] == t("map.outline_zone", "it")}
    assert "AMT Nord" in zones and "Torino" in zones


def test_milan_map_colours_by_any_value_per_entity(store: Store) -> None:
    """The same map for Milan, coloured by values that are not a ranking (for Risposte)."""
    codes = load_boundaries("milano").codes
    placement = place_entities(codes, {"milano": ("015146",), "rho": ("015182",)})
    geo = replace(wave_geography(store, store.generation, "milano", ()), placement=placement)
    values = pd.DataFrame({"ente": ["Milano", "Rho"], "stato": ["selected", "not_selected"],
                           "punteggio": [4.2, np.nan], "posizione": [1, 0]},
                          index=["milano", "rho"])
    frame = by_comune(value_rows(geo, values, "it"))
    assert len(frame) == 133
    assert frame.loc["Milano", "punteggio_testo"] == "4,20"
    assert frame.loc["Rho", "punteggio_testo"] == "—" and frame.loc["Rho", "risposto"]
    assert frame.loc["Segrate", "chiave"] == "no_answer"
    spec = map_spec(geo, "en", "score", {})
    assert len(inline(spec["layer"][0]["data"])["objects"]["municipalities"]
               ["geometries"]) == 133
    assert [g["id"] for g in inline(spec["layer"][1]["transform"][0]["from"]["data"])
            ["objects"]["risposte"]["geometries"]] == ["015146", "015182"]


def test_milan_map_colours_by_an_answers_categories(store: Store) -> None:
    """Any categories with their colours (e.g. an answer's options), grey for no answer."""
    placement = place_entities(load_boundaries("milano").codes,
                               {"milano": ("015146",), "rho": ("015182",)})
    geo = replace(wave_geography(store, store.generation, "milano", ()), placement=placement)
    by = Colouring("Personale informatico", (("Sì", "#009E73"), ("No", "#D55E00")))
    spec = map_spec(geo, "it", by)
    colour = spec["layer"][1]["encoding"]["color"]
    assert colour["title"] == "Personale informatico"
    assert colour["scale"]["domain"] == ["Sì", "No", "Nessuna risposta"]
    assert colour["scale"]["range"] == ["#009E73", "#D55E00", NO_ANSWER]
    values = pd.DataFrame({"ente": ["Milano", "Rho"], "stato": ["Sì", "No"],
                           "punteggio": [np.nan, np.nan], "posizione": [0, 0]},
                          index=["milano", "rho"])
    frame = by_comune(answered_rows(value_rows(geo, values, "it")))
    assert frame["stato"].to_dict() == {"Milano": "Sì", "Rho": "No"}


def test_table_alternative_lists_respondents_first(store: Store) -> None:
    selection, geo = seed_geography(store)
    frame = table_frame(map_rows(geo, selection, "en"), "en")
    assert list(frame.columns) == ["Comune", "Zona omogenea", "Answered as", "Status", "Score",
                                   "Rank"]
    assert len(frame) == 312
    assert frame["Rank"].iloc[0] == "1"
    assert frame["Status"].iloc[-1] == "No answer"


def test_links_hook_for_the_scheda_ente_page(store: Store) -> None:
    """When the Scheda ente exists, a click on a Comune opens it with the scenario kept."""
    link = entity_links({"ser": "3", "lang": "en"}, page="Scheda_ente")
    assert link is not None
    assert link("001272") == "Scheda_ente?ser=3&lang=en&ente=001272"
    assert entity_links({"ser": "3"}, page=None) is None
    selection, geo = seed_geography(store)
    rows = map_rows(geo, selection, "it", link)
    assert by_comune(rows).loc["Torino", "link"] == "Scheda_ente?ser=3&lang=en&ente=001272"
    spec = map_spec(geo, "it", "selection", {}, links=True)
    assert spec["layer"][1]["encoding"]["href"] == {"field": "link", "type": "nominal"}


def test_matrix_page_draws_the_map_of_the_seed_wave() -> None:
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert t("map.title", "it") in [h.value for h in app.subheader]
    charts = app.get("vega_lite_chart")
    maps = [c for c in charts if '"geoshape"' in c.proto.spec]
    assert len(maps) == 1
    spec = json.loads(maps[0].proto.spec)
    assert spec["layer"][1]["transform"][0]["lookup"] == "codice_istat"
    captions = [c.value for c in app.caption]
    assert ATTRIBUTION in captions
    assert any("43 Comuni coperti da una risposta, su 312" in c for c in captions)
    # the ranking stays the page's table; the map's opens on demand
    assert len(app.dataframe[0].value) == 36
    # the colouring control switches to scores in the same page
    app.session_state["map_colour"] = "score"
    app.run()
    assert not app.exception
    spec = json.loads(next(c for c in app.get("vega_lite_chart")
                       if '"geoshape"' in c.proto.spec).proto.spec)
    assert spec["layer"][1]["encoding"]["color"]["field"] == "punteggio"


def test_a_click_on_a_comune_opens_the_scheda_of_who_answered_for_it(store: Store) -> None:
    """A Comune that answered itself links to its own Scheda; a member of an Unione that
    answered, to the Unione's (by its members' codes, as the Scheda reads an Unione)."""
    from ui.map import ENTITY_PAGE, _entity_link

    assert ENTITY_PAGE == "Scheda_ente"  # pages/7_Scheda_ente.py exists
    selection, geo = seed_geography(store)
    link = _entity_link(store, geo, entity_links({"ser": "3"}, page=ENTITY_PAGE))
    assert link is not None
    frame = by_comune(map_rows(geo, selection, "it", link))
    assert frame.loc["Moncalieri", "link"] == "Scheda_ente?ser=3&ente=001156"
    unione = frame[frame["ente"].str.startswith("Unione dei Comuni Nord Est")]
    assert len(unione) > 1 and unione["link"].nunique() == 1
    members = unione.index.map(lambda name: frame.loc[name, "codice_istat"])
    assert sorted(unione["link"].iloc[0].split("ente=")[1].split("%3B")) == sorted(members)


def test_the_map_link_of_an_unione_member_opens_the_unione_scheda(store: Store) -> None:
    from tests.pages import open_page
    from ui.map import ENTITY_PAGE, _entity_link

    selection, geo = seed_geography(store)
    link = _entity_link(store, geo, entity_links({"ser": "3"}, page=ENTITY_PAGE))
    assert link is not None
    frame = by_comune(map_rows(geo, selection, "it", link))
    target = frame[frame["ente"].str.startswith("Unione dei Comuni Nord Est")]["link"].iloc[0]
    query = dict(pair.split("=") for pair in target.split("?")[1].split("&"))
    app = open_page("pages/7_Scheda_ente.py", ser=query["ser"],
                    ente=query["ente"].replace("%3B", ";"))
    headings = [*app.title, *app.header, *app.subheader]
    assert any("Unione dei Comuni Nord Est" in h.value for h in headings), \
        [h.value for h in headings]
    assert app.slider(key="ser").value == 3
