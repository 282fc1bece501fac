"""The questionnaire definition: validation, tolerant answers, scoring, the example workbook."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrodigital.paths import DATA_DIR
from metrodigital.questionnaire import (
    DEFAULT_PATH,
    Questionnaire,
    QuestionnaireError,
    answers_from_row,
    default_questionnaire,
    load_questionnaire,
    locate_header_row,
    match_columns,
    parse_answer,
    population_class,
    score_answers,
)
from metrodigital.territory import match_entity

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return default_questionnaire()


def seed_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "seed_matrix.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- the shipped definition ---------------------------------------------------------

def test_the_definition_has_the_sources_shape(q: Questionnaire) -> None:
    assert [s.key for s in q.sections] == [
        "anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr", "dati",
        "conclusione"]
    assert q.population.key == "popolazione"
    assert sum(len(s.questions) for s in q.sections[:6]) == 22  # "6 sezioni, 22 domande"
    assert len(q.section("conclusione").questions) == 1
    assert {question.type for question in q.questions} == {"single", "multiple", "yes_no",
                                                            "number"}
    assert all(question.text and question.aliases for question in q.questions)


def test_section_maxima_cover_the_observed_ranges(q: Questionnaire) -> None:
    observed = {s.key: max(int(row[s.key]) for row in seed_rows()) for s in q.sections}
    for section in q.sections:
        assert section.max_points >= observed[section.key], section.key
    assert q.section("anagrafica").max_points == 3
    assert q.section("organizzazione").max_points == 9
    assert q.section("conclusione").max_points == 3
    assert q.population.max_points == 3


def test_pnrr_calls_are_the_seven_of_measure_1(q: Questionnaire) -> None:
    calls = [o.label.split()[0] for o in q.question("5.1").options if not o.exclusive]
    assert calls == ["1.2", "1.4.1", "1.4.3", "1.4.3", "1.4.4", "1.4.5", "1.3.1"]


def test_population_classes_reproduce_the_seed_points(q: Questionnaire) -> None:
    for row in seed_rows():
        entity = match_entity(row["ente"]).entity
        assert entity is not None
        population = entity.population(q.population.year)
        assert population_class(population) == int(row["popolazione"]), row["ente"]
    assert [population_class(p) for p in (0, 1249, 1250, 9999, 10000)] == [1, 1, 2, 2, 3]


# --- validation of a definition file ------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path, lang: str = "it") -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    return caught.value.messages(lang)


def test_unknown_question_type(tmp_path: Path) -> None:
    bad = SHIPPED.replace('id = "4.4"\ncode = "Q44"\nsection = "servizi"\ntype = "yes_no"',
                          'id = "4.4"\ncode = "Q44"\nsection = "servizi"\ntype = "si_no"')
    assert errors_of(write(tmp_path, bad)) == [
        "Domanda 4.4: tipo «si_no» sconosciuto (tipi ammessi: single, multiple, yes_no, number)"]


def test_misspelt_points_names_the_question_the_option_and_the_field(tmp_path: Path) -> None:
    bad = SHIPPED.replace('{ label = "Molto soddisfatto", points = 3,',
                          '{ label = "Molto soddisfatto", punti = 3,')
    assert errors_of(write(tmp_path, bad)) == [
        "Domanda 2.2, opzione 1: campo «punti» sconosciuto "
        "(campi ammessi: aliases, code, exclusive, label, points)",
        "Domanda 2.2, opzione 1: manca il campo «points»",
    ]


def test_wrong_field_type_in_both_languages(tmp_path: Path) -> None:
    bad = SHIPPED.replace("yes_points = 0\nno_points = 2", 'yes_points = 0\nno_points = "due"')
    path = write(tmp_path, bad)
    assert errors_of(path) == ["Domanda 2.3: il campo «no_points» deve essere un numero intero"]
    assert errors_of(path, "en") == ["Question 2.3: the field “no_points” must be a whole number"]


def test_declared_maximum_must_match_the_questions(tmp_path: Path) -> None:
    bad = SHIPPED.replace('key = "dati"\nnumber = 6\ntitle = "Valorizzazione dei dati"\n'
                          'description = "Open Data e interoperabilità"\nmax_points = 5',
                          'key = "dati"\nnumber = 6\ntitle = "Valorizzazione dei dati"\n'
                          'description = "Open Data e interoperabilità"\nmax_points = 6')
    assert errors_of(write(tmp_path, bad)) == [
        "Sezione «dati»: «max_points» dichiara 6 punti, ma le domande ne danno al massimo 5"]


def test_unknown_section_duplicate_id_and_overlapping_bands(tmp_path: Path) -> None:
    bad = (SHIPPED.replace('id = "3.3"\ncode = "Q33"\nsection = "organizzazione"',
                           'id = "3.3"\ncode = "Q33"\nsection = "organisation"')
           .replace('id = "6.3"', 'id = "6.2"')
           .replace("{ min = 0, max = 0, points = 0 },", "{ min = 0, max = 2, points = 0 },"))
    assert errors_of(write(tmp_path, bad)) == [
        "Domanda 3.2: le fasce 0–2 e 1–∞ si sovrappongono",
        "Domanda 3.3: la sezione «organisation» non esiste (sezioni definite: anagrafica, "
        "conclusione, dati, infrastrutture, organizzazione, pnrr, servizi)",
        "Domanda 6.2: l'identificativo «6.2» è usato da più domande",
    ]


def test_population_classes_must_increase(tmp_path: Path) -> None:
    bad = SHIPPED.replace("min = 10000", "min = 1000")
    assert errors_of(write(tmp_path, bad)) == [
        "Criterio popolazione: i «min» delle classi devono partire da 0 e crescere (0, 1250, 1000)"]


def test_missing_section_and_unreadable_file(tmp_path: Path) -> None:
    start = SHIPPED.index("[[sections]]\nkey = \"conclusione\"")
    end = SHIPPED.index("# --- Criterio aggiuntivo")
    messages = errors_of(write(tmp_path, SHIPPED[:start] + SHIPPED[end:]))
    assert "Definizione del questionario: manca la sezione del criterio «conclusione»" in messages
    assert "Domanda 7.1: la sezione «conclusione» non esiste (sezioni definite: anagrafica, " \
           "dati, infrastrutture, organizzazione, pnrr, servizi)" in messages
    broken = errors_of(write(tmp_path, "[questionnaire\n"))
    assert broken[0].startswith("Definizione del questionario: il file «q.toml» non è un TOML "
                                "valido (")
    assert errors_of(tmp_path / "none.toml") == [
        "Definizione del questionario: il file «none.toml» non esiste"]


def test_a_heading_may_name_one_question_only(tmp_path: Path) -> None:
    bad = SHIPPED.replace('aliases = ["Backup", "Modalità di backup"]',
                          'aliases = ["Backup", "Open Data"]')
    assert errors_of(write(tmp_path, bad)) == [
        "Domanda 6.1: l'intestazione «open data» indica già «2.4»"]


# --- tolerant answers ---------------------------------------------------------------

@pytest.mark.parametrize("raw", ["Sì", "si", "SI", " Si ", "yes", "Y", "x", True])
def test_yes_in_any_spelling(q: Questionnaire, raw: object) -> None:
    answer = parse_answer(q.question("3.1"), raw)
    assert answer.labels == ("Sì",) and answer.points == 3 and not answer.problems


@pytest.mark.parametrize("raw", [
    "Fibra fino all’armadio e rame (FTTC)",
    "  fibra FINO all'armadio  e rame ( FTTC ) ",
    "FTTC",
])
def test_case_spaces_apostrophes_and_aliases(q: Questionnaire, raw: str) -> None:
    answer = parse_answer(q.question("2.1"), raw)
    assert answer.labels == ("Fibra fino all'armadio e rame (FTTC)",) and answer.points == 3


def test_accents_do_not_matter(q: Questionnaire) -> None:
    answer = parse_answer(q.question("6.2"), "SI, GIA ATTIVE")
    assert answer.labels == ("Sì, già attive",) and answer.points == 2


def test_microsoft_forms_multiple_choice(q: Questionnaire) -> None:
    answer = parse_answer(q.question("4.2"), "SPID;pagoPA;App IO;")
    assert answer.labels == ("SPID", "pagoPA", "App IO") and answer.points == 6


def test_google_forms_multiple_choice_with_commas_inside_labels(q: Questionnaire) -> None:
    raw = ("1.2 Migrazione al cloud, 1.4.4 Identità digitale (SPID, CIE), "
           "1.4.3 App IO")
    answer = parse_answer(q.question("5.1"), raw)
    assert answer.labels == ("1.2 Migrazione al cloud", "1.4.4 Identità digitale (SPID, CIE)",
                             "1.4.3 App IO")
    assert answer.points == 3 and not answer.problems
    services = parse_answer(q.question("4.1"),
                            "Iscrizione ai servizi scolastici (mensa, trasporto, pre e post "
                            "scuola), Accesso agli atti")
    assert services.points == 2 and not services.problems


def test_unknown_option_is_a_structured_problem(q: Questionnaire) -> None:
    answer = parse_answer(q.question("2.2"), "Soddisfattissimo")
    assert answer.points == 0
    (problem,) = answer.problems
    assert problem.code == "questionnaire.answer.unknown_option"
    assert (problem.question_id, problem.value) == ("2.2", "Soddisfattissimo")
    assert problem.allowed == ("Molto soddisfatto", "Abbastanza soddisfatto", "Poco soddisfatto",
                               "Per nulla soddisfatto")
    assert problem.message().startswith(
        "Domanda 2.2: «Soddisfattissimo» non è tra le risposte previste («Molto soddisfatto»")


def test_unknown_piece_of_a_multiple_choice_keeps_the_known_ones(q: Questionnaire) -> None:
    answer = parse_answer(q.question("4.2"), "SPID;Carta dei servizi;CIE;")
    assert answer.points == 4
    assert [(p.code, p.value) for p in answer.problems] == [
        ("questionnaire.answer.unknown_option", "Carta dei servizi")]


def test_exclusive_option_combined_with_others(q: Questionnaire) -> None:
    answer = parse_answer(q.question("4.2"), "Nessuna;SPID;")
    assert answer.labels == ("SPID",) and answer.points == 2
    assert [p.code for p in answer.problems] == ["questionnaire.answer.exclusive_combined"]


def test_several_answers_to_a_single_choice(q: Questionnaire) -> None:
    answer = parse_answer(q.question("2.2"), "Molto soddisfatto;Poco soddisfatto")
    assert answer.points == 0
    assert [p.code for p in answer.problems] == ["questionnaire.answer.several_for_single"]


@pytest.mark.parametrize(("raw", "points", "code"), [
    (0, 0, None), ("2", 3, None), (1.0, 3, None), ("1,5", 3, None),
    ("-1", 0, "questionnaire.answer.negative"),
    ("tanti", 0, "questionnaire.answer.not_a_number"),
    ("", 0, "questionnaire.answer.missing"),
    (None, 0, "questionnaire.answer.missing"),
])
def test_number_answers(q: Questionnaire, raw: object, points: int, code: str | None) -> None:
    answer = parse_answer(q.question("3.2"), raw)
    assert answer.points == points
    assert [p.code for p in answer.problems] == ([code] if code else [])


def test_missing_answer_is_a_warning_worth_zero(q: Questionnaire) -> None:
    scored = score_answers(q, {"7.1": "Molto interessato"})
    assert scored.points == {"anagrafica": 0, "infrastrutture": 0, "organizzazione": 0,
                             "servizi": 0, "pnrr": 0, "dati": 0, "conclusione": 3}
    assert {p.severity for p in scored.problems} == {"warning"}
    assert len(scored.problems) == len(q.questions) - 1


def test_score_a_full_answer_sheet(q: Questionnaire) -> None:
    answers = {
        "1.1": "Comune", "1.2": "RTD",
        "2.1": "FTTH", "2.2": "abbastanza soddisfatto", "2.3": "no", "2.4": "NAS",
        "3.1": "sì", "3.2": 2, "3.3": "No", "3.4": "Sì", "3.5": "Non so", "3.6": "No",
        "4.1": "Certificati anagrafici e di stato civile;Accesso agli atti;",
        "4.2": "SPID;CIE;pagoPA;", "4.3": "Poco", "4.4": "Sì",
        "5.1": "1.4.3 pagoPA;1.4.3 App IO;", "5.2": "In fase di realizzazione", "5.3": "Cloud;",
        "6.1": "Non conosciamo il concetto di Open Data", "6.2": "Non so", "6.3": "Sì",
        "7.1": "Abbastanza interessato",
    }
    scored = score_answers(q, answers)
    assert not scored.problems
    assert scored.points == {"anagrafica": 3, "infrastrutture": 10, "organizzazione": 6,
                             "servizi": 11, "pnrr": 3, "dati": 0, "conclusione": 2}
    assert scored.question_points["4.2"] == 6


# --- columns of the usual exports ---------------------------------------------------

def test_google_forms_headers_with_numbering_and_entity(q: Questionnaire) -> None:
    headers = ["Informazioni cronologiche", "Nome dell'Ente",
               "2.2 Quanto è soddisfatto della qualità della connettività dell'Ente?",
               "Backup", "Q31"]
    columns = match_columns(q, headers)
    assert columns.entity == 1
    assert columns.questions == {"2.2": 2, "2.4": 3, "3.1": 4}
    assert columns.unmatched == (0,)
    assert {p.question_id for p in columns.problems if p.severity == "error"} >= {"2.1", "7.1"}


def test_limesurvey_one_column_per_option(q: Questionnaire) -> None:
    headers = ["Ente", "Q42[SQ001]", "Q42[SQ003]", "Q42_SQ004",
               "Quali servizi possono richiedere o svolgere online i cittadini e le imprese? "
               "[Accesso agli atti]"]
    columns = match_columns(q, headers)
    assert columns.options == {"4.2": {"SPID": 1, "pagoPA": 2, "App IO": 3},
                               "4.1": {"Accesso agli atti": 4}}
    answers, problems = answers_from_row(q, columns, ["Rivalba", "Y", "", "Sì", "forse"])
    assert answers["4.2"] == ["SPID", "App IO"]
    assert answers["4.1"] == []
    assert [(p.code, p.value) for p in problems] == [("questionnaire.answer.not_a_tick", "forse")]
    assert parse_answer(q.question("4.2"), answers["4.2"]).points == 4
    assert parse_answer(q.question("4.1"), answers["4.1"]).points == 0


def test_duplicate_question_column(q: Questionnaire) -> None:
    columns = match_columns(q, ["Ente", "Backup", "Modalità di backup"])
    duplicate = [p for p in columns.problems if p.code == "questionnaire.columns.duplicate"]
    assert [(p.question_id, p.columns) for p in duplicate] == [("2.4", (1, 2))]
    assert columns.questions["2.4"] == 1


# --- the synthetic example workbook -------------------------------------------------

@pytest.fixture(scope="module")
def example(q: Questionnaire) -> list[tuple[str, dict[str, int], dict]]:
    book = load_workbook(EXAMPLE, read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    header = locate_header_row(q, rows)
    assert header == 1  # a title row saying SYNTHETIC sits above
    assert "DATI SINTETICI" in str(rows[0][0])
    columns = match_columns(q, rows[header])
    assert not columns.problems
    result = []
    for row in rows[header + 1:]:
        answers, problems = answers_from_row(q, columns, row)
        scored = score_answers(q, answers)
        assert not problems and not scored.problems
        name = str(row[columns.entity])
        entity = match_entity(name).entity
        assert entity is not None, name
        points = dict(scored.points)
        points[q.population.key] = population_class(entity.population(q.population.year))
        result.append((name, points, scored.answers))
    return result


def test_example_is_labelled_synthetic() -> None:
    book = load_workbook(EXAMPLE)
    assert "SINTETICI" in (book.properties.title or "")
    assert "SINTETICO" in (book.properties.keywords or "")
    assert book.sheetnames == ["Risposte", "Leggimi"]


def test_example_reproduces_every_point_of_the_seed_matrix(example: list) -> None:
    seed = {row["ente"]: row for row in seed_rows()}
    assert [name for name, _, _ in example] == list(seed)
    for name, points, _ in example:
        expected = {key: int(seed[name][key]) for key in points}
        assert points == expected, name
    assert sum(len(points) for _, points, _ in example) == 36 * 8


def test_example_reproduces_the_published_findings(example: list) -> None:
    def count(question: str, *labels: str) -> int:
        return sum(set(answers[question].labels) & set(labels) != set()
                   for _, _, answers in example)

    assert count("2.2", "Molto soddisfatto", "Abbastanza soddisfatto") == 26  # 72 %
    assert count("2.3", "Sì") == 10  # 10 of 36
    assert count("2.1", "Non so") == 10  # 28 %
    assert count("3.5", "Sì") == 23  # 64 %
    assert count("3.6", "Sì") == 22  # 61 %
    assert sum(len(a["5.1"].labels) == 7 for _, _, a in example) == 9  # 25 %
    assert sum(len(a["5.1"].labels) > 0 for _, _, a in example) > 18  # "la maggior parte"
    assert count("6.1", "Non sappiamo come vengono gestiti i dati aperti",
                 "Non conosciamo il concetto di Open Data") == 24  # 67 %
    assert 36 - count("6.2", "Sì, già attive") == 28  # 78 %
    assert count("3.4", "Sì") > 18  # positive view of standard forms
    assert count("5.2", "In fase di realizzazione") > 18
    interest = Counter(label for _, _, a in example for label in a["5.3"].labels)
    assert {label for label, _ in interest.most_common(4)} == {
        "1.2 Migrazione al cloud", "1.4.3 App IO", "1.4.4 Identità digitale (SPID, CIE)",
        "1.4.3 pagoPA"}
    # Realism: serious connection problems go with dissatisfaction, but for a few entities
    # (the quotas cannot all hold otherwise: "Non so" caps the section's points).
    incoherent = sum((a["2.2"].points >= 2) == (a["2.3"].labels == ("Sì",))
                     for _, _, a in example)
    assert incoherent <= 4
