"""How robust a scenario's selection is: the robustness core applied to a stored wave.

``analyse()`` ranks the wave (DuckDB), then perturbs the weights, bounds every
entity's rank exactly, finds the tipping points and the effective weights, and
returns it all with the scenario it was computed for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrodigital.criteria import criterion, criterion_keys
from metrodigital.explain import short_name
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import rank
from metrodigital.robustness import (
    EffectiveWeights,
    RankBounds,
    SimulationResult,
    TippingPoint,
    effective_weights,
    rank_bounds,
    simulate,
    tipping_points,
    widest_points_range,
)
from metrodigital.scenario import Scenario
from metrodigital.store import Store

# Tipping points are exact but grow with entities² × criteria: beyond this many
# entities they are computed for those ranked near the cut-off only.
TIPPING_ALL_UP_TO = 400
TIPPING_WINDOW = 15


@dataclass(frozen=True)
class RobustnessReport:
    scenario: Scenario
    entity_ids: tuple[str, ...]
    names: tuple[str, ...]
    nominal_rank: np.ndarray
    simulation: SimulationResult
    bounds: RankBounds
    tipping: tuple[TippingPoint, ...]
    effective: EffectiveWeights
    widest: tuple[str, float, float]  # criterion key, min and max points

    def rows(self) -> list[dict[str, object]]:
        """One dict per entity in nominal-rank order, with its tipping points."""
        simulated = self.simulation.rows()
        out = []
        for i, row in enumerate(simulated):
            out.append({
                "ente": self.names[i],
                "rank": int(self.nominal_rank[i]),
                "p_selected": row["p_selected"],
                "rank_p05": row["rank_p5"],
                "rank_p50": row["rank_p50"],
                "rank_p95": row["rank_p95"],
                "best_rank": int(self.bounds.best[i]),
                "worst_rank": int(self.bounds.worst[i]),
                "class": row["stability"],
                "tipping": [tp.as_dict() for tp in self.tipping if tp.entity == i],
            })
        return out


def analyse(store: Store, scenario: Scenario) -> RobustnessReport:
    """The robustness of ``scenario``'s selection (include-all-ties rule, see below).

    With continuous random weights two entities tie only if their points are
    identical, so the simulation counts everyone tied at the cut-off as
    selected, the app's default rule.
    """
    keys = list(criterion_keys())
    ranking = rank(store, scenario.wave, dict(scenario.weights), scenario.normalisation)
    points = ranking.points.to_numpy(dtype=float)
    weights = np.array([scenario.weights[k] for k in keys], dtype=float)
    names = tuple(ranking.table["ente"])
    top = min(scenario.top, len(names))
    simulation = simulate(points, weights, top, spread=scenario.spread, draws=scenario.draws,
                          seed=scenario.seed, criteria=keys, names=names)
    bounds = rank_bounds(points, weights, top, spread=scenario.spread)
    nominal = ranking.table["rank"].to_numpy()
    entities = None
    if len(names) > TIPPING_ALL_UP_TO:
        entities = [i for i, r in enumerate(nominal) if abs(int(r) - top) <= TIPPING_WINDOW]
    tipping = tuple(tipping_points(points, weights, top, criteria=keys, entities=entities))
    widest = widest_points_range(points, criteria=keys)
    return RobustnessReport(
        scenario=scenario, entity_ids=tuple(ranking.table["entity_id"]), names=names,
        nominal_rank=nominal, simulation=simulation, bounds=bounds, tipping=tipping,
        effective=effective_weights(points, weights, criteria=keys),
        widest=(widest.criterion, widest.low, widest.high),
    )


def tipping_sentence(report: RobustnessReport, point: TippingPoint, lang: str) -> str:
    """ "Strambino entrerebbe tra i 12 se il peso di Infrastrutture passasse da 3 a 5"."""
    return t(
        f"robustness.tipping_{point.effect}", lang,
        ente=short_name(report.names[point.entity]), top=point.top,
        criterion=criterion(point.criterion).label(lang),
        before=fmt_number(point.from_weight, lang), after=point.to,
    )


def dominance_sentence(report: RobustnessReport, lang: str) -> str:
    """Why the criterion with the widest points range weighs more than its share."""
    key, low, high = report.widest
    c = list(report.effective.criteria).index(key)
    return t(
        "robustness.dominance", lang, criterion=criterion(key).label(lang),
        low=fmt_number(low, lang), high=fmt_number(high, lang),
        nominal=fmt_number(100 * float(report.effective.nominal_share[c]), lang, 1),
        variance=fmt_number(100 * float(report.effective.variance_share[c]), lang, 1),
    )
