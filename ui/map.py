"""Drawing the map of the territory (``metrodigital.map_chart``) on a page.

The map's fixed part (boundaries, who answered for which Comune, outlines, the
Vega-Lite spec) is built once per wave and kept by the process
(``metrodigital.boundaries.wave_geography`` and the spec caches); a rerun that
only moves a weight builds the rows (one per Comune) and nothing else, and the
browser swaps the chart's data.

Click on a Comune → the Scheda ente of the entity that answered for it (issue #14
item 4): :data:`ENTITY_PAGE` is that page's URL path; the map's rows carry a link per
Comune (the current scenario's query plus ``ente=`` the entity's ISTAT code, an
Unione's members' codes joined by ``;``), the spec gets Vega-Lite's ``href`` channel
and a click opens the page with the scenario kept. Tests:
``tests/test_map.py::test_links_hook…`` and ``tests/e2e/test_map_browser.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from metrodigital.boundaries import ATTRIBUTION, WaveGeography, entity_codes, wave_geography
from metrodigital.display import plain
from metrodigital.explain import short_name
from metrodigital.i18n import Lang, fmt_number, t
from metrodigital.map_chart import (
    MAP_MODES,
    MapMode,
    answered_rows,
    covered,
    map_rows,
    map_spec,
    table_frame,
)
from metrodigital.ranking import Selection
from metrodigital.store import Store
from metrodigital.surveys.registry import load_survey

ENTITY_PAGE = "Scheda_ente"  # the Scheda ente's URL path (pages/7_Scheda_ente.py)
ENTITY_PARAM = "ente"  # its link parameter: the Comune's ISTAT code
MODE_KEY = "map_colour"  # the map's colouring: a view choice, not part of the scenario
TABLE_KEY = "map_table"  # whether the map's table is open


def entity_links(query: dict[str, str | list[str]],
                 page: str | None = ENTITY_PAGE) -> Callable[[str], str] | None:
    """The link of each Comune's Scheda ente, keeping the scenario ``query``; None while
    there is no such page."""
    if page is None:
        return None
    base = {k: v for k, v in query.items() if k != ENTITY_PARAM}

    def link(code: str) -> str:
        return f"{page}?{urlencode({**base, ENTITY_PARAM: code}, doseq=True)}"

    return link


def _entity_link(store: Store, geo: WaveGeography,
                 link: Callable[[str], str] | None) -> Callable[[str], str] | None:
    """A Comune's link names the entity that answered for it: the Comune itself, or its
    Unione by the members' ISTAT codes (as the Scheda ente reads an Unione)."""
    if link is None:
        return None
    codes_of = entity_codes(store)
    entity_at = dict(zip(geo.placement.codes, geo.placement.entity, strict=True))

    def of_entity(code: str) -> str:
        entity = entity_at.get(code)
        codes = codes_of.get(entity, ()) if entity is not None else ()
        return link(";".join(codes) if codes else code)

    return of_entity


def territory_of(store: Store, wave_slug: str) -> str:
    """The territory whose Comuni a wave's survey covers."""
    return load_survey(store.wave(wave_slug).survey_id).territory


def _geography(store: Store, selection: Selection, territory: str) -> WaveGeography:
    entity_ids = tuple(sorted(selection.table["entity_id"]))
    return wave_geography(store, store.generation, territory, entity_ids)


def territory_map(store: Store, selection: Selection, lang: Lang) -> None:
    """The map of the wave's territory coloured by the selection (or the score), its
    attribution, what it covers and its table alternative."""
    st.subheader(t("map.title", lang))
    territory = ""
    try:
        territory = territory_of(store, selection.scenario.wave)
        geo = _geography(store, selection, territory)
    except (OSError, LookupError, ValueError):  # e.g. no boundaries for this territory
        st.info(t("map.unavailable", lang, territory=plain(territory or "—")),
                icon=":material/map:")
        return
    if st.session_state.get(MODE_KEY) not in MAP_MODES:
        st.session_state[MODE_KEY] = MAP_MODES[0]
    mode: MapMode = st.segmented_control(
        t("map.colour_by", lang), options=MAP_MODES, key=MODE_KEY,
        format_func=lambda m: t(f"map.by_{m}", lang), help=t("map.colour_by_help", lang),
    ) or MAP_MODES[0]
    link = None
    if ENTITY_PAGE is not None:
        from ui.common import scenario_query  # only then: the link keeps the scenario

        link = _entity_link(store, geo, entity_links(scenario_query(selection.scenario, lang)))
    table = selection.table
    names = dict(zip(table["entity_id"], table["ente"], strict=True))
    spec = map_spec(geo, lang, mode, names, links=link is not None)
    rows = map_rows(geo, selection, lang, link)
    st.vega_lite_chart(answered_rows(rows), spec, width="stretch",
                       alt=t("map.alt", lang, n=len(table), total=len(geo.placement.codes)))
    st.caption(ATTRIBUTION)
    notes = [t("map.coverage", lang, covered=covered(rows),
               total=fmt_number(len(geo.placement.codes), lang)),
             t("map.outlines_note", lang, zoned=sum(len(c) for c in geo.zones.values()))]
    off_map = geo.placement.off_map
    if off_map:
        shown = [plain(short_name(str(names.get(e, e)))) for e in off_map[:10]]
        notes.append(t("map.off_map", lang, n=len(off_map), names=", ".join(shown)))
    st.caption("  \n".join(notes))
    # drawn only while open: a slider's rerun does not send 312 rows nobody looks at
    table_box = st.expander(t("map.table", lang), icon=":material/table:", key=TABLE_KEY,
                            on_change="rerun")
    if table_box.open:
        frame: pd.DataFrame = table_frame(rows, lang)
        table_box.dataframe(frame, hide_index=True, width="stretch", height=300)
