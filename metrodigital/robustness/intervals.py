"""Best and worst rank within the weight box, proven where it matters, intervals elsewhere.

:func:`rank_bounds` in :mod:`.core` solves two MILPs per entity: exact, but one
MILP costs from milliseconds to seconds and a territory has hundreds of entities.
:func:`bound_ranks` spends that effort where it changes an answer:

1. **Witnesses** (cheap, every entity): the current weights and every corner of the
   box are ranked; the best rank seen is an upper end for the best rank, the worst
   seen a lower end for the worst rank. Each is attained at a known weight vector.
2. **Dominance** (cheap, vectorised): rival j beats entity i for *every* weight in
   the box iff ``min_w (x_j − x_i)·w > 0``, and *can* beat it iff the max is > 0.
   The box is a product of intervals, so both have a closed form per pair:
   ``(s_j − s_i) ∓ Σ_c h_c·|x_jc − x_ic|`` with ``s = x·(lo + hi)/2`` and
   ``h = (hi − lo)/2``. Then ``best >= 1 + #always`` and ``worst <= 1 + #can``.
   With many entities the pairs are counted exactly only where it matters (the
   strongest rivals against everyone, everyone against the entities still in play)
   and by a sort elsewhere (fewer pairs, weaker but still valid bounds).
3. **Class MILPs** (always run): an entity's class (always / never / borderline
   selected) is decided by its interval unless the interval straddles the
   cut-off; only then is the MILP of the one direction that decides it solved.
4. **Tightening MILPs** (budgeted): the remaining intervals nearest the cut-off are
   made exact, in that order, while the work allowance (number of open rivals
   summed over the MILPs) and the time budget last.

A MILP stopped by its time limit still narrows the interval: its best solution is
a witness and HiGHS's dual bound a proof. What is not proven is reported as an
interval (``best_low <= best <= best_high``), never as a number.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from metrodigital.robustness.budget import Budget
from metrodigital.robustness.core import (
    BEAT_MARGIN,
    DEFAULT_SPREAD,
    DEFAULT_TOP,
    BoolArray,
    FloatArray,
    IntArray,
    WeightBox,
    _chunk_ranks,
    _rank_milp,
    _rank_of,
    _snap_to_ties,
    solver_output_silenced,
    weight_box,
)
from metrodigital.scoring import SCORE_DECIMALS, competition_rank
from metrodigital.scoring import check_top as _check_top
from metrodigital.scoring.aggregate import check_weights
from metrodigital.scoring.normalise import as_points

BoundClass = Literal["always", "never", "borderline", "undecided"]
Direction = Literal["best", "worst"]

# Tightening allowance: open rivals summed over the tightening MILPs. The 36 source
# entities need about 1,100 (all 72 MILPs); a MILP's cost grows with its open rivals.
TIGHTEN_WORK = 1_500
# One MILP never runs longer than this (then its incumbent and dual bound are used).
MILP_SECONDS = 5.0
# Beyond this many entities, pairs are counted exactly only where they matter.
ALL_PAIRS_UP_TO = 2_000
# Strongest rivals (by their minimum score in the box) checked against every entity.
STRONG_RIVALS = 64
# Beyond this many corners (2^criteria that vary), a seeded sample of corners is used.
MAX_CORNERS = 4_096
# Tolerance of the "can never beat" test (a lead this small rounds to a tie).
NEVER_TOL = 1e-9


@dataclass(frozen=True)
class RankIntervals:
    """Proven bounds on each entity's best and worst rank inside the weight box.

    ``best_low <= best <= best_high`` and ``worst_low <= worst <= worst_high``;
    ``best_weights[i]`` ranks entity i exactly ``best_high[i]``, ``worst_weights[i]``
    ranks it exactly ``worst_low[i]`` (re-ranked with the 9-decimal rule).
    ``time_limited`` is True when the time budget stopped MILPs that were planned.
    """

    weights: FloatArray
    lower: FloatArray
    upper: FloatArray
    top: int
    best_low: IntArray
    best_high: IntArray
    worst_low: IntArray
    worst_high: IntArray
    best_weights: FloatArray
    worst_weights: FloatArray
    milps_planned: int
    milps_solved: int
    time_limited: bool

    @property
    def best_exact(self) -> BoolArray:
        return self.best_low == self.best_high

    @property
    def worst_exact(self) -> BoolArray:
        return self.worst_low == self.worst_high

    @property
    def exact(self) -> bool:
        return bool(self.best_exact.all() and self.worst_exact.all())

    @property
    def classes(self) -> tuple[BoundClass, ...]:
        """The class each entity's proven bounds give (see :func:`bound_class`)."""
        return tuple(
            bound_class(int(bl), int(bh), int(wl), int(wh), self.top)
            for bl, bh, wl, wh in zip(self.best_low, self.best_high, self.worst_low,
                                      self.worst_high, strict=True)
        )

    def with_witness_ranks(self, rank_min: IntArray, rank_max: IntArray) -> RankIntervals:
        """Narrowed by ranks observed elsewhere (e.g. in the simulation's draws).

        An observed rank is attained, so it can only lower ``best_high`` or raise
        ``worst_low``; the witness weights then no longer attain the new ends, so
        they are kept only where the end did not move.
        """
        best_high = np.minimum(self.best_high, rank_min)
        worst_low = np.maximum(self.worst_low, rank_max)
        return RankIntervals(
            weights=self.weights, lower=self.lower, upper=self.upper, top=self.top,
            best_low=self.best_low, best_high=best_high, worst_low=worst_low,
            worst_high=self.worst_high, best_weights=self.best_weights,
            worst_weights=self.worst_weights, milps_planned=self.milps_planned,
            milps_solved=self.milps_solved, time_limited=self.time_limited,
        )


def bound_class(best_low: int, best_high: int, worst_low: int, worst_high: int,
                top: int) -> BoundClass:
    """Always selected (worst <= N proven), never (best > N proven), borderline (both
    proven possible), or undecided (the interval that decides straddles the cut-off)."""
    if worst_high <= top:
        return "always"
    if best_low > top:
        return "never"
    if best_high <= top < worst_low:
        return "borderline"
    return "undecided"


def bound_ranks(
    points: npt.ArrayLike,
    weights: npt.ArrayLike,
    top: int = DEFAULT_TOP,
    *,
    spread: float | None = DEFAULT_SPREAD,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
    budget: Budget | None = None,
    tighten_work: float = TIGHTEN_WORK,
    milp_seconds: float = MILP_SECONDS,
) -> RankIntervals:
    """Bounds on every entity's best and worst rank (see the module's docstring).

    Every entity's class is decided unless the time budget runs out first; the
    other bounds are exact as far as ``tighten_work`` allows, nearest the cut-off
    first, and intervals beyond. Deterministic unless a time limit is reached.
    """
    plan = plan_bounds(points, weights, top, spread=spread, lower=lower, upper=upper,
                       tighten_work=tighten_work)
    return plan.solve(budget=budget, milp_seconds=milp_seconds)


@dataclass
class BoundsPlan:
    """The cheap part of :func:`bound_ranks` done: witness and dominance bounds, and the
    MILPs (``tasks``, entity and direction) still to solve, class-deciding ones first.

    ``needs_solver`` tells, before SciPy is even imported, whether any MILP will run.
    """

    points: FloatArray
    weights: FloatArray
    box: WeightBox
    top: int
    best_low: IntArray
    best_high: IntArray
    worst_low: IntArray
    worst_high: IntArray
    best_weights: FloatArray
    worst_weights: FloatArray
    tasks: list[tuple[int, Direction]]

    @property
    def needs_solver(self) -> bool:
        return bool(self.tasks)

    def solve(self, *, budget: Budget | None = None, milp_seconds: float = MILP_SECONDS
              ) -> RankIntervals:
        """Solve the planned MILPs in order while ``budget`` lasts (see :func:`bound_ranks`)."""
        p, box, w, tasks = self.points, self.box, self.weights, self.tasks
        best_low, best_high = self.best_low.copy(), self.best_high.copy()
        worst_low, worst_high = self.worst_low.copy(), self.worst_high.copy()
        best_w, worst_w = self.best_weights.copy(), self.worst_weights.copy()
        budget = budget or Budget()
        budget.progress(0.0, "bounds")
        solved = 0
        time_limited = False
        for done, (i, direction) in enumerate(tasks):
            budget.progress(done / max(1, len(tasks)), "bounds")
            if budget.expired():
                time_limited = True
                break
            low, high, witness = _bound_one(p, box, w, i, direction,
                                            min(milp_seconds, budget.remaining()))
            solved += 1
            if direction == "best":
                best_low[i] = max(best_low[i], low)
                if witness is not None and high < best_high[i]:
                    best_high[i], best_w[i] = high, witness
                best_low[i] = min(best_low[i], best_high[i])  # a witness outranks the solver
            else:
                worst_high[i] = min(worst_high[i], high)
                if witness is not None and low > worst_low[i]:
                    worst_low[i], worst_w[i] = low, witness
                worst_high[i] = max(worst_high[i], worst_low[i])
        budget.progress(1.0, "bounds")
        return RankIntervals(
            weights=w, lower=box.lower, upper=box.upper, top=self.top,
            best_low=best_low, best_high=best_high, worst_low=worst_low,
            worst_high=worst_high, best_weights=best_w, worst_weights=worst_w,
            milps_planned=len(tasks), milps_solved=solved, time_limited=time_limited,
        )


def plan_bounds(
    points: npt.ArrayLike,
    weights: npt.ArrayLike,
    top: int = DEFAULT_TOP,
    *,
    spread: float | None = DEFAULT_SPREAD,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
    tighten_work: float = TIGHTEN_WORK,
) -> BoundsPlan:
    """Steps 1 and 2 of the module's docstring and the list of MILPs (no SciPy needed)."""
    p = as_points(points)
    _, m = p.shape
    w = check_weights(weights, m)
    _check_top(top)
    box = weight_box(w, spread=spread, lower=lower, upper=upper)
    best_high, best_w, worst_low, worst_w = _witness_ranks(p, w, box)
    always, can = _dominance_counts(p, box, top, best_high)
    best_low = np.minimum(1 + always, best_high)
    worst_high = np.maximum(1 + can, worst_low)
    nominal = competition_rank(p @ w)
    tasks = _plan(best_low, best_high, worst_low, worst_high, nominal, always, can, top,
                  tighten_work)
    return BoundsPlan(points=p, weights=w, box=box, top=int(top), best_low=best_low,
                      best_high=best_high, worst_low=worst_low, worst_high=worst_high,
                      best_weights=best_w, worst_weights=worst_w, tasks=tasks)


def _corners(box: WeightBox) -> FloatArray:
    """Every corner of the box (a seeded sample of them when there are too many)."""
    varying = np.flatnonzero(box.upper > box.lower)
    count = 2 ** varying.size
    if count <= MAX_CORNERS:
        choice = np.array(list(itertools.product((False, True), repeat=varying.size)),
                          dtype=bool).reshape(count, varying.size)
    else:
        choice = np.random.default_rng(0).random((MAX_CORNERS, varying.size)) < 0.5
    corners = np.broadcast_to(box.lower, (choice.shape[0], box.lower.size)).copy()
    corners[:, varying] = np.where(choice, box.upper[varying], box.lower[varying])
    return corners


def _witness_ranks(
    points: FloatArray, weights: FloatArray, box: WeightBox
) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
    """Best and worst rank of every entity over the current weights and the corners,
    with the weight vector attaining each."""
    n = points.shape[0]
    candidates = np.vstack((weights, _corners(box)))
    best = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    worst = np.zeros(n, dtype=np.int64)
    best_at = np.zeros(n, dtype=np.int64)
    worst_at = np.zeros(n, dtype=np.int64)
    step = max(1, 2_000_000 // max(n, 1))
    for start in range(0, candidates.shape[0], step):
        block = candidates[start:start + step]
        ranks = _ranks_per_row(block @ points.T)  # block × entities
        low = ranks.argmin(axis=0)
        high = ranks.argmax(axis=0)
        low_rank = ranks[low, np.arange(n)]
        high_rank = ranks[high, np.arange(n)]
        better = low_rank < best
        best[better], best_at[better] = low_rank[better], start + low[better]
        worse = high_rank > worst
        worst[worse], worst_at[worse] = high_rank[worse], start + high[worse]
    return best, candidates[best_at].copy(), worst, candidates[worst_at].copy()


def _ranks_per_row(scores: FloatArray) -> IntArray:
    """Competition ranks per row, as :func:`competition_rank` gives them, by the
    simulation's packed-key sort (about twice as fast) when the keys fit in it."""
    n = scores.shape[1]
    index_bits = max(1, int(n - 1).bit_length())
    if n and np.all(np.abs(scores) < 2.0 ** (62 - index_bits) / 10**SCORE_DECIMALS):
        return _chunk_ranks(scores.copy(), index_bits, None, np.int64)
    return competition_rank(scores)


def _pair_extremes(points: FloatArray, box: WeightBox, rivals: IntArray,
                   entities: IntArray) -> tuple[FloatArray, FloatArray]:
    """``min_w`` and ``max_w`` of ``(x_j − x_i)·w`` over the box, rivals × entities."""
    mid = (box.lower + box.upper) / 2
    half = (box.upper - box.lower) / 2
    centre = points @ mid
    scaled = points * half
    gap = centre[rivals][:, None] - centre[entities][None, :]
    spread = np.abs(scaled[rivals][:, None, :] - scaled[entities][None, :, :]).sum(axis=2)
    return gap - spread, gap + spread


def _dominance_counts(points: FloatArray, box: WeightBox, top: int,
                      best_seen: IntArray) -> tuple[IntArray, IntArray]:
    """Per entity, a lower bound on the rivals that beat it everywhere in the box and
    an upper bound on those that can beat it somewhere (exact where it matters)."""
    n = points.shape[0]
    always = np.zeros(n, dtype=np.int64)
    can = np.zeros(n, dtype=np.int64)
    everyone = np.arange(n)

    def count_exactly(entities: IntArray) -> None:
        step = max(1, 2_000_000 // max(n, 1))
        for start in range(0, entities.size, step):
            block = entities[start:start + step]
            low, high = _pair_extremes(points, box, everyone, block)
            always[block] = np.count_nonzero(low >= BEAT_MARGIN, axis=0)
            high[block, np.arange(block.size)] = 0.0  # an entity never beats itself
            can[block] = np.count_nonzero(high > NEVER_TOL, axis=0)

    if n <= ALL_PAIRS_UP_TO:
        count_exactly(everyone)
        return always, can
    # Sort bounds: j beats i everywhere if its lowest score tops i's highest, and
    # can beat it only if its highest score tops i's lowest.
    lowest = np.minimum(points * box.lower, points * box.upper).sum(axis=1)
    highest = np.maximum(points * box.lower, points * box.upper).sum(axis=1)
    always = n - np.searchsorted(np.sort(lowest), highest + BEAT_MARGIN, side="left")
    can = n - np.searchsorted(np.sort(highest), lowest + NEVER_TOL, side="right")
    can -= (highest > lowest + NEVER_TOL).astype(np.int64)  # itself
    # the strongest rivals against everyone: proves "never" for most entities
    strong = np.argsort(-lowest, kind="stable")[:STRONG_RIVALS]
    step = max(1, 2_000_000 // max(strong.size, 1))
    for start in range(0, n, step):
        block = everyone[start:start + step]
        low, _ = _pair_extremes(points, box, strong, block)
        always[block] = np.maximum(always[block], np.count_nonzero(low >= BEAT_MARGIN, axis=0))
    # the entities still in play (not proven never, or seen selected) counted exactly
    in_play = np.flatnonzero((1 + always <= top) | (best_seen <= top))
    count_exactly(in_play)
    return always.astype(np.int64), np.maximum(can, 0).astype(np.int64)


def _plan(best_low: IntArray, best_high: IntArray, worst_low: IntArray,
          worst_high: IntArray, nominal: IntArray, always: IntArray, can: IntArray,
          top: int, tighten_work: float) -> list[tuple[int, Direction]]:
    """The MILPs to solve: first those that decide a class, then the tightening ones."""
    tasks: list[tuple[int, Direction]] = []
    for i in range(best_low.size):
        if bound_class(int(best_low[i]), int(best_high[i]), int(worst_low[i]),
                       int(worst_high[i]), top) != "undecided":
            continue
        if best_low[i] <= top < best_high[i]:
            tasks.append((i, "best"))
        if worst_low[i] <= top < worst_high[i]:
            tasks.append((i, "worst"))
    planned = set(tasks)
    work = 0.0
    for i in np.lexsort((np.arange(nominal.size), np.abs(nominal - top))):
        open_rivals = float(max(1, can[i] - always[i]))
        for direction, exact in (("best", best_low[i] == best_high[i]),
                                 ("worst", worst_low[i] == worst_high[i])):
            if exact or (int(i), direction) in planned:
                continue
            if work + open_rivals > tighten_work:
                return tasks
            work += open_rivals
            tasks.append((int(i), direction))  # type: ignore[arg-type]
    return tasks


def _bound_one(points: FloatArray, box: WeightBox, current: FloatArray, entity: int,
               direction: Direction, seconds: float
               ) -> tuple[int, int, FloatArray | None]:
    """``(low, high, witness)`` for one entity's best or worst rank from one MILP.

    The witness (None if the solver found no solution in time) attains ``high`` for
    the best rank and ``low`` for the worst rank.
    """
    n = points.shape[0]
    rival = np.ones(n, dtype=bool)
    rival[entity] = False
    diffs = points[rival] - points[entity]
    low = np.minimum(diffs * box.lower, diffs * box.upper).sum(axis=1)
    high = np.maximum(diffs * box.lower, diffs * box.upper).sum(axis=1)
    beats = low >= BEAT_MARGIN
    open_ = ~(beats | (high <= 0))
    base = 1 + int(np.count_nonzero(beats))
    if not open_.any():
        return base, base, current.copy()
    d, lo_, hi_ = diffs[open_], low[open_], high[open_]
    k, m = d.shape
    with solver_output_silenced():
        result = _rank_milp(d, lo_, hi_, box, direction, BEAT_MARGIN,
                            extra={"time_limit": max(0.05, float(seconds))})
    witness = None
    achieved = None
    if result.x is not None:
        raw = np.clip(result.x[:m], box.lower, box.upper)
        if direction == "best":
            binaries = np.rint(result.x[m:]).astype(bool)
            tied = (~binaries) & (np.abs(d @ raw) <= 1e-6)
            witness = _snap_to_ties(raw, d[tied], box)
        else:
            witness = raw
        achieved = _rank_of(points, witness, entity)
    dual = result.get("mip_dual_bound")
    optimal = result.status == 0 and result.fun is not None
    if direction == "best":
        proven = round(float(result.fun)) if optimal else (
            math.ceil(float(dual) - 1e-6) if dual is not None and math.isfinite(dual) else 0)
        low_rank = base + max(0, proven)
        high_rank = achieved if achieved is not None else base + k
        return min(low_rank, high_rank), high_rank, witness
    proven = round(-float(result.fun)) if optimal else (
        math.floor(-float(dual) + 1e-6) if dual is not None and math.isfinite(dual) else k)
    high_rank = base + min(k, max(0, proven))
    low_rank = achieved if achieved is not None else base
    return low_rank, max(low_rank, high_rank), witness
