"""How robust is the selection? Weight perturbation, tipping points, rank bounds.

- :mod:`.core`: scores and ranks, the weight box, the Monte Carlo simulation, the
  tipping points, the exact (unbudgeted) rank bounds, effective weights;
- :mod:`.intervals`: rank bounds proven where they decide a class, budgeted
  elsewhere and reported as intervals;
- :mod:`.budget`: time allowance, cancel flag and progress of a computation.

Pure numeric (numpy, scipy): nothing here knows about the store or the UI. Scores,
ranks and the selection rule are :mod:`metrodigital.scoring`'s (re-exported here).
"""

from metrodigital.robustness.budget import Budget, Cancelled
from metrodigital.robustness.core import (
    BEAT_MARGIN,
    CRITERIA,
    DEFAULT_DRAWS,
    DEFAULT_SPREAD,
    DEFAULT_TOP,
    PERCENTILES,
    WEIGHT_MAX,
    WEIGHT_MIN,
    EffectiveWeights,
    PointsRange,
    RankBounds,
    SimulationResult,
    TippingPoint,
    WeightBox,
    draw_weights,
    effective_weights,
    is_selected,
    points_ranges,
    prefetch_solver,
    rank_bounds,
    simulate,
    solver_output_silenced,
    tipping_points,
    weight_box,
    widest_points_range,
)
from metrodigital.robustness.intervals import (
    BoundClass,
    BoundsPlan,
    RankIntervals,
    bound_class,
    bound_ranks,
    plan_bounds,
)
from metrodigital.scoring import (
    SCORE_DECIMALS,
    competition_rank,
    score_keys,
    selected_mask,
    weighted_scores,
)

__all__ = [
    "BEAT_MARGIN", "CRITERIA", "DEFAULT_DRAWS", "DEFAULT_SPREAD", "DEFAULT_TOP", "PERCENTILES",
    "SCORE_DECIMALS", "WEIGHT_MAX", "WEIGHT_MIN", "BoundClass", "BoundsPlan", "Budget",
    "Cancelled",
    "EffectiveWeights", "PointsRange", "RankBounds", "RankIntervals", "SimulationResult",
    "TippingPoint", "WeightBox", "bound_class", "bound_ranks", "competition_rank",
    "draw_weights", "effective_weights", "is_selected", "plan_bounds", "points_ranges",
    "prefetch_solver", "rank_bounds",
    "score_keys", "selected_mask", "simulate", "solver_output_silenced", "tipping_points",
    "weight_box", "weighted_scores", "widest_points_range",
]
