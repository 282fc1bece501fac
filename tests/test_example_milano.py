"""The synthetic Milan 2017 example reproduces every published figure.

Read with openpyxl/pandas (the app's ingest does not know this survey yet).
Percentages and means are rounded as published: half up, to whole percent or
two decimals (Decimal, so 3.625 is 3.63 as in the source, not 3.62 as float
rounding or banker's rounding would give).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from metrodigital.catalogue import rank_services
from metrodigital.paths import DATA_DIR, PROJECT_DIR
from metrodigital.territories import load_territory

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
SURVEY = DATA_DIR / "surveys" / "ponmetro-milano-2017" / "survey.toml"
SOURCE_ZONES = {"Magentino e Abbiatense", "Adda Martesana", "Nord Milano", "Nord Ovest",
                "Sud Ovest"}
RATINGS = ["interesse_pagopa", "interesse_spid", "interesse_fascicolo", "interesse_sisa",
           "interesse_opendata", "interesse_geoportale"]


def published(value: Fraction, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places, as the source's figures."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def percent(count: int, total: int) -> Decimal:
    return published(Fraction(100 * count, total), 0)


@pytest.fixture(scope="module")
def survey() -> dict:
    with SURVEY.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def questions(survey: dict) -> dict[str, dict]:
    return {q["code"]: q for section in survey["sections"] for q in section["questions"]}


@pytest.fixture(scope="module")
def answers(questions: dict[str, dict]) -> pd.DataFrame:
    """The Risposte sheet with question codes as columns (headers are the texts)."""
    frame = pd.read_excel(EXAMPLE, sheet_name="Risposte", header=1, dtype=object)
    by_text = {q["text"]: code for code, q in questions.items()}
    by_text["Comune"] = "comune"
    frame = frame.rename(columns=by_text)
    frame["buone_pratiche"] = frame["buone_pratiche"].fillna("")
    return frame


@pytest.fixture(scope="module")
def with_territory(answers: pd.DataFrame) -> pd.DataFrame:
    comuni = load_territory("milano").comuni
    return answers.merge(comuni, on="comune", how="left", validate="one_to_one")


def option_code(questions: dict[str, dict], question: str, label: str) -> str:
    (code,) = [o["code"] for o in questions[question]["options"] if o["label"] == label]
    return code


def test_labelled_synthetic_in_the_file() -> None:
    book = openpyxl.load_workbook(EXAMPLE, read_only=True)
    assert book.sheetnames == ["Risposte", "Nota"]
    first = str(book["Risposte"]["A1"].value)
    assert first.startswith("DATI SINTETICI") and "NON sono le risposte reali" in first
    assert "000_742dde40a4f83613.txt" in first
    assert str(book["Nota"]["A1"].value).startswith("DATI SINTETICI")
    assert book.properties.title.startswith("DATI SINTETICI")


def test_header_is_the_survey_questions_texts(survey: dict,
                                              questions: dict[str, dict]) -> None:
    header = next(openpyxl.load_workbook(EXAMPLE, read_only=True)["Risposte"].iter_rows(
        min_row=2, max_row=2, values_only=True))
    codes = ["comune", "classe_popolazione", "dipendenti", "addetti_it", "spesa_it",
             "fornitori", *RATINGS, "buone_pratiche", "compilatore_nome", "compilatore_email",
             "compilatore_telefono"]
    assert header[0] in survey["respondent"]["entity_aliases"]
    assert list(header[1:]) == [questions[code]["text"] for code in codes[1:]]


def test_respondents_are_real_comuni_in_their_population_class(
        with_territory: pd.DataFrame, questions: dict[str, dict], survey: dict) -> None:
    frame = with_territory
    assert len(frame) == 59
    assert frame["codice_istat"].notna().all(), "every respondent is a Comune of the territory"
    assert frame["codice_istat"].is_unique
    assert "015146" in set(frame["codice_istat"])  # Milano
    classes = sorted(survey["population"]["classes"], key=lambda c: c["min"])
    for row in frame.itertuples():
        expected = [c["option"] for c in classes if row.popolazione >= c["min"]][-1]
        assert option_code(questions, "classe_popolazione", row.classe_popolazione) == \
            expected, row.comune
    sizes = frame["classe_popolazione"].map(
        lambda label: option_code(questions, "classe_popolazione", label)).value_counts()
    assert sizes.to_dict() == {"lt5000": 11, "5000_10000": 17, "10000_30000": 23,
                               "gt30000": 8}
    milano = frame.set_index("comune").loc["Milano"]
    assert option_code(questions, "classe_popolazione", milano["classe_popolazione"]) == \
        "gt30000"
    # The Nota sheet lists the same Comuni with their ISTAT codes.
    note = pd.read_excel(EXAMPLE, sheet_name="Nota", header=11, dtype={"codice_istat": str})
    assert dict(zip(note["comune"], note["codice_istat"], strict=True)) == dict(
        zip(frame["comune"], frame["codice_istat"], strict=True))


def test_spid_mean_interest_overall_and_by_class(answers: pd.DataFrame,
                                                 questions: dict[str, dict]) -> None:
    spid = answers["interesse_spid"].astype(int)
    assert spid.between(1, 5).all()
    assert published(Fraction(int(spid.sum()), len(spid)), 2) == Decimal("3.69")
    klass = answers["classe_popolazione"].map(
        lambda label: option_code(questions, "classe_popolazione", label))
    means = {key: published(Fraction(int(group.sum()), len(group)), 2)
             for key, group in spid.groupby(klass)}
    assert means == {"lt5000": Decimal("3.18"), "5000_10000": Decimal("3.76"),
                     "10000_30000": Decimal("3.91"), "gt30000": Decimal("3.63")}


def test_21_without_it_staff_only_in_the_zones_the_source_names(
        with_territory: pd.DataFrame) -> None:
    without = with_territory[with_territory["addetti_it"].astype(int) == 0]
    assert len(without) == 21
    assert Fraction(21, 59) > Fraction(1, 3)  # "più di un terzo"
    # Where the territory knows the zone, it is one the source names (Rosate).
    known = without["zona_omogenea_nome"][without["zona_omogenea"].notna()]
    assert set(known) <= SOURCE_ZONES and len(known) >= 1
    # The note gives the presumed zone of each of the 21: none in Sud Est or Alto Milanese.
    note = pd.read_excel(EXAMPLE, sheet_name="Nota", header=11)
    flagged = note[note["senza_addetti_it"] == "sì"]
    assert sorted(flagged["comune"]) == sorted(without["comune"])
    zones = set(flagged["zona_omogenea (presunta, non verificata)"])
    assert zones <= SOURCE_ZONES
    assert not zones & {"Sud Est", "Alto Milanese"}
    # Respondents with a known zone outside the source's zones all have IT staff.
    elsewhere = with_territory[with_territory["zona_omogenea_nome"].isin(
        ["Sud Est", "Alto Milanese"])]
    assert (elsewhere["addetti_it"].astype(int) > 0).all()


def test_spending_19_comuni_32_percent_rest_even(answers: pd.DataFrame,
                                                 questions: dict[str, dict]) -> None:
    bands = answers["spesa_it"].map(lambda label: option_code(questions, "spesa_it", label))
    counts = bands.value_counts()
    assert counts["25001_50000"] == 19
    assert percent(19, len(answers)) == Decimal(32)
    assert counts.drop("25001_50000").to_dict() == {
        "fino_5000": 8, "5001_10000": 8, "10001_25000": 8, "50001_100000": 8,
        "oltre_100000": 8}


def test_suppliers_1_to_20_with_36_and_46_percent(answers: pd.DataFrame) -> None:
    suppliers = answers["fornitori"].astype(int)
    assert suppliers.between(1, 20).all()
    assert percent(int(suppliers.between(1, 3).sum()), len(suppliers)) == Decimal(36)
    assert percent(int(suppliers.between(4, 10).sum()), len(suppliers)) == Decimal(46)


def test_pagopa_has_the_highest_mean_interest(answers: pd.DataFrame) -> None:
    means = answers[RATINGS].astype(int).mean()
    assert means.idxmax() == "interesse_pagopa"
    assert (means.drop("interesse_pagopa") < means["interesse_pagopa"]).all()


def test_catalogue_with_the_source_exclusions_is_pagopa_fascicolo_sisa(
        answers: pd.DataFrame, survey: dict) -> None:
    services = [(s["code"], s["name"], s["question"]) for s in survey["catalogue"]["services"]]
    exclusions = {e["code"]: e["reason_it"] for e in survey["catalogue"]["source_exclusions"]}
    catalogue = rank_services(answers, services, exclude=exclusions, top=3)
    assert catalogue.chosen == ["pagopa", "fascicolo", "sisa"]
    assert catalogue.tie is None
    # The exclusions decide: without them Open Data would take SISA's place.
    assert rank_services(answers, services, top=3).chosen == ["pagopa", "fascicolo",
                                                             "opendata"]


def test_good_practices_and_fake_personal_columns(answers: pd.DataFrame) -> None:
    practices = answers.set_index("comune")["buone_pratiche"]
    assert practices["Rho"] == "Certificati anagrafici con timbro digitale"
    assert (practices != "").sum() >= 3
    assert answers["compilatore_nome"].str.fullmatch(r"Referente sintetico \d+").all()
    assert answers["compilatore_email"].str.fullmatch(r"referente\d+@example\.invalid").all()
    assert answers["compilatore_telefono"].str.fullmatch(r"\+39 000 000 \d{4}").all()
    assert answers["compilatore_email"].is_unique


def test_the_script_rebuilds_the_shipped_file_byte_for_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_example_milano", PROJECT_DIR / "scripts" / "make_example_milano.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_example_milano", module)  # for its dataclass
    spec.loader.exec_module(module)
    target = tmp_path / "example.xlsx"
    module.write(module.build(), target)
    assert target.read_bytes() == EXAMPLE.read_bytes()


def test_readme_says_the_example_is_synthetic() -> None:
    text = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## examples/risposte_sintetiche_milano_2017.xlsx", 1)[1]
    assert re.search(r"SYNTHETIC", section.split("\n## ", 1)[0])
