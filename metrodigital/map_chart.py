"""The map of the territory as a Vega-Lite spec and the rows it colours.

The spec holds everything the weights do not change: the Comuni's boundaries
(TopoJSON, inline, joined to the rows by ISTAT code with a ``lookup``), the
outlines of the Unioni and of the zone omogenee, legends, tooltips. It is built
and validated by Altair once per territory, language, colouring and set of
outlines (``_map_spec``), so each slider move only recomputes the rows (one per
Comune: its status, score and rank) and the browser only swaps the chart's data.

Colouring: ``"selection"`` (selected, tied at the cut-off, not selected, no
answer), ``"score"`` (a sequential scale; no answer in grey), or any
:class:`Colouring` (categories with their colours, or a number with a title);
:func:`value_rows` takes any value per entity, placed on the Comuni by ISTAT code,
so other pages (Risposte) can colour the same map by an answer or a finding.

A click on a Comune opens its page when the rows carry a ``link`` column and
the spec is built with ``links=True`` (Vega-Lite's ``href`` channel): the hook
for the Scheda ente page, which does not exist yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from metrodigital.boundaries import OBJECT, Boundaries, WaveGeography
from metrodigital.charts import NUMBER, with_number_locale
from metrodigital.explain import short_name
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import Selection

MapMode = Literal["selection", "score"]
MAP_MODES: tuple[MapMode, ...] = ("selection", "score")
STATUSES = ("selected", "tied", "not_selected", "no_answer")
# Okabe–Ito (colour-blind safe): deep blue, orange, sky blue; light grey for no answer
STATUS_COLOURS = {"selected": "#0B5394", "tied": "#E69F00", "not_selected": "#8EC8EE",
                  "no_answer": "#DADADA"}
NO_ANSWER = STATUS_COLOURS["no_answer"]
SCORE_SCHEME = "blues"
UNIONE_STROKE = "#1A1A1A"
ZONE_STROKE = "#6B2C91"
MAP_HEIGHT = 520  # legends included
# a legend to read from the back of a meeting room
LEGEND = {"labelFontSize": 15, "titleFontSize": 15, "labelColor": "#222222",
          "titleColor": "#222222", "symbolSize": 260, "symbolStrokeWidth": 0,
          "orient": "bottom", "direction": "horizontal",
          "columns": alt.ExprRef("containerSize()[0] < 560 ? 2 : 4"), "labelLimit": 260}
# the outlines' legend above the map: two legends side by side under it would not fit
OUTLINE_LEGEND = {**LEGEND, "orient": "top", "symbolStrokeWidth": 3, "symbolType": "stroke",
                  "columns": alt.ExprRef("containerSize()[0] < 420 ? 1 : 2")}


@lru_cache(maxsize=4096)
def _number(value: float, lang: str) -> str:
    """A score as the tooltip writes it: whole, or with up to two decimals (27,67)."""
    return fmt_number(value, lang, None if value.is_integer() else 2)


def status_labels(lang: str) -> dict[str, str]:
    return {key: t(f"map.{key}", lang) for key in STATUSES}


def _status(selection: Selection) -> np.ndarray:
    """Each ranked entity's status key: tied at the cut-off, selected or not."""
    table = selection.table
    tied = table["tied_at_cutoff"].to_numpy(dtype=bool)
    selected = table["selected"].to_numpy(dtype=bool)
    return np.where(tied, "tied", np.where(selected, "selected", "not_selected"))


def value_rows(geo: WaveGeography, values: pd.DataFrame, lang: str,
               link: Callable[[str], str] | None = None,
               selected: frozenset[str] | set[str] = frozenset()) -> pa.Table:
    """The map's rows, one per Comune in the boundaries' order, from per-entity ``values``.

    ``values`` is indexed by entity id with columns ``ente`` (name), ``stato`` (a
    key of :data:`STATUSES` or any label the spec's colour scale knows),
    ``punteggio`` (float; NaN when there is none) and ``posizione`` (rank, 0 for
    none). A Comune takes the values of the entity placed on it
    (``geo.placement``); the others are "no answer".
    """
    placement = geo.placement
    entity = np.array([e if e is not None else "" for e in placement.entity], dtype=object)
    position = pd.Index(values.index).get_indexer(entity)
    answered = position >= 0
    take = np.where(answered, position, 0)
    labels = status_labels(lang)
    if len(values):
        names = values["ente"].to_numpy(dtype=object)[take]
        status = values["stato"].to_numpy(dtype=object)[take]
        score = values["punteggio"].to_numpy(dtype=float)[take]
        rank = values["posizione"].to_numpy(dtype="int64")[take]
    else:
        names = status = np.full(len(entity), "", dtype=object)
        score, rank = np.zeros(len(entity)), np.zeros(len(entity), dtype="int64")
    status = np.where(answered, status, "no_answer")
    score_ok = answered & ~np.isnan(score)
    none, yes, no, unknown = "—", t("map.yes", lang), t("map.no", lang), t("map.zone_unknown", lang)
    columns: dict[str, Any] = {
        "codice_istat": list(placement.codes),
        "comune": list(geo.comune_names),
        "ente": [short_name(str(n)) if a else none for n, a in zip(names, answered, strict=True)],
        "stato": [labels.get(s, s) for s in status],
        "chiave": list(status),
        "risposto": answered,
        "punteggio": pa.array(np.where(score_ok, score, 0.0), mask=~score_ok),
        "punteggio_testo": [_number(float(v), lang) if ok else none
                            for v, ok in zip(score, score_ok, strict=True)],
        "posizione": [str(int(r)) if a and r > 0 else none
                      for r, a in zip(rank, answered, strict=True)],
        "selezionato": [(yes if e in selected else no) if a
                        else none for e, a in zip(entity, answered, strict=True)],
        "zona": [z or unknown for z in geo.zone_names],
    }
    if link is not None:
        columns["link"] = [link(code) for code in placement.codes]
    return pa.table(columns)


def map_rows(geo: WaveGeography, selection: Selection, lang: str,
             link: Callable[[str], str] | None = None) -> pa.Table:
    """The rows of the Matrix page's map: each Comune's status, score and rank."""
    table = selection.table
    values = pd.DataFrame({
        "ente": table["ente"].to_numpy(dtype=object),
        "stato": _status(selection),
        "punteggio": table["score"].to_numpy(dtype=float),
        "posizione": table["rank"].to_numpy(dtype="int64"),
    }, index=table["entity_id"].to_numpy(dtype=object))
    # who is in the selection, for the tooltip (tied entities may be in or out)
    selected = set(table.loc[table["selected"].to_numpy(dtype=bool), "entity_id"])
    return value_rows(geo, values, lang, link, selected)


def outline_features(geo: WaveGeography, selection_names: Mapping[str, str],
                     lang: str) -> list[dict[str, Any]]:
    """GeoJSON outlines: each zona omogenea's known Comuni (dashed) and each Unione that
    answered (thick), drawn over the Comuni. ``selection_names``: entity id → name."""
    features = []
    zone, unione = t("map.outline_zone", lang), t("map.outline_unione", lang)
    for name, codes in sorted(geo.zones.items()):
        features.append({"type": "Feature", "geometry": geo.boundaries.outline(codes),
                         "properties": {"tipo": zone, "nome": name}})
    for entity_id, codes in sorted(geo.placement.unioni.items()):
        features.append({"type": "Feature", "geometry": geo.boundaries.outline(codes),
                         "properties": {"tipo": unione,
                                        "nome": short_name(selection_names.get(entity_id,
                                                                               entity_id))}})
    return features


@dataclass(frozen=True)
class Colouring:
    """What colours the Comuni an answer covers: categories (the rows' ``stato`` label →
    a colour, in legend order) or, with no categories, a number (``punteggio``, on a
    sequential scale). ``title`` heads the legend and the tooltip's line. The selection
    and the score are two of them; the Risposte page can colour by an answer or finding."""

    title: str
    categories: tuple[tuple[str, str], ...] = ()


def colouring(mode: MapMode, lang: str) -> Colouring:
    """The Matrix page's colourings: by selection status or by score."""
    if mode == "score":
        return Colouring(t("map.score", lang))
    labels = status_labels(lang)
    return Colouring(t("map.status", lang),
                     tuple((labels[k], STATUS_COLOURS[k]) for k in STATUSES))


def _tooltip(lang: str, by: Colouring) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("comune:N", title=t("map.comune", lang)),
        alt.Tooltip("ente:N", title=t("map.answered_as", lang)),
        alt.Tooltip("stato:N", title=by.title if by.categories else t("map.status", lang)),
        alt.Tooltip("selezionato:N", title=t("map.in_selection", lang)),
        alt.Tooltip("punteggio_testo:N",
                    title=t("map.score", lang) if by.categories else by.title),
        alt.Tooltip("posizione:N", title=t("map.rank", lang)),
        alt.Tooltip("zona:N", title=t("map.zone", lang)),
    ]


SHAPES = "confini"  # the slot of the Comuni's shapes (TopoJSON) in the spec


ANSWERED = "risposte"  # the slot (and TopoJSON object) of the answering Comuni's shapes


def _shapes(slot: str = SHAPES, feature: str = OBJECT) -> alt.Data:
    """Shapes as TopoJSON: a placeholder that Altair validates, filled in after."""
    return alt.Data(values={_SLOT: slot}, format=alt.DataFormat(type="topojson", feature=feature))


@lru_cache(maxsize=32)
def _map_spec(boundaries: Boundaries, lang: str, by: Colouring, outlines_json: str,
              kinds: tuple[str, ...], links: bool, zones: tuple[str, ...],
              covered_codes: tuple[str, ...]) -> dict[str, Any]:
    """The map's Vega-Lite spec without its rows, built and validated by Altair once.

    Two layers of Comuni: every Comune in grey from the shapes alone (it never changes,
    so a rerun does not recompute it), and over it the Comuni that answered, from the
    rows (the only data a rerun sends), each joined to its shape by ISTAT code.
    """
    placeholder = pd.DataFrame(columns=["codice_istat"])
    no_answer = t("map.no_answer", lang)
    extra: dict[str, Any] = {"href": alt.Href("link:N")} if links else {}
    edge = {"stroke": "#FFFFFF", "strokeWidth": 0.6}
    everyone = alt.Chart(_shapes()).mark_geoshape(**edge).transform_calculate(
        stato=json.dumps(no_answer))  # a string literal in Vega's expression language
    grey_tooltip = [alt.Tooltip("properties.name:N", title=t("map.comune", lang)),
                    alt.Tooltip("stato:N", title=t("map.status", lang)),
                    alt.Tooltip("properties.zona:N", title=t("map.zone", lang))]
    answered = alt.Chart().mark_geoshape(**edge).encode(
        shape="geo:G", tooltip=_tooltip(lang, by), **extra)
    if by.categories:
        categories = dict(by.categories)
        categories.setdefault(no_answer, NO_ANSWER)  # the grey layer shares the scale
        colour = alt.Color("stato:N", title=by.title,
                           scale=alt.Scale(domain=list(categories),
                                           range=list(categories.values())),
                           legend=alt.Legend(**LEGEND))
        everyone = everyone.encode(color=colour, tooltip=grey_tooltip, **extra)
        answered = answered.encode(color=colour)
    else:
        everyone = everyone.encode(
            fill=alt.Fill("stato:N", title=None,
                          scale=alt.Scale(domain=[no_answer], range=[NO_ANSWER]),
                          legend=alt.Legend(**LEGEND)),
            tooltip=grey_tooltip, **extra)
        answered = answered.encode(
            color=alt.Color("punteggio:Q", title=by.title,
                            scale=alt.Scale(scheme=SCORE_SCHEME),
                            legend=alt.Legend(**{**LEGEND, "columns": alt.Undefined},
                                              format=NUMBER, gradientLength=220,
                                              gradientThickness=16)))
    answered = answered.transform_lookup(
        lookup="codice_istat", from_=alt.LookupData(data=_shapes(ANSWERED, ANSWERED), key="id"),
        as_="geo")
    layers: list[alt.Chart | alt.LayerChart] = [everyone, answered]
    features = json.loads(outlines_json)
    if features:
        styles = {t("map.outline_zone", lang): (ZONE_STROKE, [7, 4], 2.2),
                  t("map.outline_unione", lang): (UNIONE_STROKE, [1, 0], 3.2)}
        domain = [k for k in styles if k in kinds]
        for kind in domain:
            width = styles[kind][2]
            layers.append(
                alt.Chart(alt.Data(values={_SLOT: kind}, format=alt.DataFormat(type="json")))
                .mark_geoshape(filled=False, strokeWidth=width, strokeJoin="round")
                .encode(
                    stroke=alt.Stroke("properties.tipo:N", title=t("map.outline", lang),
                                      scale=alt.Scale(domain=domain,
                                                      range=[styles[k][0] for k in domain]),
                                      legend=alt.Legend(**OUTLINE_LEGEND)),
                    strokeDash=alt.StrokeDash("properties.tipo:N", title=t("map.outline", lang),
                                              scale=alt.Scale(domain=domain,
                                                              range=[styles[k][1] for k in domain]),
                                              legend=alt.Legend(**OUTLINE_LEGEND)),
                    tooltip=[alt.Tooltip("properties.tipo:N", title=t("map.outline", lang)),
                             alt.Tooltip("properties.nome:N", title=t("map.name", lang))],
                ))
    chart = (alt.layer(*layers, data=placeholder)  # the rows: Streamlit's data, top level
             # precision 0: no adaptive resampling of the edges (invisible at a city's
             # scale, and each redraw projects every point once instead of several times)
             .properties(height=MAP_HEIGHT, projection=alt.Projection(
                 type="mercator", fit=_extent_feature(boundaries), precision=0))
             .configure_view(stroke=None))
    spec = with_number_locale(chart.to_dict(), lang)  # validated here, once
    spec.pop("data", None)
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    spec.pop("datasets", None)
    # the shapes, with each Comune's zone for the grey layer's tooltip (inline: Vega-Lite
    # reads a TopoJSON dataset only from inline values or a URL)
    unknown = t("map.zone_unknown", lang)
    topology = dict(boundaries.topology)
    collection = topology["objects"][OBJECT]
    topology["objects"] = {OBJECT: {**collection, "geometries": [
        {**g, "properties": {**g["properties"], "zona": zone or unknown}}
        for g, zone in zip(collection["geometries"], zones, strict=True)]}}
    slots: dict[str, Any] = {kind: [f for f in features if f["properties"]["tipo"] == kind]
                             for kind in kinds}
    slots[SHAPES] = topology
    # the Comuni an answer may cover, for the lookup: only their shapes (a second copy of
    # all of them would double the spec, and Vega-Lite merges identical inline datasets)
    slots[ANSWERED] = boundaries.subset(covered_codes, ANSWERED)
    # each geometry goes in as one JSON string, which Vega parses once when it draws the
    # map: the browser reads and compares the spec at every rerun, and one long string is
    # much cheaper to read and compare than some 20,000 small arrays
    compact = {name: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
               for name, value in slots.items()}
    return _fill_slots(spec, compact)  # type: ignore[no-any-return]


def _extent_feature(boundaries: Boundaries) -> dict[str, Any]:
    """The territory's south-west and north-east corners, for the projection to fit: the
    map fits the territory, not the data, so a rerun's new rows do not move it (nor make
    Vega fit and project every shape again)."""
    west, south, east, north = _extent(boundaries)
    return {"type": "Feature", "properties": {}, "geometry": {
        "type": "MultiPoint", "coordinates": [[west, south], [east, north]]}}


def _extent(boundaries: Boundaries) -> tuple[float, float, float, float]:
    """West, south, east, north of the territory's shapes, in degrees."""
    (sx, sy), (tx, ty) = (boundaries.topology["transform"]["scale"],
                          boundaries.topology["transform"]["translate"])
    points = np.concatenate([np.cumsum(np.asarray(arc, dtype=float), axis=0)
                             for arc in boundaries.topology["arcs"]])
    return (float(points[:, 0].min() * sx + tx), float(points[:, 1].min() * sy + ty),
            float(points[:, 0].max() * sx + tx), float(points[:, 1].max() * sy + ty))


_SLOT = "__metrodigital_slot__"


def _fill_slots(node: Any, slots: Mapping[str, Any]) -> Any:
    """``node`` with every placeholder ``{_SLOT: name}`` replaced by ``slots[name]``."""
    if isinstance(node, dict):
        if set(node) == {_SLOT}:
            return slots[node[_SLOT]]
        return {key: _fill_slots(value, slots) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill_slots(value, slots) for value in node]
    return node


def map_spec(geo: WaveGeography, lang: str, mode: MapMode | Colouring = "selection",
             names: Mapping[str, str] | None = None, links: bool = False) -> dict[str, Any]:
    """The map's spec for a wave's geography (the same object while nothing but the
    weights changes, so the browser only swaps the rows). ``mode``: the Matrix page's
    ``"selection"`` or ``"score"``, or any :class:`Colouring`."""
    by = mode if isinstance(mode, Colouring) else colouring(mode, lang)
    return _spec_for(geo, lang, by, tuple(sorted((names or {}).items())), links)


@lru_cache(maxsize=32)
def _spec_for(geo: WaveGeography, lang: str, by: Colouring,
              names: tuple[tuple[str, str], ...], links: bool) -> dict[str, Any]:
    features = outline_features(geo, dict(names), lang)
    kinds = tuple(sorted({f["properties"]["tipo"] for f in features}))
    placement = geo.placement
    covered_codes = tuple(c for c, e in zip(placement.codes, placement.entity, strict=True)
                          if e is not None)
    return _map_spec(geo.boundaries, lang, by, json.dumps(features), kinds, links,
                     geo.zone_names, covered_codes)


def answered_rows(rows: pa.Table) -> pa.Table:
    """The rows the map colours: the Comuni an answer covers (the others are the grey
    layer, drawn from the shapes alone)."""
    return rows.filter(rows["risposto"])


def covered(rows: pa.Table) -> int:
    """How many Comuni an answer covers (an Unione covers its members)."""
    return int(pa.compute.sum(rows["risposto"]).as_py() or 0)


def table_frame(rows: pa.Table, lang: str, columns: Sequence[str] = (
        "comune", "zona", "ente", "stato", "punteggio_testo", "posizione")) -> pd.DataFrame:
    """The map as a table (its text alternative): Comuni that answered first, by rank,
    then the others by name; headers in ``lang``."""
    frame = rows.select([*columns, "risposto", "punteggio"]).to_pandas()
    frame = frame.assign(_rank=pd.to_numeric(frame.get("posizione"), errors="coerce"))
    frame = frame.sort_values(["risposto", "_rank", "comune"], ascending=[False, True, True])
    headers = {"comune": t("map.comune", lang), "zona": t("map.zone", lang),
               "ente": t("map.answered_as", lang), "stato": t("map.status", lang),
               "punteggio_testo": t("map.score", lang), "posizione": t("map.rank", lang)}
    return frame[list(columns)].rename(columns=headers).reset_index(drop=True)
