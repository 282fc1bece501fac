"""Ranking and selection: the prioritisation matrix applied to a scenario.

The store (DuckDB) keeps and reads a wave's points (:meth:`Store.points`); the one
scoring path (:mod:`metrodigital.scoring`: normalise → aggregate → rank → select)
computes scores, competition ranks and the selection. The criteria, their maxima
and the reference weights come from the survey the wave belongs to, so a survey
with other criteria than Torino's eight ranks the same way. ``evaluate()`` does it
all and compares with the wave's reference weights: it is what the pages, the CLI
and the report call.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrodigital import scoring
from metrodigital.quotas import UNKNOWN_ZONE, GroupKind, QuotaOutcome, apply_quotas
from metrodigital.scenario import Normalisation, Note, Scenario, TieRule
from metrodigital.scoring import TieOutcome, TieStatus
from metrodigital.store import Store
from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import load_survey

__all__ = [
    "Ranking", "Selection", "TieOutcome", "TieStatus", "WavePoints", "criteria_maxima",
    "evaluate", "rank", "score_decimals", "wave_points",
]


@dataclass(frozen=True)
class WavePoints:
    """A wave's points as the scoring path takes them, with its survey's criteria.

    Rows are the wave's entities in the order of its file; ``values`` (read-only)
    has one column per criterion of ``criteria``. ``groups`` gives each entity's
    population class and zona omogenea (for quotas), read once, when quotas first
    ask, from the points of the population criterion and the entity's ISTAT code.
    """

    wave: str
    wave_id: int
    survey_id: str
    criteria: tuple[str, ...]
    maxima: Mapping[str, float]
    reference_weights: Mapping[str, float]
    population_key: str | None
    entity_ids: npt.NDArray[np.object_]
    names: npt.NDArray[np.object_]
    values: npt.NDArray[np.float64]
    istat_codes: tuple[str | None, ...] = field(repr=False)
    survey: Survey = field(repr=False, compare=False)

    @cached_property
    def _groups_by_zones(self) -> dict[tuple[tuple[str, int | None], ...],
                                       dict[str, dict[GroupKind, int]]]:
        return {}

    def groups(self, zones: Mapping[str, int | None]) -> dict[str, dict[GroupKind, int]]:
        """Each entity's population class and zona omogenea, with ``zones`` (ISTAT code →
        zone, :func:`metrodigital.zones.effective_zones`); kept per set of zones."""
        key = tuple(sorted(zones.items()))
        cache = self._groups_by_zones
        if key not in cache:
            population = (self.values[:, self.criteria.index(self.population_key)]
                          if self.population_key else None)
            cache[key] = _groups(self.survey, self.entity_ids, self.istat_codes, population,
                                 zones)
        return cache[key]


# per store: (its generation, territory) → zones; a store that is gone takes its entry along
_ZONES_KEPT: weakref.WeakKeyDictionary[Store, dict[tuple[int, str], dict[str, int | None]]] = (
    weakref.WeakKeyDictionary())


def _zones_of(store: Store, territory: str) -> dict[str, int | None]:
    """The zones in force for the territory (an editor's load, else the shipped file),
    read again only after the store has been written to (a load changes them)."""
    from metrodigital.territories import TerritoryError
    from metrodigital.zones import effective_zones

    per_store = _ZONES_KEPT.setdefault(store, {})
    key = (store.generation, territory)
    kept = per_store.get(key)
    if kept is None:
        try:
            kept = effective_zones(store, territory)
        except (TerritoryError, KeyError, OSError):
            kept = {}
        per_store.clear()  # an older generation's zones are never asked again
        per_store[key] = kept
    return kept


def criteria_maxima(survey: Survey) -> dict[str, float]:
    """The most points each criterion of the survey's matrix can give: a section's
    maximum, or the population criterion's top class (what ``share`` divides by)."""
    top_class = max((float(c.points or 0) for c in survey.population_classes), default=0.0)
    maxima: dict[str, float] = {}
    for criterion in survey.criteria:
        if criterion.population:
            maxima[criterion.key] = top_class
            continue
        try:
            maxima[criterion.key] = float(survey.section(criterion.key).max_points)
        except KeyError:  # a criterion that is no section: no maximum to share of
            maxima[criterion.key] = 0.0
    return maxima


def wave_points(store: Store, slug: str) -> WavePoints:
    """The points of wave ``slug`` with its survey's criteria (read once per wave: a
    wave's points never change, and ``wave_id`` is never reused)."""
    return _wave_points(store, slug, store.wave(slug).wave_id)


@lru_cache(maxsize=32)
def _wave_points(store: Store, slug: str, wave_id: int) -> WavePoints:
    wave = store.wave(slug)
    survey = load_survey(wave.survey_id)
    keys = tuple(c.key for c in survey.criteria)
    frame = store.points(slug, keys)
    # a criterion without points for an entity gives it nothing (as a sum would)
    values = np.nan_to_num(frame[list(keys)].to_numpy(dtype=np.float64), nan=0.0)
    values.setflags(write=False)
    ids = frame["entity_id"].to_numpy(dtype=object)
    reference = {c.key: float(c.weight) for c in survey.criteria}
    reference.update({k: float(w) for k, w in wave.reference_weights.items() if k in reference})
    population = next((c.key for c in survey.criteria if c.population), None)
    return WavePoints(
        wave=slug, wave_id=wave_id, survey_id=wave.survey_id, criteria=keys,
        maxima=criteria_maxima(survey), reference_weights=reference,
        population_key=population, entity_ids=ids,
        names=frame["ente"].to_numpy(dtype=object), values=values,
        istat_codes=tuple(c if isinstance(c, str) and c else None
                          for c in frame["istat_code"].tolist()),
        survey=survey,
    )


def _groups(survey: Survey, ids: npt.NDArray[np.object_], codes: tuple[str | None, ...],
            population_points: npt.NDArray[np.float64] | None,
            zone_of: Mapping[str, int | None]) -> dict[str, dict[GroupKind, int]]:
    """Each entity's population class (by its points on the population criterion) and
    zona omogenea (by its ISTAT code; an Unione: its members' zone when they share one)."""
    class_of = {float(c.points): c.number for c in survey.population_classes
                if c.points is not None}
    groups: dict[str, dict[GroupKind, int]] = {}
    for row, entity_id in enumerate(ids):
        code = codes[row]
        zones = {zone_of.get(part) for part in code.split(";")} if code else {None}
        zone = zones.pop() if len(zones) == 1 else None
        points = float(population_points[row]) if population_points is not None else 0.0
        groups[str(entity_id)] = {"pop": class_of.get(points, int(points)),
                                  "zona": zone or UNKNOWN_ZONE}
    return groups


@dataclass(frozen=True)
class Ranking:
    """Scores and ranks of one wave under one set of weights.

    ``table`` has one row per entity, best score first: ``entity_id, ente,
    score, rank``; ``points`` (normalised) and ``contributions`` are indexed by
    entity_id with one column per criterion. ``scored`` is the scoring path's
    result, with the parameters used (normalisation, maxima, weights).
    """

    wave: str
    weights: dict[str, float]
    table: pd.DataFrame
    points: pd.DataFrame
    contributions: pd.DataFrame
    scored: scoring.Ranked | None = field(default=None, repr=False)
    normalisation: Normalisation = Normalisation.RAW


@dataclass(frozen=True)
class Selection:
    """The outcome of a scenario: ranking with selection marks, tie status, notes.

    ``table`` columns: ``entity_id, ente, score, rank, seed_rank, rank_change,
    selected, tied_at_cutoff`` and one contribution column per criterion (of the
    wave's survey, in matrix order: ``points.columns``). ``seed_rank`` is the rank
    under the wave's reference weights.
    """

    scenario: Scenario
    table: pd.DataFrame
    points: pd.DataFrame
    ties: TieStatus
    notes: list[Note] = field(default_factory=list)
    quota: QuotaOutcome | None = None
    survey_id: str = ""  # the survey of the wave ranked
    # the weight of each of its criteria ranked with (one the scenario did not name: the
    # wave's reference weight)
    weights: Mapping[str, float] = field(default_factory=dict)

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(self.points.columns)

    @property
    def selected_ids(self) -> list[str]:
        return self.table.loc[self.table["selected"], "entity_id"].tolist()

    @property
    def n_selected(self) -> int:
        return int(self.table["selected"].sum())

    @property
    def all_weights_zero(self) -> bool:
        return self.scenario.total_weight == 0


def score_decimals(selection: Selection) -> int:
    """Decimals the ranking is shown with: none when every score and contribution is a
    whole number (raw points, whole weights), else 2. Pages, CLI and report agree."""
    keys = list(selection.points.columns)
    values = selection.table[["score", *keys]].to_numpy(dtype=float)
    return 0 if bool(np.all(values == np.round(values))) else 2


def _weights(points: WavePoints, weights: Mapping[str, float]) -> dict[str, float]:
    """The weight of each of the wave's criteria; one the scenario does not name keeps
    the wave's reference weight (weights of other criteria are not used)."""
    return {k: float(weights[k]) if k in weights else points.reference_weights[k]
            for k in points.criteria}


def _rank(points: WavePoints, weights: Mapping[str, float],
          normalisation: Normalisation = Normalisation.RAW) -> Ranking:
    keys = points.criteria
    used = _weights(points, weights)
    normalised = scoring.normalise(points.values, str(normalisation), criteria=keys,
                                   maxima=points.maxima)
    scored = scoring.rank(scoring.aggregate(normalised, used))
    aggregated = scored.aggregated
    order = scored.order
    ids = points.entity_ids[order]
    index = pd.Index(ids, name="entity_id", dtype=object)
    table = pd.DataFrame({
        "entity_id": ids,
        "ente": points.names[order],
        "score": aggregated.scores[order],
        "rank": scored.ranks[order],
    })
    columns = list(keys)
    return Ranking(
        points.wave, used, table,
        pd.DataFrame(normalised.values[order], index=index, columns=columns),
        pd.DataFrame(aggregated.contributions[order], index=index, columns=columns),
        scored, Normalisation(normalisation),
    )


def rank(store: Store, wave: str, weights: Mapping[str, float],
         normalisation: Normalisation = Normalisation.RAW) -> Ranking:
    """Scores, competition ranks (1, 2, 2, 4) and contributions of a stored wave."""
    return _rank(wave_points(store, wave), weights, normalisation)


@lru_cache(maxsize=64)
def _reference_ranks(store: Store, wave: str, wave_id: int) -> npt.NDArray[np.int64]:
    """Ranks (rows in file order) under the wave's reference weights, raw points; a
    wave's points never change, so computed once. ``wave_id`` (never reused) keys the
    cache, so a wave deleted and published again under the same name is ranked anew."""
    points = _wave_points(store, wave, wave_id)
    return _rank(points, points.reference_weights).scored.ranks  # type: ignore[union-attr]


def evaluate(store: Store, scenario: Scenario) -> Selection:
    """Rank, select and compare with the wave's reference weights: the whole scenario."""
    points = wave_points(store, scenario.wave)
    ranking = _rank(points, scenario.weights, scenario.normalisation)
    scored = ranking.scored
    assert scored is not None
    order = scored.order
    tie_criteria = tuple(k for k in scenario.tie_criteria if k in points.criteria)
    cut = scoring.cut(scored, points.entity_ids, scenario.top, str(scenario.ties),
                      tie_criteria=tie_criteria, picks=scenario.picks)
    notes = [Note(code, params) for code, params in cut.notes]
    ties = cut.ties
    base = ranking.table
    ids = base["entity_id"].to_numpy()
    selected = cut.mask[order]
    quota = None
    if scenario.quotas and scenario.total_weight:
        quota, quota_ties = _apply_quotas(points, scenario, ranking, set(ids[selected]),
                                          _zones_of(store, points.survey.territory))
        if quota.feasible:
            selected = np.isin(ids, [*quota.selected, *quota.tied_out])
            ties = quota_ties
            notes.append(Note("quotas.applied" if not ties.at_cutoff else "quotas.applied_tied"))
        else:
            notes.append(Note("quotas.infeasible"))
    seed = _reference_ranks(store, scenario.wave, points.wave_id)[order]
    columns: dict[str, object] = {name: base[name] for name in base.columns}
    columns["seed_rank"] = seed
    columns["rank_change"] = seed - base["rank"].to_numpy()
    columns["selected"] = np.asarray(selected, dtype=bool)  # in the table's order
    columns["tied_at_cutoff"] = np.isin(ids, ties.entity_ids)
    for key in ranking.contributions.columns:
        columns[key] = ranking.contributions[key].to_numpy()
    return Selection(scenario, pd.DataFrame(columns), ranking.points, ties, notes, quota,
                     survey_id=points.survey_id, weights=ranking.weights)


def _apply_quotas(points: WavePoints, scenario: Scenario, ranking: Ranking,
                  baseline: set[str], zones: Mapping[str, int | None]
                  ) -> tuple[QuotaOutcome, TieStatus]:
    """The quota selection, groups by population class (raw points) or zona omogenea,
    and what the tie rule made of equal scores at the places the quotas decide.

    The quotas fill exactly N places; the tie rule then works as it does without
    quotas. Entities are taken by score, and among equal scores in the order the
    rule gives (more points on the tie criteria first; the user's picks first), so
    the rule decides what it can. Whoever could still swap places with a selected
    entity of equal standing, every quota still met, is tied: the rule ``all``
    includes them all (the selection exceeds N and may exceed a maximum by that
    tie, as it exceeds N without quotas), ``criteria`` includes those its criteria
    leave equal, ``choice`` includes them all until the user's pick decides.
    """
    table = ranking.table
    groups = points.groups(zones)
    ids = table["entity_id"].tolist()
    # the rounded scores: equal ⇔ equal score keys
    scores = dict(zip(ids, table["score"].astype(float), strict=True))
    rule = scenario.ties
    tie_criteria = tuple(k for k in scenario.tie_criteria if k in points.criteria)
    if rule is TieRule.CRITERIA and tie_criteria:
        values = ranking.points[list(tie_criteria)].to_numpy(dtype=float)
        extra: dict[str, tuple[float, ...]] = {
            e: tuple(float(v) for v in row) for e, row in zip(ids, values, strict=True)}
    elif rule is TieRule.CHOICE:
        picked = set(scenario.picks)
        extra = {e: (float(e in picked),) for e in ids}
    else:
        extra = {e: () for e in ids}
    full_key = {e: (scores[e], *extra[e]) for e in ids}
    position = {e: i for i, e in enumerate(ids)}
    # best first; the list order only places equal keys next to each other
    order = sorted(ids, key=lambda e: (tuple(-v for v in full_key[e]), position[e]))
    quotas = list(scenario.quotas)
    outcome = apply_quotas(order, groups, scenario.top, quotas, baseline, full_key)
    if not outcome.feasible:
        return outcome, TieStatus("none")
    by_score = apply_quotas(order, groups, scenario.top, quotas, baseline, scores)
    if not by_score.tied_out:
        return outcome, TieStatus("none")

    group = [e for e in ids if e in set(by_score.tied_out) | set(by_score.tied_in)]
    included = [e for e in group if e in set(outcome.selected) | set(outcome.tied_out)]
    if rule is TieRule.CRITERIA and tie_criteria:
        result: TieOutcome = "partly_broken" if outcome.tied_out else "broken_by_criteria"
    elif rule is TieRule.CHOICE:
        result = "awaiting_choice" if outcome.tied_out else "chosen"
    else:
        result = "all_included"
    group_scores = {scores[e] for e in group}
    ranks = table.set_index("entity_id")["rank"]
    first = int(min(ranks[e] for e in group))
    return outcome, TieStatus(
        result, score=group_scores.pop() if len(group_scores) == 1 else None,
        entity_ids=tuple(group), first_rank=first,
        last_rank=first + len(group) - 1, slots=len(by_score.tied_in),
        included=tuple(included),
        tie_criteria=tie_criteria if rule is TieRule.CRITERIA else (),
    )
