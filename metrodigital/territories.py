"""Territories as data: ``data/territories/<id>/``.

A territory is a folder with

- ``territory.toml``: ``id``, ``name`` (and ``name_en``), ``istat_province_code``,
  ``comuni_count``, ``population_year``, ``[source]`` (``name``, ``url``,
  ``licence``, ``attribution``, ``boundaries_attribution``), ``[zones]`` (zone
  number → name) and ``[zone_sources]`` (each key used in ``zona_fonte`` → what
  the source is);
- ``comuni.csv``: ``codice_istat`` (six digits, text), ``comune``,
  ``popolazione`` (whole number), ``zona_omogenea`` (a zone number or empty),
  ``zona_omogenea_nome`` (that zone's name or empty), ``zona_fonte`` (the key of
  the source naming the zone; required when the zone is filled); further columns
  are kept as text;
- ``unioni.csv`` (optional): ``unione``, ``codici_istat`` (``;``-separated).

``load_territory(id)`` reads and checks all three; every problem found is
reported at once in a ``TerritoryError`` whose messages (catalogue keys in
``locales/territories.toml``) name the file, the row (counting the header row as
row 1, as a spreadsheet shows it) and the column. Population classes are not a
territory's: they belong to the survey.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import DATA_DIR

TERRITORIES_DIR = DATA_DIR / "territories"
DEFINITION_FILE = "territory.toml"
COMUNI_FILE = "comuni.csv"
UNIONI_FILE = "unioni.csv"
COMUNI_COLUMNS = ("codice_istat", "comune", "popolazione", "zona_omogenea",
                  "zona_omogenea_nome", "zona_fonte")
UNIONI_COLUMNS = ("unione", "codici_istat")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ISTAT = re.compile(r"^\d{6}$")
_WHOLE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class TerritoryProblem:
    """One reason a territory cannot be used; ``code`` is a catalogue key.

    ``file`` is the file's path inside ``data/territories`` (e.g.
    ``milano/comuni.csv``), ``row`` the spreadsheet row (header = 1), ``column``
    the column or TOML key.
    """

    code: str
    file: str
    row: int | None = None
    column: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def where(self, lang: str = DEFAULT_LANG) -> str:
        if self.row is not None and self.column is not None:
            return t("territories.where_cell", lang, file=self.file, row=self.row,
                     column=self.column)
        if self.row is not None:
            return t("territories.where_row", lang, file=self.file, row=self.row)
        if self.column is not None:
            return t("territories.where_key", lang, file=self.file, column=self.column)
        return t("territories.where_file", lang, file=self.file)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.code, lang, where=self.where(lang), **self.params)


class TerritoryError(ValueError):
    """The territory cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[TerritoryProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.message() for problem in self.problems))

    def messages(self, lang: str = DEFAULT_LANG) -> list[str]:
        return [problem.message(lang) for problem in self.problems]


@dataclass(frozen=True)
class Unione:
    name: str
    istat_codes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Territory:
    """A territory's Comuni, zones and the attribution its data requires."""

    id: str
    name: str
    name_en: str
    istat_province_code: str
    population_year: int
    zones: Mapping[int, str]  # zone number → name
    zone_sources: Mapping[str, str]  # zona_fonte key → description
    source_name: str
    source_url: str
    licence: str
    attribution: str
    boundaries_attribution: str
    unioni: tuple[Unione, ...]
    _comuni: pd.DataFrame = field(repr=False)

    @property
    def comuni(self) -> pd.DataFrame:
        """One row per Comune (a copy): ``codice_istat, comune, popolazione`` (int64),
        ``zona_omogenea`` (nullable Int64), ``zona_omogenea_nome, zona_fonte`` and any
        further column of the file, ordered by ISTAT code."""
        return self._comuni.copy()

    @property
    def istat_codes(self) -> list[str]:
        return self._comuni["codice_istat"].tolist()

    def display_name(self, lang: str = DEFAULT_LANG) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def zone_name(self, number: int) -> str:
        return self.zones[number]

    def population(self, istat_code: str) -> int:
        rows = self._comuni.loc[self._comuni["codice_istat"] == istat_code, "popolazione"]
        if rows.empty:
            raise KeyError(istat_code)
        return int(rows.iloc[0])


def available_territories(root: Path = TERRITORIES_DIR) -> list[str]:
    """Ids of the territories in ``root`` (folders with a ``territory.toml``)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / DEFINITION_FILE).is_file())


def load_territory(territory_id: str, root: Path | None = None) -> Territory:
    """The territory ``territory_id``, read from ``root`` (default ``data/territories``)
    and checked; raises ``TerritoryError`` naming every problem."""
    return _load(str(territory_id), root or TERRITORIES_DIR)


def clear_cache() -> None:
    """Forget the territories read so far (after their files changed)."""
    _load.cache_clear()


@lru_cache(maxsize=16)
def _load(territory_id: str, root: Path) -> Territory:
    folder = root / territory_id
    if not _ID.match(territory_id) or not (folder / DEFINITION_FILE).is_file():
        raise TerritoryError([TerritoryProblem(
            "territories.unknown", f"{territory_id}/{DEFINITION_FILE}",
            params={"id": territory_id,
                    "available": ", ".join(available_territories(root)) or "—"})])
    reader = _Reader(territory_id, folder)
    definition = reader.definition()
    if reader.problems and definition.get("zones") is None:  # the file itself is unreadable
        raise TerritoryError(reader.problems)
    comuni = reader.comuni(definition)
    unioni = reader.unioni(comuni)
    if reader.problems:
        raise TerritoryError(reader.problems)
    source = definition["source"]
    return Territory(
        id=territory_id,
        name=definition["name"],
        name_en=str(definition.get("name_en", "")),
        istat_province_code=str(definition.get("istat_province_code", "")),
        population_year=int(definition.get("population_year", 0)),
        zones=definition["zones"],
        zone_sources=definition["zone_sources"],
        source_name=source["name"],
        source_url=str(source.get("url", "")),
        licence=source["licence"],
        attribution=source["attribution"],
        boundaries_attribution=str(source.get("boundaries_attribution", "")),
        unioni=unioni,
        _comuni=comuni,
    )


class _Reader:
    """Reads a territory folder, collecting problems instead of stopping at the first."""

    def __init__(self, territory_id: str, folder: Path) -> None:
        self.id = territory_id
        self.folder = folder
        self.problems: list[TerritoryProblem] = []

    def _name(self, file: str) -> str:
        return f"{self.id}/{file}"

    def _problem(self, code: str, file: str, row: int | None = None,
                 column: str | None = None, **params: object) -> None:
        self.problems.append(TerritoryProblem(code, self._name(file), row, column, params))

    # --- territory.toml ---

    def definition(self) -> dict:
        path = self.folder / DEFINITION_FILE
        try:
            with path.open("rb") as handle:
                raw = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            self._problem("territories.toml_syntax", DEFINITION_FILE, detail=str(error))
            return {}
        except (OSError, UnicodeDecodeError) as error:
            self._problem("territories.unreadable", DEFINITION_FILE,
                          detail=type(error).__name__)
            return {}
        if raw.get("id") != self.id:
            self._problem("territories.id_mismatch", DEFINITION_FILE, column="id",
                          found=raw.get("id", ""), folder=self.id)
        self._text(raw, "name", "name")
        source = raw.get("source")
        if not isinstance(source, dict):
            self._problem("territories.missing_key", DEFINITION_FILE, column="source")
            raw["source"] = {}
        else:
            for key in ("name", "licence", "attribution"):
                self._text(source, key, f"source.{key}")
        for key in ("comuni_count", "population_year"):
            if key in raw and (not isinstance(raw[key], int) or isinstance(raw[key], bool)
                               or raw[key] < 0):
                self._problem("territories.not_whole", DEFINITION_FILE, column=key,
                              value=raw[key])
                raw.pop(key)
        raw["zones"] = self._zones(raw.get("zones"))
        raw["zone_sources"] = self._zone_sources(raw.get("zone_sources", {}))
        return raw

    def _text(self, table: dict, key: str, label: str) -> None:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self._problem("territories.missing_key", DEFINITION_FILE, column=label)
            table[key] = ""

    def _zones(self, raw: object) -> dict[int, str]:
        if not isinstance(raw, dict) or not raw:
            self._problem("territories.no_zones", DEFINITION_FILE, column="zones")
            return {}
        zones: dict[int, str] = {}
        for key, name in raw.items():
            if not _WHOLE.match(key) or int(key) < 1:
                self._problem("territories.zone_number", DEFINITION_FILE,
                              column=f"zones.{key}", value=key)
            elif not isinstance(name, str) or not name.strip():
                self._problem("territories.zone_name_empty", DEFINITION_FILE,
                              column=f"zones.{key}")
            elif int(key) in zones:
                self._problem("territories.zone_number_twice", DEFINITION_FILE,
                              column=f"zones.{key}", value=int(key))
            else:
                zones[int(key)] = name.strip()
        return dict(sorted(zones.items()))

    def _zone_sources(self, raw: object) -> dict[str, str]:
        if not isinstance(raw, dict):
            self._problem("territories.missing_key", DEFINITION_FILE, column="zone_sources")
            return {}
        sources: dict[str, str] = {}
        for key, text in raw.items():
            if not isinstance(text, str) or not text.strip():
                self._problem("territories.zone_source_empty", DEFINITION_FILE,
                              column=f"zone_sources.{key}")
            else:
                sources[key] = text.strip()
        return sources

    # --- CSV files ---

    def _rows(self, file: str, columns: Sequence[str], required: bool = True
              ) -> tuple[list[str], list[dict[str, str]]] | None:
        path = self.folder / file
        if not path.is_file():
            if required:
                self._problem("territories.missing_file", file)
            return None
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [name.strip() for name in reader.fieldnames or []]
                reader.fieldnames = header
                rows = list(reader)
        except UnicodeDecodeError:
            self._problem("territories.encoding", file)
            return None
        except (OSError, csv.Error) as error:
            self._problem("territories.unreadable", file, detail=type(error).__name__)
            return None
        missing = [name for name in columns if name not in header]
        for name in missing:
            self._problem("territories.missing_column", file, row=1, column=name)
        if missing:
            return None
        for number, row in enumerate(rows, start=2):
            if None in row:  # more cells than header columns
                self._problem("territories.extra_cells", file, row=number)
        return header, rows

    def comuni(self, definition: dict) -> pd.DataFrame:
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in COMUNI_COLUMNS})
        read = self._rows(COMUNI_FILE, COMUNI_COLUMNS)
        if read is None:
            return empty
        header, rows = read
        zones: dict[int, str] = definition["zones"]
        sources: dict[str, str] = definition["zone_sources"]
        seen: dict[str, int] = {}
        records: list[dict[str, object]] = []
        for number, row in enumerate(rows, start=2):
            cell = {name: (row.get(name) or "").strip() for name in header}
            code = cell["codice_istat"]
            if not _ISTAT.match(code):
                self._problem("territories.bad_istat", COMUNI_FILE, number, "codice_istat",
                              value=code)
            elif code in seen:
                self._problem("territories.duplicate_istat", COMUNI_FILE, number,
                              "codice_istat", value=code, first=seen[code])
            else:
                seen[code] = number
            if not cell["comune"]:
                self._problem("territories.empty_cell", COMUNI_FILE, number, "comune")
            population = cell["popolazione"]
            if not _WHOLE.match(population):
                self._problem("territories.bad_population", COMUNI_FILE, number,
                              "popolazione", value=population)
            zone_text, zone_name, zone_source = (cell["zona_omogenea"],
                                                 cell["zona_omogenea_nome"], cell["zona_fonte"])
            zone: int | None = None
            if zone_text:
                if not _WHOLE.match(zone_text) or int(zone_text) not in zones:
                    self._problem("territories.unknown_zone", COMUNI_FILE, number,
                                  "zona_omogenea", value=zone_text,
                                  zones=", ".join(str(z) for z in zones) or "—")
                else:
                    zone = int(zone_text)
                    if zone_name and zone_name != zones[zone]:
                        self._problem("territories.zone_name_mismatch", COMUNI_FILE, number,
                                      "zona_omogenea_nome", value=zone_name,
                                      expected=zones[zone], zone=zone)
                if zone is None:
                    pass  # the zone itself is wrong: its source is beside the point
                elif not zone_source:
                    self._problem("territories.zone_without_source", COMUNI_FILE, number,
                                  "zona_fonte")
                elif zone_source not in sources:
                    self._problem("territories.unknown_zone_source", COMUNI_FILE, number,
                                  "zona_fonte", value=zone_source)
            elif zone_name:
                self._problem("territories.zone_name_without_zone", COMUNI_FILE, number,
                              "zona_omogenea_nome", value=zone_name)
            record: dict[str, object] = dict(cell)
            record["popolazione"] = int(population) if _WHOLE.match(population) else 0
            record["zona_omogenea"] = zone
            record["zona_omogenea_nome"] = zones[zone] if zone is not None else ""
            records.append(record)
        if not records:
            self._problem("territories.no_comuni", COMUNI_FILE)
        expected = definition.get("comuni_count")
        if isinstance(expected, int) and records and len(records) != expected:
            self._problem("territories.count_mismatch", COMUNI_FILE, found=len(records),
                          expected=expected)
        if not records:
            return empty
        frame = pd.DataFrame.from_records(records, columns=header)
        frame["popolazione"] = frame["popolazione"].astype("int64")
        frame["zona_omogenea"] = pd.array(frame["zona_omogenea"].tolist(), dtype="Int64")
        return frame.sort_values("codice_istat", ignore_index=True)

    def unioni(self, comuni: pd.DataFrame) -> tuple[Unione, ...]:
        read = self._rows(UNIONI_FILE, UNIONI_COLUMNS, required=False)
        if read is None:
            return ()
        known = set(comuni["codice_istat"])
        unioni: list[Unione] = []
        for number, row in enumerate(read[1], start=2):
            name = (row.get("unione") or "").strip()
            codes = tuple(code.strip() for code in (row.get("codici_istat") or "").split(";")
                          if code.strip())
            if not name:
                self._problem("territories.empty_cell", UNIONI_FILE, number, "unione")
            if not codes:
                self._problem("territories.empty_cell", UNIONI_FILE, number, "codici_istat")
            for code in codes:
                if code not in known:
                    self._problem("territories.unknown_member", UNIONI_FILE, number,
                                  "codici_istat", value=code)
            unioni.append(Unione(name, codes))
        return tuple(unioni)
