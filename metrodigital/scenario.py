"""The scenario: everything that determines what a user sees, and its link form.

Every part of a scenario has a short, stable query-string parameter, so a link
reproduces it exactly. A parameter that is missing takes its default; one that
is invalid takes its default and produces a :class:`Note` the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar

from metrodigital.criteria import load_criteria, seed_weights
from metrodigital.quotas import Quota, parse_quota
from metrodigital.store import SEED_WAVE_SLUG
from metrodigital.text import parse_number

WEIGHT_MIN = 0
WEIGHT_MAX = 10
DEFAULT_TOP = 12
TOP_MAX = 500
DEFAULT_SPREAD = 1
SPREAD_MAX = 5
DEFAULT_DRAWS = 10_000
DRAWS_CHOICES = (1_000, 10_000, 50_000)
DEFAULT_SEED = 20230321  # the date of the source's report: any fixed seed reproduces
SEED_MAX = 2**31 - 1
# Longest raw value quoted back to the user in a note; longer ones are cut.
_QUOTE_MAX = 40


E = TypeVar("E", bound=StrEnum)


class Normalisation(StrEnum):
    """How section points are made comparable before weighting."""

    RAW = "raw"  # the source's method: points as they are
    SHARE = "share"  # points as a share of the section's maximum
    MINMAX = "minmax"  # (points − min) / (max − min) over the wave's entities


class TieRule(StrEnum):
    """What to do when entities with equal scores straddle the cut-off."""

    ALL = "all"  # include everyone tied at the cut-off (the selection can exceed N)
    CRITERIA = "criteria"  # break the tie by an ordered list of criteria
    CHOICE = "choice"  # the user picks among the tied


@dataclass(frozen=True)
class Note:
    """A message for the user, by catalogue key, rendered in the user's language."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """Wave, weights, N, tie rule: the inputs of one ranking and selection."""

    weights: Mapping[str, float] = field(default_factory=seed_weights)
    top: int = DEFAULT_TOP
    ties: TieRule = TieRule.ALL
    tie_criteria: tuple[str, ...] = ()
    picks: tuple[str, ...] = ()
    wave: str = SEED_WAVE_SLUG
    # robustness analysis: each weight perturbed within ±spread, draws, random seed
    spread: int = DEFAULT_SPREAD
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    normalisation: Normalisation = Normalisation.RAW
    quotas: tuple[Quota, ...] = ()

    def with_weights(self, **overrides: float) -> Scenario:
        return replace(self, weights={**self.weights, **overrides})

    @property
    def total_weight(self) -> float:
        return float(sum(self.weights.values()))

    def shares(self) -> dict[str, float]:
        """Nominal share of each weight, w / Σw (all 0 when every weight is 0)."""
        total = self.total_weight
        return {k: (w / total if total else 0.0) for k, w in self.weights.items()}

    def ties_label(self) -> str:
        """The tie rule as the CLI writes it: ``all``, ``criteria:k1,k2``, ``choice``."""
        if self.ties is TieRule.CRITERIA:
            return "criteria:" + ",".join(self.tie_criteria)
        return str(self.ties)


# -- link parameters ---------------------------------------------------------------
# name in the URL → what it holds. Weight parameters are the criteria's codes.
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


def scenario_param_names() -> frozenset[str]:
    """Every link parameter that belongs to the scenario (weights, N, rule, wave, language,
    normalisation, quotas, robustness): what :func:`scenario_to_params` may write."""
    return frozenset({*weight_params(), PARAM_WAVE, PARAM_TOP, PARAM_TIES, PARAM_TIE_CRITERIA,
                      PARAM_PICKS, PARAM_LANG, PARAM_SPREAD, PARAM_DRAWS, PARAM_SEED,
                      PARAM_NORMALISATION, PARAM_QUOTAS})


def weight_params() -> dict[str, str]:
    """URL parameter → criterion key, e.g. ``ser`` → ``servizi``."""
    return {c.code: c.key for c in load_criteria()}


def _last(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def _all(value: str | Sequence[str]) -> list[str]:
    """Every value of a repeated parameter (``?tiek=ser&tiek=inf``), empty ones dropped."""
    items = [value] if isinstance(value, str) else list(value)
    return [item for item in items if item]


def _quote(raw: str) -> str:
    text = raw if len(raw) <= _QUOTE_MAX else raw[:_QUOTE_MAX] + "…"
    return text


def parse_whole_number(raw: str, low: int, high: int) -> int | None:
    """``raw`` as a whole number within [low, high], or None.

    Strict on purpose: "5" is 5; "5.5", "1e1", "٥", " 5" and "" are not whole
    numbers written the way the app writes them, so they fall back to the default.
    """
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def scenario_from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    waves: Sequence[str] = (SEED_WAVE_SLUG,),
    default_wave: str = SEED_WAVE_SLUG,
    top_max: int = TOP_MAX,
) -> tuple[Scenario, list[Note]]:
    """The scenario a link describes, and a note for every value that was not usable."""
    notes: list[Note] = []
    defaults = Scenario(wave=default_wave)
    weights = dict(defaults.weights)
    for code, key in weight_params().items():
        if code not in params:
            continue
        raw = _last(params[code])
        value = parse_whole_number(raw, WEIGHT_MIN, WEIGHT_MAX)
        if value is None:
            notes.append(
                Note("params.bad_weight", {"param": code, "value": _quote(raw),
                                           "default": int(weights[key])})
            )
        else:
            weights[key] = value

    top = defaults.top
    if PARAM_TOP in params:
        raw = _last(params[PARAM_TOP])
        value = parse_whole_number(raw, 1, top_max)
        if value is None:
            notes.append(Note("params.bad_top", {"value": _quote(raw), "default": top,
                                                 "max": top_max}))
        else:
            top = value

    ties = _choice(params, PARAM_TIES, TieRule, defaults.ties, notes,
                   Note("params.bad_ties", {"value": ""}))

    by_code = weight_params()
    tie_criteria: list[str] = []
    for raw in _all(params.get(PARAM_TIE_CRITERIA, [])):
        key = by_code.get(raw)
        if key is None:
            notes.append(Note("params.bad_tie_criterion", {"value": _quote(raw)}))
        elif key not in tie_criteria:  # a repeated criterion adds nothing
            tie_criteria.append(key)

    picks = tuple(dict.fromkeys(
        p for p in _all(params.get(PARAM_PICKS, [])) if re.fullmatch(r"[a-z0-9-]{1,80}", p)
    ))

    wave = default_wave
    if PARAM_WAVE in params:
        raw = _last(params[PARAM_WAVE])
        if raw in waves:
            wave = raw
        else:
            notes.append(Note("params.bad_wave", {"value": _quote(raw)}))

    spread = _whole(params, PARAM_SPREAD, 0, SPREAD_MAX, DEFAULT_SPREAD, notes)
    draws = _whole(params, PARAM_DRAWS, 1, max(DRAWS_CHOICES), DEFAULT_DRAWS, notes)
    if draws not in DRAWS_CHOICES:
        notes.append(Note("params.bad_value", {"param": PARAM_DRAWS, "value": str(draws),
                                               "default": DEFAULT_DRAWS}))
        draws = DEFAULT_DRAWS
    seed = _whole(params, PARAM_SEED, 0, SEED_MAX, DEFAULT_SEED, notes)
    normalisation = _choice(
        params, PARAM_NORMALISATION, Normalisation, Normalisation.RAW, notes,
        Note("params.bad_value", {"param": PARAM_NORMALISATION, "value": "", "default": "raw"}))
    quotas: list[Quota] = []
    for raw in _all(params.get(PARAM_QUOTAS, [])):
        quota = parse_quota(raw)
        if quota is None or (quotas and quota.kind != quotas[0].kind):
            notes.append(Note("params.bad_quota", {"value": _quote(raw)}))
        elif quota not in quotas:
            quotas.append(quota)
    scenario = Scenario(
        weights=weights, top=top, ties=ties, tie_criteria=tuple(tie_criteria), picks=picks,
        wave=wave, spread=spread, draws=draws, seed=seed, normalisation=normalisation,
        quotas=tuple(quotas),
    )
    return scenario, notes


def _choice(params: Mapping[str, str | Sequence[str]], name: str, kind: type[E], default: E,
            notes: list[Note], bad: Note) -> E:
    """A parameter naming one of ``kind``'s values, or ``default`` and the ``bad`` note
    (its ``value`` filled with what the link said)."""
    if name not in params:
        return default
    raw = _last(params[name])
    try:
        return kind(raw)
    except ValueError:
        notes.append(Note(bad.code, {**bad.params, "value": _quote(raw)}))
        return default


def _whole(params: Mapping[str, str | Sequence[str]], name: str, low: int, high: int,
           default: int, notes: list[Note]) -> int:
    """A whole-number parameter, or its default with a note when the link's value is bad."""
    if name not in params:
        return default
    raw = _last(params[name])
    value = parse_whole_number(raw, low, high)
    if value is None:
        notes.append(Note("params.bad_value", {"param": name, "value": _quote(raw),
                                               "default": default}))
        return default
    return value


def scenario_to_params(
    scenario: Scenario, *, default_wave: str = SEED_WAVE_SLUG
) -> dict[str, str | list[str]]:
    """The query parameters of ``scenario``: only what differs from the defaults."""
    params: dict[str, str | list[str]] = {}
    defaults = seed_weights()
    for code, key in weight_params().items():
        weight = scenario.weights[key]
        if weight != defaults[key]:
            params[code] = _format_weight(weight)
    if scenario.top != DEFAULT_TOP:
        params[PARAM_TOP] = str(scenario.top)
    if scenario.ties is not TieRule.ALL:
        params[PARAM_TIES] = str(scenario.ties)
    codes = {c.key: c.code for c in load_criteria()}
    if scenario.tie_criteria:
        params[PARAM_TIE_CRITERIA] = [codes[k] for k in scenario.tie_criteria]
    if scenario.picks:
        params[PARAM_PICKS] = list(scenario.picks)
    if scenario.wave != default_wave:
        params[PARAM_WAVE] = scenario.wave
    for name, value, default in ((PARAM_SPREAD, scenario.spread, DEFAULT_SPREAD),
                                 (PARAM_DRAWS, scenario.draws, DEFAULT_DRAWS),
                                 (PARAM_SEED, scenario.seed, DEFAULT_SEED)):
        if value != default:
            params[name] = str(value)
    if scenario.normalisation is not Normalisation.RAW:
        params[PARAM_NORMALISATION] = str(scenario.normalisation)
    if scenario.quotas:
        params[PARAM_QUOTAS] = [q.code for q in scenario.quotas]
    return params


def _format_weight(weight: float) -> str:
    return str(int(weight)) if float(weight).is_integer() else repr(float(weight))


def parse_weight_overrides(text: str) -> dict[str, float]:
    """``"servizi=3,pop=2.5"`` → ``{"servizi": 3.0, "popolazione": 2.5}`` (keys or codes).

    Raises ValueError with a message naming the bad item.
    """
    by_code = weight_params()
    keys = {c.key for c in load_criteria()}
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
