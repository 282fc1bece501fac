"""Quotas: exact (checked against brute force), parsed from links, explained."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from metrodigital.explain import note_text, quota_sentences, tie_sentence
from metrodigital.quotas import Quota, apply_quotas, parse_quota
from metrodigital.ranking import Selection, evaluate
from metrodigital.scenario import Scenario, TieRule
from metrodigital.store import Store
from metrodigital.territory import match_entity
from tests.conftest import PROJECT_DIR


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


@settings(max_examples=200, deadline=None)
@given(
    entities=st.lists(st.tuples(st.integers(1, 3), st.integers(0, 3)), min_size=3, max_size=9),
    top=st.integers(1, 5),
    raw=st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["min", "max"]),
                           st.integers(0, 4)), max_size=3),
)
def test_equal_scores_are_tied_exactly_when_some_best_selection_swaps_them(
        entities: list[tuple[int, int]], top: int, raw: list[tuple[int, str, int]]) -> None:
    """With equal scores there can be several best selections: whoever is in all of them
    is selected for sure, whoever is in only some is tied (never decided by list order)."""
    scores = {f"e{i}": score for i, (_, score) in enumerate(entities)}
    order = sorted(scores, key=lambda e: -scores[e])
    groups = {f"e{i}": {"pop": c} for i, (c, _) in enumerate(entities)}
    quotas = [Quota("pop", g, b, k) for g, b, k in raw]  # type: ignore[arg-type]
    top = min(top, len(order))

    def ok(chosen: tuple[str, ...]) -> bool:
        counts = [sum(groups[e]["pop"] == q.group for e in chosen) for q in quotas]
        return all(n >= q.k if q.bound == "min" else n <= q.k
                   for q, n in zip(quotas, counts, strict=True))

    feasible = [c for c in combinations(order, top) if ok(c)]
    outcome = apply_quotas(order, groups, top, quotas, tie_key=scores)
    assert outcome.feasible == bool(feasible)
    if not feasible:
        return
    best = max(tuple(sorted((scores[e] for e in c), reverse=True)) for c in feasible)
    optimal = [set(c) for c in feasible
               if tuple(sorted((scores[e] for e in c), reverse=True)) == best]
    certain, possible = set.intersection(*optimal), set.union(*optimal)
    assert set(outcome.selected) in optimal
    assert set(outcome.selected) | set(outcome.tied_out) == possible
    assert set(outcome.selected) - set(outcome.tied_in) == certain


# -- every quota kind against every tie rule, on the source's matrix (N = 12, a tie at 193
# on ranks 11–13 between Mazzè, Sant'Ambrogio di Torino and Albiano d'Ivrea) ------------
QUOTA_CASES = {
    "pop_min": "pop1>=2",  # Angrogna (rank 20) promoted: one place left for the three at 193
    "pop_max": "pop2<=4",  # the three at 193 are all of class 2: one place left for them
    "zona_min": "zona7>=1",  # Rivarossa (rank 16) promoted
    "zona_max": "zona9<=3",  # the README's example: not binding, the tie stays at rank 12
    "zona_max_binding": "zona2<=1",  # Collegno (zona 2) out: the three at 193 all fit
    "infeasible": "pop1>=30",
}
RULES = {
    "all": {"ties": TieRule.ALL},
    "criteria": {"ties": TieRule.CRITERIA, "tie_criteria": ("servizi",)},
    "choice": {"ties": TieRule.CHOICE},
    "choice_picked": {"ties": TieRule.CHOICE, "picks": ("mazze",)},
}
TIED = {"mazze", "sant-ambrogio-di-torino", "albiano-d-ivrea"}


def quota_counts(selection: Selection, quota: Quota) -> int:
    members = set(selection.selected_ids)
    return sum(1 for e in members if _group(selection, e, quota.kind) == quota.group)


def _group(selection: Selection, entity_id: str, kind: str) -> int:
    if kind == "pop":
        return int(selection.points.at[entity_id, "popolazione"])
    ente = selection.table.set_index("entity_id").at[entity_id, "ente"]
    match = match_entity(ente).entity
    return (match.zona_omogenea if match is not None else None) or 0


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("case", list(QUOTA_CASES))
def test_every_quota_kind_with_every_tie_rule_through_evaluate(store: Store, case: str,
                                                               rule: str) -> None:
    quota = parse_quota(QUOTA_CASES[case])
    assert quota is not None
    selection = evaluate(store, Scenario(quotas=(quota,), **RULES[rule]))  # type: ignore[arg-type]
    outcome, ties = selection.quota, selection.ties
    assert outcome is not None
    for lang in ("it", "en"):  # every sentence the pages and exports show can be written
        assert tie_sentence(selection, lang)
        quota_sentences(selection, lang)
        [note_text(n, lang) for n in selection.notes]
    table = selection.table.set_index("entity_id")
    assert set(table.index[table["tied_at_cutoff"]]) == set(ties.entity_ids)
    if case == "infeasible":
        assert not outcome.feasible and "quotas.infeasible" in [n.code for n in selection.notes]
        plain = evaluate(store, Scenario(**RULES[rule]))  # type: ignore[arg-type]
        assert selection.selected_ids == plain.selected_ids  # the quota is ignored, said so
        return
    assert outcome.feasible
    n = selection.n_selected
    if ties.outcome in ("none", "broken_by_criteria", "chosen"):
        # the quotas filled exactly N places and the rule decided every tie: all quotas hold
        assert n == 12
        count = quota_counts(selection, quota)
        assert count >= quota.k if quota.bound == "min" else count <= quota.k
    else:  # rule "all", or a choice not yet made: everyone tied is in, beyond N
        assert ties.outcome in ("all_included", "awaiting_choice")
        assert n == 12 + len(outcome.tied_out) > 12
        assert set(ties.included) == set(ties.entity_ids)
        assert selection.scenario.ties is not TieRule.CRITERIA
    # never decided by list order: whoever is out with the score of someone in would break a
    # quota by swapping with them, or the rule (criteria points, the user's pick) decided
    selected = set(selection.selected_ids)
    for out in set(table.index) - selected:
        for inside in selected:
            if table.at[out, "score"] != table.at[inside, "score"]:
                continue
            swapped = selected - {inside} | {out}
            count = sum(_group(selection, e, quota.kind) == quota.group for e in swapped)
            breaks = count < quota.k if quota.bound == "min" else count > quota.k
            decided = (rule == "criteria" and selection.points.at[out, "servizi"]
                       < selection.points.at[inside, "servizi"]) or (
                rule == "choice_picked" and inside == "mazze")
            assert breaks or decided, (out, inside)


def test_quota_ties_name_the_tied_and_what_the_rule_did(store: Store) -> None:
    pop_max = parse_quota("pop2<=4")
    everyone = evaluate(store, Scenario(quotas=(pop_max,)))  # type: ignore[arg-type]
    assert set(everyone.ties.entity_ids) == TIED and everyone.ties.slots == 1
    assert everyone.n_selected == 14
    lines = quota_sentences(everyone, "it")
    assert any("Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea hanno lo stesso punteggio"
               in line for line in lines)
    # Angrogna (class 1, rank 20) takes the place the maximum left free, and says so
    assert "Angrogna entra nella selezione per la quota «al massimo 4 enti di classe di " \
        "popolazione 2»." in lines
    # including the three exceeds the maximum: the page says so and how to respect it
    assert any("«al massimo 4 enti di classe di popolazione 2» è superata: gli enti sono 6"
               in line for line in lines)
    by_services = evaluate(store, Scenario(quotas=(pop_max,), ties=TieRule.CRITERIA,  # type: ignore[arg-type]
                                           tie_criteria=("servizi",)))
    assert by_services.ties.outcome == "broken_by_criteria"
    assert set(by_services.selected_ids) & TIED == {"albiano-d-ivrea"}
    picked = evaluate(store, Scenario(quotas=(pop_max,), ties=TieRule.CHOICE,  # type: ignore[arg-type]
                                      picks=("sant-ambrogio-di-torino",)))
    assert picked.ties.outcome == "chosen"
    assert set(picked.selected_ids) & TIED == {"sant-ambrogio-di-torino"}
    assert "Sant'Ambrogio di Torino" in tie_sentence(picked, "en")


def test_a_maximum_alone_with_the_include_all_rule_does_not_crash(store: Store) -> None:
    """The README's example: with the tie at 193 the selection without quotas has 13."""
    zona9 = parse_quota("zona9<=3")
    selection = evaluate(store, Scenario(quotas=(zona9,)))  # type: ignore[arg-type]
    assert selection.n_selected == 13 and set(selection.ties.entity_ids) == TIED
    assert selection.quota is not None and selection.quota.displaced == ()


def test_matrix_page_opens_with_the_readme_quota_link() -> None:
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    app.query_params["q"] = "zona9<=3"  # ?q=zona9%3C%3D3
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    body = " ".join(i.body for i in app.info).replace("\\", "")  # as read: no Markdown escapes
    assert "Le quote decidono chi occupa i posti" in body
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in body
    selected = next(str(m.value) for m in app.metric if m.label == "Enti selezionati")
    assert selected == "13"


CLI_RULES = {
    "all": ["--ties", "all"],
    "criteria": ["--ties", "criteria:ser"],
    "choice": ["--ties", "choice"],
    "choice_picked": ["--ties", "choice", "--pick", "mazze"],
}


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("case", list(QUOTA_CASES))
def test_every_quota_kind_with_every_tie_rule_through_the_cli(
        capsys: pytest.CaptureFixture[str], store: Store, case: str, rule: str) -> None:
    from metrodigital.cli import main

    assert main(["rank", "--quota", QUOTA_CASES[case], *CLI_RULES[rule], "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    quota = parse_quota(QUOTA_CASES[case])
    expected = evaluate(store, Scenario(quotas=(quota,), **RULES[rule]))  # type: ignore[arg-type]
    assert [r["entity_id"] for r in out["ranking"] if r["selected"]] == expected.selected_ids
    assert out["ties"]["outcome"] == expected.ties.outcome
    assert out["quotas"]["feasible"] == (case != "infeasible")
    for lang in ("it", "en"):  # the table too, in both languages
        assert main(["rank", "--quota", QUOTA_CASES[case], *CLI_RULES[rule],
                     "--lang", lang]) == 0
        assert tie_sentence(expected, lang) in capsys.readouterr().out


def test_the_readme_quota_example_runs_as_a_program(tmp_path: Path) -> None:
    env = {**os.environ, "METRODIGITAL_DB": str(tmp_path / "cli.duckdb")}
    outputs = []
    for args, status in ((["rank", "--quota", "zona9<=3"], 0),
                         (["rank", "--quota", "zona9<=3", "--quota", "pop1>=2"], 2)):
        result = subprocess.run([sys.executable, "-m", "metrodigital", *args], cwd=PROJECT_DIR,
                                capture_output=True, text=True, check=False, timeout=120,
                                env=env)
        assert "Traceback" not in result.stderr + result.stdout
        assert result.returncode == status, result.stderr
        outputs.append(result)
    assert "Mazzè, Sant'Ambrogio di Torino e Albiano d'Ivrea" in outputs[0].stdout
    assert "un solo tipo di quota per volta" in outputs[1].stderr


@pytest.mark.parametrize("quota", ["zona9<=3", "pop2<=4", "pop1>=2"])
def test_compare_page_opens_with_a_quota_link(quota: str) -> None:
    """The issue saw the IndexError on Confronta too."""
    app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    app.query_params["q"] = quota
    app.run()
    app.switch_page("pages/4_Confronta.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.body for e in app.error]
