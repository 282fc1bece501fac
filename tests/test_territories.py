"""Territories as data (data/territories/, metrodigital/territories.py)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from metrodigital.paths import DATA_DIR
from metrodigital.territories import (
    TERRITORIES_DIR,
    TerritoryError,
    available_territories,
    clear_cache,
    load_territory,
)

MILAN_ZONES = {"Alto Milanese", "Magentino e Abbiatense", "Nord Ovest", "Nord Milano",
               "Adda Martesana", "Sud Est", "Sud Ovest", "Milano"}
TORINO_ZONES = ["Torino", "AMT Ovest", "AMT Sud", "AMT Nord", "Pinerolese",
                "Valli di Susa e Sangone", "Ciriacese – Valli di Lanzo", "Canavese occidentale",
                "Eporediese", "Chivassese", "Chierese – Carmagnolese"]


def boundary_codes(territory: str) -> list[str]:
    """The ISTAT codes of the territory's municipal boundaries (openpolis), as shipped."""
    text = (TERRITORIES_DIR / territory / "codici_confini.txt").read_text(encoding="utf-8")
    return sorted(line for line in text.splitlines() if line)


def test_both_territories_are_available() -> None:
    assert available_territories() == ["milano", "torino"]


def test_milano_has_the_133_comuni_of_the_boundaries() -> None:
    milano = load_territory("milano")
    comuni = milano.comuni
    assert len(comuni) == 133
    assert sorted(comuni["codice_istat"]) == boundary_codes("milano")
    assert comuni["codice_istat"].str.fullmatch(r"015\d{3}").all()
    assert comuni["comune"].is_unique
    city = comuni.set_index("comune").loc["Milano"]
    assert city["codice_istat"] == "015146"
    assert city["popolazione"] > 1_300_000
    assert (comuni["popolazione"] > 0).all()
    assert milano.population_year == 2022


def test_milano_zones_and_attribution() -> None:
    milano = load_territory("milano")
    assert set(milano.zones.values()) == MILAN_ZONES
    assert "ISTAT" in milano.attribution and "openpolis" in milano.attribution
    assert milano.licence == "CC-BY-4.0"
    zoned = milano.comuni.dropna(subset=["zona_omogenea"]).set_index("comune")
    # Filled only where a source names the zone, each with its source.
    assert zoned["zona_omogenea_nome"].to_dict() == {
        "Cassano d'Adda": "Adda Martesana", "Inveruno": "Alto Milanese",
        "Milano": "Milano", "Rosate": "Magentino e Abbiatense"}
    assert set(zoned["zona_fonte"]) <= set(milano.zone_sources)
    unzoned = milano.comuni[milano.comuni["zona_omogenea"].isna()]
    assert (unzoned["zona_omogenea_nome"] == "").all() and (unzoned["zona_fonte"] == "").all()


def test_torino_has_the_312_comuni_of_the_boundaries_as_today() -> None:
    torino = load_territory("torino")
    comuni = torino.comuni
    assert len(comuni) == 312
    assert sorted(comuni["codice_istat"]) == boundary_codes("torino")
    today = pd.read_csv(DATA_DIR / "comuni_torino.csv", dtype={"codice_istat": str},
                        keep_default_na=False)
    merged = comuni.merge(today, on="codice_istat", suffixes=("", "_today"))
    assert len(merged) == 312
    assert (merged["comune"] == merged["comune_today"]).all()
    assert (merged["popolazione"] == merged["popolazione_2022"]).all()
    assert (merged["zona_omogenea_nome"] == merged["zona_omogenea_nome_today"]).all()
    assert list(torino.zones.values()) == TORINO_ZONES
    assert torino.attribution.startswith("Dati ISTAT e openpolis")


def test_torino_unioni_are_those_of_the_seed() -> None:
    torino = load_territory("torino")
    with (DATA_DIR / "unioni.csv").open(encoding="utf-8") as handle:
        expected = {row["unione"]: tuple(row["codici_istat"].split(";"))
                    for row in csv.DictReader(handle)}
    assert {u.name: u.istat_codes for u in torino.unioni} == expected
    names = torino.comuni.set_index("codice_istat")["comune"]
    net = next(u for u in torino.unioni if u.name == "Unione dei Comuni Nord Est Torino")
    assert sorted(names[code] for code in net.istat_codes) == [
        "Borgaro Torinese", "Caselle Torinese", "Leini", "San Benigno Canavese",
        "San Mauro Torinese", "Settimo Torinese", "Volpiano"]


# --- validation: messages name the file, the row and the column ---


@pytest.fixture
def milano_copy(tmp_path: Path) -> Path:
    shutil.copytree(TERRITORIES_DIR / "milano", tmp_path / "milano")
    return tmp_path


def edit_comuni(root: Path, change) -> None:
    path = root / "milano" / "comuni.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)


def messages(root: Path, lang: str = "it") -> list[str]:
    with pytest.raises(TerritoryError) as caught:
        load_territory("milano", root)
    return caught.value.messages(lang)


def test_bad_cells_are_all_reported_with_file_row_and_column(milano_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[1, "codice_istat"] = "15005"  # row 3 of the sheet
        frame.loc[4, "codice_istat"] = frame.loc[3, "codice_istat"]  # row 6 repeats row 5
        frame.loc[6, "popolazione"] = "4.713"
        frame.loc[7, "zona_omogenea"] = "9"
        return frame

    edit_comuni(milano_copy, change)
    found = messages(milano_copy)
    assert found == [
        "File milano/comuni.csv, riga 3, colonna «codice_istat»: «15005» non è un codice "
        "ISTAT di 6 cifre (es. 015146).",
        "File milano/comuni.csv, riga 6, colonna «codice_istat»: il codice ISTAT 015009 "
        "compare già alla riga 5.",
        "File milano/comuni.csv, riga 8, colonna «popolazione»: «4.713» non è una "
        "popolazione (numero intero senza separatori).",
        "File milano/comuni.csv, riga 9, colonna «zona_omogenea»: «9» non è una zona del "
        "territorio (zone: 1, 2, 3, 4, 5, 6, 7, 8).",
    ]


def test_zone_needs_a_declared_source_and_the_right_name(milano_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, ["zona_omogenea", "zona_omogenea_nome", "zona_fonte"]] = [
            "2", "Magentino e Abbiatense", ""]
        frame.loc[1, ["zona_omogenea", "zona_omogenea_nome", "zona_fonte"]] = [
            "7", "Sud", "ufficio"]
        return frame

    edit_comuni(milano_copy, change)
    assert messages(milano_copy, "en") == [
        "File milano/comuni.csv, row 2, column “zona_fonte”: the zone is given without a "
        "source; write the source's key (defined in territory.toml, [zone_sources]).",
        "File milano/comuni.csv, row 3, column “zona_omogenea_nome”: “Sud” is not the name "
        "of zone 7, which is “Sud Ovest”.",
        "File milano/comuni.csv, row 3, column “zona_fonte”: source “ufficio” is not "
        "defined in territory.toml, [zone_sources].",
    ]


def test_an_office_can_load_its_own_zones(milano_copy: Path) -> None:
    toml = milano_copy / "milano" / "territory.toml"
    toml.write_text(toml.read_text(encoding="utf-8")
                    + '"ufficio-2024" = "Elenco dell\'ufficio"\n', encoding="utf-8")

    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[frame["comune"] == "Rozzano", ["zona_omogenea", "zona_fonte"]] = [
            "7", "ufficio-2024"]
        return frame

    assert load_territory("milano", milano_copy).comuni.set_index("comune").loc[
        "Rozzano", "zona_fonte"] == ""
    edit_comuni(milano_copy, change)
    clear_cache()  # the files changed: read them again
    comuni = load_territory("milano", milano_copy).comuni.set_index("comune")
    assert comuni.loc["Rozzano", "zona_omogenea"] == 7
    assert comuni.loc["Rozzano", "zona_omogenea_nome"] == "Sud Ovest"  # filled from the zones


def test_missing_column_and_count(milano_copy: Path) -> None:
    edit_comuni(milano_copy, lambda frame: frame.drop(columns=["popolazione"]))
    assert messages(milano_copy) == [
        "File milano/comuni.csv, riga 1, colonna «popolazione»: la colonna manca "
        "nell'intestazione."]
    shutil.copyfile(TERRITORIES_DIR / "milano" / "comuni.csv",
                    milano_copy / "milano" / "comuni.csv")
    edit_comuni(milano_copy, lambda frame: frame.iloc[:-1])
    assert messages(milano_copy) == [
        "File milano/comuni.csv: 132 Comuni, ma territory.toml ne dichiara 133 (comuni_count)."]


def test_definition_problems(milano_copy: Path) -> None:
    toml = milano_copy / "milano" / "territory.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('id = "milano"', 'id = "milan"')
                    .replace('licence = "CC-BY-4.0"', 'licence = ""'), encoding="utf-8")
    assert messages(milano_copy) == [
        "File milano/territory.toml, chiave «id»: l'id «milan» deve essere uguale al nome "
        "della cartella «milano».",
        "File milano/territory.toml, chiave «source.licence»: il valore manca o è vuoto.",
    ]
    toml.write_text(text.replace("[zones]", "[zones"), encoding="utf-8")
    (problem,) = messages(milano_copy)
    assert problem.startswith("File milano/territory.toml: il file non è TOML valido (")


def test_unknown_territory_and_bad_unione(tmp_path: Path) -> None:
    with pytest.raises(TerritoryError) as caught:
        load_territory("roma")
    assert caught.value.messages("en") == [
        "File roma/territory.toml: there is no territory “roma”. "
        "Available territories: milano, torino."]
    shutil.copytree(TERRITORIES_DIR / "torino", tmp_path / "torino")
    with (tmp_path / "torino" / "unioni.csv").open("a", encoding="utf-8") as handle:
        handle.write("Unione di prova,001001;015146\n")
    with pytest.raises(TerritoryError) as caught:
        load_territory("torino", tmp_path)
    assert caught.value.messages() == [
        "File torino/unioni.csv, riga 4, colonna «codici_istat»: il codice ISTAT 015146 non "
        "è un Comune del territorio."]
