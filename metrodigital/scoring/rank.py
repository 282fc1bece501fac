"""Step 3: rank by score.

Standard competition ranking: ``1 + the number of entities with a strictly higher
score`` (1, 2, 2, 4), scores compared at 9 decimals (:func:`score_keys`). The list
order puts the best score first and, among equal scores, keeps the order of the
source file: the order shows a tie, it never decides one (the ranks are equal and
the selection says what happened at the cut-off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrodigital.scoring.aggregate import Aggregated, IntArray, score_keys


def competition_rank(scores: npt.ArrayLike) -> IntArray:
    """Standard competition rank (1 + number strictly higher) after rounding to 9 decimals.

    ``scores`` is 1-D (entities) or 2-D (draws × entities, ranked per row).
    """
    return ranks_of_keys(score_keys(scores))


def ranks_of_keys(keys: IntArray) -> IntArray:
    """Competition ranks of integer score keys (1-D, or 2-D ranked per row)."""
    if keys.ndim == 1:
        ordered = np.sort(keys)
        # entities strictly above = n − (entities ≤ this score)
        return (1 + keys.size - np.searchsorted(ordered, keys, side="right")).astype(np.int64)
    if keys.ndim != 2:
        raise ValueError("scores must be 1-D or 2-D")
    return _ranks_2d(keys).astype(np.int64)


def _ranks_2d(keys: IntArray) -> npt.NDArray[np.int64]:
    """Competition ranks per row of a 2-D key array (one sort per row, ties handled)."""
    order = np.argsort(keys, axis=1, kind="stable")
    ordered = np.take_along_axis(keys, order, axis=1)
    ranks_sorted = _ranks_of_sorted(ordered)
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=1)
    return ranks


def _ranks_of_sorted(ordered: IntArray) -> npt.NDArray[np.int64]:
    """Competition ranks of the entries of rows sorted ascending (ties share the best rank).

    Position p in a row of n ascending values has rank ``n − last`` where ``last`` is the
    last position holding the same value (everything after it is strictly higher).
    """
    rows, n = ordered.shape
    positions = np.arange(n, dtype=np.int64)
    if n == 0:
        return np.empty((rows, 0), dtype=np.int64)
    same_as_next = ordered[:, :-1] == ordered[:, 1:]
    ranks = np.broadcast_to(n - positions, (rows, n)).copy()
    tied_rows = np.flatnonzero(same_as_next.any(axis=1))
    if tied_rows.size:
        is_last = np.ones((tied_rows.size, n), dtype=bool)
        is_last[:, :-1] = ~same_as_next[tied_rows]
        last = np.where(is_last, positions, n)
        last = np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1]
        ranks[tied_rows] = n - last
    return ranks


@dataclass(frozen=True)
class Ranked:
    """The entities in ranking order, with their competition ranks.

    ``order`` lists entity positions (rows of the points) best score first, equal
    scores in source order; ``ranks`` is indexed like the rows of the points.
    """

    aggregated: Aggregated
    order: IntArray
    ranks: IntArray

    @property
    def keys_in_order(self) -> IntArray:
        return self.aggregated.keys[self.order]

    @property
    def ranks_in_order(self) -> IntArray:
        return self.ranks[self.order]


def rank(aggregated: Aggregated) -> Ranked:
    """Competition ranks and the list order of aggregated scores (rows are in source order)."""
    keys = aggregated.keys
    # a stable sort of the negated keys: best first, equal scores in source order
    order = np.argsort(-keys, kind="stable").astype(np.int64)
    ranks = ranks_of_keys(keys)
    order.setflags(write=False)
    ranks.setflags(write=False)
    return Ranked(aggregated, order, ranks)
