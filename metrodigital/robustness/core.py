"""How robust is the selection? Weight perturbation, tipping points, rank bounds.

Pure numeric module (numpy, scipy): plain arrays in, frozen dataclasses out, each
result carrying the parameters that produced it (COINr's habit). Nothing here
knows about the store or the UI.

Conventions shared by every function:

- ``points`` is an ``n_entities × n_criteria`` array, one column per criterion of
  the survey's matrix (``criteria`` names them; without it an 8-column matrix is
  taken as :data:`CRITERIA`, Torino's); ``weights`` has one weight per criterion.
- Scores, ranks and selection follow :mod:`metrodigital.scoring`, the one scoring
  path, whose functions this module uses (and re-exports):
  ``score = points @ weights``, compared **after rounding to 9 decimals**
  (:data:`SCORE_DECIMALS`), so decimal weights do not create fake differences
  (``0.1 + 0.2`` ties with ``0.3``); the standard competition rank
  ``1 + the number of entities with a strictly higher score`` (1, 2, 2, 4); the
  default tie rule "include everyone tied at the cut-off": an entity is selected
  iff its score is ``>=`` the N-th highest score, i.e. iff its rank is ``<= N``.
  The simulation packs the same 9-decimal score keys with the entity index into one
  sort key (``_chunk_ranks``) for speed; tests check it against ``competition_rank``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from metrodigital.robustness.budget import Budget
from metrodigital.scoring import SCORE_DECIMALS, score_keys, selected_mask
from metrodigital.scoring import check_top as _check_top
from metrodigital.scoring.aggregate import check_weights
from metrodigital.scoring.normalise import as_points

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

CRITERIA: tuple[str, ...] = (
    "anagrafica",
    "infrastrutture",
    "organizzazione",
    "servizi",
    "pnrr",
    "dati",
    "conclusione",
    "popolazione",
)
WEIGHT_MIN = 0.0
WEIGHT_MAX = 10.0
DEFAULT_TOP = 12
DEFAULT_SPREAD = 1.0
DEFAULT_DRAWS = 10_000
PERCENTILES: tuple[int, int, int] = (5, 50, 95)

# A rival "beats" an entity in the rank-bound MILPs only if it can lead by at least
# this many points. HiGHS works to a 1e-7 feasibility tolerance, so a finer lead
# cannot be certified by the solver; every witness is re-ranked with the 9-decimal
# rule anyway (see ``RankBounds.certified``).
BEAT_MARGIN = 1e-5

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StabilityClass = Literal["always", "never", "borderline"]
Effect = Literal["enters", "leaves"]


# ---------------------------------------------------------------------------
# Inputs. Scores, ranks and the selection rule are metrodigital.scoring's (the one
# scoring path): weighted_scores, score_keys, competition_rank, selected_mask.
# ---------------------------------------------------------------------------


def _criterion_keys(criteria: Sequence[str] | None, n_criteria: int) -> tuple[str, ...]:
    """The given keys, else :data:`CRITERIA` for the 8-column matrix, else ``c0, c1, …``."""
    if criteria is None:
        if n_criteria == len(CRITERIA):
            return CRITERIA
        return tuple(f"c{c}" for c in range(n_criteria))
    if len(criteria) != n_criteria:
        raise ValueError(f"expected {n_criteria} criterion keys, got {len(criteria)}")
    return tuple(criteria)


# ---------------------------------------------------------------------------
# The box of admissible weights
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightBox:
    """Per-criterion bounds within which the weights may move."""

    lower: FloatArray
    upper: FloatArray

    def contains(self, weights: npt.ArrayLike) -> bool:
        w = np.asarray(weights, dtype=np.float64)
        return bool(np.all(w >= self.lower) and np.all(w <= self.upper))


def weight_box(
    weights: npt.ArrayLike,
    *,
    spread: float | None = DEFAULT_SPREAD,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
) -> WeightBox:
    """The box ``[max(0, w − k), min(10, w + k)]``, or the user's own bounds.

    ``lower``/``upper`` (one value per criterion) override the spread. The current
    weight is always kept inside the box (a weight above 10 gets ``[w − k, w]``).
    """
    w = np.asarray(weights, dtype=np.float64)
    if lower is not None or upper is not None:
        lo = w.copy() if lower is None else np.asarray(lower, dtype=np.float64)
        hi = w.copy() if upper is None else np.asarray(upper, dtype=np.float64)
        if lo.shape != w.shape or hi.shape != w.shape:
            raise ValueError("lower and upper need one bound per criterion")
    else:
        if spread is None or spread < 0 or not math.isfinite(spread):
            raise ValueError("spread must be a finite, non-negative number")
        lo = np.minimum(np.maximum(WEIGHT_MIN, w - spread), w)
        hi = np.maximum(np.minimum(WEIGHT_MAX, w + spread), w)
    if np.any(lo > hi) or np.any(lo < 0) or not np.all(np.isfinite(lo) & np.isfinite(hi)):
        raise ValueError("bounds must be finite with 0 <= lower <= upper")
    return WeightBox(lower=lo, upper=hi)


# ---------------------------------------------------------------------------
# Monte Carlo simulation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationResult:
    """Per-entity outcome of ``draws`` random weight vectors, with the parameters used.

    Arrays are indexed like the rows of ``points``. ``rank_p5/p50/p95`` are
    percentile ranks (inverted-CDF definition: the smallest rank r such that at
    least q % of the draws rank the entity r or better), so they are whole ranks
    observed in some draw and lie within ``[rank_min, rank_max]``.
    """

    weights: FloatArray
    lower: FloatArray
    upper: FloatArray
    top: int
    draws: int
    seed: int
    criteria: tuple[str, ...]
    names: tuple[str, ...] | None
    distribution: str
    p_selected: FloatArray
    rank_p5: IntArray
    rank_p50: IntArray
    rank_p95: IntArray
    rank_min: IntArray
    rank_max: IntArray

    @property
    def stability(self) -> tuple[StabilityClass, ...]:
        """ "always" (selected in every draw), "never" (in none) or "borderline"."""
        return tuple(_stability_class(p) for p in self.p_selected)

    @property
    def stable_core(self) -> IntArray:
        """Indices of the entities selected in every draw."""
        return np.flatnonzero(self.p_selected == 1.0)

    @property
    def borderline(self) -> IntArray:
        return np.flatnonzero((self.p_selected > 0.0) & (self.p_selected < 1.0))

    def rows(self) -> list[dict[str, object]]:
        """One plain dict per entity, for tables and exports."""
        labels = self.names or tuple(str(i) for i in range(self.p_selected.size))
        stability = self.stability
        return [
            {
                "ente": labels[i],
                "p_selected": float(self.p_selected[i]),
                "rank_p5": int(self.rank_p5[i]),
                "rank_p50": int(self.rank_p50[i]),
                "rank_p95": int(self.rank_p95[i]),
                "rank_min": int(self.rank_min[i]),
                "rank_max": int(self.rank_max[i]),
                "stability": stability[i],
            }
            for i in range(self.p_selected.size)
        ]


def _stability_class(p: float) -> StabilityClass:
    if p == 1.0:
        return "always"
    if p == 0.0:
        return "never"
    return "borderline"


def draw_weights(box: WeightBox, draws: int, seed: int) -> FloatArray:
    """``draws`` weight vectors, each weight continuous uniform on its own ``[lower, upper]``."""
    rng = np.random.default_rng(seed)
    return rng.uniform(box.lower, box.upper, size=(draws, box.lower.size))


def simulate(
    points: npt.ArrayLike,
    weights: npt.ArrayLike,
    top: int = DEFAULT_TOP,
    *,
    spread: float | None = DEFAULT_SPREAD,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    criteria: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    chunk_size: int | None = None,
    workers: int | None = None,
    budget: Budget | None = None,
) -> SimulationResult:
    """Perturb the weights at random and record selection and rank of every entity.

    Each draw takes every weight **independently and continuously uniform** on
    ``[max(0, w − spread), min(10, w + spread)]`` (or on ``[lower, upper]`` when
    given), using ``numpy.random.default_rng(seed)``. Without a seed a fresh one is
    drawn from the OS; it is stored in the result, so any run can be repeated
    exactly. The same seed and parameters give identical results whatever
    ``chunk_size`` and ``workers`` are.

    Draws are processed in chunks (bounded memory: a chunk's scores and one
    ``entities × draws`` array of ranks, 2 bytes each when there are fewer than
    65,535 entities), on ``workers`` threads: numpy's matmul and sort release the GIL.
    Ranks come from one sort per draw of integer keys (9-decimal score · 2^b + entity
    index), which yields the ordering and the permutation at once; ties are handled
    only in the draws that have any.
    """
    p = as_points(points)
    n, m = p.shape
    w = check_weights(weights, m)
    _check_top(top)
    if draws < 1:
        raise ValueError("draws must be at least 1")
    keys = _criterion_keys(criteria, m)
    if names is not None and len(names) != n:
        raise ValueError(f"expected {n} names, got {len(names)}")
    box = weight_box(w, spread=spread, lower=lower, upper=upper)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)  # type: ignore[operator]
    weight_draws = draw_weights(box, draws, seed)
    stats = _simulated_rank_statistics(p, weight_draws, top, chunk_size=chunk_size,
                                       workers=workers, budget=budget)
    return SimulationResult(
        weights=w,
        lower=box.lower,
        upper=box.upper,
        top=int(top),
        draws=int(draws),
        seed=int(seed),
        criteria=keys,
        names=None if names is None else tuple(names),
        distribution="independent continuous uniform per criterion",
        **stats,
    )


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _run_chunks(job: Callable[[int], None], starts: range, workers: int | None) -> None:
    """Run ``job(start)`` for every chunk, on threads when there is more than one."""
    n_workers = workers or _default_workers()
    if n_workers == 1 or len(starts) <= 1:
        for start in starts:
            job(start)
        return
    with ThreadPoolExecutor(n_workers) as pool:
        list(pool.map(job, starts))


def _simulated_rank_statistics(
    points: FloatArray,
    weight_draws: FloatArray,
    top: int,
    *,
    chunk_size: int | None,
    workers: int | None,
    budget: Budget | None = None,
) -> dict[str, FloatArray | IntArray]:
    """Selection probability and rank statistics per entity over all the draws.

    Entities with identical points always share score and rank, so the work is done
    once per distinct row of points (each weighted by how many entities have it)
    and spread back at the end.
    """
    n = points.shape[0]
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return {"p_selected": np.empty(0), "rank_p5": empty, "rank_p50": empty,
                "rank_p95": empty, "rank_min": empty, "rank_max": empty}  # fmt: skip
    distinct, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    # Rows in ascending order of their score under the mean weights: each draw's scores
    # are then nearly sorted already, which halves the per-draw sort (ranks do not
    # depend on the order of the rows, so the results are the same).
    by_score = np.argsort(distinct @ weight_draws.mean(axis=0), kind="stable")
    position = np.empty_like(by_score)
    position[by_score] = np.arange(by_score.size)
    distinct = distinct[by_score]
    multiplicity = None if distinct.shape[0] == n else counts[by_score].astype(np.int64)
    ranks = _simulated_ranks(
        distinct, weight_draws, multiplicity, chunk_size=chunk_size, workers=workers,
        budget=budget,
    )
    stats = _rank_statistics(ranks, top, workers=workers)
    rows = position[inverse.reshape(-1)]
    return {name: values[rows] for name, values in stats.items()}


def _simulated_ranks(
    points: FloatArray,
    weight_draws: FloatArray,
    multiplicity: IntArray | None,
    *,
    chunk_size: int | None,
    workers: int | None,
    budget: Budget | None = None,
) -> npt.NDArray[np.unsignedinteger]:
    """``rows × draws`` competition ranks (uint16 when they fit, else uint32).

    ``multiplicity[r]`` is the number of entities sharing row r of ``points``; a row's
    rank is 1 + the number of *entities* strictly above it.
    """
    u = points.shape[0]
    draws = weight_draws.shape[0]
    total = u if multiplicity is None else int(multiplicity.sum())
    ranks = np.empty((u, draws), dtype=np.uint16 if total < 2**16 else np.uint32)
    # Touch every page now, sequentially: page faults taken later inside the strided,
    # threaded column writes cost five times as much.
    ranks.fill(0)
    # Keys must leave room for the row index in the low bits of an int64.
    index_bits = max(1, int(u - 1).bit_length())
    max_score = float(np.abs(points).sum(axis=1).max() * np.abs(weight_draws).max())
    if max_score * 10**SCORE_DECIMALS >= 2.0 ** (62 - index_bits):
        raise ValueError("scores too large to compare at 9 decimals")
    points_t = np.ascontiguousarray(points.T)
    if chunk_size is None:
        # about 0.8 M keys (6.4 MB) per chunk: the working set stays in cache
        chunk_size = max(1, min(draws, 800_000 // u))
    step = chunk_size
    done = [0]

    def job(start: int) -> None:
        if budget is not None:  # abandoned: stop before the next chunk
            budget.progress(done[0] / draws, "simulation")
        stop = min(start + step, draws)
        # einsum, not matmul: a small BLAS call per chunk wakes OpenBLAS's own threads,
        # which then spin against our workers (measured: +50 % wall time on 2 cores);
        # einsum's plain loop also gives bit-identical scores whatever the chunking.
        scores = np.einsum("dk,ku->du", weight_draws[start:stop], points_t)
        _chunk_ranks(scores, index_bits, multiplicity, out=ranks[:, start:stop])
        done[0] += stop - start  # a progress figure only: a lost update is harmless

    _run_chunks(job, range(0, draws, step), workers)
    return ranks


def _chunk_ranks(
    scores: FloatArray,
    index_bits: int,
    multiplicity: IntArray | None,
    dtype: type[np.unsignedinteger] = np.uint32,
    *,
    out: npt.NDArray[np.unsignedinteger] | None = None,
) -> npt.NDArray[np.unsignedinteger]:
    """Competition ranks per row of ``draws × rows`` scores, with one plain sort per row.

    The sort key packs the 9-decimal score and the row index into one int64
    (``key << bits | index``): a plain (SIMD) sort then gives both the order and the
    permutation, cheaper than an indirect argsort. With ``out`` (``rows × draws``, the
    transpose) the ranks are scattered straight into it and it is returned.
    """
    rows, u = scores.shape
    np.multiply(scores, 10**SCORE_DECIMALS, out=scores)
    np.rint(scores, out=scores)
    packed = scores.astype(np.int64)
    packed <<= index_bits
    packed |= np.arange(u, dtype=np.int64)
    packed.sort(axis=1)
    order = packed & ((1 << index_bits) - 1)
    packed >>= index_bits  # the score keys again, ascending in each row
    if multiplicity is None:
        ranks_sorted = np.broadcast_to(np.arange(u, 0, -1, dtype=np.int64), (rows, u))
    else:
        # 1 + the entities strictly above each position (the row is ascending), i.e.
        # 1 + total − the entities at or below it; 32-bit: half the memory traffic
        counts = multiplicity.astype(np.int32)
        ranks_sorted = np.cumsum(counts[order], axis=1, dtype=np.int32)
        np.subtract(int(counts.sum()) + 1, ranks_sorted, out=ranks_sorted)
    tied_rows = np.flatnonzero((packed[:, 1:] == packed[:, :-1]).any(axis=1))
    if tied_rows.size:
        # a tied group takes the rank of its last (highest) position: 1 + entities above it
        ranks_sorted = np.array(ranks_sorted)
        last = _group_last(packed[tied_rows])
        if multiplicity is None:
            ranks_sorted[tied_rows] = u - last
        else:
            ranks_sorted[tied_rows] = np.take_along_axis(ranks_sorted[tied_rows], last, axis=1)
    if out is not None:
        out[order, np.arange(rows)[:, None]] = ranks_sorted
        return out
    ranks = np.empty((rows, u), dtype=dtype)
    ranks[np.arange(rows)[:, None], order] = ranks_sorted
    return ranks


def _group_last(ordered: IntArray) -> IntArray:
    """For rows sorted ascending: the last position holding each position's value."""
    rows, n = ordered.shape
    is_last = np.ones((rows, n), dtype=bool)
    is_last[:, :-1] = ordered[:, :-1] != ordered[:, 1:]
    flat = is_last.reshape(-1)
    ends = np.flatnonzero(flat)  # every row ends with a group end
    # the next group end at or after each position: index of ends by count before it
    before = np.cumsum(flat) - flat
    return (ends[before] - np.repeat(np.arange(rows) * n, n)).reshape(rows, n)


def _rank_statistics(
    ranks: npt.NDArray[np.unsignedinteger], top: int, *, workers: int | None
) -> dict[str, FloatArray | IntArray]:
    """Selection probability, percentile and extreme ranks per row of ``ranks``."""
    n, draws = ranks.shape
    p_selected = np.empty(n)
    quantiles = np.empty((n, len(PERCENTILES) + 2), dtype=np.int64)
    # inverted-CDF order statistics: the ceil(q·D)-th smallest rank
    picks = [max(0, math.ceil(q / 100 * draws) - 1) for q in PERCENTILES] + [0, draws - 1]
    step = max(1, 1_000_000 // max(draws, 1))

    def job(start: int) -> None:
        block = ranks[start : start + step]
        p_selected[start : start + step] = np.count_nonzero(block <= top, axis=1) / draws
        # small unsigned ints: numpy's stable sort is a radix sort, linear in the draws
        ordered = np.sort(block, axis=1, kind="stable")
        quantiles[start : start + step] = ordered[:, picks]

    _run_chunks(job, range(0, n, step), workers)
    return {
        "p_selected": p_selected,
        "rank_p5": quantiles[:, 0],
        "rank_p50": quantiles[:, 1],
        "rank_p95": quantiles[:, 2],
        "rank_min": quantiles[:, 3],
        "rank_max": quantiles[:, 4],
    }


# ---------------------------------------------------------------------------
# Tipping points: one weight at a time
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TippingPoint:
    """The nearest whole weight of one criterion that flips one entity's selection.

    ``threshold`` is the exact weight (other weights fixed) at the boundary of the
    flipped region on the side of ``to``; ``threshold_inclusive`` says whether the
    flip already holds exactly at it (a tie at the cut-off counts as selected).
    """

    entity: int
    criterion: str
    from_weight: float
    to: int
    effect: Effect
    threshold: float
    threshold_inclusive: bool
    top: int

    def as_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion,
            "from": self.from_weight,
            "to": self.to,
            "effect": self.effect,
        }


def is_selected(points: FloatArray, weights: FloatArray, entity: int, top: int) -> bool:
    """Whether one entity is selected (rank <= top) under the given weights."""
    keys = score_keys(points @ weights)
    return int(np.count_nonzero(keys > keys[entity])) < top


def tipping_points(
    points: npt.ArrayLike,
    weights: npt.ArrayLike,
    top: int = DEFAULT_TOP,
    *,
    criteria: Sequence[str] | None = None,
    entities: Sequence[int] | None = None,
    budget: Budget | None = None,
    thresholds: bool = True,
) -> list[TippingPoint]:
    """For each entity and criterion, the nearest whole weight (0–10) that flips selection.

    Changing one weight to a whole value k gives one ranking of everyone: the 11
    whole values of each criterion are ranked once each (88 rankings for 8
    criteria, whatever the number of entities), which gives every entity's status
    at every whole weight. ``to`` is the whole weight nearest the current one (on a
    distance tie, the smaller) whose status differs from the current one.

    With the other weights fixed every score is a line in the weight ``t`` of the
    criterion, so the status can change only where a rival's line crosses the
    entity's own; ``threshold`` is the first such change on the way from the
    current weight to ``to`` (exact: the crossings in between are visited in order,
    each as a point, where a tie favours the entity, and as the open interval after
    it); ``threshold_inclusive`` says whether the flip already holds at it. With
    ``thresholds=False`` they are not computed (NaN, False): the pages need only ``to``.
    """
    p = as_points(points)
    n, m = p.shape
    w = check_weights(weights, m)
    _check_top(top)
    keys = _criterion_keys(criteria, m)
    found: list[TippingPoint] = []
    if top >= n:
        return found  # everybody is always selected
    wanted_mask = np.zeros(n, dtype=bool)
    wanted_mask[np.arange(n) if entities is None else np.asarray(list(entities), dtype=np.int64)] \
        = True
    now = selected_mask(p @ w, top)
    whole = np.arange(int(WEIGHT_MIN), int(WEIGHT_MAX) + 1)
    for c in range(m):
        if budget is not None:
            budget.progress(c / m, "tipping")
        trial = np.repeat(w[None, :], whole.size, axis=0)
        trial[:, c] = whole
        status = selected_mask(trial @ p.T, top)  # whole weights × entities
        current = float(w[c])
        order = np.array(sorted((k for k in whole if k != current),
                                key=lambda k: (abs(k - current), k)), dtype=np.int64)
        flips = status[order - int(WEIGHT_MIN)] != now  # in order of distance × entities
        first = flips.argmax(axis=0)
        for entity in np.flatnonzero(flips.any(axis=0) & wanted_mask):
            target = int(order[first[entity]])
            threshold, inclusive = (
                _threshold(p, w, entity, c, float(target), top, bool(now[entity]))
                if thresholds else (math.nan, False))
            found.append(TippingPoint(
                entity=int(entity), criterion=keys[c], from_weight=current, to=target,
                effect="leaves" if now[entity] else "enters", threshold=threshold,
                threshold_inclusive=inclusive, top=top,
            ))
    found.sort(key=lambda tp: (tp.entity, keys.index(tp.criterion)))
    return found


def _threshold(points: FloatArray, weights: FloatArray, entity: int, c: int, target: float,
               top: int, now: bool) -> tuple[float, bool]:
    """The first weight between the current one and ``target`` at which the status flips.

    Returns it and whether the flip holds exactly there (else only just beyond it).
    """
    current = float(weights[c])
    base = points @ weights - points[:, c] * current  # score without criterion c
    slope = points[:, c]
    gap_base = base - base[entity]
    gap_slope = slope - slope[entity]
    crossing = gap_slope != 0
    crossings = -gap_base[crossing] / gap_slope[crossing]
    low, high = min(current, target), max(current, target)
    between = crossings[(crossings > low) & (crossings < high)]
    cuts = np.unique(np.concatenate(([current, target], between)))
    if target < current:
        cuts = cuts[::-1]

    # the pieces in walking order: each cut (a point; not the current weight) and the
    # open interval after it (tested at its midpoint), evaluated in batches
    probes: list[tuple[float, float, bool]] = []  # (weight tested, boundary, inclusive)
    for here, there in itertools.pairwise(cuts.tolist()):
        if here != current:
            probes.append((here, here, True))
        probes.append(((here + there) / 2, here, False))
    step = max(1, 500_000 // max(base.size, 1))
    for start in range(0, len(probes), step):
        batch = probes[start:start + step]
        t = np.array([probe[0] for probe in batch])
        keys = score_keys(base[None, :] + slope[None, :] * t[:, None])
        selected = np.count_nonzero(keys > keys[:, entity:entity + 1], axis=1) < top
        flipped = np.flatnonzero(selected != now)
        if flipped.size:
            _, boundary, inclusive = batch[int(flipped[0])]
            return float(boundary), inclusive
    return target, True  # the target itself flips (it was found by re-ranking there)


# ---------------------------------------------------------------------------
# Exact best and worst attainable rank within the weight box
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankBounds:
    """Best and worst rank each entity can reach with every weight inside the box.

    ``best_weights[i]`` / ``worst_weights[i]`` are witnesses: weight vectors in the
    box at which entity i, re-ranked with the 9-decimal rule, has exactly rank
    ``best[i]`` / ``worst[i]``. ``certified[i]`` is True when the MILP optimum and
    the re-ranked witness agree (it should always be; False flags a lead or tie
    finer than the solver's tolerance, and then the witness's rank is reported).
    """

    weights: FloatArray
    lower: FloatArray
    upper: FloatArray
    top: int
    best: IntArray
    worst: IntArray
    best_weights: FloatArray
    worst_weights: FloatArray
    certified: BoolArray

    @property
    def always_selected(self) -> BoolArray:
        return self.worst <= self.top

    @property
    def never_selected(self) -> BoolArray:
        return self.best > self.top


def rank_bounds(
    points: npt.ArrayLike,
    weights: npt.ArrayLike,
    top: int = DEFAULT_TOP,
    *,
    spread: float | None = DEFAULT_SPREAD,
    lower: npt.ArrayLike | None = None,
    upper: npt.ArrayLike | None = None,
) -> RankBounds:
    """Exact best and worst competition rank of every entity over the weight box.

    How: entity i's rank is ``1 + #{j : d_j·w > 0}`` with ``d_j = x_j − x_i``. Rivals
    whose lead is positive over the whole box (interval arithmetic on its corners:
    ``min_w d_j·w >= BEAT_MARGIN``) always count, those that can never lead
    (``max_w d_j·w <= 0``) never do; for the rest one small MILP per entity and
    direction (scipy.optimize.milp / HiGHS, mip_rel_gap = 0) picks the weights:

    - worst rank: maximise ``Σ z_j`` with ``d_j·w >= BEAT_MARGIN − M_j(1 − z_j)``;
    - best rank: minimise ``Σ y_j`` with ``d_j·w <= M_j·y_j`` (a tie is not a beat,
      so ties share the better rank),

    ``w`` in the box, ``z, y`` binary and each big-M the tightest valid one
    (``M_j = BEAT_MARGIN − min_w d_j·w`` resp. ``max_w d_j·w``). Counting is not
    separable per rival because all rivals share the same ``w``; the MILP is exact
    up to HiGHS's tolerances. To close that gap, the solution's weights are then
    re-ranked with the app's 9-decimal rule (after snapping a near-tie vertex onto
    the exact ties it stands for); the reported rank is the one re-ranking gives,
    so every figure is actually attained at the witness weights.
    """
    p = as_points(points)
    n, m = p.shape
    w = check_weights(weights, m)
    _check_top(top)
    box = weight_box(w, spread=spread, lower=lower, upper=upper)
    best = np.empty(n, dtype=np.int64)
    worst = np.empty(n, dtype=np.int64)
    best_w = np.empty((n, m))
    worst_w = np.empty((n, m))
    certified = np.ones(n, dtype=bool)
    for i in range(n):
        rival = np.ones(n, dtype=bool)
        rival[i] = False
        diffs = p[rival] - p[i]
        low = np.minimum(diffs * box.lower, diffs * box.upper).sum(axis=1)
        high = np.maximum(diffs * box.lower, diffs * box.upper).sum(axis=1)
        always = low >= BEAT_MARGIN
        never = high <= 0
        open_ = ~(always | never)
        base = 1 + int(np.count_nonzero(always))
        for direction in ("best", "worst"):
            claimed, witness = _solve_rank_milp(
                diffs[open_], low[open_], high[open_], box, w, direction
            )
            achieved = _rank_of(p, witness, i)
            for margin in _WIDER_MARGINS:
                if achieved == base + claimed:
                    break
                # HiGHS's integrality tolerance (1e-6 × big-M) can exceed a 1e-6 margin:
                # a binary at 0.999999 then "beats" at weights where nobody leads. A wider
                # margin makes the relaxed constraint bind, so the witness attains its count.
                claimed, witness = _solve_rank_milp(
                    diffs[open_], low[open_], high[open_], box, w, direction,
                    margins=(margin,))
                achieved = _rank_of(p, witness, i)
            if direction == "best":
                best[i], best_w[i] = achieved, witness
            else:
                worst[i], worst_w[i] = achieved, witness
            certified[i] &= achieved == base + claimed
    return RankBounds(
        weights=w,
        lower=box.lower,
        upper=box.upper,
        top=int(top),
        best=best,
        worst=worst,
        best_weights=best_w,
        worst_weights=worst_w,
        certified=certified,
    )


_QUIET_LOCK = threading.Lock()
_quiet_depth = 0
_saved_stdout_fd: int | None = None


@contextlib.contextmanager
def solver_output_silenced() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null while HiGHS runs.

    HiGHS (scipy 1.17) writes some diagnostics (``HighsMipSolverData::…``) with C's
    printf, whatever its ``output_flag``: below Python's ``sys.stdout``, so only a
    redirect of the descriptor itself keeps ``robustness --format json`` pure JSON.
    Re-entrant and shared between threads: the first to enter redirects, the last to
    leave restores. Python-level output of other threads is silenced meanwhile too,
    which is why only the solver calls are wrapped.
    """
    global _quiet_depth, _saved_stdout_fd
    with _QUIET_LOCK:
        if _quiet_depth == 0:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            try:
                _saved_stdout_fd = os.dup(1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.close(devnull)
            except OSError:  # no descriptor 1 (an embedded interpreter): nothing to hide
                _saved_stdout_fd = None
        _quiet_depth += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _saved_stdout_fd is not None:
                os.dup2(_saved_stdout_fd, 1)
                os.close(_saved_stdout_fd)
                _saved_stdout_fd = None


def prefetch_solver() -> threading.Thread | None:
    """Start importing SciPy's optimiser on a background thread; None if already loaded.

    Loading it takes about 0.4 s of CPU, single-threaded. Started when the MILPs are
    known to be needed and before the draws (whose numpy work releases the GIL), the
    import overlaps the simulation instead of following it. The MILP code imports it
    as usual and simply waits for this import if it is still running; a failure here
    is ignored (that import then raises it again where it is handled).
    """
    if "scipy.optimize" in sys.modules:
        return None

    def load() -> None:
        with contextlib.suppress(Exception):
            import scipy.optimize  # noqa: F401

    thread = threading.Thread(target=load, name="prefetch-scipy-optimize", daemon=True)
    thread.start()
    return thread


def _rank_of(points: FloatArray, weights: FloatArray, entity: int) -> int:
    keys = score_keys(points @ weights)
    return 1 + int(np.count_nonzero(keys > keys[entity]))


_WIDER_MARGINS = (1e-4, 1e-3, 1e-2)  # retried when a witness misses its claimed rank


def _solve_rank_milp(
    diffs: FloatArray,
    low: FloatArray,
    high: FloatArray,
    box: WeightBox,
    current: FloatArray,
    direction: Literal["best", "worst"],
    margins: Sequence[float] = (BEAT_MARGIN, 10 * BEAT_MARGIN, 100 * BEAT_MARGIN),
) -> tuple[int, FloatArray]:
    """Optimal number of beating rivals among ``diffs`` and a witness weight vector."""
    k, m = diffs.shape
    if k == 0:
        return 0, current.copy()
    result = None
    # HiGHS 1.x (scipy 1.17) returned "Solve error" on one seed entity with a 1e-6
    # margin (big-M 31.000001 against a bound of −31); a coarser margin is retried,
    # and the re-ranked witness decides what is reported either way.
    for margin in margins:
        with solver_output_silenced():
            result = _rank_milp(diffs, low, high, box, direction, margin)
        if result.x is not None:
            break
    if result is None or result.x is None:
        raise RuntimeError(f"rank MILP failed: {getattr(result, 'message', '')}")
    count = round(abs(float(result.fun)))
    raw = np.clip(result.x[:m], box.lower, box.upper)
    binaries = np.rint(result.x[m:]).astype(bool)
    if direction == "best":
        tied = (~binaries) & (np.abs(diffs @ raw) <= 1e-6)
        witness = _snap_to_ties(raw, diffs[tied], box)
    else:
        witness = raw
    return count, witness


def _rank_milp(
    diffs: FloatArray,
    low: FloatArray,
    high: FloatArray,
    box: WeightBox,
    direction: Literal["best", "worst"],
    margin: float,
    extra: dict[str, float] | None = None,
) -> OptimizeResult:
    # imported here: SciPy's optimiser takes a quarter of a second to load, and every
    # page imports this module for the effective weights, which do not need it
    from scipy.optimize import Bounds, LinearConstraint, milp

    k, m = diffs.shape
    if direction == "worst":
        # z_j = 1 ⇒ d_j·w >= margin; M_j = margin − min_w d_j·w keeps z_j = 0 free
        big_m = margin - low
        objective = np.concatenate((np.zeros(m), -np.ones(k)))
        constraint = LinearConstraint(np.hstack((diffs, -np.diag(big_m))), margin - big_m, np.inf)
    else:
        # y_j = 0 ⇒ d_j·w <= 0 (a tie is not a beat); M_j = max_w d_j·w
        big_m = high
        objective = np.concatenate((np.zeros(m), np.ones(k)))
        constraint = LinearConstraint(np.hstack((diffs, -np.diag(big_m))), -np.inf, 0.0)
    return milp(
        objective,
        constraints=constraint,
        integrality=np.concatenate((np.zeros(m), np.ones(k))),
        bounds=Bounds(
            np.concatenate((box.lower, np.zeros(k))), np.concatenate((box.upper, np.ones(k)))
        ),
        options={"mip_rel_gap": 0.0, **(extra or {})},
    )


def _snap_to_ties(weights: FloatArray, tie_rows: FloatArray, box: WeightBox) -> FloatArray:
    """Move a solver vertex the least so that the near-ties in ``tie_rows`` become exact.

    Weights sitting on a bound stay there; the others get the minimum-norm
    correction solving ``tie_rows @ w = 0``. Falls back to the input if that leaves
    the box.
    """
    if tie_rows.size == 0:
        return weights
    on_bound = np.isclose(weights, box.lower, atol=1e-7) | np.isclose(weights, box.upper, atol=1e-7)
    snapped = weights.copy()
    snapped[on_bound] = np.where(np.isclose(weights, box.lower, atol=1e-7), box.lower, box.upper)[
        on_bound
    ]
    free = ~on_bound
    if free.any():
        residual = -(tie_rows @ snapped)
        correction, *_ = np.linalg.lstsq(tie_rows[:, free], residual, rcond=None)
        snapped[free] += correction
    if not box.contains(snapped):
        return weights
    return snapped


# ---------------------------------------------------------------------------
# Effective weights and points ranges
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveWeights:
    """Nominal versus real influence of each criterion on the final score.

    - ``nominal_share``: ``w_c / Σw``.
    - ``variance_share``: ``cov(w_c·x_c, score) / var(score)`` over the entities;
      the shares add up to 1 (negative when a criterion runs against the rest).
    - ``correlation``: Pearson correlation of the criterion's points with the final
      score (COINr's "effective weights" check); 0 for a constant criterion.
    """

    criteria: tuple[str, ...]
    weights: FloatArray
    nominal_share: FloatArray
    variance_share: FloatArray
    correlation: FloatArray

    def rows(self) -> list[dict[str, object]]:
        return [
            {
                "criterion": key,
                "weight": float(self.weights[c]),
                "nominal_share": float(self.nominal_share[c]),
                "variance_share": float(self.variance_share[c]),
                "correlation": float(self.correlation[c]),
            }
            for c, key in enumerate(self.criteria)
        ]


def effective_weights(
    points: npt.ArrayLike, weights: npt.ArrayLike, *, criteria: Sequence[str] | None = None
) -> EffectiveWeights:
    """Nominal shares, variance shares and correlations of every criterion (see the class)."""
    p = as_points(points)
    m = p.shape[1]
    w = check_weights(weights, m)
    keys = _criterion_keys(criteria, m)
    total = w.sum()
    nominal = w / total if total > 0 else np.zeros(m)
    contributions = p * w
    score = contributions.sum(axis=1)
    centred_score = score - score.mean()
    var = float(centred_score @ centred_score)
    centred = contributions - contributions.mean(axis=0)
    variance_share = centred.T @ centred_score / var if var > 0 else np.zeros(m)
    centred_points = p - p.mean(axis=0)
    norms = np.sqrt((centred_points**2).sum(axis=0)) * math.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.where(norms > 0, centred_points.T @ centred_score / norms, 0.0)
    return EffectiveWeights(
        criteria=keys,
        weights=w,
        nominal_share=nominal,
        variance_share=variance_share,
        correlation=correlation,
    )


@dataclass(frozen=True)
class PointsRange:
    criterion: str
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def points_ranges(
    points: npt.ArrayLike, *, criteria: Sequence[str] | None = None
) -> tuple[PointsRange, ...]:
    """Observed min and max points of every criterion."""
    p = as_points(points)
    if p.shape[0] == 0:
        raise ValueError("no entities")
    return tuple(
        PointsRange(key, float(p[:, c].min()), float(p[:, c].max()))
        for c, key in enumerate(_criterion_keys(criteria, p.shape[1]))
    )


def widest_points_range(
    points: npt.ArrayLike, *, criteria: Sequence[str] | None = None
) -> PointsRange:
    """The criterion whose points spread the most (first in matrix order on a tie).

    A wide range means the criterion separates entities the most per unit of
    weight, so its weight moves the ranking most.
    """
    ranges = points_ranges(points, criteria=criteria)
    return max(ranges, key=lambda r: r.width)
