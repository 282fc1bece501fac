"""Selection at the cut-off: ties are never resolved silently by sort order."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrodigital.criteria import criterion_keys
from metrodigital.explain import tie_sentence
from metrodigital.ranking import evaluate
from metrodigital.scenario import Scenario, TieRule
from metrodigital.store import Store

TIED = ("mazze", "sant-ambrogio-di-torino", "albiano-d-ivrea")


def names_of(selection, ids) -> set[str]:
    table = selection.table.set_index("entity_id")
    return {table.at[i, "ente"] for i in ids}


def test_criteria_rule_breaks_the_tie_by_servizi(store: Store) -> None:
    # Servizi points: Albiano d'Ivrea 19, Mazzè 16, Sant'Ambrogio 14
    selection = evaluate(store, Scenario(ties=TieRule.CRITERIA, tie_criteria=("servizi",)))
    assert selection.ties.outcome == "broken_by_criteria"
    assert set(selection.ties.included) == {"albiano-d-ivrea", "mazze"}
    assert selection.n_selected == 12
    row = selection.table.set_index("entity_id").loc["sant-ambrogio-di-torino"]
    assert not row["selected"] and row["tied_at_cutoff"]


def test_criteria_rule_goes_to_the_next_criterion_when_the_first_is_equal(store: Store) -> None:
    # all three have 9 points on Organizzazione; Infrastrutture: Sant'Ambrogio 11, Mazzè 9,
    # Albiano 4
    selection = evaluate(store, Scenario(ties=TieRule.CRITERIA,
                                         tie_criteria=("organizzazione", "infrastrutture")))
    assert set(selection.ties.included) == {"sant-ambrogio-di-torino", "mazze"}
    assert selection.n_selected == 12


def test_criteria_that_do_not_decide_include_everyone_still_tied(store: Store) -> None:
    # all three have 3 points on Anagrafica and 9 on Organizzazione
    selection = evaluate(store, Scenario(ties=TieRule.CRITERIA,
                                         tie_criteria=("anagrafica", "organizzazione")))
    assert selection.ties.outcome == "partly_broken"
    assert set(selection.ties.included) == set(TIED)
    assert selection.n_selected == 13


def test_criteria_rule_without_criteria_includes_all_and_says_so(store: Store) -> None:
    selection = evaluate(store, Scenario(ties=TieRule.CRITERIA))
    assert selection.n_selected == 13
    assert [n.code for n in selection.notes] == ["selection.no_tie_criteria"]


def test_choice_rule_takes_exactly_the_picks(store: Store) -> None:
    selection = evaluate(store, Scenario(ties=TieRule.CHOICE,
                                         picks=("sant-ambrogio-di-torino", "albiano-d-ivrea")))
    assert selection.ties.outcome == "chosen"
    assert selection.n_selected == 12
    assert not selection.table.set_index("entity_id").at["mazze", "selected"]


def test_choice_rule_with_an_incomplete_pick_includes_all_meanwhile(store: Store) -> None:
    for picks in [(), ("mazze",), ("mazze", "strambino"), TIED]:
        selection = evaluate(store, Scenario(ties=TieRule.CHOICE, picks=picks))
        assert selection.ties.outcome == "awaiting_choice", picks
        assert selection.n_selected == 13


def test_no_tie_across_the_cutoff_selects_exactly_n(store: Store) -> None:
    selection = evaluate(store, Scenario(top=5))
    assert not selection.ties.at_cutoff
    assert selection.n_selected == 5
    assert "5" in tie_sentence(selection, "it")


def test_n_at_or_beyond_the_count_selects_everyone(store: Store) -> None:
    assert evaluate(store, Scenario(top=36)).n_selected == 36
    beyond = evaluate(store, Scenario(top=40))
    assert beyond.n_selected == 36
    assert [n.code for n in beyond.notes] == ["selection.top_exceeds"]


def test_all_weights_zero_is_an_empty_selection_with_a_reason(store: Store) -> None:
    selection = evaluate(store, Scenario(weights={k: 0 for k in criterion_keys()}))
    assert selection.all_weights_zero
    assert selection.n_selected == 0
    assert "pesi sono a 0" in tie_sentence(selection, "it")


def test_a_zero_weight_removes_the_criterion(store: Store) -> None:
    base = evaluate(store, Scenario())
    without = evaluate(store, Scenario().with_weights(servizi=0))
    table = without.table.set_index("entity_id")
    assert (table["servizi"] == 0).all()
    original = base.table.set_index("entity_id")
    expected = original["score"] - original["servizi"]
    assert (table["score"] - expected.reindex(table.index)).abs().max() == 0


def test_rank_change_is_against_the_sources_weights(store: Store) -> None:
    selection = evaluate(store, Scenario().with_weights(servizi=0))
    table = selection.table.set_index("entity_id")
    # Unione NET: first with the source's weights (29 points of Servizi); far lower without
    assert table.at["unione-nord-est-torino", "seed_rank"] == 1
    assert table.at["unione-nord-est-torino", "rank_change"] < 0
    assert (table["seed_rank"] - table["rank"] == table["rank_change"]).all()


def test_tie_sentence_names_the_tied_and_the_rule_in_both_languages(store: Store) -> None:
    selection = evaluate(store, Scenario())
    italian = tie_sentence(selection, "it")
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in italian
    assert "11–13" in italian and "13 enti invece di 12" in italian
    english = tie_sentence(selection, "en")
    assert "Mazzè, Sant'Ambrogio di Torino and Albiano d'Ivrea" in english
    assert "13 entities instead of 12" in english


weights_strategy = st.fixed_dictionaries({k: st.integers(0, 10) for k in criterion_keys()})
_SHARED = Store(":memory:")  # read only below: one seeded store for every example


@settings(max_examples=60, deadline=None)
@given(weights=weights_strategy, top=st.integers(1, 40))
def test_selection_never_skips_a_better_score(weights: dict[str, int], top: int) -> None:
    selection = evaluate(_SHARED, Scenario(weights=weights, top=top))
    table: pd.DataFrame = selection.table
    if selection.all_weights_zero:
        assert selection.n_selected == 0
        return
    chosen = table[table["selected"]]
    rest = table[~table["selected"]]
    assert len(chosen) >= min(top, len(table))
    if len(rest):
        assert chosen["score"].min() > rest["score"].max()
    # every selected entity beyond N is tied with the N-th: the rule said so
    if len(chosen) > top:
        assert selection.ties.outcome == "all_included"
        assert set(chosen["entity_id"][chosen["score"] == chosen["score"].min()]) == set(
            selection.ties.entity_ids)
    # competition ranks: 1 + number of strictly better scores
    better = [(table["score"] > s).sum() + 1 for s in table["score"]]
    assert table["rank"].tolist() == better


def test_normalisation_changes_the_units_but_not_the_tie_rules(store: Store) -> None:
    from metrodigital.scenario import Normalisation

    share = evaluate(store, Scenario(normalisation=Normalisation.SHARE))
    table = share.table.set_index("entity_id")
    # Moncalieri: 3/3·2 + 12/12·3 + 9/9·4 + 20/30·5 + 8/9·3 + 5/5·3 + 3/3·5 + 3/3·4
    expected = 2 + 3 + 4 + 20 / 30 * 5 + 8 / 9 * 3 + 3 + 5 + 4
    assert abs(table.at["moncalieri", "score"] - expected) < 1e-9
    assert table.at["moncalieri", "rank"] == 1
    minmax = evaluate(store, Scenario(normalisation=Normalisation.MINMAX))
    points = minmax.points
    assert points.min().min() == 0 and points.max().max() == 1
    assert minmax.n_selected >= 12
