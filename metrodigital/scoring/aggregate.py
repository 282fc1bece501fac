"""Step 2: weight the normalised points and add them up.

``score = Σ points × weight``. Scores are compared **after rounding to 9 decimals**
(:data:`SCORE_DECIMALS`): with decimal weights the same sum computed in another
order can differ by 1e-15 (``0.1 + 0.2`` against ``0.3``), and such a difference
must neither break a tie nor create one. The rule is kept as integer *score keys*
(the score in units of 1e-9): equal keys ⇔ equal scores, and the score shown is the
key / 1e9, so what the user sees agrees with how it ranks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrodigital.scoring.normalise import FloatArray, Normalised

SCORE_DECIMALS = 9
IntArray = npt.NDArray[np.int64]
# the largest score whose key (score · 1e9) still fits an int64 with room to spare
SCORE_LIMIT = 2.0**62 / 10**SCORE_DECIMALS


def weighted_scores(points: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """``points @ weights``, unrounded; 2-D ``draws × criteria`` weights give one row of
    scores per draw (the robustness analysis scores thousands of weight vectors at once)."""
    p = np.asarray(points, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    return w @ p.T if w.ndim == 2 else p @ w


def score_keys(scores: npt.ArrayLike) -> IntArray:
    """Scores as integers in units of 1e-9: equal keys ⇔ equal after rounding to 9 decimals."""
    s = np.asarray(scores, dtype=np.float64)
    if s.size and not np.all(np.abs(s) < SCORE_LIMIT):
        raise ValueError("scores too large (or not finite) to compare at 9 decimals")
    return np.rint(s * 10**SCORE_DECIMALS).astype(np.int64)


def weight_vector(weights: Mapping[str, float] | npt.ArrayLike,
                  criteria: Sequence[str]) -> FloatArray:
    """The weights in the order of ``criteria`` (a mapping must name every criterion);
    finite and non-negative."""
    if isinstance(weights, Mapping):
        missing = [k for k in criteria if k not in weights]
        if missing:
            raise ValueError(f"no weight for criteria {missing}")
        w = np.array([float(weights[k]) for k in criteria], dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64)
    return check_weights(w, len(criteria))


def check_weights(weights: npt.ArrayLike, n_criteria: int) -> FloatArray:
    """``n_criteria`` weights as a float vector, finite and non-negative."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_criteria,):
        raise ValueError(f"expected {n_criteria} weights, got shape {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    return w


@dataclass(frozen=True)
class Aggregated:
    """Weighted contributions and scores of every entity, with the weights used.

    ``contributions`` is ``entities × criteria`` (points × weight); ``scores`` are the
    sums rounded to 9 decimals and ``keys`` the same scores as integers (units of
    1e-9), which every comparison uses. Arrays are read-only.
    """

    normalised: Normalised
    weights: FloatArray
    contributions: FloatArray
    scores: FloatArray
    keys: IntArray

    @property
    def criteria(self) -> tuple[str, ...]:
        return self.normalised.criteria


def aggregate(normalised: Normalised, weights: Mapping[str, float] | npt.ArrayLike
              ) -> Aggregated:
    """The weighted sum of ``normalised`` points: contributions, scores and score keys."""
    w = weight_vector(weights, normalised.criteria)
    contributions = normalised.values * w
    keys = score_keys(contributions.sum(axis=1))
    scores = keys / 10**SCORE_DECIMALS
    for array in (w, contributions, keys, scores):
        array.setflags(write=False)
    return Aggregated(normalised, w, contributions, scores, keys)
