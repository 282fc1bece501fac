"""Step 4: select the top N, and say exactly what happened at the cut-off.

Ties at the cut-off are never resolved by the list order. The rules:

- ``all`` (default): everyone tied at the cut-off is in; the selection can exceed N;
- ``criteria``: the tied are ordered by the points of a named, ordered list of
  criteria; those still equal on every one of them across the boundary are all in;
- ``choice``: the user picks exactly the free places among the tied; until then
  everyone tied is in.

:func:`selected_mask` is the rule ``all`` for many weight vectors at once (the
robustness analysis); :func:`cut` applies any rule to one ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from metrodigital.scoring.aggregate import score_keys
from metrodigital.scoring.rank import Ranked

BoolArray = npt.NDArray[np.bool_]
Rule = Literal["all", "criteria", "choice"]
TieOutcome = Literal[
    "none",  # no tie straddles the cut-off
    "all_included",  # rule "all": the whole tied group is in, the selection exceeds N
    "broken_by_criteria",  # rule "criteria": the listed criteria decided
    "partly_broken",  # the criteria left some still tied: those are all included
    "chosen",  # rule "choice": the user picked exactly the free places
    "awaiting_choice",  # rule "choice" without a complete pick: all included meanwhile
]


def check_top(top: int) -> None:
    if int(top) != top or top < 1:
        raise ValueError(f"top must be a positive whole number, got {top!r}")


def selected_mask(scores: npt.ArrayLike, top: int) -> BoolArray:
    """Selected under "include all ties at the cut-off": score >= N-th highest (rank <= N).

    Works per row for a 2-D ``draws × entities`` array.
    """
    check_top(top)
    keys = score_keys(scores)
    n = keys.shape[-1]
    if top >= n:
        return np.ones(keys.shape, dtype=bool)
    # the N-th highest score, found by a partial sort (O(n) per row)
    cutoff = np.partition(keys, n - top, axis=-1)[..., n - top]
    return keys >= np.expand_dims(cutoff, -1)


@dataclass(frozen=True)
class TieStatus:
    """What happened at the cut-off. Entities are named by their identifiers."""

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
class Cut:
    """The selection of one ranking under one rule, with the parameters used.

    ``mask`` is indexed like the rows of the points (source order). ``notes`` are
    message-catalogue keys with their parameters, for the caller to render.
    """

    top: int
    rule: Rule
    tie_criteria: tuple[str, ...]
    picks: tuple[str, ...]
    mask: BoolArray
    ties: TieStatus
    notes: tuple[tuple[str, dict[str, object]], ...] = field(default=())


def cut(ranked: Ranked, entity_ids: Sequence[str], top: int, rule: str = "all", *,
        tie_criteria: Sequence[str] = (), picks: Sequence[str] = ()) -> Cut:
    """The top ``top`` of ``ranked`` under the tie rule ``rule``.

    ``entity_ids`` name the rows of the points; ``tie_criteria`` are criterion keys
    of the ranking (rule ``criteria``, compared on the normalised points), ``picks``
    entity identifiers (rule ``choice``). All weights 0 select nobody.
    """
    check_top(top)
    ids = np.asarray(entity_ids, dtype=object)
    n = ids.size
    criteria = tuple(tie_criteria)
    chosen = tuple(picks)
    mask = np.zeros(n, dtype=bool)

    def done(ties: TieStatus, *notes: tuple[str, dict[str, object]]) -> Cut:
        mask.setflags(write=False)
        return Cut(top, rule, criteria, chosen, mask, ties, tuple(notes))  # type: ignore[arg-type]

    if not np.any(ranked.aggregated.weights):
        return done(TieStatus("none"), ("selection.all_zero", {}))
    if top >= n:
        mask[:] = True
        if top > n:
            return done(TieStatus("none"), ("selection.top_exceeds", {"top": top, "count": n}))
        return done(TieStatus("none"))

    keys = ranked.aggregated.keys
    order = ranked.order
    cut_key = keys[order[top - 1]]
    mask[keys > cut_key] = True
    above = int(mask.sum())
    at_cut = order[keys[order] == cut_key]  # the group at the cut-off, in list order
    if above + at_cut.size <= top:  # the whole group fits: no tie across the cut-off
        mask[at_cut] = True
        return done(TieStatus("none"))

    slots = top - above
    tied_ids = tuple(str(i) for i in ids[at_cut])
    status: dict[str, object] = dict(
        score=float(ranked.aggregated.scores[at_cut[0]]), entity_ids=tied_ids,
        first_rank=above + 1, last_rank=above + at_cut.size, slots=slots,
    )
    notes: list[tuple[str, dict[str, object]]] = []
    if rule == "criteria" and criteria:
        columns = [ranked.aggregated.criteria.index(k) for k in criteria]
        included_rows, outcome = _break_by_criteria(
            ranked.aggregated.normalised.values[np.ix_(at_cut, columns)], slots)
        included = tuple(tied_ids[r] for r in included_rows)
        status["tie_criteria"] = criteria
    elif rule == "criteria":
        included, outcome = tied_ids, "all_included"
        notes.append(("selection.no_tie_criteria", {}))
    elif rule == "choice":
        picked = tuple(p for p in chosen if p in tied_ids)
        if len(picked) == slots:
            included, outcome = picked, "chosen"
        else:
            included, outcome = tied_ids, "awaiting_choice"
    else:
        included, outcome = tied_ids, "all_included"
    mask[np.isin(ids, included)] = True
    return done(TieStatus(outcome, included=included, **status),  # type: ignore[arg-type]
                *notes)


def _break_by_criteria(values: npt.NDArray[np.float64], slots: int
                       ) -> tuple[list[int], TieOutcome]:
    """The best ``slots`` rows of ``values`` (the tied group's points on the tie
    criteria, in list order), compared criterion by criterion, in order.

    Those still equal on every listed criterion across the boundary stay tied and
    are all included: the rule never falls back to the list order. Returns the
    included rows, better ones first.
    """
    # descending lexicographic order, stable: the first criterion is the primary key
    ordered = np.lexsort(tuple(-values[:, c] for c in reversed(range(values.shape[1]))))
    rows = values[ordered]
    boundary = rows[slots - 1]
    equal = np.all(rows == boundary, axis=1)
    first_equal = int(np.argmax(equal))
    included = [int(r) for r in ordered[:first_equal]] + [int(r) for r in ordered[equal]]
    return included, ("broken_by_criteria" if len(included) == slots else "partly_broken")
