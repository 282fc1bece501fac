"""The one scoring path (metrodigital.scoring) against a straightforward, independent
computation: exact fractions, loops, no numpy. Random matrices with 3 and 8 criteria,
whole and decimal weights, every normalisation; through the store and ``ranking`` too.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrodigital import scoring
from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.questionnaire import default_questionnaire
from metrodigital.ranking import criteria_maxima, evaluate, rank, wave_points
from metrodigital.scenario import Normalisation, Scenario, TieRule
from metrodigital.store import SEED_WAVE_SLUG, Store
from metrodigital.surveys import registry
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey

TEST_SURVEYS = Path(__file__).parent / "data" / "surveys"
PROVA = "prova-biblioteche-2030"
KEYS8 = criterion_keys()


# --------------------------------------------------------------------------- the reference

def reference(points: list[list[int]], weights: list[str], method: str,
              maxima: list[int]) -> tuple[list[Fraction], list[int], list[int]]:
    """Scores (exact, then rounded to 9 decimals as the rule says), competition ranks and
    the list order (best first, equal scores in file order), computed the long way."""
    n, m = len(points), len(weights)
    w = [Fraction(x) for x in weights]  # "0.1" is exactly one tenth here
    columns = [[Fraction(points[i][c]) for i in range(n)] for c in range(m)]
    if method == "share":
        columns = [[v / maxima[c] if maxima[c] else Fraction(0) for v in col]
                   for c, col in enumerate(columns)]
    elif method == "minmax":
        spans = [(min(col), max(col)) for col in columns]
        columns = [[(v - lo) / (hi - lo) if hi != lo else Fraction(0) for v in col]
                   for col, (lo, hi) in zip(columns, spans, strict=True)]
    scores = [round(sum(columns[c][i] * w[c] for c in range(m)), 9) for i in range(n)]
    # 1 + how many score strictly more
    ascending = sorted(scores)
    ranks = [1 + n - bisect_right(ascending, s) for s in scores]
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    return scores, ranks, order


def partition(values: list) -> set[tuple[int, ...]]:
    """The groups of positions holding equal values."""
    groups: dict[object, list[int]] = {}
    for i, value in enumerate(values):
        groups.setdefault(value, []).append(i)
    return {tuple(g) for g in groups.values()}


def random_matrix(rng: random.Random, n: int, maxima: list[int]) -> list[list[int]]:
    # few distinct values: plenty of ties, as in the seed
    return [[rng.randint(0, top) for top in maxima] for _ in range(n)]


def random_weights(rng: random.Random, m: int, decimals: int) -> list[str]:
    if decimals == 0:
        return [str(rng.randint(0, 10)) for _ in range(m)]
    return [f"{rng.randint(0, 10 * 10**decimals) / 10**decimals:.{decimals}f}"
            for _ in range(m)]


CASES = [(m, method, decimals, seed) for m in (3, 8) for method in scoring.METHODS
         for decimals in (0, 1, 2) for seed in range(4)]


@pytest.mark.parametrize(("m", "method", "decimals", "seed"), CASES)
def test_scores_ranks_order_and_selection_match_the_long_way(
        m: int, method: str, decimals: int, seed: int) -> None:
    rng = random.Random(1000 * m + 10 * decimals + seed)
    maxima = [rng.choice([0, 3, 5, 9, 12, 30]) for _ in range(m)]
    n = rng.choice([1, 2, 12, 40, 300])
    points = random_matrix(rng, n, [top or 4 for top in maxima])
    weights = random_weights(rng, m, decimals)
    keys = tuple(f"k{c}" for c in range(m))
    normalised = scoring.normalise(points, method, criteria=keys,
                                   maxima=dict(zip(keys, maxima, strict=True)))
    ranked = scoring.rank(scoring.aggregate(normalised, [float(w) for w in weights]))
    scores, ranks, order = reference(points, weights, method, maxima)

    assert ranked.ranks.tolist() == ranks
    assert ranked.order.tolist() == order
    assert ranked.aggregated.scores.tolist() == pytest.approx([float(s) for s in scores],
                                                              abs=1e-9)
    # equal scores shown ⇔ equal exact scores: what the user sees agrees with how it ranks
    shown = ranked.aggregated.scores.tolist()
    assert partition(shown) == partition(scores)
    for top in {1, 5, 12, n}:
        assert scoring.selected_mask(ranked.aggregated.scores, top).tolist() == [
            r <= top for r in ranks]
        ids = [f"e{i}" for i in range(n)]
        picked = scoring.cut(ranked, ids, top)
        if any(float(w) for w in weights):
            assert picked.mask.tolist() == [r <= top for r in ranks]  # rule "all"


def test_decimal_weights_never_split_equal_scores() -> None:
    """0.1 + 0.2 is 0.30000000000000004 in floating point: still a tie with 0.3."""
    points = [[1, 1, 0], [0, 0, 1], [0, 1, 0]]
    normalised = scoring.normalise(points, criteria=("a", "b", "c"))
    assert 0.1 + 0.2 != 0.3  # the difference the rule must absorb
    ranked = scoring.rank(scoring.aggregate(normalised, {"a": 0.1, "b": 0.2, "c": 0.3}))
    assert ranked.ranks.tolist() == [1, 1, 3]
    assert ranked.aggregated.scores.tolist() == [0.3, 0.3, 0.2]
    picked = scoring.cut(ranked, ["x", "y", "z"], 1)
    assert picked.ties.outcome == "all_included"
    assert (picked.ties.entity_ids, picked.ties.first_rank, picked.ties.last_rank) == (
        ("x", "y"), 1, 2)
    assert picked.mask.tolist() == [True, True, False]
    # and in the batch form the robustness analysis uses
    assert scoring.competition_rank(scoring.weighted_scores(points, [0.1, 0.2, 0.3])
                                    ).tolist() == [1, 1, 3]


def test_results_carry_their_parameters() -> None:
    keys = ("a", "b")
    normalised = scoring.normalise([[1, 2], [3, 0]], "share", criteria=keys,
                                   maxima={"a": 4, "b": 0})
    assert normalised.method == "share" and normalised.maxima == (4.0, 0.0)
    assert normalised.values.tolist() == [[0.25, 0.0], [0.75, 0.0]]  # a maximum of 0: 0
    aggregated = scoring.aggregate(normalised, {"a": 2, "b": 5})
    assert aggregated.criteria == keys and aggregated.weights.tolist() == [2.0, 5.0]
    picked = scoring.cut(scoring.rank(aggregated), ["p", "q"], 1, "criteria",
                         tie_criteria=("b",))
    assert (picked.top, picked.rule, picked.tie_criteria) == (1, "criteria", ("b",))
    with pytest.raises(ValueError, match="read-only"):
        aggregated.scores[0] = 1.0
    with pytest.raises(ValueError, match="maximum"):
        scoring.normalise([[1, 2]], "share", criteria=keys, maxima={"a": 4})
    with pytest.raises(ValueError, match="weight"):
        scoring.aggregate(normalised, {"a": 1})


def test_criteria_break_a_tie_in_order_and_equal_ones_stay_tied() -> None:
    #          score 10 each; first criterion a, then b
    points = [[5, 5], [6, 4], [4, 6], [6, 4], [1, 1]]
    ranked = scoring.rank(scoring.aggregate(
        scoring.normalise(points, criteria=("a", "b")), [1, 1]))
    ids = ["p", "q", "r", "s", "t"]
    one = scoring.cut(ranked, ids, 1, "criteria", tie_criteria=("a",))
    assert one.ties.outcome == "partly_broken"  # q and s are equal on a
    assert one.ties.included == ("q", "s")
    by_b = scoring.cut(ranked, ids, 1, "criteria", tie_criteria=("b",))
    assert (by_b.ties.outcome, by_b.ties.included) == ("broken_by_criteria", ("r",))
    two = scoring.cut(ranked, ids, 3, "criteria", tie_criteria=("a", "b"))
    assert (two.ties.outcome, two.ties.included) == ("broken_by_criteria", ("q", "s", "p"))
    chosen = scoring.cut(ranked, ids, 2, "choice", picks=("r", "t", "p"))
    assert (chosen.ties.outcome, chosen.mask.tolist()) == (
        "chosen", [True, False, True, False, False])
    waiting = scoring.cut(ranked, ids, 2, "choice", picks=("r",))
    assert waiting.ties.outcome == "awaiting_choice" and waiting.mask.sum() == 4


# --------------------------------------------------------------------------- through the store

def test_the_maxima_of_torinos_survey_are_the_questionnaires() -> None:
    questionnaire = default_questionnaire()
    expected = {s.key: float(s.max_points) for s in questionnaire.sections}
    expected["popolazione"] = float(questionnaire.population.max_points)
    assert criteria_maxima(load_survey(DEFAULT_SURVEY)) == expected


def test_the_store_gives_a_waves_points_in_file_order(store: Store) -> None:
    frame = store.points(SEED_WAVE_SLUG)
    assert list(frame.columns) == ["entity_id", "ente", "source_row", "istat_code", *KEYS8]
    assert frame["source_row"].tolist() == list(range(1, 37))
    assert frame.loc[frame["ente"] == "Comune di Mazzè", "istat_code"].item() == "001148"
    only = store.points(SEED_WAVE_SLUG, ["servizi", "anagrafica"])
    assert list(only.columns)[4:] == ["servizi", "anagrafica"]
    assert only["servizi"].tolist() == frame["servizi"].tolist()


@pytest.mark.parametrize("normalisation", list(Normalisation))
@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_a_stored_wave_ranks_as_the_long_way(store: Store, normalisation: Normalisation,
                                             decimals: int) -> None:
    rng = random.Random(7 + decimals)
    maxima_map = criteria_maxima(load_survey(DEFAULT_SURVEY))
    maxima = [int(maxima_map[k]) for k in KEYS8]
    points = random_matrix(rng, 150, maxima)
    matrix = pd.DataFrame(points, columns=list(KEYS8))
    matrix.insert(0, "ente", [f"Ente di prova {i:03d}" for i in range(150)])
    wave = store.publish_matrix_wave(name=f"Casuale {decimals}", matrix=matrix,
                                     survey_date=None, source_file="c.csv",
                                     sha256=f"{decimals:064d}", uploaded_by="test")
    for _ in range(3):
        weights = random_weights(rng, 8, decimals)
        ranking = rank(store, wave.slug, dict(zip(KEYS8, map(float, weights), strict=True)),
                       normalisation)
        scores, ranks, order = reference(points, weights, str(normalisation), maxima)
        names = matrix["ente"].tolist()
        assert ranking.table["ente"].tolist() == [names[i] for i in order]
        assert ranking.table["rank"].tolist() == [ranks[i] for i in order]
        assert ranking.table["score"].tolist() == pytest.approx(
            [float(scores[i]) for i in order], abs=1e-9)


def test_decimal_weights_tie_at_the_cutoff_through_evaluate(store: Store) -> None:
    """The same sum in another order (0.1 + 0.2 against 0.3) is a tie the page shows."""
    rows = {"Ente di prova A": {"anagrafica": 1, "infrastrutture": 1},
            "Ente di prova B": {"organizzazione": 1}, "Ente di prova C": {"dati": 1}}
    matrix = pd.DataFrame([{"ente": name, **dict.fromkeys(KEYS8, 0), **values}
                           for name, values in rows.items()])
    wave = store.publish_matrix_wave(name="Decimali", matrix=matrix, survey_date=None,
                                     source_file="d.csv", sha256="d" * 64, uploaded_by="test")
    weights = {**dict.fromkeys(KEYS8, 0.0), "anagrafica": 0.1, "infrastrutture": 0.2,
               "organizzazione": 0.3, "dati": 0.25}
    selection = evaluate(store, Scenario(wave=wave.slug, weights=weights, top=1))
    assert selection.table["rank"].tolist() == [1, 1, 3]
    assert selection.ties.outcome == "all_included" and selection.n_selected == 2
    assert selection.table["score"].tolist()[:2] == [0.3, 0.3]


def test_the_source_ranks_are_the_waves_reference_weights(store: Store) -> None:
    selection = evaluate(store, Scenario(weights={**seed_weights(), "servizi": 0}))
    table = selection.table.set_index("ente")
    reference = rank(store, SEED_WAVE_SLUG, store.wave(SEED_WAVE_SLUG).reference_weights)
    assert (table["seed_rank"].to_dict()
            == reference.table.set_index("ente")["rank"].to_dict())
    assert selection.weights == {**seed_weights(), "servizi": 0}


# --------------------------------------------------------------------------- another survey

@pytest.fixture
def with_test_surveys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The registry sees the shipped surveys and the test-only one (3 criteria)."""
    shipped = [registry.SURVEYS_DIR / survey_id for survey_id in registry.survey_ids()]
    for folder in (*shipped, TEST_SURVEYS / PROVA):
        (tmp_path / folder.name).symlink_to(folder.resolve())
    monkeypatch.setattr(registry, "SURVEYS_DIR", tmp_path)
    return tmp_path


def test_a_survey_with_three_criteria_has_its_own_maxima(with_test_surveys: Path) -> None:
    survey = load_survey(PROVA)
    assert criteria_maxima(survey) == {"servizi": 4.0, "spesa": 3.0, "abitanti": 2.0}


def test_a_wave_of_a_survey_with_other_criteria_ranks_by_them(
        with_test_surveys: Path) -> None:
    matrix = pd.DataFrame({"ente": ["Comune di Alfa", "Comune di Beta", "Comune di Gamma",
                                    "Comune di Delta"],
                           "servizi": [4, 2, 3, 1], "spesa": [1, 3, 1, 3],
                           "abitanti": [0, 2, 2, 2]})
    with Store(":memory:") as store:
        wave = store.publish_matrix_wave(
            name="Biblioteche", matrix=matrix, survey_date=None, source_file="b.csv",
            sha256="b" * 64, uploaded_by="test", survey_id=PROVA)
        assert wave_points(store, wave.slug).criteria == ("servizi", "spesa", "abitanti")
        weights = {"servizi": 2.0, "spesa": 1.0, "abitanti": 1.0}  # the reference weights
        selection = evaluate(store, Scenario(wave=wave.slug, weights=weights, top=2,
                                             survey=PROVA, reference=weights))
        # Alfa 9, Beta 9, Gamma 9, Delta 7: three tied across the cut-off at 2
        assert selection.criteria == ("servizi", "spesa", "abitanti")
        assert selection.table["score"].tolist() == [9, 9, 9, 7]
        assert selection.table["rank"].tolist() == [1, 1, 1, 4]
        assert selection.ties.outcome == "all_included" and selection.n_selected == 3
        assert selection.table["seed_rank"].tolist() == [1, 1, 1, 4]
        by_spending = evaluate(store, Scenario(
            wave=wave.slug, weights=weights, top=2, ties=TieRule.CRITERIA,
            tie_criteria=("spesa",), survey=PROVA, reference=weights))
        assert set(by_spending.selected_ids) == {"beta", "alfa", "gamma"}  # 3, 1, 1
        assert by_spending.ties.outcome == "partly_broken"
        shares = evaluate(store, Scenario(wave=wave.slug, weights=weights, top=2,
                                          normalisation=Normalisation.SHARE, survey=PROVA,
                                          reference=weights))
        expected = {"Comune di Alfa": 2 * 4 / 4 + 1 / 3, "Comune di Beta": 2 * 2 / 4 + 1 + 1,
                    "Comune di Gamma": 2 * 3 / 4 + 1 / 3 + 1,
                    "Comune di Delta": 2 / 4 + 1 + 1}
        got = dict(zip(shares.table["ente"], shares.table["score"], strict=True))
        assert got == pytest.approx(expected, abs=1e-9)
        assert shares.table["ente"].tolist() == [
            "Comune di Beta", "Comune di Gamma", "Comune di Delta", "Comune di Alfa"]
        assert np.array_equal(shares.table["rank"].to_numpy(), [1, 2, 3, 4])


def test_the_robustness_analysis_ranks_with_the_same_functions() -> None:
    from metrodigital import robustness as rb
    from metrodigital.robustness import core, intervals

    for name in ("score_keys", "competition_rank", "selected_mask", "weighted_scores"):
        assert getattr(rb, name) is getattr(scoring, name)
    assert core.score_keys is scoring.score_keys
    assert intervals.competition_rank is scoring.competition_rank
    assert rb.SCORE_DECIMALS == scoring.SCORE_DECIMALS == 9


def test_the_robustness_of_a_wave_with_other_criteria(with_test_surveys: Path) -> None:
    from metrodigital.analysis import analyse, dominance_sentence, tipping_sentence

    rng = random.Random(3)
    matrix = pd.DataFrame({"ente": [f"Biblioteca {i:02d}" for i in range(30)],
                           "servizi": [rng.randint(0, 4) for _ in range(30)],
                           "spesa": [rng.randint(0, 3) for _ in range(30)],
                           "abitanti": [rng.choice([0, 2]) for _ in range(30)]})
    with Store(":memory:") as store:
        wave = store.publish_matrix_wave(
            name="Biblioteche", matrix=matrix, survey_date=None, source_file="b.csv",
            sha256="c" * 64, uploaded_by="test", survey_id=PROVA)
        weights = {"servizi": 2.0, "spesa": 1.0, "abitanti": 1.0}
        scenario = Scenario(wave=wave.slug, weights=weights, top=5, draws=500, survey=PROVA,
                            reference=weights)
        report = analyse(store, scenario)
        selection = evaluate(store, scenario)
    assert report.effective.criteria == ("servizi", "spesa", "abitanti")
    assert report.simulation.criteria == ("servizi", "spesa", "abitanti")
    # the nominal ranks are the ranking's, entity by entity
    assert dict(zip(report.names, report.nominal_rank.tolist(), strict=True)) == dict(
        zip(selection.table["ente"], selection.table["rank"], strict=True))
    labels = {"Servizi", "Spesa", "Abitanti"}
    assert any(label in dominance_sentence(report, "it") for label in labels)
    for point in report.tipping:
        assert any(label in tipping_sentence(report, point, "it") for label in labels)
