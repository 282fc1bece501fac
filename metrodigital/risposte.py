"""The Risposte page's choice (section, breakdown, filters, search, finding opened) and
its link parameters. Domain only: the page draws it (``ui/risposte.py``), the figures
come from ``metrodigital.answers_sql``.

Link parameters (declared in ``metrodigital.params.PARAMS``, scope ``page``):
``rsez`` section key, ``rby`` breakdown (``classe``, ``zona``, ``tipo``), ``rcl``
population class (repeated), ``rzo`` zona omogenea (repeated), ``rti`` ``comune`` or
``unione``, ``rq`` search in free-text answers, ``rf`` the finding whose entities are
shown, ``rvs`` another wave of the survey to compare with. Nothing personal ever goes
into them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from metrodigital.answers_sql import BREAKDOWNS, KINDS, Filters, class_labels
from metrodigital.display import clean
from metrodigital.scenario import Note
from metrodigital.surveys.model import Survey
from metrodigital.territories import load_territory

PARAM_SECTION = "rsez"
PARAM_BY = "rby"
PARAM_CLASS = "rcl"
PARAM_ZONE = "rzo"
PARAM_KIND = "rti"
PARAM_SEARCH = "rq"
PARAM_FINDING = "rf"
PARAM_VERSUS = "rvs"
RISPOSTE_PARAMS = (PARAM_SECTION, PARAM_BY, PARAM_CLASS, PARAM_ZONE, PARAM_KIND,
                   PARAM_SEARCH, PARAM_FINDING, PARAM_VERSUS)
RISPOSTE_PAGE = "Risposte"  # the page's URL path
SEARCH_MAX = 100
_QUOTE_MAX = 40


@dataclass(frozen=True)
class RisposteChoice:
    section: str = ""  # "" = the survey's first section with questions one may see
    by: str = ""  # "" | classe | zona | tipo
    classes: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    kind: str = ""  # "" | comune | unione
    search: str = ""
    finding: str = ""  # key of the finding opened
    versus: str = ""  # slug of another wave of the survey, to see what changed since
    selection: tuple[str, ...] = ()  # the Matrix scenario's selected entities (not in links)

    @property
    def filters(self) -> Filters:
        return Filters(classes=self.classes, zones=self.zones, kind=self.kind,
                       selection=self.selection)


@lru_cache(maxsize=8)
def survey_zones(territory_id: str) -> tuple[str, ...]:
    """The zone omogenee named in the territory, in alphabetical order."""
    comuni = load_territory(territory_id).comuni
    names = comuni["zona_omogenea_nome"].dropna().astype(str)
    return tuple(sorted({n for n in names if n.strip()}))


def _survey_of(ctx: object) -> Survey | None:
    from metrodigital.surveys.registry import UnknownSurvey, load_survey

    try:
        return load_survey(str(getattr(ctx, "survey", "")))
    except (UnknownSurvey, ValueError):
        return None


# -- one value each (the PARAMS rows' parsers; None: not usable) ---------------------------


def parse_section(raw: str, survey: Survey | None) -> str | None:
    if survey is None:
        return None
    return raw if any(s.key == raw for s in survey.sections) else None


def parse_by(raw: str, survey: Survey | None = None) -> str | None:
    return raw if raw in BREAKDOWNS else None


def parse_class(raw: str, survey: Survey | None) -> str | None:
    if survey is None:
        return None
    return raw if raw in class_labels(survey, "it") else None


def parse_zone(raw: str, survey: Survey | None) -> str | None:
    if survey is None:
        return None
    return raw if raw in survey_zones(survey.territory) else None


def parse_kind(raw: str, survey: Survey | None = None) -> str | None:
    return raw if raw in KINDS else None


def parse_search(raw: str, survey: Survey | None = None) -> str | None:
    text = clean(raw, max_len=None).strip()
    return text[:SEARCH_MAX] if len(text) <= SEARCH_MAX else None


def parse_finding(raw: str, survey: Survey | None) -> str | None:
    if survey is None:
        return None
    return raw if any(f.key == raw for f in survey.findings) else None


def parse_versus(raw: str, survey: Survey | None = None) -> str | None:
    """A wave identifier (the page offers only the survey's waves with answers)."""
    import re

    return raw if re.fullmatch(r"[a-z0-9-]{1,80}", raw) else None


def param_parser(name: str):
    one = {PARAM_SECTION: parse_section, PARAM_BY: parse_by, PARAM_CLASS: parse_class,
           PARAM_ZONE: parse_zone, PARAM_KIND: parse_kind, PARAM_SEARCH: parse_search,
           PARAM_FINDING: parse_finding, PARAM_VERSUS: parse_versus}[name]
    return lambda raw, ctx: one(raw, _survey_of(ctx))


# -- the whole choice ----------------------------------------------------------------------


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _quote(raw: str) -> str:
    text = clean(raw, max_len=None)
    return text if len(text) <= _QUOTE_MAX else text[:_QUOTE_MAX] + "…"


def choice_from_params(params: Mapping[str, str | Sequence[str]], survey: Survey
                       ) -> tuple[RisposteChoice, list[Note]]:
    """The choice a link describes for ``survey``; a note for each value not usable
    (which is then left out: its default holds)."""
    notes: list[Note] = []

    def one(name: str, parse) -> str:
        values = [v for v in _values(params.get(name, [])) if v != ""]
        if not values:
            return ""
        value = parse(values[-1], survey)
        if value is None:
            notes.append(Note("risposte.link.bad_value", {"name": name,
                                                          "value": _quote(values[-1])}))
            return ""
        return value

    def many(name: str, parse) -> tuple[str, ...]:
        kept: list[str] = []
        for raw in _values(params.get(name, [])):
            if raw == "":
                continue
            value = parse(raw, survey)
            if value is None:
                notes.append(Note("risposte.link.bad_value", {"name": name,
                                                              "value": _quote(raw)}))
            elif value not in kept:
                kept.append(value)
        return tuple(kept)

    choice = RisposteChoice(
        section=one(PARAM_SECTION, parse_section), by=one(PARAM_BY, parse_by),
        classes=many(PARAM_CLASS, parse_class), zones=many(PARAM_ZONE, parse_zone),
        kind=one(PARAM_KIND, parse_kind), search=one(PARAM_SEARCH, parse_search),
        finding=one(PARAM_FINDING, parse_finding), versus=one(PARAM_VERSUS, parse_versus))
    return choice, notes


def choice_to_params(choice: RisposteChoice) -> dict[str, str | list[str]]:
    """The link parameters of ``choice`` (defaults left out)."""
    out: dict[str, str | list[str]] = {}
    for name, value in ((PARAM_SECTION, choice.section), (PARAM_BY, choice.by),
                        (PARAM_KIND, choice.kind), (PARAM_SEARCH, choice.search),
                        (PARAM_FINDING, choice.finding), (PARAM_VERSUS, choice.versus)):
        if value:
            out[name] = value
    for name, values in ((PARAM_CLASS, choice.classes), (PARAM_ZONE, choice.zones)):
        if values:
            out[name] = list(values)
    return out
