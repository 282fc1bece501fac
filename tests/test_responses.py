"""The one answer parser (metrodigital/surveys/responses.py) on the survey model: the
tolerant reading rules of the METRODIGITAL questionnaire (as tests/test_questionnaire.py
states them for the old model) hold on the survey definition, with the same points; the
Milan survey's new types (rating, band, text, personal) are typed as stored."""

from __future__ import annotations

import pytest

from metrodigital.surveys.model import Survey
from metrodigital.surveys.registry import load_survey
from metrodigital.surveys.responses import (
    TypedAnswer,
    match_survey_columns,
    parse_cell,
    points_of,
    row_answers,
)


@pytest.fixture(scope="module")
def torino() -> Survey:
    return load_survey("metrodigital-2022")


@pytest.fixture(scope="module")
def milano() -> Survey:
    return load_survey("ponmetro-milano-2017")


def parse(survey: Survey, number: str, raw: object) -> tuple[TypedAnswer, int]:
    question = survey.question(number)
    answer = parse_cell(question, raw)
    return answer, points_of(question, answer)


def labels(survey: Survey, number: str, answer: TypedAnswer) -> tuple[str, ...]:
    question = survey.question(number)
    keys = answer.options if answer.options is not None else (
        (answer.option,) if answer.option is not None else ())
    return tuple(question.option(key).label for key in keys)


@pytest.mark.parametrize("raw", ["Sì", "si", "SI", " Si ", "yes", "Y", "x", True])
def test_yes_in_any_spelling(torino: Survey, raw: object) -> None:
    answer, points = parse(torino, "3.1", raw)
    assert labels(torino, "3.1", answer) == ("Sì",) and points == 3 and not answer.problems


@pytest.mark.parametrize("raw", [
    "Fibra fino all’armadio e rame (FTTC)",
    "  fibra FINO all'armadio  e rame ( FTTC ) ",
    "FTTC",
])
def test_case_spaces_apostrophes_and_aliases(torino: Survey, raw: str) -> None:
    answer, points = parse(torino, "2.1", raw)
    assert labels(torino, "2.1", answer) == ("Fibra fino all'armadio e rame (FTTC)",)
    assert points == 3
    assert answer.raw == raw.strip()  # the text as written is kept


def test_accents_do_not_matter(torino: Survey) -> None:
    answer, points = parse(torino, "6.2", "SI, GIA ATTIVE")
    assert labels(torino, "6.2", answer) == ("Sì, già attive",) and points == 2


def test_microsoft_forms_multiple_choice(torino: Survey) -> None:
    answer, points = parse(torino, "4.2", "SPID;pagoPA;App IO;")
    assert labels(torino, "4.2", answer) == ("SPID", "pagoPA", "App IO") and points == 6
    assert answer.option is None and isinstance(answer.options, tuple)


def test_google_forms_multiple_choice_with_commas_inside_labels(torino: Survey) -> None:
    raw = "1.2 Migrazione al cloud, 1.4.4 Identità digitale (SPID, CIE), 1.4.3 App IO"
    answer, points = parse(torino, "5.1", raw)
    assert labels(torino, "5.1", answer) == (
        "1.2 Migrazione al cloud", "1.4.4 Identità digitale (SPID, CIE)", "1.4.3 App IO")
    assert points == 3 and not answer.problems
    services, points = parse(torino, "4.1", "Iscrizione ai servizi scolastici (mensa, "
                             "trasporto, pre e post scuola), Accesso agli atti")
    assert points == 2 and not services.problems


def test_unknown_option_is_a_structured_problem(torino: Survey) -> None:
    answer, points = parse(torino, "2.2", "Soddisfattissimo")
    assert points == 0 and not answer.answered
    (problem,) = answer.problems
    assert problem.code == "answers.unknown_option"
    assert (problem.question, problem.value) == ("2.2", "Soddisfattissimo")
    assert problem.allowed == ("Molto soddisfatto", "Abbastanza soddisfatto",
                               "Poco soddisfatto", "Per nulla soddisfatto")


def test_unknown_piece_of_a_multiple_choice_keeps_the_known_ones(torino: Survey) -> None:
    answer, points = parse(torino, "4.2", "SPID;Carta dei servizi;CIE;")
    assert points == 4
    assert [(p.code, p.value) for p in answer.problems] == [
        ("answers.unknown_option", "Carta dei servizi")]


def test_exclusive_option_combined_with_others(torino: Survey) -> None:
    answer, points = parse(torino, "4.2", "Nessuna;SPID;")
    assert labels(torino, "4.2", answer) == ("SPID",) and points == 2
    assert [p.code for p in answer.problems] == ["answers.exclusive_combined"]


def test_several_answers_to_a_single_choice(torino: Survey) -> None:
    answer, points = parse(torino, "2.2", "Molto soddisfatto;Poco soddisfatto")
    assert points == 0
    assert [p.code for p in answer.problems] == ["answers.several_for_single"]


@pytest.mark.parametrize(("raw", "points", "code"), [
    (0, 0, None), ("2", 3, None), (1.0, 3, None), ("1,5", 3, None),
    ("-1", 0, "answers.negative"),
    ("tanti", 0, "answers.not_a_number"),
    ("", 0, "answers.missing"),
    (None, 0, "answers.missing"),
])
def test_number_answers(torino: Survey, raw: object, points: int, code: str | None) -> None:
    answer, got = parse(torino, "3.2", raw)
    assert got == points
    assert [p.code for p in answer.problems] == ([code] if code else [])


def test_google_forms_headers_with_numbering_and_entity(torino: Survey) -> None:
    headers = ["Informazioni cronologiche", "Nome dell'Ente",
               "2.2 Quanto è soddisfatto della qualità della connettività dell'Ente?",
               "Backup", "Q31"]
    columns = match_survey_columns(torino, headers)
    assert columns.entity == 1
    assert columns.questions == {"q22": 2, "q24": 3, "q31": 4}
    assert columns.unmatched == (0,)
    assert {p.question for p in columns.problems if p.severity == "error"} >= {"2.1", "7.1"}


def test_limesurvey_one_column_per_option(torino: Survey) -> None:
    headers = ["Ente", "Q42[SQ001]", "Q42[SQ003]", "Q42_SQ004",
               "Quali servizi possono richiedere o svolgere online i cittadini e le imprese? "
               "[Accesso agli atti]"]
    columns = match_survey_columns(torino, headers)
    q42, q41 = torino.question("4.2"), torino.question("4.1")
    assert columns.options == {
        "q42": {q42.find_option("SPID").key: 1, q42.find_option("pagoPA").key: 2,  # type: ignore[union-attr]
                q42.find_option("App IO").key: 3},  # type: ignore[union-attr]
        "q41": {q41.find_option("Accesso agli atti").key: 4}}  # type: ignore[union-attr]
    row = {a.question: (a, points_of(q, a))
           for a, _, q in row_answers(torino, columns, ["Rivalba", "Y", "", "Sì", "forse"])}
    assert labels(torino, "4.2", row["q42"][0]) == ("SPID", "App IO") and row["q42"][1] == 4
    nothing, points = row["q41"]
    assert nothing.options == () and points == 0
    assert [(p.code, p.value) for p in nothing.problems] == [("answers.not_a_tick", "forse")]


def test_duplicate_question_column(torino: Survey) -> None:
    columns = match_survey_columns(torino, ["Ente", "Backup", "Modalità di backup"])
    duplicate = [p for p in columns.problems if p.code == "answers.columns.duplicate"]
    assert [(p.question, p.columns) for p in duplicate] == [("2.4", (1, 2))]
    assert columns.questions["q24"] == 1


# --- the Milan survey's types -------------------------------------------------------

@pytest.mark.parametrize(("raw", "number", "code"), [
    (1, 1.0, None), ("5", 5.0, None), (3.0, 3.0, None),
    (0, None, "answers.rating_out_of_scale"), (6, None, "answers.rating_out_of_scale"),
    ("2,5", None, "answers.rating_out_of_scale"), ("molto", None, "answers.not_a_number"),
])
def test_ratings_are_whole_numbers_on_the_scale(milano: Survey, raw: object,
                                                number: float | None, code: str | None) -> None:
    answer = parse_cell(milano.question("interesse_spid"), raw)
    assert answer.number == number
    assert [p.code for p in answer.problems] == ([code] if code else [])
    if code == "answers.rating_out_of_scale":
        assert answer.problems[0].params["low"] == "1"
        assert answer.problems[0].params["high"] == "5"


@pytest.mark.parametrize(("raw", "option"), [
    ("da 25.001 a 50.000 €", "25001_50000"), ("25.001-50.000", "25001_50000"),
    ("25001_50000", "25001_50000"), (30000, "25001_50000"), (150000, "oltre_100000"),
    ("fino a 5.000 €", "fino_5000"),
])
def test_a_band_by_label_alias_code_or_a_number_inside_it(milano: Survey, raw: object,
                                                         option: str) -> None:
    answer = parse_cell(milano.question("spesa_it"), raw)
    assert answer.option == option and not answer.problems


def test_an_unknown_band_names_the_bands(milano: Survey) -> None:
    answer = parse_cell(milano.question("spesa_it"), "tanti soldi")
    (problem,) = answer.problems
    assert problem.code == "answers.unknown_band" and problem.severity == "error"
    assert "da 25.001 a 50.000 €" in problem.allowed


def test_free_text_and_personal_data(milano: Survey) -> None:
    practice = parse_cell(milano.question("buone_pratiche"), "  Timbro digitale  ")
    assert practice.text == "Timbro digitale" and not practice.personal
    email = parse_cell(milano.question("compilatore_email"), "a@example.invalid")
    assert email.text == "a@example.invalid" and email.personal
    blank = parse_cell(milano.question("buone_pratiche"), None)
    assert not blank.answered and not blank.problems  # an empty free text is no problem
