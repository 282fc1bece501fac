"""The DuckDB store: versioned schema, seeding once, atomic waves, cursors per thread."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.paths import DATA_DIR
from metrodigital.ranking import rank
from metrodigital.store import (
    SCHEMA_VERSION,
    SEED_WAVE_NAME,
    SEED_WAVE_SLUG,
    Store,
    StoreError,
    entity_id_for,
    read_seed_matrix,
)


def small_matrix(names: list[str]) -> pd.DataFrame:
    rows = [{"ente": name, **{k: float(i + 1) for k in criterion_keys()}}
            for i, name in enumerate(names)]
    return pd.DataFrame(rows)


def counts(store: Store) -> dict[str, int]:
    cur = store.cursor()
    return {table: cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("waves", "entities", "wave_entities", "points")}


def test_a_new_database_is_created_seeded_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "md.duckdb"
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        waves = store.waves()
        # the source's wave first, then the two synthetic examples (Torino's example
        # answers are the same 36 entities as the source's matrix)
        assert [w.name for w in waves] == [SEED_WAVE_NAME, "METRODIGITAL 2023 – risposte",
                                           "PON Metro Milano 2017"]
        assert [w.is_example for w in waves] == [False, True, True]
        assert waves[0].is_seed and waves[0].n_rows == 36 and len(waves[0].sha256) == 64
        assert counts(store) == {"waves": 3, "entities": 36 + 59,
                                 "wave_entities": 36 + 36 + 59, "points": 2 * 36 * 8}
    # reopening neither re-seeds nor re-migrates
    with Store(path) as again:
        assert counts(again)["waves"] == 3
        assert again.schema_version() == SCHEMA_VERSION


def test_a_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "md.duckdb"
    with Store(path) as store:
        store.cursor().execute("INSERT INTO schema_version VALUES (99, current_timestamp)")
    with pytest.raises(StoreError, match="v99"):
        Store(path)


def test_publishing_a_wave_is_atomic(store: Store) -> None:
    before = counts(store)
    # the same entity twice violates the wave_entities key half-way through the insert
    broken = small_matrix(["Comune di Alfa", "Comune di Beta", "Comune di Alfa"])
    with pytest.raises(Exception):  # noqa: B017 - any database error; what matters is below
        store.publish_matrix_wave(name="Ondata rotta", matrix=broken, survey_date=None,
                                  source_file="x.csv", sha256="0" * 64, uploaded_by="test")
    assert counts(store) == before
    assert not store.has_wave("ondata-rotta")


def test_a_published_wave_ranks_and_keeps_the_earlier_ones(store: Store) -> None:
    wave = store.publish_matrix_wave(
        name="Ondata 2025", matrix=small_matrix(["Comune di Alfa", "Comune di Beta"]),
        survey_date=date(2025, 5, 1), source_file="o.csv", sha256="1" * 64, uploaded_by="test")
    assert wave.slug == "ondata-2025" and wave.n_rows == 2
    assert {w.slug for w in store.waves()} == {SEED_WAVE_SLUG, "ondata-2025"}
    ranking = rank(store, "ondata-2025", seed_weights())
    assert ranking.table["ente"].tolist() == ["Comune di Beta", "Comune di Alfa"]
    assert ranking.table["score"].tolist() == [2 * 29, 29]
    with pytest.raises(StoreError):
        store.publish_matrix_wave(name="Ondata 2025", matrix=small_matrix(["Comune di Gamma"]),
                                  survey_date=None, source_file="o.csv", sha256="2" * 64,
                                  uploaded_by="test")


def test_concurrent_queries_each_get_their_own_cursor(store: Store) -> None:
    errors: list[BaseException] = []
    results: list[float] = []

    def work() -> None:
        try:
            for _ in range(20):
                table = rank(store, SEED_WAVE_SLUG, seed_weights()).table
                results.append(float(table["score"].iloc[0]))
        except BaseException as error:  # collected and asserted in the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [252.0] * 80


def test_read_only_store_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "md.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as reader:
        assert reader.has_wave(SEED_WAVE_SLUG)
        with pytest.raises(Exception):  # noqa: B017 - DuckDB refuses writes in read-only mode
            reader.cursor().execute("DELETE FROM points")


@pytest.mark.parametrize(("name", "expected"), [
    ("Comune di Mazzè", "mazze"),
    ("Comune di Albiano d'Ivrea", "albiano-d-ivrea"),
    ("Unione dei Comuni Nord Est Torino", "unione-nord-est-torino"),
    ("Unione dei Comuni Moncalieri, Trofarello, La Loggia",
     "unione-moncalieri-trofarello-la-loggia"),
])
def test_entity_ids_are_stable_url_safe_slugs(name: str, expected: str) -> None:
    assert entity_id_for(name) == expected


def test_deleting_a_wave_removes_only_that_wave(store: Store) -> None:
    answers = pd.DataFrame({"ente": ["Comune di Alfa"], "question_id": ["2.1"], "answer": ["Sì"]})
    store.publish_matrix_wave(
        name="Ondata 2025", matrix=small_matrix(["Comune di Alfa"]), survey_date=None,
        source_file="o.xlsx", sha256="1" * 64, uploaded_by="test", answers=answers)
    assert store.answers("ondata-2025").to_dict("records") == [
        {"ente": "Comune di Alfa", "question_id": "2.1", "answer": "Sì"}]
    store.delete_wave("ondata-2025")
    assert [w.slug for w in store.waves()] == [SEED_WAVE_SLUG]
    assert counts(store)["points"] == 36 * 8
    assert store.cursor().execute("SELECT count(*) FROM answers").fetchone() == (0,)


def test_the_sources_wave_cannot_be_deleted(store: Store) -> None:
    with pytest.raises(StoreError, match="non può essere eliminata"):
        store.delete_wave(SEED_WAVE_SLUG)
    assert store.has_wave(SEED_WAVE_SLUG)


def test_the_remembered_wave_list_follows_every_write(store: Store) -> None:
    assert [w.slug for w in store.waves()] == [SEED_WAVE_SLUG]  # read and remembered
    store.publish_matrix_wave(
        name="Ondata 2025", matrix=small_matrix(["Comune di Alfa"]), survey_date=None,
        source_file="o.csv", sha256="1" * 64, uploaded_by="test")
    assert {w.slug for w in store.waves()} == {SEED_WAVE_SLUG, "ondata-2025"}
    with pytest.raises(Exception):  # noqa: B017 - a failed publish changes nothing
        store.publish_matrix_wave(
            name="Ondata rotta", matrix=small_matrix(["Comune di Beta", "Comune di Beta"]),
            survey_date=None, source_file="x.csv", sha256="2" * 64, uploaded_by="test")
    assert {w.slug for w in store.waves()} == {SEED_WAVE_SLUG, "ondata-2025"}
    store.waves().clear()  # callers get a copy: the remembered list is not theirs to change
    store.delete_wave("ondata-2025")
    assert [w.slug for w in store.waves()] == [SEED_WAVE_SLUG]
    assert store.wave(SEED_WAVE_SLUG).n_rows == 36


def test_only_known_normalisations_are_accepted(store: Store) -> None:
    with pytest.raises(ValueError, match="normalisation"):
        rank(store, SEED_WAVE_SLUG, seed_weights(),
             "points); DROP TABLE points; --")  # type: ignore[arg-type]
    assert counts(store)["points"] == 36 * 8


# --------------------------------------------------------------------------- hostile conditions

def _seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "md.duckdb"
    Store(path).close()
    return path


@pytest.mark.parametrize("damage", ["truncated", "garbage", "zeros"])
def test_a_damaged_database_file_is_a_clear_message_without_its_folder(
        tmp_path: Path, damage: str) -> None:
    path = _seed_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 3], "garbage": b"not a database " * 500,
                      "zeros": bytes(len(data))}[damage])
    with pytest.raises(StoreError) as caught:
        Store(path)
    error = caught.value
    assert str(tmp_path) not in str(error)
    assert error.message("en").startswith("The database file “md.duckdb” is damaged") or \
        error.message("en").startswith("The database “md.duckdb” cannot be opened")
    assert "Traceback" not in error.message("it")


def test_a_read_only_location_opens_the_database_for_viewing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import metrodigital.store as store_module

    path = _seed_file(tmp_path)
    monkeypatch.setattr(store_module, "_writable", lambda location: False)
    with Store(path) as viewer:
        assert viewer.read_only
        assert viewer.fallback_reason == "store.read_only_location"
        # the source's wave first, then the synthetic examples a fresh database has
        assert [(w.slug, w.is_example) for w in viewer.waves()] == [
            (SEED_WAVE_SLUG, False), ("metrodigital-2023-risposte", True),
            ("pon-metro-milano-2017", True)]
        assert len(rank(viewer, SEED_WAVE_SLUG, seed_weights()).table) == 36
        with pytest.raises(StoreError) as caught:
            viewer.delete_wave(SEED_WAVE_SLUG)
        with pytest.raises(StoreError) as caught:
            viewer.save_mapping("layout", {"A": "ente"})
        assert caught.value.code == "store.read_only"
        assert "sola lettura" in str(caught.value)


def test_with_no_database_and_a_folder_nobody_may_write_the_source_is_served(
        tmp_path: Path) -> None:
    with Store("/proc/metrodigital/md.duckdb") as viewer:  # /proc: no folder can be made
        assert viewer.read_only
        assert [(w.slug, w.is_example) for w in viewer.waves()] == [
            (SEED_WAVE_SLUG, False), ("metrodigital-2023-risposte", True),
            ("pon-metro-milano-2017", True)]


def test_an_immutable_database_file_opens_read_only(tmp_path: Path) -> None:
    """A real read-only file (chattr +i also stops root), where the filesystem allows it."""
    import subprocess

    path = _seed_file(tmp_path)
    if subprocess.run(["chattr", "+i", str(path), str(tmp_path)], capture_output=True,
                      check=False).returncode:
        pytest.skip("chattr +i is not available on this filesystem")
    try:
        with Store(path) as viewer:
            assert viewer.read_only
            assert viewer.has_wave(SEED_WAVE_SLUG)
    finally:
        subprocess.run(["chattr", "-i", str(path), str(tmp_path)], check=False)


def test_a_write_that_fails_half_way_leaves_nothing_behind(store: Store) -> None:
    """A full disk, simulated: DuckDB fails while the points are being written."""
    before = [store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()
              for table in ("waves", "entities", "wave_entities", "points")]
    original = store.cursor

    class DiskFull:
        def __init__(self) -> None:
            self.inner = original()

        def execute(self, query: str, *args: object):
            if query.startswith("INSERT INTO points"):
                raise duckdb.IOException("IO Error: No space left on device")
            return self.inner.execute(query, *args)

        def __getattr__(self, name: str):
            return getattr(self.inner, name)

    matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv")
    store.cursor = DiskFull  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreError) as caught:
            store.publish_matrix_wave(name="Disco pieno", matrix=matrix, survey_date=None,
                                      source_file="x.csv", sha256="0" * 64, uploaded_by="t")
    finally:
        store.cursor = original  # type: ignore[method-assign]
    assert caught.value.code == "store.write_failed"
    assert caught.value.message("en").startswith("Writing to the database failed (IOException")
    after = [store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()
             for table in ("waves", "entities", "wave_entities", "points")]
    assert after == before
    assert not store.has_wave("disco-pieno")


def test_a_failing_commit_is_rolled_back_too(store: Store) -> None:
    original = store.cursor

    class CommitFails:
        def __init__(self) -> None:
            self.inner = original()

        def execute(self, query: str, *args: object):
            if query == "COMMIT":
                raise duckdb.IOException("IO Error: could not fsync")
            return self.inner.execute(query, *args)

        def __getattr__(self, name: str):
            return getattr(self.inner, name)

    matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv")
    store.cursor = CommitFails  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreError):
            store.publish_matrix_wave(name="Commit", matrix=matrix, survey_date=None,
                                      source_file="x.csv", sha256="0" * 64, uploaded_by="t")
    finally:
        store.cursor = original  # type: ignore[method-assign]
    assert not store.has_wave("commit")
    store.cursor().execute("SELECT 1")  # no transaction left open


def test_two_editors_publishing_one_name_at_once_get_one_wave_and_a_clear_refusal(
        tmp_path: Path) -> None:
    path = _seed_file(tmp_path)
    matrix = read_seed_matrix(DATA_DIR / "seed_matrix.csv")
    outcomes: list[object] = []
    with Store(path) as shared:
        barrier = threading.Barrier(2)

        def editor(who: str) -> None:
            barrier.wait()
            try:
                outcomes.append(shared.publish_matrix_wave(
                    name="Ondata contesa", matrix=matrix, survey_date=None, source_file="x.csv",
                    sha256=who * 64, uploaded_by=who))
            except StoreError as refused:
                outcomes.append(refused)

        threads = [threading.Thread(target=editor, args=(who,)) for who in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [o for o in outcomes if isinstance(o, StoreError)]
        assert len(refused) == 1 and refused[0].code == "store.wave_exists"
        assert "Esiste già un'ondata «Ondata contesa»" in str(refused[0])
        assert [w.name for w in shared.waves()].count("Ondata contesa") == 1


def test_two_rows_with_one_entity_key_are_refused_before_any_write(store: Store) -> None:
    matrix = small_matrix(["Comune di Rivalba", "Rivalba", "Lemie"])
    with pytest.raises(StoreError) as caught:
        store.publish_matrix_wave(name="Doppia", matrix=matrix, survey_date=None,
                                  source_file="x.csv", sha256="0" * 64, uploaded_by="t")
    assert caught.value.code == "store.duplicate_entity"
    assert caught.value.message("it").endswith(
        "(«rivalba»): «Comune di Rivalba», «Rivalba». Nulla è stato scritto.")
    assert caught.value.message("en").endswith(
        "(“rivalba”): “Comune di Rivalba”, “Rivalba”. Nothing was written.")
    assert not store.has_wave("doppia")


def test_names_without_latin_letters_have_stable_non_empty_ids() -> None:
    assert entity_id_for("東京") == entity_id_for(" 東京 ")
    assert entity_id_for("東京").startswith("ente-")
    assert entity_id_for("東京") != entity_id_for("Москва")


def test_the_generation_changes_with_every_write(store: Store) -> None:
    before = store.generation
    store.save_mapping("layout", {"A": "ente"})
    assert store.generation > before
