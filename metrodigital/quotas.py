"""Quotas on the selection: at least / at most k entities per population class or zona.

The selection with quotas is the best one in ranking order that respects every
quota: entities are taken in rank order, and one is skipped only when taking it
would break a maximum or leave too few places for the minimums still unmet.
With disjoint groups this greedy choice is exact: no feasible selection has a
better-ranked entity in place of one it skipped (tested against brute force).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
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
    selected: tuple[str, ...]
    displaced: tuple[tuple[str, Quota], ...]  # out because of this quota (would be in without)
    promoted: tuple[tuple[str, Quota], ...]  # in because of this minimum (would be out without)
    feasible: bool


def apply_quotas(order: Sequence[str], groups: Mapping[str, Mapping[GroupKind, int]],
                 top: int, quotas: Sequence[Quota],
                 baseline: Collection[str] | None = None) -> QuotaOutcome:
    """The best selection of ``top`` entities in ``order`` that respects ``quotas``.

    All quotas must be of one kind (population class or zona), so that the groups
    are disjoint: that is what makes the greedy choice exact. When no selection
    respects them, ``feasible`` is False and the selection is the plain top N.
    ``baseline`` is the selection without quotas (default: the first ``top``), to
    say who was displaced and who was promoted by a quota.
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

    counts = dict.fromkeys(limits, 0)
    selected: list[str] = []
    for entity in order:
        if len(selected) == top:
            break
        keys = [key for key in limits if groups[entity].get(key[0]) == key[1]]
        if any(counts[key] >= limits[key][1] for key in keys):
            continue  # its group's maximum is reached
        need_after = sum(max(0, limits[key][0] - counts[key] - (key in keys)) for key in limits)
        if need_after > top - len(selected) - 1:
            continue  # its place is needed for a minimum still unmet
        selected.append(entity)
        for key in keys:
            counts[key] += 1

    if len(selected) < top or any(counts[key] < low for key, (low, _) in limits.items()):
        return QuotaOutcome(tuple(order[:top]), (), (), False)  # the maximums leave too few

    def own(entity: str, bound: str) -> Quota | None:
        return next((q for q in quotas if q.bound == bound
                     and groups[entity].get(q.kind) == q.group), None)

    minimums = [q for q in quotas if q.bound == "min"]
    before, chosen = set(order[:top] if baseline is None else baseline), set(selected)
    displaced = tuple((e, own(e, "max") or minimums[0]) for e in order
                      if e in before and e not in chosen)
    promoted = tuple((e, q) for e in order if e in chosen and e not in before
                     and (q := own(e, "min")) is not None)
    return QuotaOutcome(tuple(selected), displaced, promoted, True)
