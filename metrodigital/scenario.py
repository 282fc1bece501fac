"""The scenario: everything that determines what a user sees.

Every part of a scenario has a short, stable query-string parameter, declared
in :mod:`metrodigital.params` (the one table of link parameters), so a link
reproduces it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from metrodigital.criteria import seed_weights
from metrodigital.quotas import Quota
from metrodigital.store import SEED_WAVE_SLUG
from metrodigital.surveys.registry import DEFAULT_SURVEY

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

    # by criterion key of the survey's matrix (empty: the survey has no matrix)
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
    survey: str = DEFAULT_SURVEY
    # the wave's reference weights (the source's): the sliders' defaults, "the source" of
    # the rank-change arrows and comparisons
    reference: Mapping[str, float] = field(default_factory=seed_weights)

    def with_weights(self, **overrides: float) -> Scenario:
        return replace(self, weights={**self.weights, **overrides})

    @property
    def total_weight(self) -> float:
        return float(sum(self.weights.values()))

    def shares(self) -> dict[str, float]:
        """Nominal share of each weight, w / Σw (all 0 when every weight is 0)."""
        total = self.total_weight
        return {k: (w / total if total else 0.0) for k, w in self.weights.items()}

    @property
    def changed_weights(self) -> bool:
        """Whether any weight differs from the wave's reference weights."""
        return dict(self.weights) != dict(self.reference)

    def ties_label(self) -> str:
        """The tie rule as the CLI writes it: ``all``, ``criteria:k1,k2``, ``choice``."""
        if self.ties is TieRule.CRITERIA:
            return "criteria:" + ",".join(self.tie_criteria)
        return str(self.ties)
