"""The Comuni's boundaries (``data/boundaries/<territory>.topo.json``) and how entities sit on them.

The files are TopoJSON built by ``scripts/build_boundaries.py`` from openpolis'
``geojson-italy`` (ISTAT data, CC-BY 4.0; attribution in :data:`ATTRIBUTION`,
shown under every map): one polygon per Comune in the object
``municipalities``, its ``id`` the six-digit ISTAT code, ``properties.name``
its name. Neighbouring Comuni share arcs, so the outline of a group of Comuni
(an Unione, a zona omogenea) is the arcs that only one of them uses.

An entity of a wave carries ISTAT codes (``entities.istat_code``: a Comune its
own code, an Unione its members' codes joined by ``;``, see
``metrodigital.ingest.istat_codes``). :func:`place_entities` puts each entity on
the territory's Comuni: a Comune that answered shows its own answer; a Comune
that is only a member of an Unione that answered shows the Unione's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from metrodigital.paths import DATA_DIR
from metrodigital.store import Store
from metrodigital.territories import load_territory

BOUNDARIES_DIR = DATA_DIR / "boundaries"
OBJECT = "municipalities"
ATTRIBUTION = "Confini comunali: openpolis, dati ISTAT, CC-BY 4.0"
DECIMALS = 5  # outline coordinates in degrees: about one metre


@dataclass(frozen=True, eq=False)
class Boundaries:
    """One territory's Comuni as TopoJSON; ``codes`` in the file's order (by ISTAT code)."""

    territory: str
    topology: Mapping[str, Any]
    codes: tuple[str, ...]
    names: Mapping[str, str]  # ISTAT code → name in the boundaries file
    metadata: Mapping[str, str]

    def _rings(self, code: str) -> list[list[int]]:
        geometry = self._geometry[code]
        if geometry["type"] == "Polygon":
            return list(geometry["arcs"])
        return [ring for polygon in geometry["arcs"] for ring in polygon]

    @cached_property
    def _geometry(self) -> dict[str, Mapping[str, Any]]:
        return {g["id"]: g for g in self.topology["objects"][OBJECT]["geometries"]}

    def outline_arcs(self, codes: Iterable[str]) -> list[int]:
        """The arcs on the outer border of the union of these Comuni (and around any hole
        in it): those used by exactly one of the group's rings. Unknown codes are ignored."""
        known = [code for code in dict.fromkeys(codes) if code in self.names]
        used = Counter(index if index >= 0 else ~index
                       for code in known for ring in self._rings(code) for index in ring)
        return sorted(arc for arc, count in used.items() if count == 1)

    def outline(self, codes: Iterable[str]) -> dict[str, Any]:
        """The group's outline as a GeoJSON MultiLineString, in degrees (WGS84)."""
        arcs = self._decoded_arcs()
        lines = [arcs[index] for index in self.outline_arcs(codes)]
        return {"type": "MultiLineString", "coordinates": _join_lines(lines)}

    def subset(self, codes: Iterable[str], feature: str = OBJECT) -> dict[str, Any]:
        """A TopoJSON of these Comuni only (object ``feature``), with just their arcs."""
        wanted = set(codes)
        geometries = [g for g in self.topology["objects"][OBJECT]["geometries"]
                      if g["id"] in wanted]
        used = sorted({i if i >= 0 else ~i for g in geometries
                       for ring in self._rings(g["id"]) for i in ring})
        new = {old: position for position, old in enumerate(used)}

        def renumber(node: Any) -> Any:
            if isinstance(node, list):
                return [renumber(item) for item in node]
            return new[node] if node >= 0 else ~new[~node]

        return {
            "type": "Topology",
            "transform": self.topology["transform"],
            "objects": {feature: {"type": "GeometryCollection", "geometries": [
                {**g, "arcs": renumber(g["arcs"])} for g in geometries]}},
            "arcs": [self.topology["arcs"][index] for index in used],
        }

    def _decoded_arcs(self) -> list[list[list[float]]]:
        return _decode(self)


@lru_cache(maxsize=4)
def _decode(boundaries: Boundaries) -> list[list[list[float]]]:
    """Every arc as longitude/latitude pairs."""
    (sx, sy), (tx, ty) = (boundaries.topology["transform"]["scale"],
                          boundaries.topology["transform"]["translate"])
    decoded = []
    for arc in boundaries.topology["arcs"]:
        points = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        lon = np.round(points[:, 0] * sx + tx, DECIMALS)
        lat = np.round(points[:, 1] * sy + ty, DECIMALS)
        decoded.append(np.column_stack([lon, lat]).tolist())
    return decoded


def _join_lines(lines: list[list[list[float]]]) -> list[list[list[float]]]:
    """Arcs chained end to start where they meet, so a dashed outline runs on smoothly."""
    remaining = [list(line) for line in lines]
    joined: list[list[list[float]]] = []
    while remaining:
        line = remaining.pop()
        extended = True
        while extended:
            extended = False
            for i, other in enumerate(remaining):
                if other[0] == line[-1]:
                    line += other[1:]
                elif other[-1] == line[-1]:
                    line += other[::-1][1:]
                elif other[-1] == line[0]:
                    line = other + line[1:]
                elif other[0] == line[0]:
                    line = other[::-1] + line[1:]
                else:
                    continue
                remaining.pop(i)
                extended = True
                break
        joined.append(line)
    return joined


def boundaries_path(territory_id: str, root: Path | None = None) -> Path:
    return (root or BOUNDARIES_DIR) / f"{territory_id}.topo.json"


@lru_cache(maxsize=8)
def load_boundaries(territory_id: str, root: Path | None = None) -> Boundaries:
    """The boundaries of ``territory_id``'s Comuni, read once per process."""
    topology = json.loads(boundaries_path(territory_id, root).read_text(encoding="utf-8"))
    geometries = topology["objects"][OBJECT]["geometries"]
    codes = tuple(str(g["id"]) for g in geometries)
    names = {str(g["id"]): str(g["properties"]["name"]) for g in geometries}
    metadata = {str(k): str(v) for k, v in topology.pop("metadata", {}).items()}
    return Boundaries(territory_id, topology, codes, names, metadata)


@dataclass(frozen=True)
class JoinCheck:
    """Codes of the territory's Comuni without a shape, and shapes of no Comune."""

    without_shape: tuple[str, ...]
    without_comune: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.without_shape and not self.without_comune


def check_join(territory_id: str) -> JoinCheck:
    """Compare the territory's Comuni (``comuni.csv``) with its boundaries, by ISTAT code."""
    comuni = set(load_territory(territory_id).istat_codes)
    shapes = set(load_boundaries(territory_id).codes)
    return JoinCheck(tuple(sorted(comuni - shapes)), tuple(sorted(shapes - comuni)))


def split_codes(value: object) -> tuple[str, ...]:
    """The ISTAT codes an entity carries (``"001156;001280"`` → two codes)."""
    if not isinstance(value, str):
        return ()
    return tuple(code.strip() for code in value.split(";") if code.strip())


def entity_codes(store: Store) -> dict[str, tuple[str, ...]]:
    """Every entity's ISTAT codes, by entity id (empty when its name matched no Comune)."""
    rows = store.cursor().execute("SELECT entity_id, istat_code FROM entities").fetchall()
    return {str(entity_id): split_codes(code) for entity_id, code in rows}


@dataclass(frozen=True, eq=False)
class Placement:
    """Who answered for each Comune of a territory, in ``codes`` order.

    ``entity[i]`` is the entity whose answer colours Comune ``codes[i]`` (its own
    if it answered, else the Unione it belongs to, else ``None``); ``own[i]``
    says whether that is the Comune's own answer. ``unioni`` maps each Unione
    that answered to its members on the map; ``off_map`` lists the entities
    with no Comune of this territory (no ISTAT code, or another territory's).
    """

    codes: tuple[str, ...]
    entity: np.ndarray  # object: entity id or None
    own: np.ndarray  # bool
    unioni: Mapping[str, tuple[str, ...]]
    off_map: tuple[str, ...]


def place_entities(codes: Sequence[str], entities: Mapping[str, Sequence[str]]) -> Placement:
    """Put ``entities`` (entity id → ISTAT codes) on the Comuni ``codes``."""
    index = {code: i for i, code in enumerate(codes)}
    entity = np.full(len(codes), None, dtype=object)
    own = np.zeros(len(codes), dtype=bool)
    unioni: dict[str, tuple[str, ...]] = {}
    off_map = []
    for entity_id, members in sorted(entities.items()):
        here = tuple(code for code in members if code in index)
        if not here:
            off_map.append(entity_id)
        elif len(members) == 1:
            entity[index[here[0]]] = entity_id
            own[index[here[0]]] = True
    for entity_id, members in sorted(entities.items()):
        here = tuple(code for code in members if code in index)
        if len(members) > 1 and here:
            unioni[entity_id] = here
            for code in here:
                if entity[index[code]] is None:  # a Comune's own answer comes first
                    entity[index[code]] = entity_id
    return Placement(tuple(codes), entity, own, unioni, tuple(off_map))


@dataclass(frozen=True, eq=False)
class WaveGeography:
    """Everything a wave's map needs that the weights do not change."""

    territory: str
    boundaries: Boundaries
    placement: Placement
    comune_names: tuple[str, ...]  # in ``placement.codes`` order (the territory's names)
    zone_names: tuple[str, ...]  # "" where the zone is not known
    zones: Mapping[str, tuple[str, ...]]  # zone name → its known Comuni


@lru_cache(maxsize=8)
def wave_geography(store: Store, generation: int, territory_id: str,
                   entity_ids: tuple[str, ...]) -> WaveGeography:
    """The map's fixed part for the entities of a wave on ``territory_id``.

    ``generation`` is the store's (it changes when a wave is published or deleted), so
    the cache never serves a stale join; a slider move finds everything here.
    """
    del generation  # part of the cache key only
    boundaries = load_boundaries(territory_id)
    comuni = load_territory(territory_id).comuni.set_index("codice_istat")
    codes = boundaries.codes
    every = entity_codes(store)
    placement = place_entities(codes, {e: every.get(e, ()) for e in entity_ids})
    names = tuple(str(comuni.at[c, "comune"]) if c in comuni.index else boundaries.names[c]
                  for c in codes)
    # the zones in force: an editor's load (metrodigital.zones), else the shipped ones
    from metrodigital.zones import effective_zones

    zone_of = effective_zones(store, territory_id)
    named = load_territory(territory_id).zones
    zone_names = tuple(named.get(zone_of[c], "") if zone_of.get(c) is not None else ""
                       for c in codes)
    zones: dict[str, list[str]] = {}
    for code, zone in zip(codes, zone_names, strict=True):
        if zone:
            zones.setdefault(zone, []).append(code)
    return WaveGeography(territory_id, boundaries, placement, names, zone_names,
                         {zone: tuple(members) for zone, members in zones.items()})
