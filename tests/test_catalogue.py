"""Catalogo servizi (metrodigital/catalogue.py): ranking, weighting, ties, breakdowns."""

from __future__ import annotations

import math
import tomllib

import pandas as pd
import pytest

from metrodigital.catalogue import CatalogueError, Service, breakdown, rank_services
from metrodigital.paths import DATA_DIR

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
SURVEY = DATA_DIR / "surveys" / "ponmetro-milano-2017" / "survey.toml"
SERVICES = [("a", "Servizio A", "q_a"), ("b", "Servizio B", "q_b"), ("c", "Servizio C", "q_c")]


@pytest.fixture(scope="module")
def milan() -> tuple[pd.DataFrame, list[tuple[str, str, str]], dict[str, str]]:
    """The synthetic example's answers (question codes as columns), the survey's six
    services and its source exclusions, as plain inputs."""
    with SURVEY.open("rb") as handle:
        survey = tomllib.load(handle)
    texts = {q["text"]: q["code"] for s in survey["sections"] for q in s["questions"]}
    answers = pd.read_excel(EXAMPLE, sheet_name="Risposte", header=1).rename(columns=texts)
    services = [(s["code"], s["name"], s["question"]) for s in survey["catalogue"]["services"]]
    exclusions = {e["code"]: e["reason_it"] for e in survey["catalogue"]["source_exclusions"]}
    return answers, services, exclusions


def tiny() -> pd.DataFrame:
    """Three Comuni of 1,000, 3,000 and 6,000 residents."""
    return pd.DataFrame({
        "comune": ["Uno", "Due", "Tre"],
        "popolazione": [1000, 3000, 6000],
        "zona": ["Nord", "Nord", "Sud"],
        "q_a": [5, 3, 1],
        "q_b": [4, 4, 2],
        "q_c": [1, 2, 5],
    })


def test_milan_example_gives_pagopa_fascicolo_sisa(milan) -> None:
    answers, services, exclusions = milan
    catalogue = rank_services(answers, services, exclude=exclusions, top=3)
    assert catalogue.chosen == ["pagopa", "fascicolo", "sisa"]
    table = catalogue.table.set_index("code")
    assert table.loc["pagopa", "rank"] == 1  # the best score of the survey
    assert round(table.loc["spid", "mean"], 2) == 3.69
    assert table.loc["spid", "excluded_reason"].startswith("incentivi regionali")
    assert not table.loc[["spid", "opendata", "geoportale"], "chosen"].any()
    assert (table["n"] == 59).all()
    assert not table["tied_at_cutoff"].any()
    # Excluded services keep their place in the ranking: Open Data ranks above SISA.
    assert table.loc["opendata", "rank"] < table.loc["sisa", "rank"]
    # The result says how it was obtained.
    assert catalogue.params.by == "equal" and catalogue.params.top == 3
    assert catalogue.params.score == "mean"
    assert dict(catalogue.params.exclude) == exclusions


def test_shares_and_ranks_on_the_example(milan) -> None:
    answers, services, _ = milan
    table = rank_services(answers, services, top=6).table
    assert table["code"].tolist() == ["pagopa", "fascicolo", "opendata", "spid", "sisa",
                                      "geoportale"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    pagopa = table.iloc[0]
    assert pagopa["share_high"] == pytest.approx((answers["interesse_pagopa"] >= 4).mean())
    assert pagopa["mean"] == pytest.approx(answers["interesse_pagopa"].mean())


def test_residents_weighting_as_computed_by_hand() -> None:
    equal = rank_services(tiny(), SERVICES, top=1).table.set_index("code")
    residents = rank_services(tiny(), SERVICES, by="residents", top=1).table.set_index("code")
    # Each Comune once: a = (5 + 3 + 1) / 3 = 3; b = 10/3; c = 8/3.
    assert equal.loc["a", "mean"] == pytest.approx(3.0)
    assert equal.loc["b", "mean"] == pytest.approx(10 / 3)
    assert equal.loc["c", "share_high"] == pytest.approx(1 / 3)
    # By residents: a = (5·1000 + 3·3000 + 1·6000) / 10000 = 2.0; b = (4000 + 12000 + 12000)
    # / 10000 = 2.8; c = (1000 + 6000 + 30000) / 10000 = 3.7; share ≥ 4 of c = 6000/10000.
    assert residents.loc["a", "mean"] == pytest.approx(2.0)
    assert residents.loc["b", "mean"] == pytest.approx(2.8)
    assert residents.loc["c", "mean"] == pytest.approx(3.7)
    assert residents.loc["c", "share_high"] == pytest.approx(0.6)
    assert residents.loc["a", "n"] == 3  # n counts respondents, not residents
    assert equal.index[0] == "b" and residents.index[0] == "c"  # the winner changes


def test_unanswered_ratings_are_left_out() -> None:
    frame = tiny()
    frame.loc[0, "q_a"] = None
    table = rank_services(frame, SERVICES, by="residents", top=1).table.set_index("code")
    assert table.loc["a", "n"] == 2
    assert table.loc["a", "mean"] == pytest.approx((9000 + 6000) / 9000)


def test_a_tie_at_the_cutoff_is_flagged_not_broken() -> None:
    frame = pd.DataFrame({"q_a": [5, 5], "q_b": [4, 3], "q_c": [3, 4], "q_d": [1, 1]})
    services = [*SERVICES, ("d", "Servizio D", "q_d")]
    catalogue = rank_services(frame, services, top=2)
    table = catalogue.table.set_index("code")
    assert table["rank"].to_dict() == {"a": 1, "b": 2, "c": 2, "d": 4}  # competition ranking
    assert catalogue.chosen == ["a", "b", "c"]  # both tied services: more than K
    assert table["tied_at_cutoff"].to_dict() == {"a": False, "b": True, "c": True, "d": False}
    assert catalogue.tie is not None
    assert catalogue.tie.codes == ("b", "c")
    assert (catalogue.tie.first_place, catalogue.tie.last_place, catalogue.tie.slots) == (
        2, 3, 1)
    assert catalogue.tie.score == 3.5
    assert "catalogue.tie_at_cutoff" in catalogue.notes
    # A tie inside the catalogue is no tie at the cut-off.
    inside = rank_services(frame, services, top=3)
    assert inside.tie is None and not inside.table["tied_at_cutoff"].any()
    assert inside.chosen == ["a", "b", "c"]


def test_exclusion_frees_the_place_and_ties_are_exact() -> None:
    # 7/3 twice, reached by different ratings: equal exactly, not "almost".
    frame = pd.DataFrame({"q_a": [1, 2, 4], "q_b": [2, 2, 3], "q_c": [5, 5, 5]})
    catalogue = rank_services(frame, SERVICES, exclude={"c": "fuori ambito"}, top=1)
    assert catalogue.chosen == ["a", "b"]
    assert catalogue.tie is not None and catalogue.tie.codes == ("a", "b")
    assert catalogue.table.set_index("code").loc["c", "rank"] == 1


def test_more_places_than_services_chooses_all_and_says_so() -> None:
    catalogue = rank_services(tiny(), SERVICES, exclude={"a": "motivo"}, top=3)
    assert sorted(catalogue.chosen) == ["b", "c"]
    assert "catalogue.top_exceeds" in catalogue.notes


@pytest.mark.parametrize(("kwargs", "key", "english"), [
    ({"exclude": {"x": "motivo"}}, "catalogue.unknown_exclusion",
     "Exclusion of an unknown service: “x”. Services: a, b, c."),
    ({"exclude": {"a": " "}}, "catalogue.exclusion_without_reason",
     "The exclusion of service “a” has no reason: every exclusion must state one."),
    ({"top": 0}, "catalogue.bad_top",
     "The number of services to choose must be a whole number from 1 (got: 0)."),
    ({"top": 2.5}, "catalogue.bad_top",
     "The number of services to choose must be a whole number from 1 (got: 2.5)."),
    ({"by": "people"}, "catalogue.bad_weighting",
     "Unknown way of counting the Comuni: “people” (allowed: equal, residents)."),
    ({"by": "residents", "residents": "abitanti"}, "catalogue.missing_residents",
     "Counting the Comuni by residents needs column “abitanti” with the population."),
])
def test_invalid_inputs_raise_with_a_message_key(kwargs, key, english) -> None:
    with pytest.raises(CatalogueError) as caught:
        rank_services(tiny(), SERVICES, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert caught.value.key == key
    assert caught.value.message("en") == english
    assert caught.value.message("it") != english


def test_bad_ratings_and_services_name_where() -> None:
    frame = tiny()
    frame.loc[2, "q_b"] = 6
    with pytest.raises(CatalogueError) as caught:
        rank_services(frame, SERVICES)
    assert caught.value.message() == (
        "Colonna «q_b», risposta n. 3: «6» non è un voto intero da 1 a 5.")
    with pytest.raises(CatalogueError) as caught:
        rank_services(tiny(), [("a", "A", "q_a"), ("a", "A bis", "q_b")])
    assert caught.value.key == "catalogue.duplicate_service"
    with pytest.raises(CatalogueError) as caught:
        rank_services(tiny(), [("z", "Z", "q_z")])
    assert caught.value.message() == (
        "Manca la colonna «q_z» con l'interesse per il servizio «z».")
    frame = tiny()
    frame.loc[1, "popolazione"] = 0
    with pytest.raises(CatalogueError) as caught:
        rank_services(frame, SERVICES, by="residents")
    assert caught.value.key == "catalogue.bad_residents"
    assert "n. 2" in caught.value.message()


def test_services_as_objects_or_tuples_give_the_same_result() -> None:
    objects = [Service(*item) for item in SERVICES]
    assert rank_services(tiny(), objects).table.equals(rank_services(tiny(), SERVICES).table)


def test_breakdown_by_class_on_the_example(milan) -> None:
    answers, services, _ = milan
    classes = ["< 5.000", "5.000–10.000", "10.000–30.000", "> 30.000"]
    result = breakdown(answers, services, "classe_popolazione", order=classes)
    spid = result.table[result.table["code"] == "spid"].set_index("group")
    assert spid.index.tolist() == classes  # in the given order, not alphabetical
    assert spid["n"].tolist() == [11, 17, 23, 8]
    assert spid.loc["< 5.000", "mean"] == pytest.approx(35 / 11)
    assert spid.loc["> 30.000", "mean"] == pytest.approx(3.625)
    assert not spid["small"].any()
    assert result.group_col == "classe_popolazione" and result.by == "equal"
    assert result.params["min_n"] == 5


def test_breakdown_marks_small_groups_and_unknown_zone() -> None:
    frame = tiny()
    frame.loc[2, "zona"] = None
    result = breakdown(frame, SERVICES, "zona", by="residents", min_n=2)
    table = result.table
    nord_a = table[(table["group"] == "Nord") & (table["code"] == "a")].iloc[0]
    assert nord_a["n"] == 2 and not nord_a["small"]
    assert nord_a["mean"] == pytest.approx((5 * 1000 + 3 * 3000) / 4000)
    unknown = table[table["group"].isna()]
    assert len(unknown) == 3 and unknown["small"].all() and (unknown["n"] == 1).all()
    default = breakdown(tiny(), SERVICES, "zona").table
    assert default["small"].all()  # fewer than 5 respondents in every group
    with pytest.raises(CatalogueError) as caught:
        breakdown(tiny(), SERVICES, "zona_omogenea")
    assert caught.value.key == "catalogue.missing_group"
    assert math.isnan(breakdown(pd.DataFrame({"zona": ["N"], "q_a": [None], "q_b": [1],
                                              "q_c": [2]}), SERVICES, "zona")
                      .table.iloc[0]["mean"])
