"""The source's matrix reproduces exactly: all 36 final scores, ranks and the tie at 193."""

from __future__ import annotations

import csv

import pytest

from metrodigital.criteria import criterion_keys, load_criteria, seed_weights
from metrodigital.paths import DATA_DIR
from metrodigital.ranking import evaluate, rank
from metrodigital.scenario import Scenario
from metrodigital.store import SEED_WAVE_SLUG, Store


def published() -> dict[str, dict[str, str]]:
    with (DATA_DIR / "seed_matrix.csv").open(encoding="utf-8") as handle:
        return {row["ente"]: row for row in csv.DictReader(handle)}


def competition_ranks(scores: dict[str, float]) -> dict[str, int]:
    return {name: 1 + sum(other > score for other in scores.values())
            for name, score in scores.items()}


def test_criteria_are_the_sources_with_its_weights() -> None:
    assert criterion_keys() == (
        "anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr", "dati",
        "conclusione", "popolazione",
    )
    assert list(seed_weights().values()) == [2, 3, 4, 5, 3, 3, 5, 4]
    assert [c.code for c in load_criteria()] == [
        "ana", "inf", "org", "ser", "pnrr", "dati", "concl", "pop"]


def test_all_36_final_scores_reproduce_exactly(store: Store) -> None:
    source = published()
    ranking = rank(store, SEED_WAVE_SLUG, seed_weights())
    computed = dict(zip(ranking.table["ente"], ranking.table["score"], strict=True))
    assert len(computed) == 36
    assert set(computed) == set(source)
    for name, row in source.items():
        assert computed[name] == float(row["punteggio_finale"]), name


def test_ranks_are_competition_ranks_of_the_published_scores(store: Store) -> None:
    expected = competition_ranks(
        {name: float(row["punteggio_finale"]) for name, row in published().items()})
    ranking = rank(store, SEED_WAVE_SLUG, seed_weights())
    assert dict(zip(ranking.table["ente"], ranking.table["rank"], strict=True)) == expected
    ranks = dict(zip(ranking.table["ente"], ranking.table["rank"], strict=True))
    assert ranks["Unione dei Comuni Nord Est Torino"] == 1
    assert ranks["Comune di Collegno"] == ranks["Comune di Vinovo"] == 9
    assert ranks["Comune di Strambino"] == 14
    assert ranks["Comune di Osasco"] == 36


def test_contributions_are_points_times_weights(store: Store) -> None:
    ranking = rank(store, SEED_WAVE_SLUG, seed_weights())
    source = published()
    weights = seed_weights()
    for entity_id, ente in zip(ranking.table["entity_id"], ranking.table["ente"], strict=True):
        for key in criterion_keys():
            expected = float(source[ente][key]) * weights[key]
            assert ranking.contributions.at[entity_id, key] == expected


def test_the_tie_at_193_straddles_the_cutoff_and_all_three_are_included(store: Store) -> None:
    selection = evaluate(store, Scenario())
    ties = selection.ties
    tied = set(selection.table.set_index("entity_id").loc[list(ties.entity_ids), "ente"])
    assert tied == {"Comune di Mazzè", "Comune di Sant'Ambrogio di Torino",
                    "Comune di Albiano d'Ivrea"}
    assert ties.score == 193
    assert (ties.first_rank, ties.last_rank, ties.slots) == (11, 13, 2)
    assert ties.outcome == "all_included"
    assert selection.n_selected == 13
    assert selection.table["tied_at_cutoff"].sum() == 3


@pytest.mark.parametrize("top", [9, 10])
def test_the_tie_at_196_is_reported_when_it_straddles(store: Store, top: int) -> None:
    selection = evaluate(store, Scenario(top=top))
    if top == 9:
        assert selection.ties.at_cutoff and selection.ties.score == 196
        assert selection.n_selected == 10
    else:
        assert not selection.ties.at_cutoff
        assert selection.n_selected == 10
