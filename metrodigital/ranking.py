"""Ranking and selection: the prioritisation matrix applied to a scenario.

``rank()`` asks the store (a DuckDB query) for scores, competition ranks and
weighted contributions; ``select()`` takes the top N and says exactly what
happened at the cut-off. ``evaluate()`` does both and compares with the
source's weights: it is what the pages and the CLI call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.questionnaire import default_questionnaire
from metrodigital.quotas import UNKNOWN_ZONE, GroupKind, QuotaOutcome, apply_quotas
from metrodigital.scenario import Normalisation, Note, Scenario, TieRule
from metrodigital.store import Store
from metrodigital.territory import match_entity

TieOutcome = Literal[
    "none",  # no tie straddles the cut-off
    "all_included",  # rule "all": the whole tied group is in, the selection exceeds N
    "broken_by_criteria",  # rule "criteria": the listed criteria decided
    "partly_broken",  # the criteria left some still tied: those are all included
    "chosen",  # rule "choice": the user picked exactly the free places
    "awaiting_choice",  # rule "choice" without a complete pick: all included meanwhile
]


@dataclass(frozen=True)
class Ranking:
    """Scores and ranks of one wave under one set of weights.

    ``table`` has one row per entity, best score first: ``entity_id, ente,
    score, rank``; ``points`` and ``contributions`` are indexed by entity_id
    with one column per criterion.
    """

    wave: str
    weights: dict[str, float]
    table: pd.DataFrame
    points: pd.DataFrame
    contributions: pd.DataFrame


@dataclass(frozen=True)
class TieStatus:
    """What happened at the cut-off."""

    outcome: TieOutcome
    score: float | None = None  # the tied score at the cut-off
    entity_ids: tuple[str, ...] = ()  # the group tied across the cut-off
    first_rank: int = 0  # positions the group spans, e.g. 11–13
    last_rank: int = 0
    slots: int = 0  # places left for the group within N
    included: tuple[str, ...] = ()  # who of the group is in the selection
    tie_criteria: tuple[str, ...] = ()

    @property
    def at_cutoff(self) -> bool:
        return self.outcome != "none"


@dataclass(frozen=True)
class Selection:
    """The outcome of a scenario: ranking with selection marks, tie status, notes.

    ``table`` columns: ``entity_id, ente, score, rank, seed_rank, rank_change,
    selected, tied_at_cutoff`` and one contribution column per criterion.
    """

    scenario: Scenario
    table: pd.DataFrame
    points: pd.DataFrame
    ties: TieStatus
    notes: list[Note] = field(default_factory=list)
    quota: QuotaOutcome | None = None

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


def section_maxima() -> dict[str, float]:
    """The most points each criterion can give, from the questionnaire definition."""
    questionnaire = default_questionnaire()
    maxima = {s.key: float(s.max_points) for s in questionnaire.sections}
    maxima["popolazione"] = float(questionnaire.population.max_points)
    return maxima


def rank(store: Store, wave: str, weights: dict[str, float],
         normalisation: Normalisation = Normalisation.RAW) -> Ranking:
    """Scores, competition ranks (1, 2, 2, 4) and contributions, computed in DuckDB."""
    keys = list(criterion_keys())
    rows = store.ranked(wave, weights, str(normalisation), section_maxima())
    ids, names, scores, ranks, points, contributions = zip(*rows, strict=True) if rows else (
        (), (), (), (), (), ())
    index = pd.Index(ids, name="entity_id", dtype=object)
    table = pd.DataFrame(
        {
            "entity_id": np.array(ids, dtype=object),
            "ente": np.array(names, dtype=object),
            "score": np.array(scores, dtype=float),
            "rank": np.array(ranks, dtype="int64"),
        }
    )
    shape = (len(rows), len(keys))
    return Ranking(
        wave, dict(weights), table,
        pd.DataFrame(np.array(points, dtype=float).reshape(shape), index=index, columns=keys),
        pd.DataFrame(np.array(contributions, dtype=float).reshape(shape), index=index,
                     columns=keys),
    )


@lru_cache(maxsize=64)
def _seed_ranks(store: Store, wave: str, wave_id: int) -> pd.Series:
    """Ranks under the source's weights; a wave's points never change, so computed once.

    ``wave_id`` (never reused) keys the cache, so a wave deleted and published
    again under the same name is ranked anew.
    """
    return rank(store, wave, seed_weights()).table.set_index("entity_id")["rank"]


def select(ranking: Ranking, scenario: Scenario) -> tuple[pd.Series, TieStatus, list[Note]]:
    """Which entities are selected (boolean Series by entity_id) and the tie status."""
    table = ranking.table
    ids = table["entity_id"].to_numpy()
    mask = np.zeros(len(ids), dtype=bool)
    notes: list[Note] = []
    if scenario.total_weight == 0:
        notes.append(Note("selection.all_zero"))
        return pd.Series(mask, index=ids), TieStatus("none"), notes
    top = scenario.top
    if top >= len(table):
        mask[:] = True
        if top > len(table):
            notes.append(Note("selection.top_exceeds", {"top": top, "count": len(table)}))
        return pd.Series(mask, index=ids), TieStatus("none"), notes

    scores = table["score"].to_numpy()
    cut_score = scores[top - 1]
    above = int((scores > cut_score).sum())
    at_cut = ids[scores == cut_score].tolist()
    mask[scores > cut_score] = True
    if above + len(at_cut) <= top:  # the whole group fits: no tie across the cut-off
        mask[scores == cut_score] = True
        return pd.Series(mask, index=ids), TieStatus("none"), notes

    slots = top - above
    status = dict(
        score=float(cut_score), entity_ids=tuple(at_cut), first_rank=above + 1,
        last_rank=above + len(at_cut), slots=slots,
    )
    if scenario.ties is TieRule.CRITERIA and scenario.tie_criteria:
        included, outcome = _break_by_criteria(ranking.points, at_cut, slots,
                                               scenario.tie_criteria)
        status["tie_criteria"] = scenario.tie_criteria
    elif scenario.ties is TieRule.CRITERIA:
        included, outcome = list(at_cut), "all_included"
        notes.append(Note("selection.no_tie_criteria"))
    elif scenario.ties is TieRule.CHOICE:
        picks = [p for p in scenario.picks if p in at_cut]
        if len(picks) == slots:
            included, outcome = picks, "chosen"
        else:
            included, outcome = list(at_cut), "awaiting_choice"
    else:
        included, outcome = list(at_cut), "all_included"
    mask[np.isin(ids, included)] = True
    return (pd.Series(mask, index=ids),
            TieStatus(outcome, included=tuple(included), **status), notes)  # type: ignore[arg-type]


def _break_by_criteria(
    points: pd.DataFrame, tied: list[str], slots: int, criteria: tuple[str, ...]
) -> tuple[list[str], TieOutcome]:
    """The best ``slots`` of ``tied`` by the criteria's points, in order.

    Those still equal on every listed criterion across the boundary stay tied
    and are all included: the rule never falls back to sort order.
    """
    keys = list(criteria)
    group = points.loc[tied, keys]
    ordered = group.sort_values(keys, ascending=False, kind="stable")
    boundary = tuple(ordered.iloc[slots - 1])
    better = [i for i, row in ordered.iterrows() if tuple(row) > boundary]
    equal = [i for i, row in ordered.iterrows() if tuple(row) == boundary]
    if len(better) + len(equal) == slots:
        return better + equal, "broken_by_criteria"
    return better + equal, "partly_broken"


def evaluate(store: Store, scenario: Scenario) -> Selection:
    """Rank, select and compare with the source's weights: the whole scenario."""
    ranking = rank(store, scenario.wave, dict(scenario.weights), scenario.normalisation)
    seed_rank = _seed_ranks(store, scenario.wave, store.wave(scenario.wave).wave_id)
    selected, ties, notes = select(ranking, scenario)
    base = ranking.table
    ids = base["entity_id"].to_numpy()
    quota = None
    if scenario.quotas and scenario.total_weight:
        quota, quota_ties = _apply_quotas(store, scenario, ranking, set(selected[selected].index))
        if quota.feasible:
            selected = pd.Series(False, index=ids)
            selected[[*quota.selected, *quota.tied_out]] = True
            ties = quota_ties
            notes.append(Note("quotas.applied" if not ties.at_cutoff else "quotas.applied_tied"))
        else:
            notes.append(Note("quotas.infeasible"))
    seed = seed_rank.reindex(ids).to_numpy(dtype="int64")
    columns: dict[str, object] = {name: base[name] for name in base.columns}
    columns["seed_rank"] = seed
    columns["rank_change"] = seed - base["rank"].to_numpy()
    columns["selected"] = selected.to_numpy(dtype=bool)  # in the table's order
    columns["tied_at_cutoff"] = np.isin(ids, ties.entity_ids)
    for key in ranking.contributions.columns:
        columns[key] = ranking.contributions[key].to_numpy()
    return Selection(scenario, pd.DataFrame(columns), ranking.points, ties, notes, quota)


def _apply_quotas(store: Store, scenario: Scenario, ranking: Ranking,
                  baseline: set[str]) -> tuple[QuotaOutcome, TieStatus]:
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
    raw = ranking if scenario.normalisation is Normalisation.RAW else rank(
        store, scenario.wave, dict(scenario.weights))
    classes = raw.points["popolazione"]
    table = ranking.table
    groups: dict[str, dict[GroupKind, int]] = {}
    for entity_id, ente in zip(table["entity_id"], table["ente"], strict=True):
        entity = match_entity(ente).entity
        zona = entity.zona_omogenea if entity is not None else None
        groups[entity_id] = {"pop": int(classes[entity_id]), "zona": zona or UNKNOWN_ZONE}

    ids = table["entity_id"].tolist()
    scores = dict(zip(ids, table["score"].astype(float), strict=True))
    rule = scenario.ties
    if rule is TieRule.CRITERIA and scenario.tie_criteria:
        values = ranking.points[list(scenario.tie_criteria)]
        extra: dict[str, tuple[float, ...]] = {
            e: tuple(float(v) for v in values.loc[e]) for e in ids}
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
    if rule is TieRule.CRITERIA and scenario.tie_criteria:
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
        tie_criteria=scenario.tie_criteria if rule is TieRule.CRITERIA else (),
    )
