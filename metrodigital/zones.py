"""Zone omogenee loaded by an editor: a CSV of (ISTAT code, zone), versioned and reversible.

No open dataset says which Comuni belong to which zona omogenea; the office
knows. An editor loads a CSV with two columns, the Comune's ISTAT code and its
zone (the zone's number or its name, as the territory file names the zones);
every cell is checked and a problem is said by row and column, in Italian or
English. Each load is kept (who, when, which file); the active one overrides
the shipped zones for the Comuni it lists, and the editor can go back to any
earlier load or to the shipped zones. Nothing is ever deleted.

The store keeps the loads (``Store.load_zones``, ``Store.zone_loads``,
``Store.activate_zones``); :func:`effective_zones` is what quotas, answers and
maps read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.territories import Territory, load_territory
from metrodigital.text import normalise_text

_CODE_HEADERS = {"codice istat", "codice_istat", "istat", "cod istat", "codice comune",
                 "pro_com_t", "pro com t", "codice"}
_ZONE_HEADERS = {"zona", "zona omogenea", "zona_omogenea", "zone", "zona omogenea numero"}
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class ZoneProblem:
    """One problem of a zones file, by row (1 = the header) and column letter."""

    code: str  # message key in locales/zones.toml
    row: int | None = None
    column: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        text = t(self.code, lang, **self.params)
        if self.row is None:
            return text
        where = t("zones.where", lang, row=self.row, column=self.column or "")
        return f"{where}: {text}"


@dataclass(frozen=True)
class ZoneFile:
    """A zones file read and checked against its territory."""

    file_name: str
    sha256: str
    members: dict[str, int]  # ISTAT code → zone number
    problems: tuple[ZoneProblem, ...]
    not_listed: int  # Comuni of the territory the file does not name (they keep theirs)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _zone_number(raw: str, territory: Territory) -> int | None:
    text = re.sub(r"^zona\s+", "", raw.strip(), flags=re.IGNORECASE)
    if re.fullmatch(r"[0-9]{1,3}", text):
        number = int(text)
        return number if number in territory.zones else None
    wanted = normalise_text(text)
    for number, name in territory.zones.items():
        if normalise_text(name) == wanted:
            return number
    return None


def read_zone_file(data: bytes, file_name: str, territory: Territory | str) -> ZoneFile:
    """The zones file ``data`` checked against ``territory``: every problem by row and
    column; an empty or unreadable file is one problem."""
    land = load_territory(territory) if isinstance(territory, str) else territory
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_BYTES:
        return ZoneFile(file_name, sha, {}, (ZoneProblem("zones.too_big"),), 0)
    text = _decode(data)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ZoneFile(file_name, sha, {}, (ZoneProblem("zones.empty"),), 0)
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") and ";" in lines[0] else ","
    if "\t" in lines[0] and delimiter not in lines[0]:
        delimiter = "\t"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [normalise_text(cell) for cell in rows[0]]
    code_col = next((i for i, h in enumerate(header) if h in _CODE_HEADERS), None)
    zone_col = next((i for i, h in enumerate(header) if h in _ZONE_HEADERS), None)
    problems: list[ZoneProblem] = []
    if code_col is None or zone_col is None:
        problems.append(ZoneProblem("zones.no_columns", 1, None,
                                    {"found": ", ".join(rows[0]) or "—"}))
        return ZoneFile(file_name, sha, {}, tuple(problems), 0)
    codes = set(land.istat_codes)
    names = dict(zip(land.comuni["codice_istat"], land.comuni["comune"], strict=True))
    members: dict[str, int] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        raw_code = row[code_col].strip() if code_col < len(row) else ""
        raw_zone = row[zone_col].strip() if zone_col < len(row) else ""
        code = raw_code.zfill(6) if re.fullmatch(r"[0-9]{1,6}", raw_code) else ""
        if code not in codes:
            problems.append(ZoneProblem("zones.bad_code", number, _letter(code_col),
                                        {"value": raw_code[:40], "territory": land.name}))
            continue
        zone = _zone_number(raw_zone, land)
        if zone is None:
            problems.append(ZoneProblem("zones.bad_zone", number, _letter(zone_col), {
                "value": raw_zone[:40], "comune": names[code],
                "zones": ", ".join(f"{n} {z}" for n, z in sorted(land.zones.items()))}))
            continue
        if code in first_row:
            problems.append(ZoneProblem("zones.duplicate", number, _letter(code_col), {
                "comune": names[code], "first": first_row[code]}))
            continue
        first_row[code] = number
        members[code] = zone
    if not members and not problems:
        problems.append(ZoneProblem("zones.empty"))
    return ZoneFile(file_name, sha, members, tuple(problems), len(codes - set(members)))


@dataclass(frozen=True)
class ZoneLoad:
    """One load of a zones file, as the store keeps it."""

    load_id: int
    territory: str
    file_name: str
    sha256: str
    loaded_at: object
    loaded_by: str
    n_comuni: int
    active: bool


def effective_zones(store: object | None, territory_id: str) -> dict[str, int | None]:
    """Each Comune's zona omogenea: the active load's, else the shipped file's (None:
    unknown)."""
    land = load_territory(territory_id)
    zones: dict[str, int | None] = {
        str(code): (None if pd.isna(zone) else int(zone))
        for code, zone in zip(land.comuni["codice_istat"],
                              land.comuni["zona_omogenea"].astype(object), strict=True)}
    active = getattr(store, "active_zones", None)
    if active is not None:
        zones.update(active(territory_id))
    return zones
