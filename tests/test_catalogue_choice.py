"""Catalogo servizi on a survey: the user's choice, its link, the breakdowns, the JSON and
the Excel file (metrodigital/catalogue.py, metrodigital/catalogue_report.py)."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import openpyxl
import pandas as pd
import pytest

from metrodigital.catalogue import (
    NO_EXCLUSIONS,
    REASON_MAX,
    CatalogueChoice,
    CatalogueError,
    ExclusionChoice,
    catalogue_json,
    catalogue_link,
    choice_from_params,
    choice_to_params,
    class_labels,
    exclusion_reasons,
    outcome_sentence,
    parse_ck,
    parse_cx,
    rank_for_survey,
    source_choice,
    survey_services,
)
from metrodigital.catalogue_report import build_catalogue_workbook, catalogue_file_name
from metrodigital.i18n import t
from metrodigital.surveys.registry import load_survey
from tests.catalogue_example import SURVEY_ID, example_wide

SOURCE_CODES = ("spid", "opendata", "geoportale")


@pytest.fixture(scope="module")
def survey():
    return load_survey(SURVEY_ID)


@pytest.fixture(scope="module")
def wide() -> pd.DataFrame:
    return example_wide()


def test_the_source_exclusions_give_the_sources_catalogue(survey, wide) -> None:
    choice = source_choice(survey)
    assert (choice.top, choice.by, choice.codes) == (3, "equal", SOURCE_CODES)
    result = rank_for_survey(wide, survey, choice)
    assert result.chosen == ["pagopa", "fascicolo", "sisa"]
    table = result.ranking.table.set_index("code")
    assert table.loc["spid", "excluded_reason"].startswith("incentivi regionali")
    assert table.loc["opendata", "excluded_reason"].startswith("fuori dal perimetro PON Metro")
    assert table.loc["geoportale", "excluded_reason"].startswith("non incluso per ora")
    assert result.respondents == 59 and result.pending == ()
    assert outcome_sentence(result) == (
        "Catalogo: PagoPA, Fascicolo del Cittadino e SISA – Sistema informativo dei Servizi "
        "Socio-Assistenziali (3 servizi; richiesti 3).")
    english = rank_for_survey(wide, survey, choice, "en").ranking.table.set_index("code")
    assert english.loc["spid", "excluded_reason"].startswith("regional incentives")


def test_without_exclusions_the_three_best_means_win(survey, wide) -> None:
    result = rank_for_survey(wide, survey, CatalogueChoice())
    assert result.chosen == ["pagopa", "fascicolo", "opendata"]
    assert not result.ranking.table["excluded"].any()


def test_by_class_reproduces_the_published_spid_figures(survey, wide) -> None:
    result = rank_for_survey(wide, survey, source_choice(survey))
    assert result.by_class is not None
    spid = result.by_class.table[result.by_class.table["code"] == "spid"].set_index("group")
    assert spid.index.tolist() == ["< 5.000", "5.000–10.000", "10.000–30.000", "> 30.000"]
    assert spid["n"].tolist() == [11, 17, 23, 8]
    assert [round(v, 2) for v in spid["mean"]] == [3.18, 3.76, 3.91, 3.62]  # 29/8 = 3.625
    assert spid.loc["> 30.000", "mean"] == 3.625
    assert not spid["small"].any()
    english = rank_for_survey(wide, survey, source_choice(survey), "en").by_class
    assert english is not None and english.table["group"].iloc[0] == "< 5,000"


def test_by_zone_marks_groups_too_small_to_read(survey, wide) -> None:
    result = rank_for_survey(wide, survey, source_choice(survey))
    assert result.by_zone is not None
    table = result.by_zone.table
    named = table[table["group"].notna()]
    assert set(named["group"]) == {"Alto Milanese", "Magentino e Abbiatense",
                                   "Adda Martesana", "Milano"}
    assert named["small"].all() and (named["n"] == 1).all()
    unknown = table[table["group"].isna()]
    assert (unknown["n"] == 55).all() and not unknown["small"].any()
    # zones in the territory's order (Alto Milanese is zone 1, Milano zone 8)
    assert named["group"].drop_duplicates().tolist() == [
        "Alto Milanese", "Magentino e Abbiatense", "Adda Martesana", "Milano"]


def test_zone_numbers_are_named_by_the_territory(survey, wide) -> None:
    numbered = wide.assign(zona_omogenea=[1 if i % 2 else pd.NA for i in range(len(wide))])
    result = rank_for_survey(numbered, survey, source_choice(survey))
    assert result.by_zone is not None
    assert "Alto Milanese" in set(result.by_zone.table["group"].dropna())


def test_residents_weighting_changes_the_catalogue(survey, wide) -> None:
    equal = rank_for_survey(wide, survey, CatalogueChoice(exclusions=()))
    residents = rank_for_survey(wide, survey, CatalogueChoice(by="residents", exclusions=()))
    # Milano alone has more residents than the other 58 respondents together.
    milano = wide.set_index("ente").loc["Milano"]
    assert milano["popolazione"] > wide["popolazione"].sum() / 2
    for _, row in residents.ranking.table.iterrows():
        ratings = wide["interesse_" + row["code"]]
        assert row["mean"] == pytest.approx(
            (ratings * wide["popolazione"]).sum() / wide["popolazione"].sum())
    assert (residents.ranking.table["n"] == 59).all()  # n counts Comuni, not residents
    assert equal.chosen != residents.chosen


@pytest.mark.parametrize("stated", ["lt5000", "1", 1, "< 5.000", "< 5,000", None])
def test_the_class_is_read_in_every_form_or_from_the_residents(survey, stated) -> None:
    frame = pd.DataFrame({"classe_popolazione": [stated], "popolazione": [1200]})
    labels, order = class_labels(frame, survey)
    assert labels.tolist() == ["< 5.000"]
    assert order[0] == "< 5.000" and len(order) == 4


def test_an_exclusion_without_any_reason_waits_and_is_not_applied(survey, wide) -> None:
    choice = CatalogueChoice(exclusions=(ExclusionChoice("spid"), ExclusionChoice("pagopa")))
    applied, pending = exclusion_reasons(choice, survey)
    assert list(applied) == ["spid"] and pending == ("pagopa",)
    result = rank_for_survey(wide, survey, choice)
    assert result.pending == ("pagopa",)
    assert "pagopa" in result.chosen  # not excluded until it has a reason
    written = CatalogueChoice(exclusions=(ExclusionChoice("pagopa", "già attivo"),))
    assert "pagopa" not in rank_for_survey(wide, survey, written).chosen


def test_a_tie_at_the_cutoff_is_explicit(survey, wide) -> None:
    tied = wide.assign(interesse_sisa=wide["interesse_fascicolo"])
    result = rank_for_survey(tied, survey, CatalogueChoice(top=2, exclusions=()))
    assert result.chosen == ["pagopa", "fascicolo", "sisa"]
    assert result.ranking.tie is not None and result.ranking.tie.codes == ("fascicolo", "sisa")
    sentence = outcome_sentence(result, "en")
    assert "Tie at the cut-off: Fascicolo del Cittadino and SISA" in sentence
    assert "places 2–3" in sentence and "3 services instead of 2" in sentence


# -- the link ----------------------------------------------------------------------------


def test_no_link_parameters_give_the_defaults(survey) -> None:
    choice, notes = choice_from_params({}, survey)
    assert choice == source_choice(survey) and notes == []
    assert choice_to_params(choice, survey) == {}


@pytest.mark.parametrize("choice", [
    CatalogueChoice(top=2, by="residents", exclusions=(ExclusionChoice("spid"),)),
    CatalogueChoice(exclusions=()),
    CatalogueChoice(top=6, exclusions=(ExclusionChoice("pagopa", "già attivo: 100% & più"),
                                       ExclusionChoice("sisa", "motivo: con i due punti"),
                                       ExclusionChoice("geoportale"))),
    CatalogueChoice(exclusions=(ExclusionChoice("geoportale"), ExclusionChoice("spid"),
                                ExclusionChoice("opendata"))),  # same set, another order
])
def test_a_choice_survives_the_link(survey, choice) -> None:
    query = urlencode(choice_to_params(choice, survey), doseq=True)
    back, notes = choice_from_params(parse_qs(query, keep_blank_values=True), survey)
    assert notes == []
    assert back == choice


def test_no_exclusions_is_written_as_none(survey) -> None:
    assert choice_to_params(CatalogueChoice(exclusions=()), survey) == {"cx": [NO_EXCLUSIONS]}
    choice, notes = choice_from_params({"cx": ["none"]}, survey)
    assert choice.exclusions == () and notes == []


def test_the_sources_own_reason_is_written_as_the_code_alone(survey) -> None:
    own = survey.catalogue.exclusions[0]
    english = CatalogueChoice(exclusions=(ExclusionChoice("spid", own.reason_en),))
    assert choice_to_params(english, survey) == {"cx": ["spid"]}


@pytest.mark.parametrize(("params", "expected", "key"), [
    ({"ck": "abc"}, CatalogueChoice(top=3), "catalogue.link.bad_top"),
    ({"ck": "0"}, CatalogueChoice(top=3), "catalogue.link.bad_top"),
    ({"ck": "7"}, CatalogueChoice(top=3), "catalogue.link.bad_top"),
    ({"ck": "2.5"}, CatalogueChoice(top=3), "catalogue.link.bad_top"),
    ({"cby": "people"}, CatalogueChoice(by="equal"), "catalogue.link.bad_by"),
    ({"cx": "nonexistent"}, None, "catalogue.link.bad_exclusion"),
    ({"cx": ["none", "spid"]}, CatalogueChoice(exclusions=(ExclusionChoice("spid"),)),
     "catalogue.link.none_with_others"),
    ({"cx": ["spid:uno", "spid:due"]},
     CatalogueChoice(exclusions=(ExclusionChoice("spid", "due"),)),
     "catalogue.link.repeated_exclusion"),
])
def test_bad_link_values_fall_back_with_a_note(survey, params, expected, key) -> None:
    choice, notes = choice_from_params(params, survey)
    defaults = source_choice(survey)
    if expected is None:
        expected = defaults
    elif "cx" not in params:
        expected = CatalogueChoice(expected.top, expected.by, defaults.exclusions)
    assert choice == expected
    assert [n.code for n in notes] == [key]
    for lang in ("it", "en"):
        assert t(key, lang, **notes[0].params)  # every note renders in both languages


def test_a_long_reason_is_cut_with_a_note_and_controls_are_dropped(survey) -> None:
    choice, notes = choice_from_params({"cx": "pagopa:" + "x" * 500}, survey)
    assert len(choice.exclusions[0].reason) == REASON_MAX
    assert [n.code for n in notes] == ["catalogue.link.reason_cut"]
    choice, notes = choice_from_params({"cx": "pagopa:a\u202eb\x1b[31mc\nd"}, survey)
    assert choice.exclusions[0].reason == "ab[31mc d" and notes == []


def test_the_table_parsers_follow_the_same_rules(survey) -> None:
    class Ctx:
        survey = SURVEY_ID

    assert parse_ck("6", Ctx()) == 6 and parse_ck("7", Ctx()) is None
    assert parse_cx("spid:perché", Ctx()) == ExclusionChoice("spid", "perché")
    assert parse_cx("zzz", Ctx()) is None

    class Torino:
        survey = "metrodigital-2022"

    assert parse_ck("2", Torino()) is None  # a survey without a catalogue takes no K


def test_a_survey_without_a_catalogue_says_so() -> None:
    torino = load_survey("metrodigital-2022")
    with pytest.raises(CatalogueError) as caught:
        survey_services(torino)
    assert caught.value.message("en") == (
        "Survey “metrodigital-2022” proposes no services to rank: it has no catalogue.")
    assert source_choice(torino) == CatalogueChoice()


def test_the_link_reopens_the_page_with_survey_wave_and_choice(survey) -> None:
    choice = CatalogueChoice(top=2, exclusions=(ExclusionChoice("spid", "a&b=c"),))
    link = catalogue_link("http://example.org:8501/", survey, "milano-2017", choice, "en")
    parts = urlsplit(link)
    assert parts.path == "/Catalogo"
    query = parse_qs(parts.query)
    assert query == {"survey": [SURVEY_ID], "wave": ["milano-2017"], "ck": ["2"],
                     "cx": ["spid:a&b=c"], "lang": ["en"]}


# -- JSON and Excel ------------------------------------------------------------------------


def test_the_json_lists_the_services_in_rank_order(survey, wide) -> None:
    result = rank_for_survey(wide, survey, source_choice(survey))
    data = catalogue_json(result, wave="esempio", link="http://x/Catalogo")
    assert list(data) == ["scenario", "services"]
    assert data["scenario"]["survey"] == SURVEY_ID and data["scenario"]["top"] == 3
    assert [e["code"] for e in data["scenario"]["exclusions"]] == list(SOURCE_CODES)
    services = data["services"]
    assert [s["code"] for s in services] == ["pagopa", "fascicolo", "opendata", "spid", "sisa",
                                             "geoportale"]
    assert [s["rank"] for s in services] == [1, 2, 3, 4, 5, 6]
    assert [s["code"] for s in services if s["chosen"]] == ["pagopa", "fascicolo", "sisa"]
    spid = services[3]
    assert set(spid) >= {"code", "service", "score", "rank", "chosen", "excluded",
                         "tied_at_cutoff"}
    assert round(spid["score"], 2) == 3.69 and spid["excluded"].startswith("incentivi")
    assert services[0]["excluded"] is None and services[0]["tied_at_cutoff"] is False


def test_the_excel_file_has_the_reasons_the_numbers_and_the_link(survey, wide) -> None:
    hostile = '=HYPERLINK("https://evil.example","clic")'
    choice = CatalogueChoice(top=2, exclusions=(ExclusionChoice("spid"),
                                                ExclusionChoice("pagopa", hostile)))
    result = rank_for_survey(wide, survey, choice)
    link = "http://localhost:8501/Catalogo?survey=ponmetro-milano-2017&ck=2"
    data = build_catalogue_workbook(result, wave_name="Esempio sintetico", example=True,
                                    link=link)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Parametri", "Esclusioni", "Classifica servizi", "Per classe",
                               "Per zona"]
    params = {row[0].value: row[1] for row in book["Parametri"].iter_rows(min_row=2)}
    assert params["Dati sintetici"].value.startswith("SÌ: dati sintetici")
    assert params["Servizi da scegliere (K)"].value == 2
    assert params["Link allo scenario"].value == link
    assert params["Link allo scenario"].hyperlink.target == link
    assert params["Esito"].value.startswith("Catalogo: Fascicolo del Cittadino e Open Data")
    excluded = list(book["Esclusioni"].iter_rows(min_row=2, values_only=True))
    assert excluded[0][0] == "spid" and excluded[0][2].startswith("incentivi regionali")
    assert excluded[0][3] == "la fonte (definizione dell'indagine)"
    reason = book["Esclusioni"]["C3"]
    assert reason.value == hostile and reason.data_type == "s"  # text, never a formula
    assert reason.quotePrefix
    ranking = list(book["Classifica servizi"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in ranking] == ["pagopa", "fascicolo", "opendata", "spid", "sisa",
                                       "geoportale"]
    assert ranking[3][3] == pytest.approx(218 / 59) and ranking[3][5] == 59
    assert book["Classifica servizi"]["D2"].number_format == "0.00"
    assert book["Classifica servizi"]["E2"].number_format == "0.0%"
    zones = list(book["Per zona"].iter_rows(min_row=2, values_only=True))
    assert zones[0][0] == "Alto Milanese" and zones[0][5].startswith("meno di 5 risposte")
    assert zones[-1][0] == "zona non indicata" and zones[-1][4] == 55
    english = openpyxl.load_workbook(io.BytesIO(build_catalogue_workbook(
        result, wave_name="x", example=False, link=link, lang="en")))
    assert english.sheetnames[0] == "Parameters"
    assert catalogue_file_name("milano", date(2026, 1, 2)) == "catalogo_milano_2026-01-02.xlsx"


def test_counting_by_residents_leaves_out_comuni_of_unknown_size_by_name(survey, wide) -> None:
    unknown = wide.copy()
    unknown.loc[0, "popolazione"] = float("nan")  # a name the territory did not match
    result = rank_for_survey(unknown, survey, CatalogueChoice(by="residents"))
    assert result.unknown_residents == ("Arese",)
    assert result.ranking.table["n"].max() == 58
    from metrodigital.catalogue import result_notes

    assert result_notes(result, "en") == [
        "Counting by residents leaves out 1 Comune whose residents are not known: Arese."]
    equal = rank_for_survey(unknown, survey, CatalogueChoice())
    assert equal.unknown_residents == () and equal.ranking.table["n"].max() == 59


def test_a_wave_where_nobody_rated_anything_gives_an_empty_catalogue(survey, wide) -> None:
    silent = wide.assign(**{s.question: float("nan") for s in survey.catalogue.services})
    result = rank_for_survey(silent, survey, source_choice(survey))
    assert result.chosen == [] and (result.ranking.table["n"] == 0).all()
    assert outcome_sentence(result, "en") == \
        "Empty catalogue: nobody rated any service in this wave."
    data = catalogue_json(result, wave="w", link="http://x/Catalogo")
    assert all(s["score"] is None and s["rank"] is None for s in data["services"])
    assert build_catalogue_workbook(result, wave_name="w", example=False, link="x")
