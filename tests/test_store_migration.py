"""Schema v3: a database written by the schema-v2 code migrates with nothing lost.

The fixture ``tests/data/store_v2/store_v2.duckdb.gz`` was written by the code of
commit a3345ad (schema v2) with ``tests/data/store_v2/make_fixture.py``: the seed
wave, a second wave "Rilevazione 2024" with raw answers (three Comuni the territory
knows and "Ente Fantasma", which it does not), two saved scenarios and a
remembered column mapping.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrodigital.compare import saved_scenarios
from metrodigital.criteria import load_criteria, seed_weights
from metrodigital.paths import DATA_DIR
from metrodigital.ranking import rank
from metrodigital.store import SCHEMA_VERSION, SEED_WAVE_SLUG, Store, read_seed_matrix

FIXTURE = Path(__file__).parent / "data" / "store_v2" / "store_v2.duckdb.gz"
REFERENCE = [2.0, 3.0, 4.0, 5.0, 3.0, 3.0, 5.0, 4.0]
# every table of schema v2 with its rows in a stable order (the columns v2 had)
V2_TABLES = {
    "criteria": "SELECT * FROM criteria ORDER BY key",
    "waves": "SELECT wave_id, slug, name, survey_date, source_file, sha256, n_rows, "
             "uploaded_at, uploaded_by, is_seed FROM waves ORDER BY wave_id",
    "entities": "SELECT entity_id, name, kind FROM entities ORDER BY entity_id",
    "wave_entities": "SELECT * FROM wave_entities ORDER BY ALL",
    "points": "SELECT * FROM points ORDER BY ALL",
    "answers": "SELECT wave_id, entity_id, question_id, answer FROM answers ORDER BY ALL",
    "scenarios": "SELECT * FROM scenarios ORDER BY scenario_id",
    "column_mappings": "SELECT * FROM column_mappings ORDER BY ALL",
}


def _contents(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {table: conn.execute(query).fetchall() for table, query in V2_TABLES.items()}


@pytest.fixture
def v2_path(tmp_path: Path) -> Path:
    path = tmp_path / "metrodigital.duckdb"
    with gzip.open(FIXTURE, "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


@pytest.fixture
def before(v2_path: Path) -> dict[str, list[tuple]]:
    conn = duckdb.connect(str(v2_path), read_only=True)
    try:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (2,)
        return _contents(conn)
    finally:
        conn.close()


def test_the_fixture_is_a_v2_database_with_two_waves_and_scenarios(
        before: dict[str, list[tuple]]) -> None:
    assert [w[1] for w in before["waves"]] == [SEED_WAVE_SLUG, "rilevazione-2024"]
    assert len(before["scenarios"]) == 2
    assert len(before["answers"]) == 8
    assert len(before["points"]) == 40 * 8


def test_a_v2_database_migrates_to_v3_with_nothing_lost(
        v2_path: Path, before: dict[str, list[tuple]]) -> None:
    with Store(v2_path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 6
        assert _contents(store.cursor()) == before
        assert {s.name: s.wave for s in saved_scenarios(store)} == {
            "Servizi al centro": SEED_WAVE_SLUG, "Solo 2024": "rilevazione-2024"}
        assert store.mapping("layout-1") == {"Nome ente": "ente"}
        assert store.answers("rilevazione-2024")["ente"].nunique() == 4


def test_migrated_waves_belong_to_metrodigital_2022_with_its_reference_weights(
        v2_path: Path) -> None:
    with Store(v2_path) as store:
        waves = store.waves()
        assert {w.slug for w in waves} == {SEED_WAVE_SLUG, "rilevazione-2024"}
        keys = [c.key for c in load_criteria()]
        for wave in waves:
            assert wave.survey_id == "metrodigital-2022"
            assert list(wave.reference_weights) == keys
            assert list(wave.reference_weights.values()) == REFERENCE
        rows = store.cursor().execute(
            "SELECT wave_id, count(*) FROM wave_weights GROUP BY wave_id").fetchall()
        assert sorted(n for _, n in rows) == [8, 8]


def test_migrated_entities_get_their_istat_codes_where_the_territory_matches(
        v2_path: Path) -> None:
    with Store(v2_path) as store:
        codes = dict(store.cursor().execute(
            "SELECT entity_id, istat_code FROM entities").fetchall())
    assert codes["rivalba"] == "001213"
    assert codes["pinerolo"] == "001191"
    assert codes["mazze"] == "001148"
    assert codes["ente-fantasma"] is None  # unknown to the territory: left without one
    assert sum(code is not None for code in codes.values()) == len(codes) - 1
    unione = next(c for e, c in codes.items() if e.startswith("unione"))
    assert ";" in unione  # an Unione: its member Comuni's codes


def test_the_seed_scores_are_unchanged_by_the_migration(v2_path: Path) -> None:
    expected = read_seed_matrix(DATA_DIR / "seed_matrix.csv")
    with Store(v2_path) as store:
        table = rank(store, SEED_WAVE_SLUG, seed_weights()).table
    scores = dict(zip(table["ente"], table["score"], strict=True))
    assert len(scores) == 36
    assert scores == dict(zip(expected["ente"], expected["punteggio_finale"].astype(float),
                              strict=True))


def test_opening_twice_migrates_once(v2_path: Path, before: dict[str, list[tuple]]) -> None:
    with Store(v2_path) as store:
        first = store.cursor().execute("SELECT * FROM schema_version ORDER BY version").fetchall()
        weights = store.cursor().execute("SELECT * FROM wave_weights ORDER BY ALL").fetchall()
    with Store(v2_path) as store:
        assert store.cursor().execute(
            "SELECT * FROM schema_version ORDER BY version").fetchall() == first
        assert [row[0] for row in first] == [1, 2, 3, 4, 5, 6]
        assert store.cursor().execute(
            "SELECT * FROM wave_weights ORDER BY ALL").fetchall() == weights
        assert _contents(store.cursor()) == before


def test_a_v2_database_opened_read_only_still_lists_its_waves(v2_path: Path) -> None:
    with Store(v2_path, read_only=True) as store:
        assert store.schema_version() == 2
        waves = store.waves()
    assert len(waves) == 2
    assert all(w.survey_id == "metrodigital-2022" for w in waves)
    assert all(list(w.reference_weights.values()) == REFERENCE for w in waves)


def _matrix() -> pd.DataFrame:
    keys = [c.key for c in load_criteria()]
    return pd.DataFrame([{"ente": "Comune di Rivalba", **dict.fromkeys(keys, 1.0)}])


def test_a_new_wave_keeps_its_survey_and_weights_after_migration(v2_path: Path) -> None:
    custom = {c.key: float(i) for i, c in enumerate(load_criteria(), start=1)}
    with Store(v2_path) as store:
        default = store.publish_matrix_wave(
            name="Rilevazione 2025", matrix=_matrix(), survey_date=date(2025, 6, 30),
            source_file="r.xlsx", sha256="1" * 64, uploaded_by="editor")
        chosen = store.publish_matrix_wave(
            name="Rilevazione 2026", matrix=_matrix(), survey_date=date(2026, 6, 30),
            source_file="r.xlsx", sha256="2" * 64, uploaded_by="editor",
            reference_weights=custom)
        assert default.survey_id == "metrodigital-2022"
        assert list(default.reference_weights.values()) == REFERENCE
        assert chosen.reference_weights == custom
        store.delete_wave("rilevazione-2026")
        left = store.cursor().execute(
            "SELECT count(*) FROM wave_weights WHERE wave_id = ?", [chosen.wave_id]).fetchone()
        assert left == (0,)
    with Store(v2_path) as store:  # read back from the file
        assert store.wave("rilevazione-2025").reference_weights == default.reference_weights


def test_a_new_database_seeds_its_wave_with_survey_weights_and_istat_codes(
        tmp_path: Path) -> None:
    with Store(tmp_path / "new.duckdb") as store:
        seed = store.wave(SEED_WAVE_SLUG)
        missing = store.cursor().execute(
            "SELECT count(*) FROM entities WHERE istat_code IS NULL").fetchone()
    assert seed.survey_id == "metrodigital-2022"
    assert list(seed.reference_weights.values()) == REFERENCE
    assert missing == (0,)


# --------------------------------------------------------------------------- schema v4

FIXTURE_V3 = Path(__file__).parent / "data" / "store_v3" / "store_v3.duckdb.gz"
V3_TABLES = {
    **V2_TABLES,
    "waves": "SELECT wave_id, slug, name, survey_date, source_file, sha256, n_rows, "
             "uploaded_at, uploaded_by, is_seed, survey_id FROM waves ORDER BY wave_id",
    "entities": "SELECT * FROM entities ORDER BY entity_id",
    "wave_weights": "SELECT * FROM wave_weights ORDER BY ALL",
}


@pytest.fixture
def v3_path(tmp_path: Path) -> Path:
    path = tmp_path / "metrodigital-v3.duckdb"
    with gzip.open(FIXTURE_V3, "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def test_a_v3_database_migrates_to_v4_with_nothing_lost_and_no_examples_added(
        v3_path: Path) -> None:
    conn = duckdb.connect(str(v3_path), read_only=True)
    try:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (3,)
        before = {table: conn.execute(query).fetchall() for table, query in V3_TABLES.items()}
    finally:
        conn.close()
    assert len(before["answers"]) == 828  # 36 respondents × 23 questions
    with Store(v3_path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 6
        cur = store.cursor()
        assert {table: cur.execute(query).fetchall()
                for table, query in V3_TABLES.items()} == before
        waves = store.waves()
        # an office's database is not given the synthetic examples
        assert {w.slug for w in waves} == {SEED_WAVE_SLUG, "esempio-2023"}
        assert not any(w.is_example for w in waves)
        assert {w.slug: w.label("en") for w in waves}["esempio-2023"] == "Esempio 2023"
        assert store.mapping("layout-3") == {"Nome ente": "ente"}
    with Store(v3_path) as store:  # and not on the next start either
        assert {w.slug for w in store.waves()} == {SEED_WAVE_SLUG, "esempio-2023"}


def test_v3_answers_are_typed_through_their_survey_by_the_migration(v3_path: Path) -> None:
    with Store(v3_path) as store:
        rows = store.cursor().execute(
            "SELECT entity_id, question_id, answer, question, raw, option_code, options, "
            "number, text, source_cell, personal FROM answers").fetchall()
    typed = {(r[0], r[1]): r for r in rows}
    assert all(r[3] is not None and r[4] == r[2] for r in rows)  # the code; raw as stored
    assert all(r[9] is None and r[10] is False for r in rows)  # no cell known; nothing personal
    rivalba_21 = typed[("rivalba", "2.1")]
    assert rivalba_21[3] == "q21" and rivalba_21[5] == "Non so"
    assert rivalba_21[6] is None and rivalba_21[7] is None
    unione = "unione-moncalieri-trofarello-la-loggia"
    assert typed[(unione, "3.2")][7] == 0.0 and typed[(unione, "3.2")][5] is None
    assert typed[(unione, "2.3")][5] == "No"
    multiple = typed[(unione, "5.3")]
    assert multiple[5] is None
    assert len(multiple[6]) == 4 and all(isinstance(code, str) for code in multiple[6])
    # every single/yes-no/band answer found its option, every number its value
    untyped = [r for r in rows if r[5] is None and r[6] is None and r[7] is None
               and r[8] is None]
    assert untyped == []


def test_zone_loads_survive_reopening_and_start_empty_after_migration(tmp_path: Path) -> None:
    """v5: a migrated database has no zone loads (the shipped zones are in force); a load
    made then is there after reopening."""
    path = tmp_path / "zones.duckdb"
    with Store(path, examples=False) as store:
        assert store.schema_version() == SCHEMA_VERSION and store.zone_loads("torino") == []
        store.load_zones("torino", {"001272": 1}, file_name="z.csv", sha256="0" * 64, by="x")
    with Store(path, examples=False) as store:
        assert store.active_zones("torino") == {"001272": 1}
        assert [z.file_name for z in store.zone_loads("torino")] == ["z.csv"]
