"""Robustness of the selection: ranks, simulation, tipping points, exact rank bounds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrodigital import robustness as rb

SEED_CSV = Path(__file__).resolve().parent.parent / "data" / "seed_matrix.csv"
SEED_WEIGHTS = np.array([2, 3, 4, 5, 3, 3, 5, 4], dtype=float)
TIED_AT_193 = {"Comune di Mazzè", "Comune di Sant'Ambrogio di Torino", "Comune di Albiano d'Ivrea"}
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_seed() -> tuple[list[str], np.ndarray, np.ndarray]:
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [row["ente"] for row in rows]
    points = np.array([[float(row[key]) for key in rb.CRITERIA] for row in rows])
    finals = np.array([float(row["punteggio_finale"]) for row in rows])
    return names, points, finals


NAMES, POINTS, FINALS = load_seed()


def index_of(name: str) -> int:
    return NAMES.index(f"Comune di {name}")


# --- strategies --------------------------------------------------------------------


@st.composite
def small_matrices(draw: st.DrawFn, max_entities: int = 9, max_criteria: int = 4) -> np.ndarray:
    """Small integer point matrices with plenty of ties and duplicate rows."""
    n = draw(st.integers(2, max_entities))
    m = draw(st.integers(1, max_criteria))
    cells = draw(st.lists(st.integers(0, 4), min_size=n * m, max_size=n * m))
    return np.array(cells, dtype=float).reshape(n, m)


def weights_for(m: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(st.integers(0, 10), min_size=m, max_size=m).map(
        lambda ws: np.array(ws, dtype=float)
    )


# --- scores, ranks, selection --------------------------------------------------------


def test_seed_scores_reproduce_the_source() -> None:
    assert np.array_equal(rb.weighted_scores(POINTS, SEED_WEIGHTS), FINALS)


def test_seed_tie_at_193_is_on_ranks_11_to_13_and_all_13_are_selected() -> None:
    scores = rb.weighted_scores(POINTS, SEED_WEIGHTS)
    ranks = rb.competition_rank(scores)
    selected = rb.selected_mask(scores, 12)
    tied = {NAMES[i] for i in np.flatnonzero(scores == 193)}
    assert tied == TIED_AT_193
    assert {int(ranks[NAMES.index(n)]) for n in TIED_AT_193} == {11}
    assert int(selected.sum()) == 13
    assert {NAMES[i] for i in np.flatnonzero(selected)} >= TIED_AT_193
    assert ranks[index_of("Strambino")] == 14 and not selected[index_of("Strambino")]
    # 196 is shared by Collegno and Vinovo on ranks 9–10
    assert ranks[index_of("Collegno")] == ranks[index_of("Vinovo")] == 9


def test_competition_rank_shares_the_best_rank() -> None:
    assert rb.competition_rank([10, 8, 8, 5]).tolist() == [1, 2, 2, 4]
    assert rb.competition_rank([[1, 2, 2], [3, 3, 3]]).tolist() == [[3, 1, 1], [1, 1, 1]]


def test_decimal_weights_do_not_create_fake_differences() -> None:
    scores = rb.weighted_scores([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0.1 + 0.2, 0.3])
    assert rb.competition_rank(scores).tolist() == [1, 1, 1]
    assert rb.selected_mask(scores, 1).all()


@FEW
@given(small_matrices(), st.integers(1, 10), st.data())
def test_selection_is_rank_within_top_and_never_below_n(
    points: np.ndarray, top: int, data: st.DataObject
) -> None:
    weights = data.draw(weights_for(points.shape[1]))
    scores = rb.weighted_scores(points, weights)
    ranks = rb.competition_rank(scores)
    selected = rb.selected_mask(scores, top)
    assert np.array_equal(selected, ranks <= top)
    assert selected.sum() >= min(top, len(scores))
    # 2-D (draws × entities) agrees with ranking each row on its own
    grid = np.vstack([scores, scores[::-1]])
    assert np.array_equal(rb.competition_rank(grid), np.vstack([ranks, ranks[::-1]]))
    assert np.array_equal(rb.selected_mask(grid, top), grid_selected(grid, top))


def grid_selected(grid: np.ndarray, top: int) -> np.ndarray:
    return np.vstack([rb.selected_mask(row, top) for row in grid])


@FEW
@given(small_matrices(), st.data())
def test_an_entity_at_least_as_good_everywhere_is_never_ranked_below(
    points: np.ndarray, data: st.DataObject
) -> None:
    n, m = points.shape
    a, b = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    boost = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    points = points.copy()
    points[a] = points[b] + boost  # a dominates b
    draws = rb.draw_weights(
        rb.weight_box(np.full(m, 5.0), spread=5), 50, seed=data.draw(st.integers(0, 99))
    )
    ranks = rb.competition_rank(rb.weighted_scores(points, draws))
    assert np.all(ranks[:, a] <= ranks[:, b])
    result = rb.simulate(points, np.full(m, 5.0), 2, spread=5, draws=50, seed=1)
    assert result.rank_max[a] <= result.rank_max[b] and result.rank_min[a] <= result.rank_min[b]
    assert result.p_selected[a] >= result.p_selected[b]


# --- simulation -----------------------------------------------------------------------


def test_simulation_is_reproducible_with_the_same_seed() -> None:
    first = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=2_000, seed=42)
    again = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=2_000, seed=42, chunk_size=7, workers=2)
    assert first.seed == again.seed == 42
    for field in ("p_selected", "rank_p5", "rank_p50", "rank_p95", "rank_min", "rank_max"):
        assert np.array_equal(getattr(first, field), getattr(again, field)), field
    other = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=2_000, seed=43)
    assert not np.array_equal(first.p_selected, other.p_selected)


def test_simulation_without_seed_records_one_that_replays_it() -> None:
    first = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=500)
    replay = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=500, seed=first.seed)
    assert np.array_equal(first.p_selected, replay.p_selected)


def test_simulation_carries_its_parameters_and_box() -> None:
    result = rb.simulate(POINTS, SEED_WEIGHTS, 12, spread=2, draws=100, seed=1, names=NAMES)
    assert result.top == 12 and result.draws == 100 and result.criteria == rb.CRITERIA
    assert result.lower.tolist() == [0, 1, 2, 3, 1, 1, 3, 2]
    assert result.upper.tolist() == [4, 5, 6, 7, 5, 5, 7, 6]
    assert "uniform" in result.distribution
    assert result.rows()[0]["ente"] == NAMES[0]


@FEW
@given(small_matrices(max_entities=12), st.integers(1, 6), st.data())
def test_simulated_statistics_match_brute_force_ranking_of_the_same_draws(
    points: np.ndarray, top: int, data: st.DataObject
) -> None:
    m = points.shape[1]
    weights = data.draw(weights_for(m))
    # whole-number bounds half the time: many exact ties between distinct rows too
    whole = data.draw(st.booleans())
    lower = np.maximum(weights - 1, 0) if whole else None
    upper = lower if whole else None
    seed = data.draw(st.integers(0, 2**32))
    result = rb.simulate(points, weights, top, lower=lower, upper=upper, draws=64, seed=seed)
    box = rb.weight_box(weights, lower=lower, upper=upper)
    ranks = rb.competition_rank(rb.weighted_scores(points, rb.draw_weights(box, 64, seed)))
    ordered = np.sort(ranks, axis=0)
    assert np.array_equal(result.p_selected, (ranks <= top).mean(axis=0))
    assert np.array_equal(result.rank_min, ordered[0]) and np.array_equal(
        result.rank_max, ordered[-1]
    )
    assert np.array_equal(result.rank_p5, ordered[int(np.ceil(0.05 * 64)) - 1])
    assert np.array_equal(result.rank_p50, ordered[31])
    assert np.array_equal(result.rank_p95, ordered[int(np.ceil(0.95 * 64)) - 1])


def test_fixed_weights_reproduce_the_plain_ranking() -> None:
    result = rb.simulate(
        POINTS, SEED_WEIGHTS, 12, lower=SEED_WEIGHTS, upper=SEED_WEIGHTS, draws=10, seed=0
    )
    ranks = rb.competition_rank(FINALS)
    assert np.array_equal(result.rank_p50, ranks)
    assert result.stable_core.size == 13 and result.borderline.size == 0


def test_seed_simulation_classes() -> None:
    result = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=5_000, seed=7)
    stability = dict(zip(NAMES, result.stability, strict=True))
    assert stability["Unione dei Comuni Nord Est Torino"] == "always"
    assert stability["Comune di Osasco"] == "never"
    for name in TIED_AT_193:
        assert stability[name] == "borderline"
    assert set(result.stable_core) == {i for i, s in enumerate(result.stability) if s == "always"}


# --- exact rank bounds -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_bounds() -> rb.RankBounds:
    return rb.rank_bounds(POINTS, SEED_WEIGHTS, 12)


def test_rank_bounds_witnesses_are_in_the_box_and_attain_the_ranks(
    seed_bounds: rb.RankBounds,
) -> None:
    box = rb.WeightBox(seed_bounds.lower, seed_bounds.upper)
    assert seed_bounds.certified.all()
    for i in range(len(NAMES)):
        for rank, witness in ((seed_bounds.best[i], seed_bounds.best_weights[i]),
                              (seed_bounds.worst[i], seed_bounds.worst_weights[i])):  # fmt: skip
            assert box.contains(witness)
            assert rb.competition_rank(POINTS @ witness)[i] == rank
    assert np.all(seed_bounds.best <= rb.competition_rank(FINALS))
    assert np.all(seed_bounds.worst >= rb.competition_rank(FINALS))


def test_simulation_agrees_with_the_exact_rank_bounds(seed_bounds: rb.RankBounds) -> None:
    result = rb.simulate(POINTS, SEED_WEIGHTS, 12, draws=10_000, seed=3)
    assert np.all(result.rank_min >= seed_bounds.best)
    assert np.all(result.rank_max <= seed_bounds.worst)
    for q in (result.rank_p5, result.rank_p50, result.rank_p95):
        assert np.all((q >= seed_bounds.best) & (q <= seed_bounds.worst))
    assert np.all(result.p_selected[seed_bounds.always_selected] == 1.0)
    assert np.all(result.p_selected[seed_bounds.never_selected] == 0.0)
    assert seed_bounds.always_selected.any() and seed_bounds.never_selected.any()


@FEW
@given(small_matrices(max_entities=8), st.integers(1, 5), st.data())
def test_rank_bounds_contain_every_sampled_and_corner_rank(
    points: np.ndarray, top: int, data: st.DataObject
) -> None:
    m = points.shape[1]
    weights = data.draw(weights_for(m))
    bounds = rb.rank_bounds(points, weights, top, spread=2)
    box = rb.WeightBox(bounds.lower, bounds.upper)
    corners = np.array(np.meshgrid(*zip(box.lower, box.upper, strict=True))).reshape(m, -1).T
    samples = np.vstack([corners, rb.draw_weights(box, 200, seed=0)])
    ranks = rb.competition_rank(rb.weighted_scores(points, samples))
    assert np.all(ranks >= bounds.best) and np.all(ranks <= bounds.worst)
    for i in range(points.shape[0]):
        assert rb.competition_rank(points @ bounds.best_weights[i])[i] == bounds.best[i]
        assert rb.competition_rank(points @ bounds.worst_weights[i])[i] == bounds.worst[i]
    result = rb.simulate(points, weights, top, spread=2, draws=200, seed=1)
    assert np.all(result.p_selected[bounds.worst <= top] == 1.0)
    assert np.all(result.p_selected[bounds.best > top] == 0.0)


def test_rank_bounds_of_a_fixed_box_are_the_plain_ranks() -> None:
    bounds = rb.rank_bounds(POINTS, SEED_WEIGHTS, 12, spread=0)
    ranks = rb.competition_rank(FINALS)
    assert np.array_equal(bounds.best, ranks) and np.array_equal(bounds.worst, ranks)


# --- tipping points ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_tipping() -> list[rb.TippingPoint]:
    return rb.tipping_points(POINTS, SEED_WEIGHTS, 12)


def test_every_tipping_point_flips_the_status_when_re_ranked(
    seed_tipping: list[rb.TippingPoint],
) -> None:
    assert seed_tipping
    for point in seed_tipping:
        c = rb.CRITERIA.index(point.criterion)
        now = rb.selected_mask(POINTS @ SEED_WEIGHTS, 12)[point.entity]
        moved = SEED_WEIGHTS.copy()
        moved[c] = point.to
        after = rb.selected_mask(POINTS @ moved, 12)[point.entity]
        assert after != now
        assert point.effect == ("leaves" if now else "enters")
        assert 0 <= point.to <= 10 and point.to != point.from_weight


def test_tipping_points_are_the_nearest_whole_weights(
    seed_tipping: list[rb.TippingPoint],
) -> None:
    """Brute force over 0..10 agrees with the exact crossing-point analysis."""
    reported = {(p.entity, p.criterion): p.to for p in seed_tipping}
    now = rb.selected_mask(POINTS @ SEED_WEIGHTS, 12)
    for i in range(len(NAMES)):
        for c, key in enumerate(rb.CRITERIA):
            flips = []
            for k in range(11):
                moved = SEED_WEIGHTS.copy()
                moved[c] = k
                if rb.selected_mask(POINTS @ moved, 12)[i] != now[i]:
                    flips.append(k)
            nearest = min(flips, key=lambda k: (abs(k - SEED_WEIGHTS[c]), k)) if flips else None
            assert reported.get((i, key)) == nearest, (NAMES[i], key)


def test_strambino_enters_if_infrastrutture_goes_from_3_to_5(
    seed_tipping: list[rb.TippingPoint],
) -> None:
    strambino = index_of("Strambino")
    point = next(
        p for p in seed_tipping if p.entity == strambino and p.criterion == "infrastrutture"
    )
    assert point.as_dict() == {
        "criterion": "infrastrutture",
        "from": 3.0,
        "to": 5,
        "effect": "enters",
    }
    # exact: Strambino (10 points) catches Prarostino (5 points) at 188 + 10·1.8 = 197 + 5·1.8
    assert point.threshold == pytest.approx(4.8) and point.threshold_inclusive
    at_4 = SEED_WEIGHTS.copy()
    at_4[1] = 4
    assert not rb.selected_mask(POINTS @ at_4, 12)[strambino]


@FEW
@given(small_matrices(), st.integers(1, 5), st.data())
def test_random_tipping_points_verify_by_re_ranking(
    points: np.ndarray, top: int, data: st.DataObject
) -> None:
    weights = data.draw(st.lists(st.sampled_from([0, 1, 2.5, 3, 7.25, 10]),
                                 min_size=points.shape[1], max_size=points.shape[1]))  # fmt: skip
    weights = np.array(weights, dtype=float)
    keys = tuple(f"c{c}" for c in range(points.shape[1]))
    now = rb.selected_mask(points @ weights, top)
    for point in rb.tipping_points(points, weights, top, criteria=keys):
        moved = weights.copy()
        moved[keys.index(point.criterion)] = point.to
        assert rb.selected_mask(points @ moved, top)[point.entity] != now[point.entity]
        # the exact threshold lies between the current weight and the whole one
        lo, hi = sorted((point.from_weight, float(point.to)))
        assert lo <= point.threshold <= hi


# --- effective weights and ranges ---------------------------------------------------------


def test_effective_weights_of_the_seed() -> None:
    effective = rb.effective_weights(POINTS, SEED_WEIGHTS)
    assert effective.nominal_share.sum() == pytest.approx(1)
    assert effective.variance_share.sum() == pytest.approx(1)
    servizi = rb.CRITERIA.index("servizi")
    assert effective.nominal_share[servizi] == pytest.approx(5 / 29)
    # Servizi weighs 17 % on paper but drives two thirds of the spread of the scores
    assert effective.variance_share[servizi] == pytest.approx(0.673, abs=1e-3)
    assert np.argmax(effective.correlation) == servizi
    assert np.all(np.abs(effective.correlation) <= 1)


def test_widest_points_range_is_servizi() -> None:
    widest = rb.widest_points_range(POINTS)
    assert (widest.criterion, widest.low, widest.high) == ("servizi", 1.0, 29.0)
    ranges = {r.criterion: (r.low, r.high) for r in rb.points_ranges(POINTS)}
    assert ranges["infrastrutture"] == (2.0, 12.0) and ranges["pnrr"] == (2.0, 9.0)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        rb.selected_mask([1, 2], 0)
    with pytest.raises(ValueError):
        rb.weight_box(SEED_WEIGHTS, lower=SEED_WEIGHTS + 1, upper=SEED_WEIGHTS)
    with pytest.raises(ValueError):
        rb.simulate(POINTS, SEED_WEIGHTS[:3])


# --- the command line on a whole territory ------------------------------------------------


@pytest.fixture(scope="module")
def territory_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A matrix file of 312 entities: the 36 of the source, then resampled ones."""
    from scripts.bench_robustness import write_matrix_csv

    return write_matrix_csv(tmp_path_factory.mktemp("territory") / "territorio.csv", 312)


def test_robustness_json_on_312_entities_is_nothing_but_json(territory_file: Path) -> None:
    """HiGHS prints diagnostics with C's printf: none of it may reach standard output."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "metrodigital", "robustness", "--data", str(territory_file),
         "--draws", "2000", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=SEED_CSV.parent.parent, timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Highs" not in done.stdout
    out = json.loads(done.stdout)  # the whole of standard output, not a part of it
    assert len(out["entities"]) == 312


# --- one answer: class, bounds and simulation agree ------------------------------------


def test_every_seed_entity_s_class_agrees_with_its_exact_bounds() -> None:
    """The class comes from the proven bounds; the draws can only agree with it."""
    from metrodigital.analysis import analyse
    from metrodigital.scenario import Scenario
    from metrodigital.store import Store

    store = Store(":memory:")
    try:
        report = analyse(store, Scenario())
    finally:
        store.close()
    exact = rb.rank_bounds(POINTS, SEED_WEIGHTS, 12)
    by_name = {name: i for i, name in enumerate(NAMES)}
    for row in report.rows():
        i = by_name[str(row["ente"])]
        best, worst = row["best_rank"], row["worst_rank"]
        assert (best, worst) == (exact.best[i], exact.worst[i]), row["ente"]
        assert row["class"] == ("always" if worst <= 12 else "never" if best > 12
                                else "borderline"), row["ente"]
        if row["class"] == "always":
            assert row["p_selected"] == 1.0
        if row["class"] == "never":
            assert row["p_selected"] == 0.0
        assert best <= row["rank_p05"] <= row["rank_p50"] <= row["rank_p95"] <= worst
    cuorne = next(r for r in report.rows() if r["ente"] == "Comune di Cuornè")
    assert (cuorne["best_rank"], cuorne["class"], cuorne["p_selected"]) == (12, "borderline", 0.0)


@pytest.fixture(scope="module")
def territory_points(territory_file: Path) -> np.ndarray:
    with territory_file.open(encoding="utf-8", newline="") as handle:
        return np.array([[float(row[key]) for key in rb.CRITERIA]
                         for row in csv.DictReader(handle)])


def test_budgeted_bounds_contain_the_exact_ones_and_decide_every_class(
    territory_points: np.ndarray,
) -> None:
    """On 120 entities of the territory: intervals hold the exact bounds, exact ones equal
    them, and the class of every entity is the exact one, with few MILPs."""
    points = territory_points[:120]
    intervals = rb.bound_ranks(points, SEED_WEIGHTS, 12, tighten_work=200)
    exact = rb.rank_bounds(points, SEED_WEIGHTS, 12)
    best_ok = (intervals.best_low <= exact.best) & (exact.best <= intervals.best_high)
    # the old solver is exact up to its tolerance: a witness may beat it, never the reverse
    worst_ok = (intervals.worst_low <= exact.worst) | ~exact.certified
    assert best_ok.all() and worst_ok.all()
    assert (exact.worst <= intervals.worst_high).all()
    assert not intervals.exact and intervals.milps_solved < 2 * len(points)
    exact_class = ["always" if w <= 12 else "never" if b > 12 else "borderline"
                   for b, w in zip(exact.best, exact.worst, strict=True)]
    assert list(intervals.classes) == exact_class
    for i in range(len(points)):  # the witnesses attain the ends they claim
        assert rb.competition_rank(points @ intervals.best_weights[i])[i] \
            == intervals.best_high[i]
        assert rb.competition_rank(points @ intervals.worst_weights[i])[i] \
            == intervals.worst_low[i]


def test_a_spent_budget_leaves_honest_intervals_and_a_cancel_stops(
    territory_points: np.ndarray,
) -> None:
    import threading

    points = territory_points[:120]
    spent = rb.bound_ranks(points, SEED_WEIGHTS, 12, budget=rb.Budget(seconds=0.0))
    assert spent.time_limited and spent.milps_solved == 0
    exact = rb.rank_bounds(points, SEED_WEIGHTS, 12)
    assert ((spent.best_low <= exact.best) & (exact.best <= spent.best_high)).all()
    assert set(spent.classes) <= {"always", "never", "borderline", "undecided"}
    stop = threading.Event()
    stop.set()
    with pytest.raises(rb.Cancelled):
        rb.simulate(points, SEED_WEIGHTS, 12, draws=1000, seed=1, budget=rb.Budget(cancel=stop))


def test_many_duplicated_rows_in_chunks_on_threads_match_brute_force() -> None:
    """The simulation's duplicate-row, presorted and chunked paths: 600 entities, each
    distinct row four times (plus exact ties between distinct rows), against a plain
    ranking of the same draws."""
    rng = np.random.default_rng(5)
    distinct = rng.integers(0, 6, size=(150, 8)).astype(float)
    points = np.repeat(distinct, 4, axis=0)[rng.permutation(600)]
    box = rb.weight_box(SEED_WEIGHTS, lower=np.maximum(SEED_WEIGHTS - 1, 0),
                        upper=SEED_WEIGHTS + 1)
    result = rb.simulate(points, SEED_WEIGHTS, 12, lower=box.lower, upper=box.upper,
                         draws=300, seed=9, chunk_size=7, workers=2)
    ranks = rb.competition_rank(rb.weighted_scores(points, rb.draw_weights(box, 300, 9)))
    ordered = np.sort(ranks, axis=0)
    assert np.array_equal(result.p_selected, (ranks <= 12).mean(axis=0))
    assert np.array_equal(result.rank_min, ordered[0])
    assert np.array_equal(result.rank_max, ordered[-1])
    assert np.array_equal(result.rank_p50, ordered[149])
    assert np.array_equal(result.rank_p95, ordered[284])


def test_planned_bounds_solved_later_are_the_bounds(territory_points: np.ndarray) -> None:
    """What the CLI does (plan, draws, then solve) gives what bound_ranks gives, and a plan
    with nothing to solve says so before SciPy is needed."""
    points = territory_points[:120]
    plan = rb.plan_bounds(points, SEED_WEIGHTS, 12, tighten_work=200)
    assert plan.needs_solver
    planned = plan.solve()
    direct = rb.bound_ranks(points, SEED_WEIGHTS, 12, tighten_work=200)
    for name in ("best_low", "best_high", "worst_low", "worst_high"):
        assert np.array_equal(getattr(planned, name), getattr(direct, name)), name
    fixed = rb.plan_bounds(points, SEED_WEIGHTS, 12, spread=0)
    assert not fixed.needs_solver
    assert np.array_equal(fixed.solve().best_low, rb.competition_rank(points @ SEED_WEIGHTS))


def test_a_witness_attains_the_worst_rank_it_claims_despite_the_solvers_tolerance() -> None:
    """Found by Hypothesis: HiGHS set a binary to 0.999999 and 'beat' at all-zero weights,
    so the reported worst rank (1) was below ranks the box actually reaches (3)."""
    points = np.array([[2, 0, 0, 0], [0, 0, 0, 0], [2, 0, 0, 0], [0, 4, 0, 0], [0, 0, 0, 0],
                       [1, 3, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    bounds = rb.rank_bounds(points, [0, 2, 0, 0], 1, spread=2)
    box = rb.WeightBox(bounds.lower, bounds.upper)
    corners = np.array(np.meshgrid(*zip(box.lower, box.upper, strict=True))).reshape(4, -1).T
    ranks = rb.competition_rank(rb.weighted_scores(points, corners))
    assert np.all(ranks <= bounds.worst) and np.all(ranks >= bounds.best)
    assert bounds.worst[5] == 3
    assert rb.competition_rank(points @ bounds.worst_weights[5])[5] == 3
