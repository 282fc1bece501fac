"""The Comuni and Unioni of the territory, and matching the names users type."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from metrodigital.paths import DATA_DIR
from metrodigital.territory import (
    Comune,
    Territory,
    Unione,
    load_territory,
    match_entity,
    normalise_name,
    read_territory,
)

SOURCE_LIST = [  # the source's list of participants, with its truncations
    "Albiano d'Ivrea", "Alpignano", "Angrogna", "Beinasco", "Bibiana", "Borgone Susa",
    "Collegno", "Condove", "Cuornè", "Lanzo Torinese", "Lemie", "Mazzè", "Moncalieri",
    "Nomaglio", "Osasco", "Pavone Canavese", "Pinerolo", "Piossasco", "Pomaretto",
    "Prarostino", "Rivalba", "Rivarossa", "Rosta", "San Carlo Canave", "San Gillio",
    "Sant'Ambrogio di", "Scalenghe", "Settimo Vittone", "Strambino", "Val di Chy",
    "Varisella", "Verrua Savoia", "Vigone", "Vinovo", "Unione dei Comuni di Monc",
    "Unione dei Comuni Nord Est Torino",
]


@pytest.fixture(scope="module")
def territory() -> Territory:
    return load_territory()


def seed_names() -> list[str]:
    with (DATA_DIR / "seed_matrix.csv").open(encoding="utf-8", newline="") as handle:
        return [row["ente"] for row in csv.DictReader(handle)]


# --- the shipped files --------------------------------------------------------------

def test_the_312_comuni_of_the_metropolitan_city(territory: Territory) -> None:
    assert len(territory.comuni) == 312
    codes = [c.istat_code for c in territory.comuni]
    assert len(set(codes)) == 312 and all(len(c) == 6 and c.startswith("001") for c in codes)
    assert all(c.population(2023) > 0 and c.population(2022) > 0 for c in territory.comuni)
    assert 2_150_000 < sum(c.population(2023) for c in territory.comuni) < 2_250_000
    torino = territory.comune("001272")
    assert (torino.name, torino.zona_omogenea, torino.zona_omogenea_nome) == ("Torino", 1,
                                                                              "Torino")
    assert territory.comune(1098).name == "Cuorgnè"


def test_zona_omogenea_only_where_sourced(territory: Territory) -> None:
    for comune in territory.comuni:
        if comune.zona_omogenea is None:
            assert not comune.zona_omogenea_nome and not comune.zona_fonte
        else:
            assert 1 <= comune.zona_omogenea <= 11 and comune.zona_fonte
    assert territory.entity("Val di Chy").zona_omogenea == 9  # since 2019
    assert territory.entity("Mappano").zona_omogenea == 4


def test_unioni_and_their_members(territory: Territory) -> None:
    net = territory.entity("Unione dei Comuni Nord Est Torino")
    assert isinstance(net, Unione)
    assert [m.name for m in net.members] == [
        "Borgaro Torinese", "Caselle Torinese", "Leini", "San Benigno Canavese",
        "San Mauro Torinese", "Settimo Torinese", "Volpiano"]
    assert net.population(2023) == sum(m.population(2023) for m in net.members)
    assert net.zona_omogenea == 4
    mtl = territory.entity("Unione dei Comuni Moncalieri, Trofarello, La Loggia")
    assert isinstance(mtl, Unione)
    assert [m.name for m in mtl.members] == ["Moncalieri", "Trofarello", "La Loggia"]
    assert mtl.istat_codes == ("001156", "001280", "001127")


def test_readme_documents_every_file_added() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name in ("comuni_torino.csv", "unioni.csv", "varianti_nomi.csv", "questionnaire.toml",
                 "examples/risposte_sintetiche_2023.xlsx"):
        assert f"## {name}" in readme, name
    assert "CC-BY-4.0" in readme or "CC BY 4.0" in readme


# --- names ----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("Comune di Sant’Ambrogio di Torino", "sant ambrogio di torino"),
    ("  COMUNE DI  mazze ", "mazze"),
    ("Mazzè", "mazze"),
    ("Città di Pinerolo", "pinerolo"),
    ("Cuorgnè (TO)", "cuorgne"),
    ("Albiano D'Ivrea", "albiano d ivrea"),
])
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("name", seed_names())
def test_every_seed_name_matches(name: str) -> None:
    match = match_entity(name)
    assert match.matched, name
    assert match.status in ("exact", "variant")
    expected_kind = "unione" if name.startswith("Unione") else "comune"
    assert match.entity is not None and match.entity.kind == expected_kind


@pytest.mark.parametrize("name", SOURCE_LIST)
def test_every_name_of_the_participants_list_matches(name: str) -> None:
    assert match_entity(name).matched, name


def test_the_two_lists_of_the_source_name_the_same_36_entities() -> None:
    from_matrix = {match_entity(name).entity for name in seed_names()}
    from_list = {match_entity(name).entity for name in SOURCE_LIST}
    assert len(from_matrix) == 36 and from_matrix == from_list


@pytest.mark.parametrize(("name", "official"), [
    ("Comune di Cuornè", "Cuorgnè"),
    ("Comune di Val Di Chy", "Val di Chy"),
    ("San Carlo Canave", "San Carlo Canavese"),
    ("Sant'Ambrogio di", "Sant'Ambrogio di Torino"),
    ("Unione dei Comuni di Monc", "Unione dei Comuni Moncalieri, Trofarello, La Loggia"),
    ("Unione NET", "Unione dei Comuni Nord Est Torino"),
    ("Leinì", "Leini"),
])
def test_known_variants(name: str, official: str) -> None:
    match = match_entity(name)
    assert match.entity is not None and match.entity.name == official


def test_variant_carries_an_informative_warning() -> None:
    match = match_entity("Comune di Cuornè")
    assert match.status == "variant" and match.warning is not None
    assert match.warning.code == "territory.variant"
    assert match.warning.message() == "«Comune di Cuornè» riconosciuto come «Cuorgnè»"
    assert match_entity("Cuorgnè").warning is None


def test_a_unique_truncation_is_matched_but_flagged() -> None:
    match = match_entity("Comune di Borgofranco d'Iv")
    assert match.status == "truncated"
    assert match.entity is not None and match.entity.name == "Borgofranco d'Ivrea"
    assert match.warning is not None and match.warning.code == "territory.truncated"


def test_unknown_name_is_a_warning_with_close_candidates() -> None:
    match = match_entity("Comune di Pinerollo")
    assert match.status == "unknown" and match.entity is None
    assert match.candidates[0] == "Pinerolo"
    assert match.warning is not None and match.warning.code == "territory.unknown"
    assert match.warning.params["name"] == "Comune di Pinerollo"
    assert "“Pinerolo”" in match.warning.message("en")
    assert "«Pinerolo»" in match.warning.message("it")
    nothing = match_entity("Qwxyz")
    assert nothing.candidates == () and nothing.warning is not None
    assert nothing.warning.code == "territory.unknown_no_candidates"


def test_short_fragments_are_not_taken_for_truncations() -> None:
    assert match_entity("San").status == "unknown"  # many Comuni start with "San"


def test_read_territory_from_other_files(tmp_path: Path) -> None:
    comuni = tmp_path / "c.csv"
    comuni.write_text(
        "codice_istat,comune,codice_catastale,popolazione_2022,popolazione_2023,"
        "zona_omogenea,zona_omogenea_nome,zona_fonte\n"
        "001001,Alfa,A001,10,11,,,\n001002,Beta,A002,20,22,3,AMT Sud,test\n",
        encoding="utf-8")
    unioni = tmp_path / "u.csv"
    unioni.write_text("unione,codici_istat\nUnione Alfa Beta,001001;001002\n", encoding="utf-8")
    variants = tmp_path / "v.csv"
    variants.write_text("variante,nome_ufficiale,nota\nAlpha,Alfa,\n", encoding="utf-8")
    territory = read_territory(comuni, unioni, variants)
    unione = territory.match("unione alfa beta").entity
    assert isinstance(unione, Unione) and unione.population(2022) == 30
    alfa = territory.match("Alpha").entity
    assert isinstance(alfa, Comune) and alfa.zona_omogenea is None
    assert unione.zona_omogenea is None
