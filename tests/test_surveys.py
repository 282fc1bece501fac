"""Surveys as data: the definitions under data/surveys, their validation, the findings."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrodigital.criteria import load_criteria
from metrodigital.paths import DATA_DIR, PROJECT_DIR
from metrodigital.questionnaire import Questionnaire as TodayQuestionnaire
from metrodigital.questionnaire import (
    answers_from_row,
    load_questionnaire,
    locate_header_row,
    match_columns,
    normalise_text,
    population_class,
    score_answers,
)
from metrodigital.surveys import (
    Survey,
    SurveyDefinitionError,
    UnknownSurvey,
    load_definition,
    load_survey,
    survey_ids,
)
from metrodigital.surveys.findings import evaluate_finding, half_up
from metrodigital.surveys.model import QuestionType
from metrodigital.territories import load_territory
from metrodigital.territory import match_entity

TEST_SURVEYS = PROJECT_DIR / "tests" / "data" / "surveys"
TEST_ID = "prova-biblioteche-2030"
EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"


@pytest.fixture(scope="module")
def today() -> TodayQuestionnaire:
    return load_questionnaire()


@pytest.fixture(scope="module")
def torino() -> Survey:
    return load_survey("metrodigital-2022")


@pytest.fixture(scope="module")
def milano() -> Survey:
    return load_survey("ponmetro-milano-2017")


# --- the registry -----------------------------------------------------------------

def test_the_shipped_surveys_are_the_folders_under_data_surveys() -> None:
    assert survey_ids() == ("metrodigital-2022", "ponmetro-milano-2017")
    assert load_survey("metrodigital-2022") is load_survey("metrodigital-2022")  # cached


def test_a_third_survey_is_a_folder_not_code(tmp_path: Path) -> None:
    assert survey_ids(TEST_SURVEYS) == (TEST_ID,)
    survey = load_survey(TEST_ID, TEST_SURVEYS)
    assert survey.title_in("en") == "Test – Digital services of libraries"
    assert [s.max_points for s in survey.sections] == [4, 3]
    assert [c.code for c in survey.criteria] == ["srv", "spe", "ab"]
    assert survey.criterion("ab").population
    spending = survey.question("spesa_digitale")
    assert spending.type == QuestionType.BAND
    assert spending.find_option("da 1.001 a 10.000 €").contains(5000)  # type: ignore[union-attr]
    assert survey.question("gradimento").scale_max == 10
    assert survey.catalogue is not None and survey.catalogue.chosen[0].code == "app"
    assert survey.personal_headers == ("E-mail del referente",)
    # Copying the folder next to the shipped ones adds a survey, nothing else needed.
    folder = tmp_path / "surveys"
    for source in (DATA_DIR / "surveys").iterdir():
        (folder / source.name).mkdir(parents=True)
        (folder / source.name / "survey.toml").write_bytes((source / "survey.toml").read_bytes())
    (folder / TEST_ID).mkdir()
    (folder / TEST_ID / "survey.toml").write_bytes(
        (TEST_SURVEYS / TEST_ID / "survey.toml").read_bytes())
    assert survey_ids(folder) == ("metrodigital-2022", "ponmetro-milano-2017", TEST_ID)
    assert [load_survey(i, folder).id for i in survey_ids(folder)] == list(survey_ids(folder))


def test_an_unknown_survey_is_named_in_both_languages() -> None:
    with pytest.raises(UnknownSurvey) as error:
        load_survey("milano-2099")
    assert error.value.message("it") == (
        "«milano-2099» non è un'indagine conosciuta (conosciute: metrodigital-2022, "
        "ponmetro-milano-2017)")
    assert error.value.message("en").startswith("“milano-2099” is not a known survey")


# --- metrodigital-2022 is today's definition --------------------------------------

def test_torino_sections_questions_and_options_equal_todays(
        today: TodayQuestionnaire, torino: Survey) -> None:
    assert (torino.title, torino.version, torino.source) == (today.title, today.version,
                                                             today.source)
    assert torino.territory == "torino"
    assert torino.entity_aliases == today.entity_aliases
    assert [s.key for s in torino.sections] == [s.key for s in today.sections]
    for old, new in zip(today.sections, torino.sections, strict=True):
        assert (new.number, new.title, new.description, new.max_points) == (
            old.number, old.title, old.description, old.max_points), old.key
        assert new.title_en and new.description_en
        assert [q.id for q in new.questions] == [q.id for q in old.questions]
        for old_q, new_q in zip(old.questions, new.questions, strict=True):
            where = old_q.id
            assert new_q.code == old_q.code.lower(), where
            assert new_q.type.value == old_q.type, where
            assert new_q.text == old_q.text and new_q.text_en, where
            assert new_q.informative == old_q.informative, where
            assert new_q.max_points == old_q.max_points, where
            assert ({normalise_text(h) for h in new_q.headers()}
                    == {normalise_text(h) for h in old_q.headers()}), where
            assert [(o.label, o.points, o.code, o.aliases, o.exclusive) for o in new_q.options] \
                == [(o.label, o.points, o.code, o.aliases, o.exclusive) for o in old_q.options], \
                where
            assert [(r.min, r.max, r.points) for r in new_q.ranges] == [
                (b.min, b.max, b.points) for b in old_q.bands], where
    assert len(torino.questions) == len(today.questions) == 23


def test_torino_criteria_and_population_equal_todays(today: TodayQuestionnaire,
                                                     torino: Survey) -> None:
    # the source's matrix (DESIGN.md, reference/seed_matrix.csv): keys, link codes, weights
    assert [(c.key, c.code, c.weight) for c in torino.criteria] == [
        ("anagrafica", "ana", 2), ("infrastrutture", "inf", 3), ("organizzazione", "org", 4),
        ("servizi", "ser", 5), ("pnrr", "pnrr", 3), ("dati", "dati", 3),
        ("conclusione", "concl", 5), ("popolazione", "pop", 4)]
    # the app's criteria are the definition's, in its order
    assert [(c.key, c.code, c.seed_weight, c.position) for c in load_criteria()] == [
        (c.key, c.code, c.weight, i) for i, c in enumerate(torino.criteria, start=1)]
    assert [c.key for c in torino.criteria if c.population] == [today.population.key]
    assert torino.population is not None
    assert torino.population.year == today.population.year
    assert [(c.min, c.points, c.label) for c in torino.population.classes] == [
        (c.min, c.points, c.label) for c in today.population.classes]
    for residents in (0, 1249, 1250, 9999, 10000, 900_000):
        assert torino.population.class_of(residents).points == today.population.points(
            residents)


@pytest.fixture(scope="module")
def example(today: TodayQuestionnaire) -> list[tuple[str, object]]:
    """The synthetic example read through today's code (read-only): name, scored answers."""
    book = load_workbook(EXAMPLE, read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    header = locate_header_row(today, rows)
    assert header is not None
    columns = match_columns(today, rows[header])
    out = []
    for row in rows[header + 1:]:
        answers, problems = answers_from_row(today, columns, row)
        assert not problems
        out.append((str(row[columns.entity]), score_answers(today, answers)))
    return out


def test_scoring_the_example_is_unchanged_and_the_new_points_agree(
        today: TodayQuestionnaire, torino: Survey, example: list) -> None:
    with (DATA_DIR / "seed_matrix.csv").open(encoding="utf-8", newline="") as handle:
        seed = {row["ente"]: row for row in csv.DictReader(handle)}
    population = torino.criterion("pop")
    for name, scored in example:
        entity = match_entity(name).entity
        assert entity is not None
        expected = {key: int(seed[name][key]) for key in (*scored.points, population.key)}
        today_points = dict(scored.points)
        today_points[population.key] = population_class(entity.population(today.population.year))
        assert today_points == expected, name  # today's code still gives the source's points
        # The same answers scored with the new definition's options and ranges.
        assert torino.population is not None
        new_points = {population.key: torino.population.class_of(
            entity.population(torino.population.year)).points}
        for section in torino.sections:
            total = 0
            for question in section.questions:
                answer = scored.answers[question.id]
                if question.type == QuestionType.NUMBER:
                    points = next(r.points for r in question.ranges
                                  if r.contains(answer.number))
                else:
                    points = sum(question.find_option(label).points for label in answer.labels)
                assert points == scored.question_points[question.id], (name, question.id)
                total += points
            new_points[section.key] = total
        assert new_points == expected, name


def _answers_frame(survey: Survey, example: list) -> pd.DataFrame:
    records = []
    for _, scored in example:
        record: dict[str, object] = {}
        for question_id, answer in scored.answers.items():
            question = survey.question(question_id)
            if question.type == QuestionType.NUMBER:
                record[question.code] = answer.number
            elif question.type == QuestionType.MULTIPLE:
                record[question.code] = list(answer.labels)
            else:
                record[question.code] = answer.labels[0] if answer.labels else None
        records.append(record)
    return pd.DataFrame(records)


def test_the_eight_torino_findings_on_the_synthetic_example(torino: Survey,
                                                            example: list) -> None:
    answers = _answers_frame(torino, example)
    assert [f.key for f in torino.findings] == [
        "connettivita_soddisfatti", "criticita_connessione", "infrastruttura_non_so",
        "centrale_committenza", "suolo_pubblico", "pnrr_tutti_gli_avvisi",
        "open_data_non_conosciuti", "senza_interoperabilita"]
    for finding in torino.findings:
        result = evaluate_finding(finding, answers)
        assert result.total == 36 and result.missing == 0, finding.key
        published = finding.published
        if published.share is not None:
            assert round(result.share, 2) == published.share, finding.key
        if published.count is not None:
            assert (result.count, result.total) == (published.count, published.total)
    satisfied = evaluate_finding(torino.finding("connettivita_soddisfatti"), answers)
    assert satisfied.sentence("it") == (
        "Il 72% degli enti è soddisfatto della qualità della connettività (26 su 36).")
    assert satisfied.sentence("en").startswith("72% of the entities are satisfied")
    serious = evaluate_finding(torino.finding("criticita_connessione"), answers)
    assert serious.sentence("it") == "10 enti su 36 hanno avuto serie criticità di connessione."


def test_findings_count_only_those_who_answered(torino: Survey) -> None:
    finding = torino.finding("senza_interoperabilita")
    answers = pd.DataFrame({"q62": ["Sì, già attive", "No", None, "", float("nan"),
                                    "non so", "Risposta sconosciuta"]})
    result = evaluate_finding(finding, answers)
    assert (result.count, result.total, result.missing) == (2, 3, 4)
    everything = torino.finding("pnrr_tutti_gli_avvisi")
    calls = [o.label for o in torino.question("q51").options if not o.exclusive]
    answers = pd.DataFrame({"q51": [calls, calls[:3], ["Nessuno"], [],
                                    ";".join(calls) + ";", None]})
    result = evaluate_finding(everything, answers)
    assert (result.count, result.total) == (2, 5)


# --- the Milan 2017 definition ----------------------------------------------------

def test_milan_is_a_labelled_reconstruction_with_the_agreed_codes(milano: Survey) -> None:
    assert milano.territory == "milano"
    assert not milano.has_matrix and milano.criteria == ()
    assert milano.reconstruction("it").startswith("Ricostruzione")
    assert milano.reconstruction("en").startswith("Reconstruction")
    assert "Obiettivi e Risultati dell'indagine" in milano.reconstruction("it")
    assert milano.entity_code == "comune"
    assert [q.code for q in milano.questions] == [
        "classe_popolazione", "dipendenti", "addetti_it", "spesa_it", "fornitori",
        "interesse_pagopa", "interesse_spid", "interesse_fascicolo", "interesse_sisa",
        "interesse_opendata", "interesse_geoportale", "buone_pratiche",
        "compilatore_nome", "compilatore_email", "compilatore_telefono"]
    types = {q.code: q.type.value for q in milano.questions}
    assert types["classe_popolazione"] == "single" and types["spesa_it"] == "band"
    assert {types[c] for c in ("dipendenti", "addetti_it", "fornitori")} == {"number"}
    assert {types[q.question] for q in milano.catalogue.services} == {"rating"}  # type: ignore
    assert types["buone_pratiche"] == "text"
    assert milano.question("addetti_it").zero_label == "nessun addetto"
    assert [o.code for o in milano.question("classe_popolazione").options] == [
        "lt5000", "5000_10000", "10000_30000", "gt30000"]
    bands = milano.question("spesa_it").options
    assert [b.code for b in bands] == ["fino_5000", "5001_10000", "10001_25000", "25001_50000",
                                       "50001_100000", "oltre_100000"]
    assert [(b.low, b.high) for b in bands][3] == (25001, 50000)  # type: ignore[attr-defined]
    for code in ("interesse_pagopa", "interesse_spid", "interesse_geoportale"):
        question = milano.question(code)
        assert (question.scale_min, question.scale_max) == (1, 5)
    assert [(c.number, c.label, c.option) for c in milano.population_classes] == [
        (1, "< 5.000", "lt5000"), (2, "5.000–10.000", "5000_10000"),
        (3, "10.000–30.000", "10000_30000"), (4, "> 30.000", "gt30000")]
    assert [(c.code, c.kind, c.question) for c in milano.personal_columns] == [
        ("compilatore_nome", "name", "compilatore_nome"),
        ("compilatore_email", "email", "compilatore_email"),
        ("compilatore_telefono", "phone", "compilatore_telefono")]
    assert all(milano.question(c.question).personal for c in milano.personal_columns)
    assert all(q.max_points == 0 for q in milano.questions)


def test_milan_catalogue_and_the_sources_exclusions(milano: Survey) -> None:
    catalogue = milano.catalogue
    assert catalogue is not None
    assert [(s.code, s.name, s.question) for s in catalogue.services] == [
        ("pagopa", "PagoPA", "interesse_pagopa"), ("spid", "SPID", "interesse_spid"),
        ("fascicolo", "Fascicolo del Cittadino", "interesse_fascicolo"),
        ("sisa", "SISA – Sistema informativo dei Servizi Socio-Assistenziali",
         "interesse_sisa"),
        ("opendata", "Open Data", "interesse_opendata"),
        ("geoportale", "Geoportale", "interesse_geoportale")]
    assert [e.code for e in catalogue.exclusions] == ["spid", "opendata", "geoportale"]
    assert "incentivi regionali" in catalogue.exclusions[0].reason("it")
    assert "regional incentives" in catalogue.exclusions[0].reason("en")
    assert {s.code for s in catalogue.chosen} == {"sisa", "fascicolo", "pagopa"}


def test_milan_findings_on_answers(milano: Survey) -> None:
    """The Milan findings computed on a small table; the expected figures by pandas."""
    classes = ["lt5000", "< 5.000", "5000_10000", "10.000–30.000", "gt30000", "gt30000", None]
    spid = [3, 4, 5, 2, "4", 1, 5]
    staff = [0, 0, 2, 0, 5, 1, 0]
    zones = ["Nord Ovest", "Sud Ovest", "Sud Est", "Nord Ovest", None, "Alto Milanese", ""]
    spending = ["da 25.001 a 50.000 €", "25001_50000", "fino_5000", "25.001-50.000",
                "oltre_100000", None, "5001_10000"]
    suppliers = [1, 3, 4, 10, 11, 20, None]
    answers = pd.DataFrame({"classe_popolazione": classes, "interesse_spid": spid,
                            "addetti_it": staff, "zona_omogenea": zones,
                            "spesa_it": spending, "fornitori": suppliers})
    mean = evaluate_finding(milano.finding("spid_interesse"), answers)
    numbers = pd.to_numeric(answers["interesse_spid"])
    assert mean.mean == pytest.approx(numbers.mean())
    by_class = {g.key: g.mean for g in mean.groups}
    assert by_class["lt5000"] == pytest.approx(3.5)  # "lt5000" and "< 5.000": one class
    assert by_class["gt30000"] == pytest.approx(2.5)
    assert by_class[None] == 5  # class unknown
    assert mean.sentence("it") == (
        "Interesse medio per SPID: 3,43 su 5 (per classe di popolazione: < 5.000 3,50; "
        "5.000–10.000 5,00; 10.000–30.000 2,00; > 30.000 2,50).")
    no_staff = evaluate_finding(milano.finding("senza_addetti_it"), answers)
    assert (no_staff.count, no_staff.total) == (int((answers["addetti_it"] == 0).sum()), 7)
    assert {g.key: g.count for g in no_staff.groups if g.count} == {
        "Nord Ovest": 2, "Sud Ovest": 1, None: 1}
    assert no_staff.sentence("en") == (
        "4 of 7 Comuni have no employee with IT skills (zones: Nord Ovest (2); Sud Ovest (1)).")
    band = evaluate_finding(milano.finding("spesa_25001_50000"), answers)
    assert (band.count, band.total) == (3, 6)
    suppliers_result = evaluate_finding(milano.finding("fornitori"), answers)
    assert [(b.key, b.count) for b in suppliers_result.bins] == [
        ("1_3", 2), ("4_10", 2), ("11_20", 2)]
    assert suppliers_result.sentence("it") == (
        "Fornitori esterni: 33% dei Comuni ne usa da 1 a 3, 33% da 4 a 10.")


def test_milan_published_figures_are_declared(milano: Survey) -> None:
    spid = milano.finding("spid_interesse").published
    assert spid.mean == 3.69
    assert dict(spid.groups) == {"lt5000": 3.18, "5000_10000": 3.76, "10000_30000": 3.91,
                                 "gt30000": 3.63}
    assert milano.finding("senza_addetti_it").published.count == 21
    assert milano.finding("spesa_25001_50000").published.share == 0.32
    assert dict(milano.finding("fornitori").published.shares) == {"1_3": 0.36, "4_10": 0.46}


# --- every problem names the file and the key ---------------------------------------

BASE = (TEST_SURVEYS / TEST_ID / "survey.toml").read_text(encoding="utf-8")

BROKEN = [
    # (name, text replaced, replacement, key path, fragment of the Italian message)
    ("unknown question type", 'type = "rating"', 'type = "ratng"',
     "sections[0].questions[2].type",
     "«ratng» non è un tipo di domanda (single, multiple, yes_no, number, rating, band, text)"),
    ("unknown key", 'code = "note"', 'code = "note"\ncolour = "red"',
     "sections[1].questions[2].colour", "chiave sconosciuta"),
    ("key of another type", 'code = "volumi"\ntype = "number"',
     'code = "volumi"\ntype = "number"\nyes_points = 1', "sections[1].questions[1].yes_points",
     "non si usa con una domanda di tipo «number»"),
    ("duplicate question code", 'code = "volumi"', 'code = "canali"',
     "sections[1].questions[1].code", "«canali» è già usato in sections[0].questions[1]"),
    ("duplicate option code", 'code = "media"', 'code = "bassa"',
     "sections[1].questions[0].options[1].code", "«bassa» è già usato"),
    ("duplicate option label", '{ label = "Social network", points = 1 }',
     '{ label = "Sito web", points = 1 }', "sections[0].questions[1].options[1]",
     "«Sito web» indica già l'opzione sections[0].questions[1].options[0]"),
    ("negative points", '{ label = "Sito web", points = 1 }', '{ label = "Sito web", points = -1 }',
     "sections[0].questions[1].options[0].points", "«-1» è negativo"),
    ("points not a number", "yes_points = 2", 'yes_points = "due"',
     "sections[0].questions[0].yes_points", "dovrebbe essere un numero intero"),
    ("declared maximum wrong", "max_points = 4", "max_points = 5", "sections[0].max_points",
     "il massimo dichiarato è 5, ma le domande della sezione danno al massimo 4 punti"),
    ("overlapping bands", "low = 1001", "low = 900", "sections[1].questions[0].options[1]",
     "la fascia 900–10000 si sovrappone alla precedente 0–1000"),
    ("bands out of order", "low = 10001, points = 3", "low = 500, points = 3",
     "sections[1].questions[0].options[2]", "in ordine crescente"),
    ("empty band", "low = 1001, high = 10000", "low = 1001, high = 10",
     "sections[1].questions[0].options[1].high", "l'intervallo 1001–10 è vuoto"),
    ("rating without range", "max = 10", "max = 1", "sections[0].questions[2].max",
     "il massimo deve essere maggiore del minimo"),
    ("exclusive in a single choice", 'type = "multiple"', 'type = "single"',
     "sections[0].questions[1].options[2].exclusive", "scelta multipla"),
    ("finding on an unknown question", 'question = "prestito_digitale"', 'question = "prestito"',
     "findings[0].question", "«prestito» non è il codice di una domanda"),
    ("finding on an unknown option", 'values = ["Sì"]', 'values = ["Forse"]',
     "findings[0].values[0]", "«Forse» non è un'opzione della domanda prestito_digitale"),
    ("finding with an unknown kind", 'kind = "mean"', 'kind = "median"', "findings[1].kind",
     "«median» non è un tipo di risultato (share, count, mean, distribution)"),
    ("mean of a choice", 'kind = "mean"\nquestion = "gradimento"',
     'kind = "mean"\nquestion = "canali"', "findings[1].question",
     "la media richiede una domanda numerica"),
    ("unknown placeholder", "Gradimento medio: {mean}.", "Gradimento medio: {media}.",
     "findings[1].sentence", "«media» non è un segnaposto ammesso"),
    ("unknown breakdown", 'by = "spesa_digitale"', 'by = "zona"', "findings[0].by",
     "«zona» non è una domanda né una colonna dell'ente"),
    ("service on a number question", 'name = "App della biblioteca"\nquestion = "gradimento"',
     'name = "App della biblioteca"\nquestion = "volumi"', "catalogue.services[0].question",
     "si chiede con una scala"),
    ("personal column of an unknown question", 'aliases = ["E-mail del referente"]',
     'question = "referente"', "personal_columns[0].question",
     "«referente» non è il codice di una domanda"),
    ("personal question not listed", 'code = "note"', 'code = "note"\npersonal = true',
     "personal_columns", "la domanda «note» contiene dati personali"),
    ("criterion of an unknown section", 'key = "spesa"\ncode = "spe"',
     'key = "spese"\ncode = "spe"', "criteria[1].key",
     "«spese» non è una sezione del questionario"),
    ("duplicate criterion code", 'code = "ab"', 'code = "srv"', "criteria[2].code",
     "«srv» è già usato in criteria[0]"),
    ("weight not a number", "weight = 2", 'weight = "due"', "criteria[0].weight",
     "dovrebbe essere un numero intero o un numero"),
    ("population classes out of order", "min = 20000", "min = 0", "population.classes[1].min",
     "le soglie devono crescere"),
    ("population criterion without points", "points = 2\nlabel = \"grande\"",
     "label = \"grande\"", "criteria[2].population", "richiede i punti"),
    ("id unlike the folder", 'id = "prova-biblioteche-2030"', 'id = "altra-indagine"',
     "survey.id", "«altra-indagine» dovrebbe essere uguale al nome della cartella"),
    ("missing title", 'title = "Prova – Servizi digitali delle biblioteche"\n', "",
     "survey.title", "manca ed è obbligatoria"),
    ("question code with capitals", 'code = "volumi"', 'code = "Volumi"',
     "sections[1].questions[1].code", "«Volumi» non è un codice valido"),
    ("unknown key at the top", "[survey]\n", "colour = 1\n\n[survey]\n", "colour",
     "chiave sconosciuta (ammesse: catalogue, criteria, findings, personal_columns, "
     "population, respondent, sections, survey)"),
    ("options on a text question", 'type = "text"\ntext = "Note"',
     'type = "text"\ntext = "Note"\noptions = []', "sections[1].questions[2].options",
     "non si usa con una domanda di tipo «text»"),
    ("informative question with points", 'code = "prestito_digitale"',
     'code = "prestito_digitale"\ninformative = true', "sections[0].questions[0].informative",
     "una domanda informativa non dà punti"),
    ("duplicate section key", 'key = "spesa"\nnumber = 2', 'key = "servizi"\nnumber = 2',
     "sections[1].key", "«servizi» è già usato in sections[0]"),
    ("rating label outside the scale", 'max = 10\ntext = "Gradimento',
     'max = 10\nlabels = { 11 = "troppo" }\ntext = "Gradimento',
     "sections[0].questions[2].labels.11", "da 1 a 10"),
    ("published share above 1", 'lend digitally ({groups})."',
     'lend digitally ({groups})."\npublished = { share = 72 }', "findings[0].published.share",
     "«72» non è una quota tra 0 e 1"),
    ("published figure of another kind", 'lend digitally ({groups})."',
     'lend digitally ({groups})."\npublished = { mean = 3.2 }', "findings[0].published.mean",
     "non si usa con un risultato di tipo «share»"),
    ("exclusion of an unknown service", '[[findings]]\nkey = "prestito"',
     '[[catalogue.source_exclusions]]\ncode = "wifi"\nreason_it = "no"\nreason_en = "no"\n\n'
     '[[findings]]\nkey = "prestito"', "catalogue.source_exclusions[0].code",
     "«wifi» non è un servizio del catalogo (app)"),
    ("personal heading that is a question's", 'aliases = ["E-mail del referente"]',
     'aliases = ["Note"]', "personal_columns[0].aliases[0]",
     "l'intestazione «Note» indica la domanda note"),
    ("personal column with question and headings", 'aliases = ["E-mail del referente"]',
     'aliases = ["E-mail del referente"]\nquestion = "note"', "personal_columns[0]",
     "non entrambe"),
    ("personal column of an unknown kind", 'kind = "email"', 'kind = "fax"',
     "personal_columns[0].kind", "«fax» non è un tipo di dato personale"),
    ("population class numbered out of place", "min = 20000", "number = 5\nmin = 20000",
     "population.classes[1].number", "dovrebbe essere 2"),
    ("share without a condition", 'values = ["Sì"]\n', "", "findings[0]",
     "serve una condizione"),
    ("unknown condition", 'values = ["Sì"]', 'values = ["Sì"]\ncondition = "some"',
     "findings[0].condition", "«some» non è una condizione (in, not_in, all, between)"),
    ("all on a yes/no question", 'values = ["Sì"]', 'condition = "all"',
     "findings[0].condition", "richiede una domanda a scelta multipla"),
    ("range on a choice", 'values = ["Sì"]', "min = 1", "findings[0].min",
     "un intervallo di valori richiede una domanda numerica"),
    ("distribution with a condition", 'kind = "share"', 'kind = "distribution"',
     "findings[0].values", "un risultato di tipo «distribution» non ha condizione"),
    ("breakdown by a multiple choice", 'by = "spesa_digitale"', 'by = "canali"',
     "findings[0].by", "per suddividere serve una domanda a scelta singola"),
    ("heading naming two questions", 'text = "Note"', 'text = "Numero di volumi"',
     "sections[1].questions[2].aliases", "l'intestazione «numero di volumi» indica già"),
]


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "surveys" / TEST_ID
    folder.mkdir(parents=True)
    (folder / "survey.toml").write_text(text, encoding="utf-8")
    return folder / "survey.toml"


@pytest.mark.parametrize(("old", "new", "key", "fragment"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_every_problem_names_the_file_and_the_key(tmp_path: Path, old: str, new: str,
                                                  key: str, fragment: str) -> None:
    assert old in BASE
    file = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(TEST_ID, file.parent.parent)
    italian = error.value.messages("it")
    english = error.value.messages("en")
    prefix = f"{file.as_posix()}: {key}: "
    assert any(m.startswith(prefix) and fragment in m for m in italian), italian
    assert any(m.startswith(prefix) for m in english), english
    assert all(m.startswith(f"{file.as_posix()}: ") for m in italian + english)
    assert italian != english


def test_the_issues_example_message_exactly(tmp_path: Path) -> None:
    shipped = (DATA_DIR / "surveys" / "ponmetro-milano-2017" / "survey.toml").read_text(
        encoding="utf-8")
    file = tmp_path / "survey.toml"
    file.write_text(shipped.replace('type = "rating"', 'type = "ratng"', 1), encoding="utf-8")
    with pytest.raises(SurveyDefinitionError) as error:
        load_definition(file)
    assert error.value.messages("it") == [
        f"{file.as_posix()}: sections[2].questions[0].type: «ratng» non è un tipo di domanda "
        "(single, multiple, yes_no, number, rating, band, text)"]
    assert error.value.messages("en") == [
        f"{file.as_posix()}: sections[2].questions[0].type: “ratng” is not a question type "
        "(single, multiple, yes_no, number, rating, band, text)"]


def test_a_file_inside_the_project_is_named_from_the_project() -> None:
    with pytest.raises(SurveyDefinitionError) as error:
        load_definition(DATA_DIR / "surveys" / "x" / "survey.toml")
    assert error.value.messages("it") == ["data/surveys/x/survey.toml: il file non esiste"]


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    file = _write(tmp_path, "[survey\n")
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(TEST_ID, file.parent.parent)
    assert error.value.messages("it")[0].startswith(
        f"{file.as_posix()}: il file non è un TOML leggibile")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace('type = "rating"', 'type = "ratng"').replace(
        'code = "ab"', 'code = "srv"').replace('values = ["Sì"]', 'values = ["Forse"]')
    file = _write(tmp_path, text)
    with pytest.raises(SurveyDefinitionError) as error:
        load_survey(TEST_ID, file.parent.parent)
    keys = [problem.key for problem in error.value.problems]
    assert {"sections[0].questions[2].type", "criteria[2].code", "findings[0].values[0]"} <= set(
        keys)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SurveyDefinitionError) as error:
        load_definition(tmp_path / "nowhere" / "survey.toml")
    assert error.value.messages("en") == [
        f"{(tmp_path / 'nowhere' / 'survey.toml').as_posix()}: the file does not exist"]


def test_the_milan_findings_on_the_synthetic_milan_example(milano: Survey) -> None:
    """The other helper's synthetic example, read by headers: the published figures back."""
    frame = pd.read_excel(DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx",
                          sheet_name="Risposte", header=1, dtype=object)
    by_header = {normalise_text(h): q.code for q in milano.questions for h in q.headers()}
    by_header.update({normalise_text(a): milano.entity_code for a in milano.entity_aliases})
    frame = frame.rename(columns=lambda h: by_header[normalise_text(h)])
    assert set(frame.columns) == {q.code for q in milano.questions} | {milano.entity_code}
    zones = load_territory("milano").comuni[["comune", "zona_omogenea_nome"]]
    frame = frame.merge(zones.rename(columns={"zona_omogenea_nome": "zona_omogenea"}),
                        on="comune", how="left", validate="one_to_one")

    spid = evaluate_finding(milano.finding("spid_interesse"), frame)
    assert spid.total == 59
    assert half_up(spid.mean, 2) == milano.finding("spid_interesse").published.mean
    assert {g.key: half_up(g.mean, 2) for g in spid.groups if g.mean is not None} == dict(
        milano.finding("spid_interesse").published.groups)
    no_staff = evaluate_finding(milano.finding("senza_addetti_it"), frame)
    assert no_staff.count == milano.finding("senza_addetti_it").published.count
    named = {name for name, _ in milano.finding("senza_addetti_it").published.groups}
    assert {g.key for g in no_staff.groups if g.count and g.key is not None} <= named
    spending = evaluate_finding(milano.finding("spesa_25001_50000"), frame)
    published = milano.finding("spesa_25001_50000").published
    assert (spending.count, half_up(spending.share, 2)) == (published.count, published.share)
    suppliers = evaluate_finding(milano.finding("fornitori"), frame)
    assert {b.key: half_up(b.share, 2) for b in suppliers.bins
            if b.key in dict(milano.finding("fornitori").published.shares)} == dict(
        milano.finding("fornitori").published.shares)
    assert suppliers.sentence("it") == (
        "Fornitori esterni: 36% dei Comuni ne usa da 1 a 3, 46% da 4 a 10.")
    # Rounded half up as the source (29/8 = 3.625 → 3,63), not half to even.
    assert spid.sentence("it") == (
        "Interesse medio per SPID: 3,69 su 5 (per classe di popolazione: < 5.000 3,18; "
        "5.000–10.000 3,76; 10.000–30.000 3,91; > 30.000 3,63).")
    assert spid.sentence("en") == (
        "Average interest in SPID: 3.69 out of 5 (by population class: < 5,000 3.18; "
        "5,000–10,000 3.76; 10,000–30,000 3.91; > 30,000 3.63).")


def test_shares_and_means_are_rounded_half_up() -> None:
    assert half_up(3.625, 2) == 3.63
    assert half_up(62.5, 0) == 63
    assert half_up(2.675, 2) == 2.68  # the float's repr, not its binary expansion


def test_the_personal_columns_of_the_torino_export(torino: Survey) -> None:
    """The questionnaire asks no name or e-mail; the Forms export's own columns hold them."""
    book = load_workbook(EXAMPLE, read_only=True)
    headers = [str(h) for h in next(book.worksheets[0].iter_rows(min_row=2, max_row=2,
                                                                 values_only=True))]
    book.close()
    personal = {normalise_text(h) for h in torino.personal_headers}
    assert [h for h in headers if normalise_text(h) in personal] == ["Posta elettronica", "Nome"]
    assert not any(q.personal for q in torino.questions)
    assert {c.kind for c in torino.personal_columns} == {"name", "email", "phone"}
