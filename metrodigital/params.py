"""Every link parameter of the app, declared once: name, default, parser, help.

:data:`PARAMS` is the one table. It drives

- reading a link into a :class:`~metrodigital.scenario.Scenario`
  (:func:`scenario_from_params`: a missing parameter takes its default, an
  invalid one its default and a :class:`Note` the page shows);
- writing a scenario back into a link (:func:`scenario_to_params`: only what
  differs from the defaults);
- the sidebar's defaults (``ui/sidebar.py`` seeds each widget, keyed by the
  parameter's name, from the parsed scenario) and the CLI's options (a row's
  ``cli`` names the option that sets the same field with the same parser);
- the Metodo page's and the README's table of parameters (``help_key``).

A survey's weights are a family of parameters: one per criterion of the chosen
survey's matrix, named by the criterion's code (``ser``, ``pop``…); their
defaults are the chosen wave's reference weights. The survey is read first,
then its wave, then everything that depends on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from metrodigital.catalogue import PARAM_BY as CATALOGUE_BY
from metrodigital.catalogue import PARAM_EXCLUDE as CATALOGUE_EXCLUDE
from metrodigital.catalogue import PARAM_TOP as CATALOGUE_TOP
from metrodigital.catalogue import format_cx, parse_cby, parse_ck, parse_cx
from metrodigital.criteria import Criterion, load_criteria
from metrodigital.quotas import Quota, parse_quota
from metrodigital.risposte import PARAM_BY as RISPOSTE_BY
from metrodigital.risposte import PARAM_CLASS as RISPOSTE_CLASS
from metrodigital.risposte import PARAM_ZONE as RISPOSTE_ZONE
from metrodigital.risposte import RISPOSTE_PARAMS
from metrodigital.risposte import param_parser as risposte_parser
from metrodigital.scenario import (
    DRAWS_CHOICES,
    SEED_MAX,
    SPREAD_MAX,
    TOP_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Normalisation,
    Note,
    Scenario,
    TieRule,
)
from metrodigital.store import SEED_WAVE_SLUG
from metrodigital.surveys.registry import DEFAULT_SURVEY, survey_ids

# Longest raw value quoted back to the user in a note; longer ones are cut.
_QUOTE_MAX = 40

# -- names (stable: links in circulation use them) -----------------------------------
PARAM_RISPOSTE_MAP = "rmap"  # Risposte page: what colours its map
PARAM_SURVEY = "survey"
PARAM_ENTE = "ente"  # the Scheda ente page's entity (metrodigital.profile)
PARAM_WAVE = "wave"
PARAM_TOP = "n"
PARAM_TIES = "tie"
PARAM_TIE_CRITERIA = "tiek"
PARAM_PICKS = "pick"
PARAM_LANG = "lang"
PARAM_SPREAD = "k"
PARAM_DRAWS = "draws"
PARAM_SEED = "seed"
PARAM_NORMALISATION = "norm"
PARAM_QUOTAS = "q"
PARAM_COMPARE = "vs"  # Compare page: the saved scenario compared with (none: the source)


class WaveLike(Protocol):
    """What the link needs to know of a wave (``metrodigital.store.Wave`` is one)."""

    slug: str
    survey_id: str
    reference_weights: dict[str, float]


@dataclass(frozen=True)
class WaveRef:
    """A wave as a link knows it, when no store is at hand."""

    slug: str
    survey_id: str = DEFAULT_SURVEY
    reference_weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a link is read against: the chosen survey's criteria and waves."""

    survey: str
    criteria: tuple[Criterion, ...]
    waves: tuple[str, ...]  # the chosen survey's waves
    top_max: int
    reference: Mapping[str, float]  # the chosen wave's reference weights, by criterion key

    def code_to_key(self) -> dict[str, str]:
        return {c.code: c.key for c in self.criteria}

    def key_to_code(self) -> dict[str, str]:
        return {c.key: c.code for c in self.criteria}


Parser = Callable[[str, Context], Any]  # one raw value → the value, or None when invalid
Formatter = Callable[[Any, Context], str]


@dataclass(frozen=True)
class Param:
    """One link parameter."""

    name: str  # in the link; for the weights' family, a description (one per criterion)
    field: str  # the Scenario attribute it sets ("" for a page's own parameter)
    help_key: str  # catalogue key: what it means, its values and its default
    parse: Parser | None = None
    format: Formatter | None = None
    repeated: bool = False  # ?q=a&q=b: every value counts; else the last one does
    note: str = "params.bad_value"  # the note when a value is not usable
    cli: str = ""  # the CLI option setting the same field (same parser), if any
    scope: str = "scenario"  # scenario | page (a page's own, not in every link) | app


def _whole(low: int, high: int) -> Parser:
    return lambda raw, ctx: parse_whole_number(raw, low, high)


def _enum(kind: type[StrEnum]) -> Parser:
    def parse(raw: str, ctx: Context) -> Any:
        try:
            return kind(raw)
        except ValueError:
            return None

    return parse


def _str(value: Any, ctx: Context) -> str:
    return str(value)


def _parse_top(raw: str, ctx: Context) -> int | None:
    return parse_whole_number(raw, 1, ctx.top_max)


def _parse_draws(raw: str, ctx: Context) -> int | None:
    value = parse_whole_number(raw, 1, max(DRAWS_CHOICES))
    return value if value in DRAWS_CHOICES else None


def _parse_tie_criterion(raw: str, ctx: Context) -> str | None:
    return ctx.code_to_key().get(raw)


def _format_tie_criterion(key: str, ctx: Context) -> str:
    return ctx.key_to_code().get(key, key)


def _parse_pick(raw: str, ctx: Context) -> str | None:
    return raw if re.fullmatch(r"[a-z0-9-]{1,80}", raw) else None


def _parse_quota(raw: str, ctx: Context) -> Quota | None:
    return parse_quota(raw)


def _format_quota(quota: Quota, ctx: Context) -> str:
    return quota.code


def _parse_wave(raw: str, ctx: Context) -> str | None:
    return raw if raw in ctx.waves else None


def _parse_survey(raw: str, ctx: Context) -> str | None:
    return raw if raw in survey_ids() else None


def _parse_risposte_map(raw: str, ctx: Context) -> str | None:
    from metrodigital.answers_map import map_options  # the map's own module imports this one
    from metrodigital.surveys.registry import load_survey

    return raw if raw in map_options(load_survey(ctx.survey)) else None


def _parse_weight(raw: str, ctx: Context) -> int | None:
    return parse_whole_number(raw, WEIGHT_MIN, WEIGHT_MAX)


def format_weight(weight: float, ctx: Context | None = None) -> str:
    return str(int(weight)) if float(weight).is_integer() else repr(float(weight))


WEIGHTS = Param("<criterio>", "weights", "params.help.weights", _parse_weight, format_weight,
                note="params.bad_weight", cli="--weights")

# The table. Order matters: the survey first, then its wave, then what depends on them.
PARAMS: tuple[Param, ...] = (
    Param(PARAM_SURVEY, "survey", "params.help.survey", _parse_survey, _str,
          note="params.bad_survey", cli="--survey"),
    Param(PARAM_WAVE, "wave", "params.help.wave", _parse_wave, _str, note="params.bad_wave",
          cli="--wave"),
    WEIGHTS,
    Param(PARAM_TOP, "top", "params.help.top", _parse_top, _str, note="params.bad_top",
          cli="--top"),
    Param(PARAM_TIES, "ties", "params.help.ties", _enum(TieRule), _str, note="params.bad_ties",
          cli="--ties"),
    Param(PARAM_TIE_CRITERIA, "tie_criteria", "params.help.tie_criteria", _parse_tie_criterion,
          _format_tie_criterion, repeated=True, note="params.bad_tie_criterion", cli="--ties"),
    Param(PARAM_PICKS, "picks", "params.help.picks", _parse_pick, _str, repeated=True,
          note="", cli="--pick"),
    Param(PARAM_NORMALISATION, "normalisation", "params.help.norm", _enum(Normalisation), _str,
          cli="--norm"),
    Param(PARAM_QUOTAS, "quotas", "params.help.quotas", _parse_quota, _format_quota,
          repeated=True, note="params.bad_quota", cli="--quota"),
    Param(PARAM_SPREAD, "spread", "params.help.spread", _whole(0, SPREAD_MAX), _str,
          cli="--spread"),
    Param(PARAM_DRAWS, "draws", "params.help.draws", _parse_draws, _str, cli="--draws"),
    Param(PARAM_SEED, "seed", "params.help.seed", _whole(0, SEED_MAX), _str, cli="--seed"),
    Param(PARAM_LANG, "", "params.help.lang", note="params.bad_lang", cli="--lang",
          scope="app"),
    Param(PARAM_COMPARE, "", "params.help.compare", scope="page"),
    # the Catalogo servizi page's own (read by metrodigital.catalogue.choice_from_params)
    Param(CATALOGUE_TOP, "", "catalogue.help.ck", parse_ck, _str,
          note="catalogue.link.bad_top", cli="--top", scope="page"),
    Param(CATALOGUE_EXCLUDE, "", "catalogue.help.cx", parse_cx, format_cx, repeated=True,
          note="catalogue.link.bad_exclusion", cli="--exclude", scope="page"),
    Param(CATALOGUE_BY, "", "catalogue.help.cby", parse_cby, _str,
          note="catalogue.link.bad_by", cli="--by", scope="page"),
    # the Risposte page's own (read by metrodigital.risposte.choice_from_params)
    *(Param(name, "", f"risposte.help.{name}", risposte_parser(name), _str,
            repeated=name in (RISPOSTE_CLASS, RISPOSTE_ZONE), note="risposte.link.bad_value",
            cli="--by" if name == RISPOSTE_BY else "", scope="page")
      for name in RISPOSTE_PARAMS),
    Param(PARAM_RISPOSTE_MAP, "", "risposte.map.help_param", _parse_risposte_map, _str,
          scope="page"),
    # the Scheda ente page's own (read by ui/scheda.py; metrodigital.profile.resolve_entity)
    Param(PARAM_ENTE, "", "scheda.help.ente", scope="page"),
)


def param(name: str) -> Param:
    """The row of the parameter ``name``."""
    for row in PARAMS:
        if row.name == name:
            return row
    raise KeyError(name)


def scenario_param_names(survey: str | None = None) -> frozenset[str]:
    """Every link parameter that belongs to the scenario: the table's rows of scope
    scenario and app, and the weights of ``survey``'s criteria (every survey's when
    None)."""
    fixed = {p.name for p in PARAMS if p.scope != "page" and p is not WEIGHTS}
    surveys = survey_ids() if survey is None else (survey,)
    return frozenset(fixed | {c.code for s in surveys for c in load_criteria(s)})


def weight_params(survey: str = DEFAULT_SURVEY) -> dict[str, str]:
    """URL parameter → criterion key of ``survey``'s matrix, e.g. ``ser`` → ``servizi``."""
    return {c.code: c.key for c in load_criteria(survey)}


# -- reading --------------------------------------------------------------------------
def parse_whole_number(raw: str, low: int, high: int) -> int | None:
    """``raw`` as a whole number within [low, high], or None.

    Strict on purpose: "5" is 5; "5.5", "1e1", "٥", " 5" and "" are not whole
    numbers written the way the app writes them, so they fall back to the default.
    """
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _last(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def _all(value: str | Sequence[str]) -> list[str]:
    """Every value of a repeated parameter (``?tiek=ser&tiek=inf``), empty ones dropped."""
    items = [value] if isinstance(value, str) else list(value)
    return [item for item in items if item]


def _quote(raw: str) -> str:
    return raw if len(raw) <= _QUOTE_MAX else raw[:_QUOTE_MAX] + "…"


def _as_waves(waves: Sequence[str | WaveLike]) -> list[WaveLike]:
    return [WaveRef(w) if isinstance(w, str) else w for w in waves]


def default_wave(survey: str, waves: Sequence[str | WaveLike]) -> str:
    """The wave a link without ``wave`` shows: the source's for the default survey, else
    the survey's most recent (``waves`` come most recent first); "" when it has none."""
    slugs = [w.slug for w in _as_waves(waves) if w.survey_id == survey]
    if survey == DEFAULT_SURVEY and SEED_WAVE_SLUG in slugs:
        return SEED_WAVE_SLUG
    return slugs[0] if slugs else ""


def _default_value(row: Param, ctx: Context, defaults: Scenario) -> Any:
    return getattr(defaults, row.field)


def scenario_from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    waves: Sequence[str | WaveLike] = (SEED_WAVE_SLUG,),
    default_wave_slug: str | None = None,
    top_max: int = TOP_MAX,
) -> tuple[Scenario, list[Note]]:
    """The scenario a link describes, and a note for every value that was not usable.

    ``waves`` are the published waves (plain slugs are waves of the default survey).
    A link naming a wave of another survey without naming the survey opens that
    wave's survey. ``default_wave_slug`` overrides which wave a link without ``wave``
    shows (default: :func:`default_wave`).
    """
    notes: list[Note] = []
    known = _as_waves(waves)
    survey = DEFAULT_SURVEY
    if PARAM_SURVEY in params:
        raw = _last(params[PARAM_SURVEY])
        if raw in survey_ids():
            survey = raw
        else:
            notes.append(Note("params.bad_survey", {"value": _quote(raw)}))
    elif PARAM_WAVE in params:  # a wave of another survey opens that survey
        raw = _last(params[PARAM_WAVE])
        survey = next((w.survey_id for w in known if w.slug == raw), survey)
    of_survey = [w for w in known if w.survey_id == survey]
    wave = default_wave_slug if default_wave_slug is not None else default_wave(survey, known)
    criteria = load_criteria(survey)
    ctx = Context(survey=survey, criteria=criteria, waves=tuple(w.slug for w in of_survey),
                  top_max=top_max, reference={})
    if PARAM_WAVE in params:
        raw = _last(params[PARAM_WAVE])
        if _parse_wave(raw, ctx) is not None:
            wave = raw
        else:
            notes.append(Note("params.bad_wave", {"value": _quote(raw)}))
    chosen = next((w for w in of_survey if w.slug == wave), None)
    reference = {c.key: c.seed_weight for c in criteria}
    if chosen is not None and chosen.reference_weights:
        reference.update({k: v for k, v in chosen.reference_weights.items() if k in reference})
    ctx = Context(survey=survey, criteria=criteria, waves=ctx.waves, top_max=top_max,
                  reference=reference)
    defaults = Scenario(survey=survey, wave=wave, weights=dict(reference),
                        reference=dict(reference))

    weights = dict(reference)
    for c in criteria:
        if c.code not in params:
            continue
        raw = _last(params[c.code])
        value = _parse_weight(raw, ctx)
        if value is None:
            notes.append(Note(WEIGHTS.note, {"param": c.code, "value": _quote(raw),
                                             "default": format_weight(reference[c.key])}))
        else:
            weights[c.key] = value

    values: dict[str, Any] = {"survey": survey, "wave": wave, "weights": weights,
                              "reference": dict(reference)}
    for row in PARAMS:
        if row.field in values or not row.field or row.parse is None:
            continue
        values[row.field] = _read(row, params, ctx, defaults, notes)
    return Scenario(**values), notes


def _read(row: Param, params: Mapping[str, str | Sequence[str]], ctx: Context,
          defaults: Scenario, notes: list[Note]) -> Any:
    default = _default_value(row, ctx, defaults)
    if row.name not in params:
        return default
    assert row.parse is not None
    if not row.repeated:
        raw = _last(params[row.name])
        value = row.parse(raw, ctx)
        if value is None:
            notes.append(_bad(row, raw, default, ctx))
            return default
        return value
    items: list[Any] = []
    for raw in _all(params[row.name]):
        value = row.parse(raw, ctx)
        if value is not None and row.field == "quotas" and items and value.kind != items[0].kind:
            value = None  # one kind of quota at a time
        if value is None:
            if row.note:
                notes.append(_bad(row, raw, default, ctx))
        elif value not in items:  # a repeated value adds nothing
            items.append(value)
    return tuple(items)


def _bad(row: Param, raw: str, default: Any, ctx: Context) -> Note:
    shown = _format_value(row, default, ctx) if row.format and not row.repeated else ""
    return Note(row.note, {"param": row.name, "value": _quote(raw), "default": shown,
                           "max": ctx.top_max})


def _format_value(row: Param, value: Any, ctx: Context) -> str:
    assert row.format is not None
    return row.format(value, ctx)


# -- writing --------------------------------------------------------------------------
def scenario_to_params(
    scenario: Scenario, *, default_wave_slug: str | None = None
) -> dict[str, str | list[str]]:
    """The query parameters of ``scenario``: only what differs from the defaults.

    The weights' defaults are the scenario's reference weights (its wave's); the
    wave is left out when it is ``default_wave_slug`` (default: the source's wave
    for the default survey; for another survey the wave is always written, so that
    a link keeps meaning the same wave when a newer one is published).
    """
    criteria = load_criteria(scenario.survey)
    ctx = Context(survey=scenario.survey, criteria=criteria, waves=(), top_max=TOP_MAX,
                  reference=scenario.reference)
    defaults = Scenario(weights=dict(scenario.reference), reference=dict(scenario.reference))
    if default_wave_slug is None:
        default_wave_slug = SEED_WAVE_SLUG if scenario.survey == DEFAULT_SURVEY else ""
    params: dict[str, str | list[str]] = {}
    for row in PARAMS:
        if not row.field or row.format is None:
            continue
        if row is WEIGHTS:
            for c in criteria:
                weight = scenario.weights.get(c.key)
                if weight is not None and weight != scenario.reference.get(c.key):
                    params[c.code] = format_weight(weight)
            continue
        value = getattr(scenario, row.field)
        default = default_wave_slug if row.field == "wave" else getattr(defaults, row.field)
        if value == default:
            continue
        if row.repeated:
            params[row.name] = [row.format(item, ctx) for item in value]
        else:
            params[row.name] = row.format(value, ctx)
    return params


def parse_weight_overrides(text: str, survey: str = DEFAULT_SURVEY) -> dict[str, float]:
    """``"servizi=3,pop=2.5"`` → ``{"servizi": 3.0, "popolazione": 2.5}`` (keys or codes).

    Raises ValueError with a message naming the bad item.
    """
    from metrodigital.text import parse_number

    by_code = weight_params(survey)
    keys = {c.key for c in load_criteria(survey)}
    overrides: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, raw = item.partition("=")
        name = name.strip().lower()
        key = by_code.get(name, name)
        if not sep or key not in keys:
            raise ValueError(
                f"peso non valido {item!r}: usare chiave=valore con chiave tra "
                + ", ".join(sorted(keys))
            )
        value = parse_number(raw)
        if value is None:
            raise ValueError(f"peso non valido {item!r}: {raw.strip()!r} non è un numero")
        if value < 0:
            raise ValueError(f"peso non valido {item!r}: deve essere un numero ≥ 0")
        overrides[key] = value
    return overrides


def link_query(scenario: Scenario, lang: str) -> dict[str, str | list[str]]:
    """The query parameters that reopen ``scenario`` in ``lang`` (what every share box,
    page link and report writes)."""
    from metrodigital.i18n import DEFAULT_LANG

    query = scenario_to_params(scenario)
    if lang != DEFAULT_LANG:
        query[PARAM_LANG] = lang
    return query
