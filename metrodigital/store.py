"""The DuckDB store: the one module that owns the database connection.

The database is an embedded DuckDB file (``$METRODIGITAL_DB``), created and
seeded from ``data/`` on first use, with a versioned schema. DuckDB
connections are not thread-safe, so the store keeps one connection and hands
out a fresh ``cursor()`` for every query; Streamlit sessions run in threads.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from metrodigital.criteria import load_criteria
from metrodigital.i18n import DEFAULT_LANG, catalogue, t
from metrodigital.paths import DATA_DIR
from metrodigital.questionnaire import QuotedNames
from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey

if TYPE_CHECKING:
    from metrodigital.zones import ZoneLoad

_LOG = logging.getLogger("metrodigital.store")
SEED_WAVE_NAME = "METRODIGITAL 2023"
SEED_WAVE_SLUG = "metrodigital-2023"
SEED_WAVE_DATE = date(2022, 12, 31)  # questionnaire administered Nov–Dec 2022
SEED_SOURCE = (
    "Città Metropolitana di Torino, Fondazione Piemonte Innova: METRODIGITAL, "
    "Relazione Finale, 21/03/2023 (matrice di prioritizzazione)"
)


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message says why.

    ``code`` is a message-catalogue key (``message(lang)`` renders it with
    ``params`` in the user's language) or the text itself. ``str(error)`` is the
    Italian text for the store's own ``store.*`` keys, else ``code`` as given
    (other modules' callers translate their keys themselves).
    """

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message(DEFAULT_LANG) if code.startswith("store.") else code)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        if self.code in catalogue():
            return t(self.code, lang, **self.params)
        return self.code


def slugify(text: str) -> str:
    """A stable, URL-safe identifier: lower case ASCII words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def entity_slug(name: str) -> str:
    """The slug of an entity's name: "Comune di Mazzè" → ``mazze``; "" without Latin letters
    or digits."""
    short = re.sub(r"^\s*comune\s+di\s+", "", name, flags=re.IGNORECASE)
    short = re.sub(r"^\s*unione\s+dei\s+comuni\s+(di\s+)?", "unione ", short, flags=re.IGNORECASE)
    return slugify(short)


def entity_id_for(name: str) -> str:
    """The identifier of an entity from its name: "Comune di Mazzè" → ``mazze``.

    Never empty: a name with nothing a slug can keep ("東京") gets ``ente-`` and a
    short hash of the name (stable, so the same name gets the same identifier).
    ``ingest`` prefers the ISTAT code of the Comune the name matched.
    """
    slug = entity_slug(name)
    if slug:
        return slug
    folded = unicodedata.normalize("NFKC", " ".join(name.split())).casefold()
    return "ente-" + hashlib.sha256(folded.encode()).hexdigest()[:10]


def _writable(location: Path) -> bool:
    """Whether the app may create or change the database file at ``location`` (DuckDB also
    writes a journal beside it)."""
    folder = location.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    if location.exists() and not os.access(location, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def entity_kind(name: str) -> str:
    return "unione" if name.strip().lower().startswith("unione") else "comune"


@dataclass(frozen=True)
class Wave:
    """One round of questionnaires, as published."""

    wave_id: int
    slug: str
    name: str
    survey_date: date | None
    source_file: str
    sha256: str
    n_rows: int
    uploaded_at: datetime
    uploaded_by: str
    is_seed: bool
    survey_id: str = DEFAULT_SURVEY
    # the survey's reference weight of each criterion when the wave was published
    reference_weights: dict[str, float] = field(default_factory=dict, hash=False)
    is_example: bool = False  # synthetic example data, published on a fresh database

    def label(self, lang: str = DEFAULT_LANG) -> str:
        """The wave's name as shown wherever a wave is named: an example says it is
        synthetic ("… (dati sintetici di esempio)"). Text from a user: render it plain."""
        if self.is_example:
            return t("answers.example_wave", lang, name=self.name)
        return self.name


def survey_weights(survey_id: str) -> dict[str, float]:
    """The reference weight of each criterion of a survey's definition, by criterion key."""
    return {c.key: float(c.weight) for c in load_survey(survey_id).criteria}


def matched_istat_codes(names: Sequence[str]) -> dict[str, str]:
    """The ISTAT code(s) of each name the territory matches (as ``ingest`` stores them at
    publish); names it does not match are left out."""
    # here: ingest imports the store
    from metrodigital.ingest import istat_codes
    from metrodigital.territory import match_entity

    codes = {name: istat_codes(match_entity(name)) for name in names}
    return {name: code for name, code in codes.items() if code}


def _migrate_v3(cur: duckdb.DuckDBPyConnection) -> None:
    """Schema v3: a wave belongs to a survey and carries its reference weights; the
    waves already there are waves of ``metrodigital-2022`` with that definition's
    weights, and their entities get the ISTAT codes the territory matches."""
    cur.execute(f"ALTER TABLE waves ADD COLUMN survey_id VARCHAR DEFAULT '{DEFAULT_SURVEY}'")
    cur.execute("UPDATE waves SET survey_id = ? WHERE survey_id IS NULL", [DEFAULT_SURVEY])
    cur.execute("ALTER TABLE waves ALTER COLUMN survey_id SET NOT NULL")
    cur.execute("ALTER TABLE waves ALTER COLUMN survey_id DROP DEFAULT")
    cur.execute(
        "CREATE TABLE wave_weights (wave_id INTEGER NOT NULL, criterion VARCHAR NOT NULL, "
        "weight DOUBLE NOT NULL CHECK (weight >= 0), PRIMARY KEY (wave_id, criterion))"
    )
    weights = survey_weights(DEFAULT_SURVEY)
    wave_ids = [int(row[0]) for row in cur.execute("SELECT wave_id FROM waves").fetchall()]
    if wave_ids:
        cur.executemany("INSERT INTO wave_weights VALUES (?, ?, ?)",
                        [[w, key, weight] for w in wave_ids for key, weight in weights.items()])
    missing = [str(row[0]) for row in cur.execute(
        "SELECT name FROM entities WHERE istat_code IS NULL").fetchall()]
    codes = matched_istat_codes(missing)
    if codes:
        cur.executemany("UPDATE entities SET istat_code = ? WHERE name = ? AND istat_code IS NULL",
                        [[code, name] for name, code in codes.items()])


# The typed columns of an answer (schema v4), in the order ``answers`` has them after
# ``wave_id, entity_id, question_id, answer``; see ``metrodigital.surveys.responses``.
ANSWER_COLUMNS = ("question", "raw", "option_code", "options", "number", "text",
                  "source_file", "source_cell", "personal")


@dataclass(frozen=True)
class Example:
    """A synthetic example published on a fresh database (``data/examples``)."""

    key: str  # its row in ``seeded``
    survey_id: str
    file: str
    name: str
    survey_date: date | None


# What ``_seed`` publishes once on a fresh database (a row in ``seeded`` each, kept when
# an editor deletes the wave, so that it is not published again on the next start).
EXAMPLES = (
    Example("example:metrodigital-2022", DEFAULT_SURVEY, "risposte_sintetiche_2023.xlsx",
            "METRODIGITAL 2023 – risposte", SEED_WAVE_DATE),
    Example("example:ponmetro-milano-2017", "ponmetro-milano-2017",
            "risposte_sintetiche_milano_2017.xlsx", "PON Metro Milano 2017",
            date(2017, 11, 30)),
)
EXAMPLES_SEEDED = tuple(example.key for example in EXAMPLES)
EXAMPLE_SOURCE = "dati sintetici di esempio (data/examples)"


def _migrate_v4(cur: duckdb.DuckDBPyConnection) -> None:
    """Schema v4: answers stored typed, with the cell they came from; waves flagged as
    synthetic examples; what the first start published, remembered.

    ``answers`` keeps ``question_id`` (as the file named the question) and ``answer``
    (the answer as understood) and gains ``question`` (the survey's question code),
    ``raw`` (the cell as written), ``option_code`` (single, band, yes/no: the chosen
    option's key), ``options`` (multiple: the chosen options' keys, a list),
    ``number`` (number, rating), ``text`` (free text), ``source_file`` and
    ``source_cell`` (``Foglio!D7``; unknown for answers stored before v4) and
    ``personal``. The answers already there are typed through their wave's survey.
    A database that already has waves is not given the examples (they are marked as
    seeded): an office's data stays as it was.
    """
    from metrodigital.surveys.responses import parse_cell

    for column, kind in (("question", "VARCHAR"), ("raw", "VARCHAR"),
                         ("option_code", "VARCHAR"), ("options", "VARCHAR[]"),
                         ("number", "DOUBLE"), ("text", "VARCHAR"),
                         ("source_file", "VARCHAR"), ("source_cell", "VARCHAR"),
                         ("personal", "BOOLEAN DEFAULT FALSE")):
        cur.execute(f"ALTER TABLE answers ADD COLUMN {column} {kind}")
    cur.execute("ALTER TABLE waves ADD COLUMN is_example BOOLEAN DEFAULT FALSE")
    cur.execute("UPDATE waves SET is_example = FALSE WHERE is_example IS NULL")
    cur.execute("CREATE TABLE seeded (key VARCHAR PRIMARY KEY, seeded_at TIMESTAMP NOT NULL)")
    rows = cur.execute(
        "SELECT a.wave_id, a.entity_id, a.question_id, a.answer, w.survey_id "
        "FROM answers AS a JOIN waves AS w USING (wave_id)").fetchall()
    typed = []
    for wave_id, entity_id, question_id, answer, survey_id in rows:
        try:
            question = load_survey(str(survey_id)).question(str(question_id))
        except KeyError:
            typed.append([str(question_id), answer, None, None, None, None, False,
                          wave_id, entity_id, question_id])
            continue
        parsed = parse_cell(question, answer)
        typed.append([question.code, answer, parsed.option,
                      list(parsed.options) if parsed.options is not None else None,
                      parsed.number, parsed.text, question.personal,
                      wave_id, entity_id, question_id])
    if typed:
        cur.executemany(
            "UPDATE answers SET question = ?, raw = ?, option_code = ?, options = ?, "
            "number = ?, text = ?, personal = ? "
            "WHERE wave_id = ? AND entity_id = ? AND question_id = ?", typed)
    waves = cur.execute("SELECT count(*) FROM waves").fetchone()
    if waves and waves[0]:
        cur.executemany("INSERT INTO seeded VALUES (?, current_timestamp)",
                        [[key] for key in EXAMPLES_SEEDED])


def _typed_answers(answers: pd.DataFrame, id_of: Mapping[str, str], survey_id: str,
                   source_file: str) -> pd.DataFrame:
    """The rows to insert into ``answers``: typed as given, or typed here through the
    survey's definition (answers given as ``ente, question_id, answer`` only). Rows of
    names not among the wave's entities are dropped; ``options`` travels as text joined
    by U+001F (DuckDB splits it back into a list)."""
    from metrodigital.surveys.responses import parse_cell

    frame = answers.assign(entity_id=answers["ente"].astype(str).map(id_of))
    frame = frame[frame["entity_id"].notna()].reset_index(drop=True)
    if "question" not in frame.columns:
        survey = load_survey(survey_id)
        typed: list[dict[str, object]] = []
        for question_id, answer in zip(frame["question_id"], frame["answer"], strict=True):
            try:
                question = survey.question(str(question_id))
            except KeyError:
                typed.append({"question": str(question_id), "raw": answer})
                continue
            parsed = parse_cell(question, answer)
            typed.append({"question": question.code, "raw": None if answer is None
                          else str(answer), "option_code": parsed.option,
                          "options": parsed.options, "number": parsed.number,
                          "text": parsed.text, "personal": question.personal})
        extra = pd.DataFrame.from_records(typed, columns=[
            "question", "raw", "option_code", "options", "number", "text", "personal"])
        frame = pd.concat([frame, extra], axis=1)
    empty = [None] * len(frame)
    out = pd.DataFrame({
        "entity_id": frame["entity_id"].astype(str),
        "question_id": frame["question_id"].astype(str),
        "answer": [None if _missing(v) else str(v) for v in frame["answer"]],
        "question": frame["question"].astype(str),
        "raw": [None if _missing(v) else str(v) for v in frame["raw"]],
    })
    out["option_code"] = [None if _missing(v) else str(v)
                          for v in frame.get("option_code", empty)]
    out["options"] = [None if _missing(v) else chr(31).join(str(x) for x in v)
                      for v in frame.get("options", empty)]
    out["number"] = pd.Series([None if _missing(v) else float(v)
                               for v in frame.get("number", empty)], dtype="float64")
    out["text"] = [None if _missing(v) else str(v) for v in frame.get("text", empty)]
    out["source_file"] = source_file
    out["source_cell"] = [None if _missing(v) else str(v)
                          for v in frame.get("source_cell", empty)]
    out["personal"] = pd.Series([False if _missing(v) else bool(v)
                                 for v in frame.get("personal", [False] * len(frame))],
                                dtype=bool)
    return out


def _add_criteria(cur: duckdb.DuckDBPyConnection, survey: Survey) -> None:
    """The survey's criteria the ``criteria`` table lacks, added (points name their
    criterion there). A key already there is kept (another survey's criterion of the same
    key: its labels are read from the survey definition anyway); a short code already
    taken gets the survey's id as suffix."""
    rows = cur.execute("SELECT key, code, position FROM criteria").fetchall()
    keys = {str(r[0]) for r in rows}
    codes = {str(r[1]) for r in rows}
    position = max((int(r[2]) for r in rows), default=0)
    for criterion in survey.criteria:
        if criterion.key in keys:
            continue
        code = criterion.code if criterion.code not in codes else \
            f"{criterion.code}@{survey.id}"
        position += 1
        cur.execute("INSERT INTO criteria VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [criterion.key, code, position, criterion.label_it, criterion.label_en,
                     criterion.source_heading, float(criterion.weight)])
        keys.add(criterion.key)
        codes.add(code)


def _missing(value: object) -> bool:
    """A cell with nothing in it (None, NaN, pandas' NA); a list is never missing."""
    if isinstance(value, list | tuple):
        return False
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


# Each migration is applied once, in order, inside a transaction; the
# schema_version table records which. Never edit a published migration: add one.
# A migration is SQL, or a function of the cursor when it needs the app's data.
# Child tables name their wave without a foreign key: DuckDB refuses to delete a
# referenced row even when its children go in the same transaction, and a wave
# must be deletable atomically (``Store.delete_wave``).
_MIGRATIONS: tuple[str | Callable[[duckdb.DuckDBPyConnection], None], ...] = (
    """
    CREATE TABLE criteria (
        key VARCHAR PRIMARY KEY,
        code VARCHAR NOT NULL UNIQUE,
        position INTEGER NOT NULL,
        label_it VARCHAR NOT NULL,
        label_en VARCHAR NOT NULL,
        source_heading VARCHAR NOT NULL,
        seed_weight DOUBLE NOT NULL
    );
    CREATE SEQUENCE wave_ids START 1;
    CREATE TABLE waves (
        wave_id INTEGER PRIMARY KEY DEFAULT nextval('wave_ids'),
        slug VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL UNIQUE,
        survey_date DATE,
        source_file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        n_rows INTEGER NOT NULL,
        uploaded_at TIMESTAMP NOT NULL,
        uploaded_by VARCHAR NOT NULL,
        is_seed BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE entities (
        entity_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ('comune', 'unione')),
        istat_code VARCHAR
    );
    -- The entities that answered in a wave, under the name they answered with.
    CREATE TABLE wave_entities (
        wave_id INTEGER NOT NULL,
        entity_id VARCHAR NOT NULL REFERENCES entities (entity_id),
        name_in_source VARCHAR NOT NULL,
        source_row INTEGER NOT NULL,
        PRIMARY KEY (wave_id, entity_id)
    );
    CREATE TABLE points (
        wave_id INTEGER NOT NULL,
        entity_id VARCHAR NOT NULL REFERENCES entities (entity_id),
        criterion_key VARCHAR NOT NULL REFERENCES criteria (key),
        points DOUBLE NOT NULL CHECK (points >= 0),
        PRIMARY KEY (wave_id, entity_id, criterion_key)
    );
    -- Raw answers of a responses-format wave, one row per answered question.
    CREATE TABLE answers (
        wave_id INTEGER NOT NULL,
        entity_id VARCHAR NOT NULL REFERENCES entities (entity_id),
        question_id VARCHAR NOT NULL,
        answer VARCHAR,
        PRIMARY KEY (wave_id, entity_id, question_id)
    );
    -- Named scenarios: the query string that reproduces them, on a wave.
    CREATE SEQUENCE scenario_ids START 1;
    CREATE TABLE scenarios (
        scenario_id INTEGER PRIMARY KEY DEFAULT nextval('scenario_ids'),
        name VARCHAR NOT NULL UNIQUE,
        wave_id INTEGER NOT NULL,
        query VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL
    );
    """,
    """
    -- What the user said about columns the app did not recognise, per file layout
    -- (a hash of the header texts), so the next file with that layout needs no questions.
    CREATE TABLE column_mappings (
        layout VARCHAR NOT NULL,
        header VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        saved_at TIMESTAMP NOT NULL,
        PRIMARY KEY (layout, header)
    );
    """,
    _migrate_v3,
    _migrate_v4,
    """
    -- v5: zone omogenee loaded by an editor (metrodigital/zones.py). Every load is
    -- kept; zone_active names the one in force per territory (none: the shipped zones).
    CREATE SEQUENCE zone_load_ids START 1;
    CREATE TABLE zone_loads (
        load_id INTEGER PRIMARY KEY DEFAULT nextval('zone_load_ids'),
        territory VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        loaded_by VARCHAR NOT NULL
    );
    CREATE TABLE zone_members (
        load_id INTEGER NOT NULL,
        istat_code VARCHAR NOT NULL,
        zone INTEGER NOT NULL,
        PRIMARY KEY (load_id, istat_code)
    );
    CREATE TABLE zone_active (
        territory VARCHAR PRIMARY KEY,
        load_id INTEGER,
        changed_at TIMESTAMP NOT NULL,
        changed_by VARCHAR NOT NULL
    );
    """,
    """
    -- v6: interview records (metrodigital/interviews.py). Append-only: every save is a
    -- new version of the entity's record, with who and when; the latest version is the
    -- record in force; nothing is updated or deleted.
    CREATE SEQUENCE interview_ids START 1;
    CREATE TABLE interview_records (
        record_id INTEGER PRIMARY KEY DEFAULT nextval('interview_ids'),
        survey_id VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        interview_date DATE,
        attendees VARCHAR NOT NULL,
        notes VARCHAR NOT NULL,
        actions VARCHAR NOT NULL,  -- JSON: [{"offer": key, "status": code}, ...]
        saved_at TIMESTAMP NOT NULL,
        saved_by VARCHAR NOT NULL,
        UNIQUE (survey_id, entity_id, version)
    );
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class Store:
    """The app's database: waves of section points, entities, criteria, scenarios."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False,
                 examples: bool = True) -> None:
        """Open (and on first use create and seed) the database at ``path``.

        A location the app may not write (a read-only folder or file) opens the
        database read-only, so that everyone can still view it; with no database
        there yet, the source's wave is served from memory. Writes then raise a
        :class:`StoreError` saying so (``read_only`` tells). A file that is not a
        DuckDB database, or a damaged one, raises a :class:`StoreError` that names
        the file (not its folder) and what to do.
        """
        self.path = str(path)
        self.read_only = read_only
        # publish the synthetic examples on a fresh database (a scratch store does not)
        self.examples = examples
        self.fallback_reason: str | None = None  # why a read-only store was opened instead
        self._write_lock = threading.Lock()
        self._waves: tuple[Wave, ...] | None = None  # every write clears it
        self._writes = 0
        self._conn = self._connect(read_only)
        if not self.read_only:
            try:
                self._migrate()
                self._seed()
            except StoreError:
                self._conn.close()
                raise
            except (duckdb.Error, OSError) as error:
                self._conn.close()
                raise self._open_error(error) from error

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if self.path == ":memory:":
            return duckdb.connect(self.path)
        location = Path(self.path)
        if not read_only and not _writable(location):
            return self._read_only_fallback(location)
        try:
            return duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as error:
            text = str(error).lower()
            if "lock" in text:  # DuckDB allows one writing process per file
                raise StoreError("store.locked", file=location.name) from error
            if not read_only and ("permission" in text or "read-only" in text):
                return self._read_only_fallback(location)
            raise self._open_error(error) from error
        except (duckdb.Error, OSError) as error:
            raise self._open_error(error) from error

    def _read_only_fallback(self, location: Path) -> duckdb.DuckDBPyConnection:
        """The database opened for viewing only: the file read-only if there is one, else
        the source's wave in memory."""
        self.read_only = True
        self.fallback_reason = "store.read_only_location"
        if location.is_file():
            try:
                return duckdb.connect(self.path, read_only=True)
            except (duckdb.Error, OSError) as error:
                raise self._open_error(error) from error
        self.path = ":memory:"
        conn = duckdb.connect(":memory:")
        self._conn = conn
        self.read_only = False
        self._migrate()
        self._seed()
        self.read_only = True
        return conn

    def _open_error(self, error: BaseException) -> StoreError:
        text = str(error).lower()
        name = Path(self.path).name
        if any(word in text for word in ("not a valid duckdb", "corrupt", "checksum",
                                         "truncated", "invalid", "magic", "version number",
                                         "serializ", "could not read", "failed to read")):
            return StoreError("store.corrupt", file=name)
        return StoreError("store.cannot_open", file=name,
                          detail=type(error).__name__.lstrip("_"))

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one query or one thread."""
        return self._conn.cursor()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------
    def schema_version(self) -> int:
        cur = self.cursor()
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0) if row else 0

    def _migrate(self) -> None:
        self._transaction(self._apply_migrations)

    def _apply_migrations(self, cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
        )
        row = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise StoreError("store.newer_schema", file=Path(self.path).name, found=current,
                             supported=SCHEMA_VERSION)
        for version, statements in enumerate(_MIGRATIONS, start=1):
            if version > current:
                if callable(statements):
                    statements(cur)
                else:
                    cur.execute(statements)
                cur.execute(
                    "INSERT INTO schema_version VALUES (?, current_timestamp)", [version]
                )

    def _transaction(self, work: Callable[[duckdb.DuckDBPyConnection], object]) -> object:
        """Run ``work`` in one transaction: all of it lands, or none of it.

        A database error (disk full, file gone, a constraint) becomes a
        :class:`StoreError`; the transaction is rolled back whatever happened,
        also when the commit itself fails.
        """
        if self.read_only:
            raise StoreError("store.read_only")
        with self._write_lock:
            cur = self.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    result = work(cur)
                    cur.execute("COMMIT")
                except BaseException as error:
                    with contextlib.suppress(duckdb.Error):  # a failed commit ended it
                        cur.execute("ROLLBACK")
                    if isinstance(error, duckdb.ConstraintException):
                        raise StoreError("store.constraint") from error
                    if isinstance(error, duckdb.Error | OSError):
                        raise StoreError("store.write_failed",
                                         detail=type(error).__name__.lstrip("_")) from error
                    raise
                return result
            finally:  # whatever happened, the waves are read again
                self._writes += 1
                self._waves = None

    @property
    def generation(self) -> int:
        """A number that changes with every write: pages can key a cache of what they read
        from the store (the wave list, a wave's table) on it."""
        return self._writes

    def _seed(self) -> None:
        """Load the criteria and the source's wave on first start."""
        cur = self.cursor()
        row = cur.execute("SELECT count(*) FROM criteria").fetchone()
        if not row or not row[0]:
            self._transaction(self._insert_criteria)
        if not self.has_wave(SEED_WAVE_SLUG):
            seed_path = DATA_DIR / "seed_matrix.csv"
            matrix = read_seed_matrix(seed_path)
            self.publish_matrix_wave(
                name=SEED_WAVE_NAME,
                matrix=matrix,
                survey_date=SEED_WAVE_DATE,
                source_file=seed_path.name,
                sha256=hashlib.sha256(seed_path.read_bytes()).hexdigest(),
                uploaded_by=SEED_SOURCE,
                is_seed=True,
                istat_codes=matched_istat_codes(matrix["ente"].astype(str).tolist()),
            )
        if self.examples:
            try:
                self._seed_examples()
            except Exception:  # the examples are optional: the app starts without them
                _LOG.warning("the synthetic examples could not be published", exc_info=True)

    def _seed_examples(self) -> None:
        """Publish each synthetic example once (``EXAMPLES``), as an upload would: a
        wave flagged ``is_example``, all in one transaction. Remembered in ``seeded``, so
        that an example an editor deleted is not published again on the next start."""
        cur = self.cursor()
        done = {str(row[0]) for row in cur.execute("SELECT key FROM seeded").fetchall()}
        todo = [example for example in EXAMPLES if example.key not in done]
        if not todo:
            return
        # here: ingest imports the store
        from metrodigital.ingest import prepare

        works = []
        for example in todo:
            path = DATA_DIR / "examples" / example.file
            preview = prepare(path.read_bytes(), path.name, survey=example.survey_id)
            _, work = self._publish_work(
                name=example.name, entities=preview.matrix, survey_date=example.survey_date,
                source_file=path.name, sha256=preview.sha256, uploaded_by=EXAMPLE_SOURCE,
                survey_id=example.survey_id, answers=preview.answers, is_example=True,
                points=preview.has_matrix)
            works.append((example.key, work))

        def publish_all(cur: duckdb.DuckDBPyConnection) -> None:
            for key, work in works:
                # a wave of that name is there already (checked before anything is
                # written): keep it
                with contextlib.suppress(StoreError):
                    work(cur)
                cur.execute("INSERT OR IGNORE INTO seeded VALUES (?, current_timestamp)",
                            [key])

        self._transaction(publish_all)

    @staticmethod
    def _insert_criteria(cur: duckdb.DuckDBPyConnection) -> None:
        cur.executemany(
            "INSERT INTO criteria VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                [c.key, c.code, c.position, c.label_it, c.label_en, c.source_heading,
                 c.seed_weight]
                for c in load_criteria()
            ],
        )

    # -- waves -------------------------------------------------------------------
    def has_wave(self, slug: str) -> bool:
        row = self.cursor().execute("SELECT count(*) FROM waves WHERE slug = ?", [slug]).fetchone()
        return bool(row and row[0])

    def waves(self) -> list[Wave]:
        """Every wave, the most recent survey first, the source's wave last among equals.

        Read once and kept until the next write: every page run asks for them
        several times, and only this store writes the file (DuckDB lets one
        process at a time open it for writing).
        """
        cached = self._waves
        if cached is None:
            writes = self._writes
            cached = self._read_waves()
            if writes == self._writes:  # no write landed meanwhile: safe to keep
                self._waves = cached
        return list(cached)

    def _read_waves(self) -> tuple[Wave, ...]:
        cur = self.cursor()
        columns = ("wave_id, slug, name, survey_date, source_file, sha256, n_rows, "
                   "uploaded_at, uploaded_by, is_seed")
        order = "ORDER BY survey_date DESC NULLS LAST, uploaded_at DESC"
        version = self.schema_version()  # read once per wave list
        if version >= 4:  # examples after the waves of real data
            order = ("ORDER BY coalesce(is_example, FALSE), survey_date DESC NULLS LAST, "
                     "uploaded_at DESC")
        if version < 3:  # an older database opened read-only
            rows = cur.execute(f"SELECT {columns} FROM waves {order}").fetchall()
            weights = survey_weights(DEFAULT_SURVEY)
            return tuple(Wave(*row, reference_weights=dict(weights)) for row in rows)
        if version < 4:
            rows = cur.execute(f"SELECT {columns}, survey_id FROM waves {order}").fetchall()
        else:
            rows = cur.execute(f"SELECT {columns}, survey_id, coalesce(is_example, FALSE) "
                               f"FROM waves {order}").fetchall()
        by_wave: dict[int, dict[str, float]] = {}
        for wave_id, criterion, weight in cur.execute(
            "SELECT ww.wave_id, ww.criterion, ww.weight FROM wave_weights AS ww "
            "LEFT JOIN criteria AS c ON c.key = ww.criterion "
            "ORDER BY ww.wave_id, c.position NULLS LAST, ww.criterion"
        ).fetchall():
            by_wave.setdefault(int(wave_id), {})[str(criterion)] = float(weight)
        return tuple(Wave(*row[:11], reference_weights=by_wave.get(int(row[0]), {}),
                          is_example=bool(row[11]) if len(row) > 11 else False)
                     for row in rows)

    def wave(self, slug: str) -> Wave:
        for item in self.waves():
            if item.slug == slug:
                return item
        raise KeyError(slug)

    def publish_matrix_wave(
        self,
        *,
        name: str,
        matrix: pd.DataFrame,
        survey_date: date | None,
        source_file: str,
        sha256: str,
        uploaded_by: str,
        is_seed: bool = False,
        answers: pd.DataFrame | None = None,
        istat_codes: Mapping[str, str] | None = None,
        survey_id: str = DEFAULT_SURVEY,
        reference_weights: Mapping[str, float] | None = None,
        is_example: bool = False,
    ) -> Wave:
        """Store a matrix (``ente`` + one column per criterion) as a new wave, atomically:
        :meth:`publish_wave` with the survey's points."""
        return self.publish_wave(
            name=name, entities=matrix, survey_date=survey_date, source_file=source_file,
            sha256=sha256, uploaded_by=uploaded_by, is_seed=is_seed, answers=answers,
            istat_codes=istat_codes, survey_id=survey_id, reference_weights=reference_weights,
            is_example=is_example, points=True)

    def publish_wave(
        self,
        *,
        name: str,
        entities: pd.DataFrame,
        survey_date: date | None,
        source_file: str,
        sha256: str,
        uploaded_by: str,
        survey_id: str = DEFAULT_SURVEY,
        answers: pd.DataFrame | None = None,
        is_seed: bool = False,
        is_example: bool = False,
        istat_codes: Mapping[str, str] | None = None,
        reference_weights: Mapping[str, float] | None = None,
        points: bool | None = None,
    ) -> Wave:
        """Store a wave of ``survey_id`` atomically: its respondents, their answers and,
        for a survey with a matrix, their points.

        ``entities`` has one row per respondent: ``ente`` (the name as answered), and
        optionally ``entity_id`` (else ``entity_id_for(ente)``), ``istat_code`` and, when
        ``points`` (default: the survey has a matrix), one column per criterion key.
        ``answers`` has ``ente, question_id, answer`` and optionally the typed columns
        (``ANSWER_COLUMNS``, as ``ingest`` and ``metrodigital.surveys.responses`` make
        them; ``options`` a list or tuple); without them each answer is typed through the
        survey definition. ``istat_codes`` maps an ``ente`` to its ISTAT code. The wave
        keeps ``reference_weights`` (by criterion key; default: the survey's). Either
        everything lands or nothing does; two rows with one entity identifier, or a
        name already taken (also by someone publishing at the same moment), raise a
        :class:`StoreError` before anything is written.
        """
        slug, work = self._publish_work(
            name=name, entities=entities, survey_date=survey_date, source_file=source_file,
            sha256=sha256, uploaded_by=uploaded_by, survey_id=survey_id, answers=answers,
            is_seed=is_seed, is_example=is_example, istat_codes=istat_codes,
            reference_weights=reference_weights, points=points)
        self._transaction(work)
        return self.wave(slug)

    def _publish_work(
        self,
        *,
        name: str,
        entities: pd.DataFrame,
        survey_date: date | None,
        source_file: str,
        sha256: str,
        uploaded_by: str,
        survey_id: str = DEFAULT_SURVEY,
        answers: pd.DataFrame | None = None,
        is_seed: bool = False,
        is_example: bool = False,
        istat_codes: Mapping[str, str] | None = None,
        reference_weights: Mapping[str, float] | None = None,
        points: bool | None = None,
    ) -> tuple[str, Callable[[duckdb.DuckDBPyConnection], int]]:
        """The checks of :meth:`publish_wave`, done now, and the work that writes the wave
        inside a transaction (so that several waves can land in one)."""
        survey = load_survey(survey_id)
        with_points = survey.has_matrix if points is None else points
        keys = [c.key for c in load_criteria()] if survey_id == DEFAULT_SURVEY else [
            c.key for c in survey.criteria]
        slug = slugify(name)
        if not slug:
            raise StoreError("store.empty_wave_name")
        names = entities["ente"].astype(str)
        if "entity_id" in entities.columns:
            ids = entities["entity_id"].astype(str)
        else:
            ids = names.map(entity_id_for)
        duplicated = ids[ids.duplicated(keep=False)]
        if len(duplicated):
            first = duplicated.iloc[0]
            both = names[ids == first].tolist()
            raise StoreError("store.duplicate_entity", entity=first,
                             names=QuotedNames(both[:5]))
        codes = dict(istat_codes or {})
        if "istat_code" in entities.columns:
            codes.update({n: c for n, c in zip(names, entities["istat_code"], strict=True)
                          if isinstance(c, str) and c})
        id_of = dict(zip(names, ids, strict=True))
        weights = {str(k): float(v) for k, v in (
            reference_weights if reference_weights is not None
            else survey.reference_weights).items()} if with_points else {}
        typed = (_typed_answers(answers, id_of, survey_id, source_file)
                 if answers is not None and len(answers) else None)

        def work(cur: duckdb.DuckDBPyConnection) -> int:
            # checked inside the transaction, under the write lock: two editors publishing
            # the same name at once get a clear refusal, not a constraint error
            taken = cur.execute("SELECT name FROM waves WHERE slug = ? OR name = ?",
                                [slug, name]).fetchone()
            if taken:
                raise StoreError("store.wave_exists", name=taken[0])
            row = cur.execute(
                "INSERT INTO waves (slug, name, survey_date, source_file, sha256, n_rows, "
                "uploaded_at, uploaded_by, is_seed, survey_id, is_example) "
                "VALUES (?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?) RETURNING wave_id",
                [slug, name, survey_date, source_file, sha256, len(entities), uploaded_by,
                 is_seed, survey_id, is_example],
            ).fetchone()
            assert row is not None
            wave_id = int(row[0])
            if weights:
                cur.executemany("INSERT INTO wave_weights VALUES (?, ?, ?)",
                                [[wave_id, key, weight] for key, weight in weights.items()])
            rows = pd.DataFrame({
                "wave_id": wave_id,
                "entity_id": ids.to_numpy(),
                "name": names.to_numpy(),
                "kind": names.map(entity_kind).to_numpy(),
                "istat_code": names.map(lambda n: codes.get(n)).to_numpy(),
                "source_row": range(1, len(names) + 1),
            })
            cur.register("new_entities", rows)
            cur.execute(
                "INSERT INTO entities (entity_id, name, kind, istat_code) "
                "SELECT entity_id, name, kind, istat_code FROM new_entities "
                "ON CONFLICT (entity_id) DO UPDATE "
                "SET istat_code = coalesce(entities.istat_code, excluded.istat_code)"
            )
            cur.execute(
                "INSERT INTO wave_entities "
                "SELECT wave_id, entity_id, name, source_row FROM new_entities"
            )
            cur.unregister("new_entities")
            if with_points:
                _add_criteria(cur, survey)
                frame = pd.DataFrame({"entity_id": ids.to_numpy(),
                                      **{k: entities[k].to_numpy() for k in keys}})
                long = frame.melt(
                    id_vars=["entity_id"], value_vars=keys, var_name="criterion_key",
                    value_name="points",
                )
                long.insert(0, "wave_id", wave_id)
                cur.register("new_points", long)
                cur.execute(
                    "INSERT INTO points SELECT wave_id, entity_id, criterion_key, points "
                    "FROM new_points"
                )
                cur.unregister("new_points")
            if typed is not None and len(typed):
                typed.insert(0, "wave_id", wave_id)
                cur.register("new_answers", typed)
                cur.execute(
                    "INSERT INTO answers (wave_id, entity_id, question_id, answer, question, "
                    "raw, option_code, options, number, text, source_file, source_cell, "
                    "personal) "
                    "SELECT wave_id, entity_id, question_id, answer, question, raw, "
                    "option_code, CASE WHEN options IS NULL THEN NULL WHEN options = '' "
                    "THEN []::VARCHAR[] ELSE string_split(options, chr(31)) END, "
                    "number, text, source_file, source_cell, personal FROM new_answers"
                )
                cur.unregister("new_answers")
            return wave_id

        return slug, work

    def waves_with_file(self, sha256: str) -> list[Wave]:
        """The waves published from a file with this SHA-256 (the same file again)."""
        return [w for w in self.waves() if w.sha256 == sha256]

    def wave_scenarios(self, slug: str) -> list[str]:
        """The names of the scenarios saved on a wave (deleting the wave deletes them)."""
        wave = self.wave(slug)
        rows = self.cursor().execute(
            "SELECT name FROM scenarios WHERE wave_id = ? ORDER BY name", [wave.wave_id]
        ).fetchall()
        return [str(r[0]) for r in rows]

    def delete_wave(self, slug: str) -> None:
        """Delete a wave with its points, answers and saved scenarios, atomically; the
        source's wave stays."""
        try:
            wave = self.wave(slug)
        except KeyError:
            raise StoreError("store.no_such_wave", slug=slug) from None
        if wave.is_seed:
            raise StoreError("store.seed_wave", name=wave.name)

        def work(cur: duckdb.DuckDBPyConnection) -> None:
            for table in ("answers", "points", "wave_entities", "scenarios", "wave_weights"):
                cur.execute(f"DELETE FROM {table} WHERE wave_id = ?", [wave.wave_id])
            cur.execute("DELETE FROM waves WHERE wave_id = ?", [wave.wave_id])

        self._transaction(work)

    def save_scenario(self, name: str, wave_slug: str, query: str, by: str) -> None:
        """Store a named scenario of a wave, in one transaction; the name must be new."""
        wave = self.wave(wave_slug)

        def work(cur: duckdb.DuckDBPyConnection) -> None:
            taken = cur.execute("SELECT count(*) FROM scenarios WHERE name = ?",
                                [name]).fetchone()
            if taken and taken[0]:
                raise StoreError("compare.name_exists")
            cur.execute(
                "INSERT INTO scenarios (name, wave_id, query, created_at, created_by) "
                "VALUES (?, ?, ?, current_timestamp, ?)", [name, wave.wave_id, query, by])

        self._transaction(work)

    def delete_scenario(self, name: str) -> None:
        """Delete a saved scenario, in one transaction."""
        self._transaction(
            lambda cur: cur.execute("DELETE FROM scenarios WHERE name = ?", [name]))

    def answers(self, slug: str) -> pd.DataFrame:
        """The raw answers stored with a wave: ``ente, question_id, answer``."""
        wave = self.wave(slug)
        return self.cursor().execute(
            "SELECT we.name_in_source AS ente, a.question_id, a.answer FROM answers AS a "
            "JOIN wave_entities AS we USING (wave_id, entity_id) WHERE a.wave_id = ? "
            "ORDER BY we.source_row, a.question_id", [wave.wave_id]).df()

    # -- zone memberships (metrodigital/zones.py) ------------------------------------
    def load_zones(self, territory: str, members: Mapping[str, int], *, file_name: str,
                   sha256: str, by: str) -> int:
        """Keep a zones file's memberships as a new load and make it the one in force,
        atomically; returns the load's number."""
        if not members:
            raise StoreError("zones.empty")

        def work(cur: duckdb.DuckDBPyConnection) -> int:
            row = cur.execute(
                "INSERT INTO zone_loads (territory, file_name, sha256, loaded_at, loaded_by) "
                "VALUES (?, ?, ?, current_timestamp, ?) RETURNING load_id",
                [territory, file_name, sha256, by]).fetchone()
            assert row is not None
            load_id = int(row[0])
            cur.executemany("INSERT INTO zone_members VALUES (?, ?, ?)",
                            [[load_id, code, int(zone)] for code, zone in members.items()])
            self._set_active_zones(cur, territory, load_id, by)
            return load_id

        return int(self._transaction(work))  # type: ignore[call-overload]

    @staticmethod
    def _set_active_zones(cur: duckdb.DuckDBPyConnection, territory: str,
                          load_id: int | None, by: str) -> None:
        cur.execute("INSERT OR REPLACE INTO zone_active VALUES (?, ?, current_timestamp, ?)",
                    [territory, load_id, by])

    def activate_zones(self, territory: str, load_id: int | None, *, by: str) -> None:
        """Put an earlier load back in force (``None``: the shipped zones); nothing is
        deleted, so every change can be undone."""
        if load_id is not None:
            known = [z.load_id for z in self.zone_loads(territory)]
            if load_id not in known:
                raise StoreError("zones.no_such_load", load=load_id)
        self._transaction(lambda cur: self._set_active_zones(cur, territory, load_id, by))

    def zone_loads(self, territory: str) -> list[ZoneLoad]:
        """Every load of a territory's zones, the most recent first."""
        from metrodigital.zones import ZoneLoad

        if self.schema_version() < 5:
            return []
        rows = self.cursor().execute(
            "SELECT l.load_id, l.territory, l.file_name, l.sha256, l.loaded_at, l.loaded_by, "
            "(SELECT count(*) FROM zone_members AS m WHERE m.load_id = l.load_id), "
            "coalesce(a.load_id = l.load_id, FALSE) "
            "FROM zone_loads AS l LEFT JOIN zone_active AS a USING (territory) "
            "WHERE l.territory = ? ORDER BY l.load_id DESC", [territory]).fetchall()
        return [ZoneLoad(*row) for row in rows]

    def active_zones(self, territory: str) -> dict[str, int]:
        """The memberships of the load in force for ``territory`` (empty: the shipped
        zones are in force)."""
        if self.schema_version() < 5:
            return {}
        rows = self.cursor().execute(
            "SELECT m.istat_code, m.zone FROM zone_active AS a "
            "JOIN zone_members AS m USING (load_id) WHERE a.territory = ?",
            [territory]).fetchall()
        return {str(code): int(zone) for code, zone in rows}

    # -- interview records (metrodigital/interviews.py; H-SCHEDA) ---------------------
    def add_interview_record(self, survey_id: str, entity_id: str, *,
                             interview_date: date | None, attendees: str, notes: str,
                             actions: str, by: str) -> int:
        """Keep a new version of an entity's interview record (the earlier ones stay);
        returns its version number. Callers check the role first
        (:func:`metrodigital.interviews.save_record`)."""

        def work(cur: duckdb.DuckDBPyConnection) -> int:
            row = cur.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM interview_records "
                "WHERE survey_id = ? AND entity_id = ?", [survey_id, entity_id]).fetchone()
            assert row is not None
            version = int(row[0])
            cur.execute(
                "INSERT INTO interview_records (survey_id, entity_id, version, interview_date, "
                "attendees, notes, actions, saved_at, saved_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp, ?)",
                [survey_id, entity_id, version, interview_date, attendees, notes, actions, by])
            return version

        return int(self._transaction(work))  # type: ignore[call-overload]

    def interview_history(self, survey_id: str, entity_id: str) -> pd.DataFrame:
        """Every version of an entity's interview record, the latest first."""
        return self.cursor().execute(
            "SELECT version, interview_date, attendees, notes, actions, saved_at, saved_by "
            "FROM interview_records WHERE survey_id = ? AND entity_id = ? "
            "ORDER BY version DESC", [survey_id, entity_id]).df()

    def interview_records(self, survey_id: str) -> pd.DataFrame:
        """The record in force (latest version) of every entity interviewed in a survey."""
        return self.cursor().execute(
            "SELECT entity_id, version, interview_date, attendees, notes, actions, saved_at, "
            "saved_by FROM interview_records WHERE survey_id = ? "
            "QUALIFY row_number() OVER (PARTITION BY entity_id ORDER BY version DESC) = 1 "
            "ORDER BY entity_id", [survey_id]).df()

    # -- remembered column mappings ------------------------------------------------
    def save_mapping(self, layout: str, mapping: Mapping[str, str]) -> None:
        def work(cur: duckdb.DuckDBPyConnection) -> None:
            for header, target in mapping.items():
                cur.execute(
                    "INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?, current_timestamp)",
                    [layout, header, target],
                )

        self._transaction(work)

    def mapping(self, layout: str) -> dict[str, str]:
        try:
            rows = self.cursor().execute(
                "SELECT header, target FROM column_mappings WHERE layout = ?",
                [layout]).fetchall()
        except duckdb.CatalogException:  # an older database opened read-only
            return {}
        return dict(rows)

    # -- points of a wave (what metrodigital.scoring ranks) ------------------------
    def points(self, slug: str, criteria: Sequence[str] | None = None) -> pd.DataFrame:
        """A wave's points, one row per entity in the order of its file.

        Columns: ``entity_id, ente`` (the name it answered with), ``source_row``,
        ``istat_code`` (None when the territory did not match it) and one float
        column per criterion of ``criteria`` (default: the criteria of the wave's
        survey), in that order; a criterion without points for an entity is NaN.
        """
        wave = self.wave(slug)
        keys = (list(criteria) if criteria is not None
                else [c.key for c in load_survey(wave.survey_id).criteria])
        # criterion keys are bound as parameters and the columns named by position
        columns = "".join(
            f", max(p.points) FILTER (WHERE p.criterion_key = ?) AS c{i}"
            for i in range(len(keys)))
        code = "e.istat_code" if self.schema_version() >= 3 else "NULL::VARCHAR"
        frame = self.cursor().execute(
            f"SELECT we.entity_id, we.name_in_source AS ente, we.source_row, "
            f"{code} AS istat_code{columns} "
            "FROM wave_entities AS we JOIN entities AS e USING (entity_id) "
            "LEFT JOIN points AS p ON p.wave_id = we.wave_id AND p.entity_id = we.entity_id "
            "WHERE we.wave_id = ? GROUP BY ALL ORDER BY we.source_row",
            [*keys, wave.wave_id]).df()
        frame.columns = ["entity_id", "ente", "source_row", "istat_code", *keys]
        for key in keys:
            frame[key] = frame[key].astype("float64")
        return frame


def read_seed_matrix(path: Path) -> pd.DataFrame:
    """The shipped matrix CSV as a DataFrame (``ente`` + criteria + final score)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    frame = pd.DataFrame(rows)
    for key in [c.key for c in load_criteria()] + ["punteggio_finale"]:
        frame[key] = pd.to_numeric(frame[key])
    return frame
