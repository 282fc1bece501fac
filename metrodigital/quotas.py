"""Quotas on the selection: at least / at most k entities per population class or zona.

The selection with quotas is the best one in ranking order that respects every
quota: entities are taken in rank order, and one is skipped only when taking it
would break a maximum or leave too few places for the minimums still unmet.
With disjoint groups this greedy choice is exact: no feasible selection has a
better-ranked entity in place of one it skipped (tested against brute force).

Equal scores are never decided by the order in which the entities happen to be
listed. The caller gives each entity a tie key (its score, then whatever the tie
rule uses to separate equal scores); two entities with the same key are tied. An
entity left out is *tied with the selection* when it could take the place of a
selected entity with the same key and every quota would still hold: then both
selections are equally good, and the tie rule, not the list order, must decide
(``tied_out`` and ``tied_in``). The quota constraints on disjoint groups form a
matroid, so single exchanges find every entity of every best selection.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

GroupKind = Literal["pop", "zona"]
_QUOTA = re.compile(r"^(pop|zona)(\d{1,2})(>=|<=)(\d{1,4})$")
UNKNOWN_ZONE = 0  # entities whose zona omogenea is not known


@dataclass(frozen=True)
class Quota:
    kind: GroupKind
    group: int  # population class 1–3, or zona omogenea 1–11
    bound: Literal["min", "max"]
    k: int

    @property
    def code(self) -> str:
        """The quota as the link writes it: ``pop1>=2``, ``zona9<=3``."""
        return f"{self.kind}{self.group}{'>=' if self.bound == 'min' else '<='}{self.k}"


def parse_quota(text: str) -> Quota | None:
    match = _QUOTA.match(text.strip().replace(" ", ""))
    if not match:
        return None
    kind, group, op, k = match.groups()
    return Quota(kind, int(group), "min" if op == ">=" else "max", int(k))  # type: ignore[arg-type]


@dataclass(frozen=True)
class QuotaOutcome:
    """The best selection of exactly N under the quotas, and who is tied with it.

    ``selected`` has exactly N entities (in ranking order) when ``feasible``.
    ``tied_out`` are left out although they could take the place of one of
    ``tied_in`` (same tie key, every quota still met): the tie rule decides
    between them. ``displaced`` and ``promoted`` compare ``selected`` with the
    selection without quotas; the quota is None when no single quota is the reason
    (the quotas together left no place for it, or together freed one).
    """

    selected: tuple[str, ...]
    displaced: tuple[tuple[str, Quota | None], ...]  # out because of this quota
    promoted: tuple[tuple[str, Quota | None], ...]  # in because of this quota
    feasible: bool
    tied_out: tuple[str, ...] = ()
    tied_in: tuple[str, ...] = ()
    # maximums that the tied left out would exceed if they all came in, with that count
    exceeded: tuple[tuple[Quota, int], ...] = ()


def apply_quotas(order: Sequence[str], groups: Mapping[str, Mapping[GroupKind, int]],
                 top: int, quotas: Sequence[Quota],
                 baseline: Collection[str] | None = None,
                 tie_key: Mapping[str, Hashable] | None = None) -> QuotaOutcome:
    """The best selection of ``top`` entities in ``order`` that respects ``quotas``.

    All quotas must be of one kind (population class or zona), so that the groups
    are disjoint: that is what makes the greedy choice exact. When no selection
    respects them, ``feasible`` is False and the selection is the plain top N.
    ``baseline`` is the selection without quotas (default: the first ``top``), to
    say who was displaced and who was promoted by a quota. ``tie_key`` (default:
    every entity its own key) says which entities are equal; ``order`` must list
    them best first, equal keys next to each other.
    """
    if len({q.kind for q in quotas}) > 1:
        raise ValueError("quotas of one kind at a time: population class or zona")
    top = min(top, len(order))
    limits: dict[tuple[GroupKind, int], list[int]] = {}
    for quota in quotas:
        low, high = limits.setdefault((quota.kind, quota.group), [0, top])
        limits[(quota.kind, quota.group)] = (
            [max(low, quota.k), high] if quota.bound == "min" else [low, min(high, quota.k)])
    members = {key: [e for e in order if groups[e].get(key[0]) == key[1]] for key in limits}
    feasible = all(low <= min(high, len(members[key])) for key, (low, high) in limits.items())
    feasible = feasible and sum(low for low, _ in limits.values()) <= top
    if not feasible:
        return QuotaOutcome(tuple(order[:top]), (), (), False)

    def group_of(entity: str) -> tuple[GroupKind, int] | None:
        return next((key for key in limits if groups[entity].get(key[0]) == key[1]), None)

    counts = dict.fromkeys(limits, 0)
    selected: list[str] = []
    for entity in order:
        if len(selected) == top:
            break
        own_group = group_of(entity)
        if own_group is not None and counts[own_group] >= limits[own_group][1]:
            continue  # its group's maximum is reached
        need_after = sum(max(0, limits[key][0] - counts[key] - (key == own_group))
                         for key in limits)
        if need_after > top - len(selected) - 1:
            continue  # its place is needed for a minimum still unmet
        selected.append(entity)
        if own_group is not None:
            counts[own_group] += 1

    if len(selected) < top or any(counts[key] < low for key, (low, _) in limits.items()):
        return QuotaOutcome(tuple(order[:top]), (), (), False)  # the maximums leave too few

    keys: Mapping[str, Hashable] = tie_key if tie_key is not None else {e: e for e in order}
    chosen = set(selected)

    def exchangeable(out: str, into: str) -> bool:
        """Whether ``out`` can take the place of ``into`` with every quota still met."""
        gain, loss = group_of(out), group_of(into)
        if gain == loss:
            return True
        return ((gain is None or counts[gain] + 1 <= limits[gain][1])
                and (loss is None or counts[loss] - 1 >= limits[loss][0]))

    by_key: dict[Hashable, list[str]] = {}
    for entity in selected:
        by_key.setdefault(keys[entity], []).append(entity)
    tied_out: list[str] = []
    tied_in: set[str] = set()
    for entity in order:
        if entity in chosen:
            continue
        partners = [e for e in by_key.get(keys[entity], []) if exchangeable(entity, e)]
        if partners:
            tied_out.append(entity)
            tied_in.update(partners)

    def own(entity: str, bound: str) -> Quota | None:
        return next((q for q in quotas if q.bound == bound
                     and groups[entity].get(q.kind) == q.group), None)

    minimums = [q for q in quotas if q.bound == "min"]
    before = set(order[:top] if baseline is None else baseline)
    after = chosen | set(tied_out)  # the tied left out may still enter by the tie rule
    displaced = tuple((e, own(e, "max") or (minimums[0] if len(minimums) == 1 else None))
                      for e in order if e in before and e not in after)
    # who enters without a minimum of its own took a place a reached maximum left free
    reached = [q for q in quotas if q.bound == "max"
               and counts[(q.kind, q.group)] >= limits[(q.kind, q.group)][1]]
    promoted = tuple((e, own(e, "min") or (reached[0] if len(reached) == 1 else None))
                     for e in order if e in chosen and e not in before)
    exceeded = tuple((q, n) for q in quotas if q.bound == "max" and (n := sum(
        groups[e].get(q.kind) == q.group for e in after)) > q.k)
    return QuotaOutcome(tuple(selected), displaced, promoted, True, tuple(tied_out),
                        tuple(e for e in selected if e in tied_in), exceeded)
