"""The one scoring path: normalise → aggregate → rank → select.

A module per step (in the spirit of scikit-criteria and COINr), plain arrays in,
frozen results out, each result carrying the parameters that produced it:

- :mod:`.normalise`: ``raw``, ``share`` (of each criterion's maximum), ``minmax``;
- :mod:`.aggregate`: the weighted sum, scores compared at 9 decimals (score keys);
- :mod:`.rank`: standard competition ranks (1, 2, 2, 4) and the list order;
- :mod:`.select`: the top N under a tie rule, with what happened at the cut-off.

Everything that ranks goes through here: the Matrix and Compare pages
(``metrodigital.ranking``), the CLI, the report and the robustness analysis.
Nothing here knows a survey, the store or the UI: the caller passes the criteria
keys, their maxima and the weights (the criteria depend on the survey), and only
numpy is imported, so a command-line run stays light.
"""

from metrodigital.scoring.aggregate import (
    SCORE_DECIMALS,
    Aggregated,
    aggregate,
    score_keys,
    weight_vector,
    weighted_scores,
)
from metrodigital.scoring.normalise import METHODS, Normalised, normalise
from metrodigital.scoring.rank import Ranked, competition_rank, rank, ranks_of_keys
from metrodigital.scoring.select import (
    Cut,
    TieOutcome,
    TieStatus,
    check_top,
    cut,
    selected_mask,
)

__all__ = [
    "METHODS", "SCORE_DECIMALS", "Aggregated", "Cut", "Normalised", "Ranked", "TieOutcome",
    "TieStatus", "aggregate", "check_top", "competition_rank", "cut", "normalise", "rank",
    "ranks_of_keys", "score_keys", "selected_mask", "weight_vector", "weighted_scores",
]
