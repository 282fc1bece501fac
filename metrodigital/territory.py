"""The territory: the Comuni of the Città Metropolitana di Torino and the Unioni.

Shipped data (see ``data/README.md``): ``comuni_torino.csv`` (ISTAT code,
official name, population on 1 January 2022 and 2023, zona omogenea where a
source gives it), ``unioni.csv`` (Unione and its members' ISTAT codes) and
``varianti_nomi.csv`` (known spellings, e.g. "Cuornè" for Cuorgnè, and the
truncated names of the source's list of participants).

``match_entity(name)`` resolves a name as typed in a questionnaire export:
exactly after ``normalise_name``, through a known variant, as the unique
official name it is a truncation of, or not at all — then a structured warning
lists close candidates and the user picks the Comune or keeps the name.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import DATA_DIR
from metrodigital.questionnaire import QuotedNames
from metrodigital.text import normalise_text

COMUNI_FILE = DATA_DIR / "comuni_torino.csv"
UNIONI_FILE = DATA_DIR / "unioni.csv"
VARIANTS_FILE = DATA_DIR / "varianti_nomi.csv"
POPULATION_YEARS = (2022, 2023)
MIN_PREFIX = 8  # shorter fragments are too ambiguous to count as a truncated name

MatchStatus = Literal["exact", "variant", "truncated", "unknown"]
_PREFIX = re.compile(r"^(comune|citta|municipio) di ")
_SUFFIX = re.compile(r" \((to|torino)\)$")


def normalise_name(name: object) -> str:
    """``name`` folded for matching: case, spaces, apostrophes, accents, "Comune di"."""
    text = normalise_text(name).replace("'", " ").replace("-", " ").replace("–", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = _SUFFIX.sub("", text)
    return _PREFIX.sub("", text).strip()


@dataclass(frozen=True)
class Comune:
    istat_code: str  # six digits, e.g. "001098"
    name: str  # official ISTAT name
    populations: tuple[tuple[int, int], ...]  # (year, residents on 1 January)
    zona_omogenea: int | None
    zona_omogenea_nome: str
    zona_fonte: str

    kind: Literal["comune"] = "comune"

    def population(self, year: int) -> int:
        for known_year, residents in self.populations:
            if known_year == year:
                return residents
        raise KeyError(f"no population for {year}: {self.name}")

    @property
    def members(self) -> tuple[Comune, ...]:
        return (self,)


@dataclass(frozen=True)
class Unione:
    name: str
    members: tuple[Comune, ...]

    kind: Literal["unione"] = "unione"

    def population(self, year: int) -> int:
        """The members' sum."""
        return sum(member.population(year) for member in self.members)

    @property
    def istat_codes(self) -> tuple[str, ...]:
        return tuple(member.istat_code for member in self.members)

    @property
    def zona_omogenea(self) -> int | None:
        """The members' zone when they share one (and it is known)."""
        zones = {member.zona_omogenea for member in self.members}
        return zones.pop() if len(zones) == 1 else None


Entity = Comune | Unione


@dataclass(frozen=True)
class NameWarning:
    """Something the user should see about a name; ``code`` is a catalogue key."""

    code: str
    name: str
    official: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def params(self) -> dict[str, object]:
        return {"name": self.name, "official": self.official,
                "candidates": QuotedNames(self.candidates)}

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.code, lang, **self.params)


@dataclass(frozen=True)
class Match:
    """What ``name`` resolved to; ``entity`` is None when it is unknown."""

    name: str
    status: MatchStatus
    entity: Entity | None
    candidates: tuple[str, ...] = ()
    warning: NameWarning | None = None

    @property
    def matched(self) -> bool:
        return self.entity is not None


class Territory:
    """The Comuni and Unioni, indexed for matching names."""

    def __init__(self, comuni: tuple[Comune, ...], unioni: tuple[Unione, ...],
                 variants: dict[str, str]) -> None:
        self.comuni = comuni
        self.unioni = unioni
        self._by_code = {comune.istat_code: comune for comune in comuni}
        self._by_name: dict[str, Entity] = {}
        for entity in (*comuni, *unioni):
            key = normalise_name(entity.name)
            if key in self._by_name:
                raise ValueError(f"two entities share the name {entity.name!r}")
            self._by_name[key] = entity
        self._variants: dict[str, Entity] = {}
        for variant, official in variants.items():
            target = self._by_name.get(normalise_name(official))
            if target is None:
                raise ValueError(f"variant {variant!r} points to unknown {official!r}")
            self._variants[normalise_name(variant)] = target
        self._display = {normalise_name(e.name): e.name for e in (*comuni, *unioni)}
        self._keys = list(self._display)  # searched for close names
        # the same keys sorted, to find those starting with a prefix by bisection (a scan of
        # every key for every unknown name was a third of checking an 8,000-row file)
        self._sorted_keys = sorted(self._keys)
        self._order = {key: i for i, key in enumerate(self._keys)}

    def _starting_with(self, prefix: str) -> list[str]:
        """The normalised names that start with ``prefix``, in the territory's order."""
        found = []
        for key in self._sorted_keys[bisect_left(self._sorted_keys, prefix):]:
            if not key.startswith(prefix):
                break
            found.append(key)
        return sorted(found, key=self._order.__getitem__)

    def comune(self, istat_code: str | int) -> Comune:
        code = f"{int(istat_code):06d}" if str(istat_code).isdigit() else str(istat_code)
        return self._by_code[code]

    def entity(self, official_name: str) -> Entity:
        return self._by_name[normalise_name(official_name)]

    def match(self, name: str) -> Match:
        """``name`` resolved to a Comune or an Unione, or an "unknown" warning."""
        key = normalise_name(name)
        shown = str(name).strip()
        if key in self._by_name:
            return Match(shown, "exact", self._by_name[key])
        if key in self._variants:
            entity = self._variants[key]
            return Match(shown, "variant", entity, warning=NameWarning(
                "territory.variant", shown, entity.name))
        if len(key) >= MIN_PREFIX:
            owners = [self._by_name[known] for known in self._starting_with(key)]
            if len(owners) == 1:
                return Match(shown, "truncated", owners[0], warning=NameWarning(
                    "territory.truncated", shown, owners[0].name))
        candidates = self.candidates(name)
        code = "territory.unknown" if candidates else "territory.unknown_no_candidates"
        return Match(shown, "unknown", None, candidates,
                     NameWarning(code, shown, candidates=candidates))

    def candidates(self, name: str, limit: int = 5) -> tuple[str, ...]:
        """Official names close to ``name`` (RapidFuzz's ratio ≥ 60), best first."""
        key = normalise_name(name)
        found = process.extract(key, self._keys, scorer=fuzz.ratio, limit=limit,
                                score_cutoff=60)
        close = [match for match, _, _ in found]
        starts = self._starting_with(key[:MIN_PREFIX]) if key else []
        ordered = list(dict.fromkeys([*close, *starts]))[:limit]
        return tuple(self._display[k] for k in ordered)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_territory(comuni_file: Path = COMUNI_FILE, unioni_file: Path = UNIONI_FILE,
                   variants_file: Path = VARIANTS_FILE) -> Territory:
    """The territory from the three shipped CSV files (or others of the same shape)."""
    comuni = tuple(
        Comune(
            istat_code=row["codice_istat"],
            name=row["comune"],
            populations=tuple((year, int(row[f"popolazione_{year}"]))
                              for year in POPULATION_YEARS),
            zona_omogenea=int(row["zona_omogenea"]) if row["zona_omogenea"] else None,
            zona_omogenea_nome=row["zona_omogenea_nome"],
            zona_fonte=row["zona_fonte"],
        )
        for row in _read_csv(comuni_file)
    )
    by_code = {comune.istat_code: comune for comune in comuni}
    unioni = tuple(
        Unione(name=row["unione"],
               members=tuple(by_code[code] for code in row["codici_istat"].split(";")))
        for row in _read_csv(unioni_file)
    )
    variants = {row["variante"]: row["nome_ufficiale"] for row in _read_csv(variants_file)}
    return Territory(comuni, unioni, variants)


@cache
def load_territory() -> Territory:
    """The shipped territory, loaded once."""
    return read_territory()


@lru_cache(maxsize=16_384)  # close-name search is slow and exports repeat names
def match_entity(name: str) -> Match:
    """``name`` matched against the shipped territory."""
    return load_territory().match(name)
