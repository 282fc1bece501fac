"""Link parameters: every scenario round-trips; bad values fall back with a note."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrodigital.criteria import criterion_keys, load_criteria, seed_weights
from metrodigital.params import (
    parse_weight_overrides,
    scenario_from_params,
    scenario_to_params,
)
from metrodigital.scenario import Scenario, TieRule

WAVES = ("metrodigital-2023", "ondata-2025")


def test_missing_parameters_take_the_defaults() -> None:
    scenario, notes = scenario_from_params({})
    assert scenario == Scenario()
    assert notes == []
    assert scenario_to_params(Scenario()) == {}


def test_documented_names() -> None:
    params = scenario_to_params(Scenario(
        weights={**seed_weights(), "servizi": 3, "popolazione": 0}, top=10,
        ties=TieRule.CRITERIA, tie_criteria=("servizi", "infrastrutture"),
        wave="ondata-2025"))
    assert params == {"ser": "3", "pop": "0", "n": "10", "tie": "criteria",
                      "tiek": ["ser", "inf"], "wave": "ondata-2025"}


@settings(max_examples=80, deadline=None)
@given(
    weights=st.fixed_dictionaries({k: st.integers(0, 10) for k in criterion_keys()}),
    top=st.integers(1, 36),
    ties=st.sampled_from(list(TieRule)),
    tie_criteria=st.lists(st.sampled_from(criterion_keys()), unique=True, max_size=3),
    picks=st.lists(st.sampled_from(["mazze", "sant-ambrogio-di-torino", "albiano-d-ivrea"]),
                   unique=True, max_size=2),
    wave=st.sampled_from(WAVES),
)
def test_every_scenario_round_trips_through_its_link(weights, top, ties, tie_criteria, picks,
                                                    wave) -> None:
    scenario = Scenario(weights=weights, top=top, ties=ties, tie_criteria=tuple(tie_criteria),
                        picks=tuple(picks), wave=wave)
    parsed, notes = scenario_from_params(scenario_to_params(scenario), waves=WAVES, top_max=36)
    assert notes == []
    assert parsed == scenario


HOSTILE = ["abc", "-1", "11", "2.5", "1e1", "1e400", "nan", "inf", "", " 3", "٣", "0x5",
           "<script>alert(1)</script>", "**bold**", "9" * 40, "3; DROP TABLE waves"]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_weight_falls_back_to_the_default_with_a_note(raw: str) -> None:
    scenario, notes = scenario_from_params({"ser": raw})
    assert scenario.weights["servizi"] == 5
    assert [n.code for n in notes] == ["params.bad_weight"]
    assert notes[0].params["param"] == "ser"
    assert len(str(notes[0].params["value"])) <= 41  # long values are cut when quoted


@pytest.mark.parametrize("raw", ["0", "-3", "37", "abc", "1e400", "12.0"])
def test_bad_n_falls_back_to_12(raw: str) -> None:
    scenario, notes = scenario_from_params({"n": raw}, top_max=36)
    assert scenario.top == 12
    assert [n.code for n in notes] == ["params.bad_top"]


def test_bad_rule_criteria_and_wave_fall_back() -> None:
    scenario, notes = scenario_from_params(
        {"tie": "random", "tiek": ["ser", "xyz", "ser"], "wave": "<b>w</b>"}, waves=WAVES)
    assert scenario.ties is TieRule.ALL
    assert scenario.tie_criteria == ("servizi",)
    assert scenario.wave == "metrodigital-2023"
    assert sorted(n.code for n in notes) == [
        "params.bad_tie_criterion", "params.bad_ties", "params.bad_wave"]


def test_repeated_parameter_takes_the_last_value() -> None:
    scenario, notes = scenario_from_params({"ser": ["1", "7"]})
    assert scenario.weights["servizi"] == 7 and notes == []


def test_picks_keep_only_identifier_shaped_values() -> None:
    scenario, _ = scenario_from_params({"pick": ["mazze", "<img src=x>", "mazze"]})
    assert scenario.picks == ("mazze",)


def test_shares_are_weight_over_total() -> None:
    shares = Scenario().shares()
    assert shares["servizi"] == pytest.approx(5 / 29)
    assert sum(shares.values()) == pytest.approx(1)
    zero = Scenario(weights={k: 0 for k in criterion_keys()})
    assert set(zero.shares().values()) == {0.0}


def test_weight_overrides_for_the_cli() -> None:
    assert parse_weight_overrides("servizi=3,pop=2.5") == {"servizi": 3.0, "popolazione": 2.5}
    for bad in ["servizi", "foo=1", "servizi=-1", "servizi=abc", "servizi=nan"]:
        with pytest.raises(ValueError):
            parse_weight_overrides(bad)


def test_quotas_round_trip_and_bad_ones_are_noted() -> None:
    from metrodigital.quotas import parse_quota

    scenario = Scenario(quotas=(parse_quota("pop1>=2"), parse_quota("pop3<=5")))  # type: ignore[arg-type]
    params = scenario_to_params(scenario)
    assert params["q"] == ["pop1>=2", "pop3<=5"]
    parsed, notes = scenario_from_params(params)
    assert parsed == scenario and notes == []
    mixed, notes = scenario_from_params({"q": ["pop1>=2", "zona9<=1", "<b>"]})
    assert [q.code for q in mixed.quotas] == ["pop1>=2"]
    assert [n.code for n in notes] == ["params.bad_quota", "params.bad_quota"]


def test_every_parameter_the_link_writes_is_a_scenario_parameter() -> None:
    from metrodigital.params import scenario_param_names
    from metrodigital.quotas import parse_quota

    everything = Scenario(
        weights={k: 1 for k in criterion_keys()}, top=3, ties=TieRule.CHOICE,
        tie_criteria=("servizi",), picks=("mazze",), wave="ondata-2025", spread=2, draws=1000,
        seed=7, quotas=(parse_quota("pop1>=2"),))  # type: ignore[arg-type]
    assert set(scenario_to_params(everything)) <= scenario_param_names()
    assert "vs" not in scenario_param_names()  # the Compare page's own


# -- surveys and waves: the table's context ------------------------------------------
def _wave(slug: str, survey: str = "metrodigital-2022", **weights: float):
    from metrodigital.params import WaveRef

    return WaveRef(slug, survey, dict(weights))


def test_weights_default_to_the_chosen_waves_reference_weights() -> None:
    equal = {k: 1.0 for k in criterion_keys()}
    waves = [_wave("metrodigital-2023"), _wave("uguali", **equal)]
    scenario, notes = scenario_from_params({"wave": "uguali", "ser": "5"}, waves=waves)
    assert notes == []
    assert scenario.reference == equal
    assert scenario.weights == {**equal, "servizi": 5}
    # what equals the wave's reference weights stays out of the link; ser=5 does not
    assert scenario_to_params(scenario) == {"wave": "uguali", "ser": "5"}
    # on the source's wave, ser=5 is the default and leaves the link
    source, _ = scenario_from_params({"ser": "5"}, waves=waves)
    assert scenario_to_params(source) == {}


def test_a_wave_of_another_survey_opens_that_survey_and_its_wave_stays_in_the_link() -> None:
    waves = [_wave("metrodigital-2023"), _wave("milano-2017", "ponmetro-milano-2017")]
    scenario, notes = scenario_from_params({"wave": "milano-2017"}, waves=waves)
    assert notes == [] and scenario.survey == "ponmetro-milano-2017"
    assert scenario.weights == {} and scenario.reference == {}  # no matrix
    assert scenario_to_params(scenario) == {"survey": "ponmetro-milano-2017",
                                            "wave": "milano-2017"}
    # a survey alone: its most recent wave
    alone, _ = scenario_from_params({"survey": "ponmetro-milano-2017"}, waves=waves)
    assert alone.wave == "milano-2017"
    # a wave of another survey than the one named is refused with a note
    crossed, notes = scenario_from_params(
        {"survey": "ponmetro-milano-2017", "wave": "metrodigital-2023"}, waves=waves)
    assert crossed.wave == "milano-2017" and [n.code for n in notes] == ["params.bad_wave"]


@pytest.mark.parametrize("raw", ["", "nessuna", "../metrodigital-2022", "<b>x</b>"])
def test_an_unknown_survey_falls_back_with_a_note(raw: str) -> None:
    scenario, notes = scenario_from_params({"survey": raw})
    assert scenario.survey == "metrodigital-2022"
    assert [n.code for n in notes] == ["params.bad_survey"]


def test_a_third_survey_is_a_folder_with_its_own_weight_parameters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from metrodigital.surveys.registry import SURVEYS_ENV
    from tests.conftest import PROJECT_DIR

    monkeypatch.setenv(SURVEYS_ENV, str(PROJECT_DIR / "tests" / "data" / "surveys"))
    waves = [_wave("biblioteche-2030", "prova-biblioteche-2030", servizi=2, spesa=1,
                   abitanti=1)]
    scenario, notes = scenario_from_params(
        {"survey": "prova-biblioteche-2030", "srv": "4", "ser": "9", "tiek": ["spe", "ser"],
         "tie": "criteria"}, waves=waves)
    assert scenario.weights == {"servizi": 4, "spesa": 1, "abitanti": 1}
    assert scenario.tie_criteria == ("spesa",)  # "ser" is no criterion of this survey
    assert [n.code for n in notes] == ["params.bad_tie_criterion"]
    assert scenario_to_params(scenario) == {
        "survey": "prova-biblioteche-2030", "wave": "biblioteche-2030", "srv": "4",
        "tie": "criteria", "tiek": ["spe"]}


def test_the_readme_documents_every_link_parameter() -> None:
    """The README's table of link parameters names every row of the one table."""
    from metrodigital.params import PARAMS, WEIGHTS
    from tests.conftest import PROJECT_DIR

    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Link parameters"):]
    table = table[:table.index("\n## ", 5)]
    for row in PARAMS:
        names = [c.code for c in load_criteria()] if row is WEIGHTS else [row.name]
        for name in names:
            assert f"`{name}`" in table, name
