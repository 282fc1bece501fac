"""How robust a scenario's selection is: the robustness core applied to a stored wave.

``analyse()`` ranks the wave (the one scoring path, :mod:`metrodigital.scoring`, on
the points the store reads), then perturbs the weights, bounds every
entity's rank (proven where it decides the entity's class, intervals elsewhere:
see :mod:`metrodigital.robustness.intervals`), finds the tipping points and the
effective weights, and returns it all with the scenario it was computed for.
A :class:`~metrodigital.robustness.Budget` bounds its time, reports its progress
and lets it be abandoned.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from metrodigital.explain import short_name
from metrodigital.i18n import fmt_number, t
from metrodigital.ranking import rank
from metrodigital.robustness import (
    Budget,
    EffectiveWeights,
    RankIntervals,
    SimulationResult,
    TippingPoint,
    effective_weights,
    plan_bounds,
    prefetch_solver,
    simulate,
    tipping_points,
    widest_points_range,
)
from metrodigital.scenario import Scenario
from metrodigital.store import Store
from metrodigital.surveys.model import Criterion
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey

# Memory: the simulation keeps one rank per entity and draw (2 bytes each).
MAX_RANK_CELLS = 150_000_000
# Time: the rank bounds' MILPs stop here (then unproven bounds stay intervals).
BOUNDS_SECONDS = 60.0


class AnalysisTooLarge(ValueError):
    """More entities × draws than the memory allowance."""

    def __init__(self, entities: int, draws: int) -> None:
        super().__init__(f"{entities} entities × {draws} draws")
        self.entities = entities
        self.draws = draws
        self.max_draws = MAX_RANK_CELLS // max(entities, 1)


@dataclass(frozen=True)
class RobustnessReport:
    scenario: Scenario
    entity_ids: tuple[str, ...]
    names: tuple[str, ...]
    nominal_rank: np.ndarray
    simulation: SimulationResult
    bounds: RankIntervals  # narrowed by the ranks seen in the draws
    tipping: tuple[TippingPoint, ...]
    effective: EffectiveWeights
    widest: tuple[str, float, float]  # criterion key, min and max points
    survey_id: str = DEFAULT_SURVEY  # the survey of the wave: its criteria's names

    def criterion(self, key: str) -> Criterion:
        """A criterion of the wave's survey (for its name in the user's language)."""
        return load_survey(self.survey_id).criterion(key)

    def rows(self) -> list[dict[str, object]]:
        """One dict per entity in nominal-rank order, with its tipping points.

        Built once per report (a page draws them several times); do not modify them.

        ``best_rank``/``worst_rank`` are whole numbers when proven, else None, and
        ``best_rank_range``/``worst_rank_range`` always hold the proven interval.
        ``class`` comes from those bounds, so it always agrees with them: "always"
        iff the worst rank is proven within N, "never" iff the best is proven beyond
        it, "borderline" iff both are proven possible, "undecided" otherwise (only
        when the time budget ran out).
        """
        return self._rows

    @cached_property
    def _rows(self) -> list[dict[str, object]]:
        simulated = self.simulation.rows()
        bounds = self.bounds
        classes = bounds.classes
        tipping = self.tipping_by_entity()
        out = []
        for i, row in enumerate(simulated):
            best = (int(bounds.best_low[i]), int(bounds.best_high[i]))
            worst = (int(bounds.worst_low[i]), int(bounds.worst_high[i]))
            out.append({
                "ente": self.names[i],
                "rank": int(self.nominal_rank[i]),
                "p_selected": row["p_selected"],
                "rank_p05": row["rank_p5"],
                "rank_p50": row["rank_p50"],
                "rank_p95": row["rank_p95"],
                "best_rank": best[0] if best[0] == best[1] else None,
                "worst_rank": worst[0] if worst[0] == worst[1] else None,
                "best_rank_range": list(best),
                "worst_rank_range": list(worst),
                "class": classes[i],
                "tipping": [tp.as_dict() for tp in tipping.get(i, ())],
            })
        return out

    def tipping_by_entity(self) -> dict[int, list[TippingPoint]]:
        """The tipping points listed for each entity: the same list on the page, in the
        report and in the CLI (every entity's, in matrix order of the criteria)."""
        listed: dict[int, list[TippingPoint]] = {}
        for point in self.tipping:
            listed.setdefault(point.entity, []).append(point)
        return listed

    def listed_tipping(self) -> list[TippingPoint]:
        """Every tipping point, entities in nominal-rank order (page and report)."""
        order = np.argsort(self.nominal_rank, kind="stable")
        by_entity = self.tipping_by_entity()
        return [tp for i in order for tp in by_entity.get(int(i), ())]


def analyse(store: Store, scenario: Scenario, *, budget: Budget | None = None,
            load_solver_early: bool = False) -> RobustnessReport:
    """The robustness of ``scenario``'s selection (include-all-ties rule, see below).

    With continuous random weights two entities tie only if their points are
    identical, so the simulation counts everyone tied at the cut-off as
    selected, the app's default rule. ``budget`` (default: ``BOUNDS_SECONDS``)
    bounds the time, reports progress and can cancel; more entities × draws than
    ``MAX_RANK_CELLS`` raise :class:`AnalysisTooLarge` before anything is computed.

    ``load_solver_early`` (for a fresh process such as the CLI): when MILPs are
    planned, SciPy's optimiser is imported on a thread while the draws run.
    """
    budget = budget or Budget(seconds=BOUNDS_SECONDS)
    ranking = rank(store, scenario.wave, dict(scenario.weights), scenario.normalisation)
    # the criteria of the wave's survey, in matrix order, with the weights ranked with
    keys = list(ranking.points.columns)
    points = ranking.points.to_numpy(dtype=float)
    weights = np.array([ranking.weights[k] for k in keys], dtype=float)
    names = tuple(ranking.table["ente"])
    if len(names) * scenario.draws > MAX_RANK_CELLS:
        raise AnalysisTooLarge(len(names), scenario.draws)
    top = min(scenario.top, len(names))
    # the cheap bounds first: if MILPs remain, SciPy can load while the draws run
    plan = plan_bounds(points, weights, top, spread=scenario.spread)
    if plan.needs_solver and load_solver_early:
        prefetch_solver()
    simulation = simulate(points, weights, top, spread=scenario.spread, draws=scenario.draws,
                          seed=scenario.seed, criteria=keys, names=names, budget=budget)
    bounds = plan.solve(budget=budget)
    bounds = bounds.with_witness_ranks(simulation.rank_min, simulation.rank_max)
    nominal = ranking.table["rank"].to_numpy()
    tipping = tuple(tipping_points(points, weights, top, criteria=keys, budget=budget,
                                   thresholds=False))
    budget.progress(1.0, "tipping")
    widest = widest_points_range(points, criteria=keys)
    return RobustnessReport(
        scenario=scenario, entity_ids=tuple(ranking.table["entity_id"]), names=names,
        nominal_rank=nominal, simulation=simulation, bounds=bounds, tipping=tipping,
        effective=effective_weights(points, weights, criteria=keys),
        widest=(widest.criterion, widest.low, widest.high),
        survey_id=store.wave(scenario.wave).survey_id,
    )


def tipping_sentence(report: RobustnessReport, point: TippingPoint, lang: str) -> str:
    """ "Strambino entrerebbe tra i 12 se il peso di Infrastrutture passasse da 3 a 5"."""
    return t(
        f"robustness.tipping_{point.effect}", lang,
        ente=short_name(report.names[point.entity]), top=point.top,
        criterion=report.criterion(point.criterion).label(lang),
        before=fmt_number(point.from_weight, lang), after=point.to,
    )


def dominance_sentence(report: RobustnessReport, lang: str) -> str:
    """Why the criterion with the widest points range weighs more than its share."""
    key, low, high = report.widest
    c = list(report.effective.criteria).index(key)
    return t(
        "robustness.dominance", lang, criterion=report.criterion(key).label(lang),
        low=fmt_number(low, lang), high=fmt_number(high, lang),
        nominal=fmt_number(100 * float(report.effective.nominal_share[c]), lang, 1),
        variance=fmt_number(100 * float(report.effective.variance_share[c]), lang, 1),
    )
