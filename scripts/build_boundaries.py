"""Build ``data/boundaries/<territory>.topo.json`` from openpolis' boundaries (build time only).

Input: ``limits_P_<province>_municipalities.topo.json`` of the repository
``openpolis/geojson-italy`` (folder ``topojson/``, tag 2023.1, data as of June
2023), as copied to ``/work/shared/data/boundaries``: TopoJSON, WGS84, object
``municipalities``, one polygon per Comune. Licence: Creative Commons
Attribution 4.0 International (CC-BY 4.0); the administrative limits are © ISTAT
(CC-BY). Attribution: "Confini comunali: openpolis (geojson-italy), dati ISTAT,
CC-BY 4.0".

What this script changes, to keep the page fast and the repository small:

- each Comune keeps only its ISTAT code (as the geometry's ``id``) and its name
  (``properties.name``); the other properties are dropped;
- every arc is simplified once with Douglas–Peucker (``--tolerance`` metres;
  arcs are shared by neighbouring Comuni, so borders still meet exactly); a
  ring that would become degenerate keeps its arcs unsimplified;
- the quantisation grid is coarsened (``--grid`` metres), consecutive repeated
  points dropped.

The output is TopoJSON (delta-encoded, quantised) with a ``metadata`` member
naming the source, the licence, the attribution and the parameters. Usage::

    .venv/bin/python scripts/build_boundaries.py [--source DIR] [--tolerance 60] [--grid 25] \\
        [--out DIR]

It refuses to write a territory whose ISTAT codes differ from
``data/territories/<id>/comuni.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_SOURCE = Path("/work/shared/data/boundaries")
TERRITORIES = {"torino": "1", "milano": "15"}  # territory id → openpolis province number
OBJECT = "municipalities"
ATTRIBUTION = "Confini comunali: openpolis (geojson-italy), dati ISTAT, CC-BY 4.0"
METRES_PER_DEGREE = 111_320.0

Point = tuple[int, int]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The arcs as absolute quantised positions (TopoJSON stores deltas)."""
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x, y))
        arcs.append(points)
    return arcs


def _distance(p: Point, a: Point, b: Point, sx: float, sy: float) -> float:
    """Distance in metres (locally) of ``p`` from the segment ``a``–``b``."""
    ax, ay = a[0] * sx, a[1] * sy
    bx, by = b[0] * sx, b[1] * sy
    px, py = p[0] * sx, p[1] * sy
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    if length == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(points: list[Point], tolerance: float, sx: float, sy: float) -> list[Point]:
    """``points`` simplified, both ends kept; a closed arc keeps its farthest point too."""
    if len(points) <= 2:
        return points
    if points[0] == points[-1]:  # a closed loop: split it where it is farthest from its start
        far = max(range(1, len(points) - 1),
                  key=lambda i: math.hypot((points[i][0] - points[0][0]) * sx,
                                           (points[i][1] - points[0][1]) * sy))
        first = douglas_peucker(points[:far + 1], tolerance, sx, sy)
        return first[:-1] + douglas_peucker(points[far:], tolerance, sx, sy)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        best, index = 0.0, -1
        for i in range(start + 1, end):
            d = _distance(points[i], points[start], points[end], sx, sy)
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(start, index), (index, end)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points += arc if not points else arc[1:]
    return points


def _area(points: list[Point]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(points))) / 2


def _rings(geometry: dict[str, Any]) -> list[list[int]]:
    if geometry["type"] == "Polygon":
        return list(geometry["arcs"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    raise SystemExit(f"unexpected geometry type {geometry['type']!r}")


def simplify(topology: dict[str, Any], tolerance: float, grid: float) -> dict[str, Any]:
    """A copy of ``topology`` with simplified arcs on a coarser grid, and small properties."""
    scale_x, scale_y = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    latitude = translate[1] + scale_y * 2 ** 15  # roughly the middle of the area
    sx = scale_x * METRES_PER_DEGREE * math.cos(math.radians(latitude))
    sy = scale_y * METRES_PER_DEGREE
    factor = max(1, round(grid / min(sx, sy)))  # original grid cells per new cell
    original = decode_arcs(topology)
    simplified = [douglas_peucker(arc, tolerance, sx, sy) for arc in original]
    geometries = topology["objects"][OBJECT]["geometries"]
    for _ in range(3):  # rings that collapsed keep their original arcs
        coarse = [_coarsen(arc, factor) for arc in simplified]
        bad = {i if i >= 0 else ~i
               for g in geometries for ring in _rings(g)
               if len(set(_ring_points(ring, coarse))) < 4
               or _area(_ring_points(ring, coarse)) < 0.5 * _area(_ring_points(ring, original))
               / factor ** 2
               for i in ring}
        if not bad:
            break
        for index in bad:
            simplified[index] = original[index]
    coarse = [_coarsen(arc, factor) for arc in simplified]
    arcs = []
    for arc in coarse:
        encoded, last = [], (0, 0)
        for point in arc:
            encoded.append([point[0] - last[0], point[1] - last[1]])
            last = point
        arcs.append(encoded)
    out_geometries = []
    for geometry in geometries:
        properties = geometry["properties"]
        out_geometries.append({
            "type": geometry["type"], "arcs": geometry["arcs"],
            "id": properties["com_istat_code"], "properties": {"name": properties["name"]},
        })
    out_geometries.sort(key=lambda g: g["id"])
    return {
        "type": "Topology",
        "transform": {"scale": [scale_x * factor, scale_y * factor], "translate": translate},
        "bbox": topology.get("bbox"),
        "objects": {OBJECT: {"type": "GeometryCollection", "geometries": out_geometries}},
        "arcs": arcs,
    }


def _coarsen(arc: list[Point], factor: int) -> list[Point]:
    """``arc`` on a grid ``factor`` times coarser, repeated points dropped (ends kept)."""
    points: list[Point] = []
    for x, y in arc:
        point = (round(x / factor), round(y / factor))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) == 1:  # a very short arc: keep both its ends, even if on one cell
        points.append(points[0])
    return points


def territory_codes(territory: str) -> list[str]:
    with (DATA_DIR / "territories" / territory / "comuni.csv").open(encoding="utf-8") as f:
        return sorted(row["codice_istat"] for row in csv.DictReader(f))


def build(territory: str, source: Path, tolerance: float, grid: float,
          out_dir: Path = DATA_DIR / "boundaries") -> Path:
    province = TERRITORIES[territory]
    name = f"limits_P_{province}_municipalities.topo.json"
    topology = json.loads((source / name).read_text(encoding="utf-8"))
    result = simplify(topology, tolerance, grid)
    codes = sorted(g["id"] for g in result["objects"][OBJECT]["geometries"])
    if codes != territory_codes(territory):
        raise SystemExit(f"{territory}: the boundaries' ISTAT codes differ from comuni.csv")
    result = {
        "metadata": {
            "territory": territory,
            "source": (f"openpolis/geojson-italy, topojson/{name} "
                       "(tag 2023.1, data as of June 2023)"),
            "url": "https://github.com/openpolis/geojson-italy",
            "licence": "CC-BY-4.0",
            "attribution": ATTRIBUTION,
            "changes": (f"properties reduced to the ISTAT code (id) and name; arcs simplified "
                        f"(Douglas-Peucker, {tolerance:g} m) and quantised on a {grid:g} m grid "
                        "by scripts/build_boundaries.py"),
        },
        **result,
    }
    out = out_dir / f"{territory}.topo.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    before = sum(len(a) for a in topology["arcs"])
    after = sum(len(a) for a in result["arcs"])
    print(f"{territory}: {len(codes)} Comuni, {before} → {after} points, "
          f"{(source / name).stat().st_size:,} → {out.stat().st_size:,} bytes")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--tolerance", type=float, default=60.0, help="metres")
    parser.add_argument("--grid", type=float, default=25.0, help="metres")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "boundaries")
    args = parser.parse_args(argv)
    for territory in TERRITORIES:
        build(territory, args.source, args.tolerance, args.grid, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
