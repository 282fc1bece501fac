"""Quotas: exact (checked against brute force), parsed from links, explained."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from metrodigital.quotas import Quota, apply_quotas, parse_quota


def brute_force(order: list[str], groups: dict[str, dict[str, int]], top: int,
                quotas: list[Quota]) -> tuple[str, ...] | None:
    """The lexicographically best feasible selection by rank, by trying every subset."""
    def ok(chosen: tuple[str, ...]) -> bool:
        for q in quotas:
            n = sum(groups[e].get(q.kind) == q.group for e in chosen)
            if (q.bound == "min" and n < q.k) or (q.bound == "max" and n > q.k):
                return False
        return True

    position = {e: i for i, e in enumerate(order)}
    feasible = [c for c in combinations(order, top) if ok(c)]
    if not feasible:
        return None
    return min(feasible, key=lambda c: sorted(position[e] for e in c))


@settings(max_examples=150, deadline=None)
@given(
    classes=st.lists(st.integers(1, 3), min_size=3, max_size=9),
    top=st.integers(1, 5),
    raw=st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["min", "max"]),
                           st.integers(0, 4)), max_size=3),
)
def test_greedy_selection_is_the_best_feasible_one(classes: list[int], top: int,
                                                   raw: list[tuple[int, str, int]]) -> None:
    order = [f"e{i}" for i in range(len(classes))]
    groups = {e: {"pop": c} for e, c in zip(order, classes, strict=True)}
    quotas = [Quota("pop", g, b, k) for g, b, k in raw]  # type: ignore[arg-type]
    top = min(top, len(order))
    expected = brute_force(order, groups, top, quotas)
    outcome = apply_quotas(order, groups, top, quotas)
    if expected is None:
        assert not outcome.feasible
    else:
        assert outcome.feasible
        assert sorted(outcome.selected) == sorted(expected)


def test_quota_codes_round_trip_and_bad_ones_are_refused() -> None:
    for code in ["pop1>=2", "pop3<=4", "zona9>=1"]:
        quota = parse_quota(code)
        assert quota is not None and quota.code == code
    assert parse_quota(" pop1 >= 2 ").code == "pop1>=2"  # type: ignore[union-attr]
    for bad in ["pop>=2", "popolo1>=2", "pop1=2", "pop1>=-1", "<b>", ""]:
        assert parse_quota(bad) is None


def test_displaced_and_promoted_name_their_quota() -> None:
    order = ["a", "b", "c", "d", "e"]
    groups = {"a": {"pop": 3}, "b": {"pop": 3}, "c": {"pop": 3}, "d": {"pop": 1},
              "e": {"pop": 2}}
    at_least_one_small = Quota("pop", 1, "min", 1)
    outcome = apply_quotas(order, groups, 3, [at_least_one_small])
    assert outcome.selected == ("a", "b", "d")
    assert outcome.displaced == (("c", at_least_one_small),)
    assert outcome.promoted == (("d", at_least_one_small),)
    at_most_two_big = Quota("pop", 3, "max", 2)
    capped = apply_quotas(order, groups, 3, [at_most_two_big])
    assert capped.selected == ("a", "b", "d")
    assert capped.displaced == (("c", at_most_two_big),)
