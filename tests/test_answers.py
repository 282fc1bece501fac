"""Answers of a survey without a matrix: the Milan 2017 example read through its definition,
checked cell by cell, stored typed (with the cell each answer came from) and read back by
``wide_answers``; the synthetic examples a fresh database publishes."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrodigital.ingest import ImportBlocked, prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import SEED_WAVE_SLUG, Store
from metrodigital.surveys.answers import ENTITY_FRAME, long_answers, wide_answers
from metrodigital.surveys.findings import evaluate_findings
from metrodigital.surveys.registry import load_survey
from metrodigital.territories import load_territory

MILAN = "ponmetro-milano-2017"
MILAN_FILE = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
TORINO_FILE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"
LOCAL = AuthConfig(server_address="localhost")
ME = Actor()
RATINGS = ["interesse_pagopa", "interesse_spid", "interesse_fascicolo", "interesse_sisa",
           "interesse_opendata", "interesse_geoportale"]
PERSONAL = ["compilatore_nome", "compilatore_email", "compilatore_telefono"]


def published(value: Fraction, decimals: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def milan_store() -> Store:
    """A store with the Milan example published through the upload path."""
    store = Store(":memory:", examples=False)
    preview = prepare(MILAN_FILE.read_bytes(), MILAN_FILE.name, survey=MILAN)
    assert not preview.problems, [p.message("it") for p in preview.problems]
    publish(store, preview, name="Milano 2017", survey_date=None, auth=LOCAL, actor=ME)
    return store


def _edited_milan(edits: dict[tuple[int, str], object]) -> bytes:
    """The Milan example with some cells changed: (row, question code) → value."""
    survey = load_survey(MILAN)
    book = load_workbook(MILAN_FILE)
    sheet = book["Risposte"]
    headers = [c.value for c in sheet[2]]
    for (row, code), value in edits.items():
        text = survey.question(code).text if code != "comune" else "Comune"
        sheet.cell(row=row, column=headers.index(text) + 1).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(code: str) -> str:
    book = load_workbook(MILAN_FILE, read_only=True)
    header = next(book["Risposte"].iter_rows(min_row=2, max_row=2))
    text = load_survey(MILAN).question(code).text
    return next(c.column_letter for c in header if c.value == text)


# --------------------------------------------------------------------------- reading the file

def test_the_milan_example_reads_as_a_wave_of_its_survey_without_a_problem() -> None:
    preview = prepare(MILAN_FILE.read_bytes(), MILAN_FILE.name, survey=MILAN)
    assert preview.survey_id == MILAN and preview.format == "responses"
    assert not preview.has_matrix
    assert preview.header_row == 2  # below the "DATI SINTETICI" note
    assert preview.problems == []
    assert len(preview.matrix) == 59
    codes = dict(zip(preview.matrix["ente"], preview.matrix["istat_code"], strict=True))
    assert codes["Milano"] == "015146"
    assert all(len(code) == 6 for code in codes.values())


def test_the_milan_wave_is_stored_typed_with_istat_codes_and_source_cells(
        milan_store: Store) -> None:
    wave = milan_store.wave("milano-2017")
    assert wave.survey_id == MILAN and not wave.is_example
    assert wave.reference_weights == {}  # no matrix: no weights, no points
    cur = milan_store.cursor()
    assert cur.execute("SELECT count(*) FROM points WHERE wave_id = ?",
                       [wave.wave_id]).fetchone() == (0,)
    missing = cur.execute(
        "SELECT count(*) FROM wave_entities JOIN entities USING (entity_id) "
        "WHERE wave_id = ? AND istat_code IS NULL", [wave.wave_id]).fetchone()
    assert missing == (0,)
    long = long_answers(milan_store, wave.slug, include_personal=True)
    milano = long[long["ente"] == "Milano"].set_index("question")
    row = int(milano["source_cell"].iloc[0].split("!")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    spid = _letter("interesse_spid")
    assert milano.loc["interesse_spid", "source_cell"] == f"Risposte!{spid}{row}"
    assert (long["source_file"] == MILAN_FILE.name).all()
    assert milano.loc["spesa_it", "option_code"] in {
        o.key for o in load_survey(MILAN).question("spesa_it").options}
    assert milano.loc["interesse_spid", "number"] in {1.0, 2.0, 3.0, 4.0, 5.0}
    assert milano.loc["compilatore_email", "personal"]
    assert milano.loc["compilatore_email", "text"].endswith("@example.invalid")
    assert not milano.loc["interesse_spid", "personal"]
    # the raw text as written: the band's label as the file has it
    assert milano.loc["spesa_it", "raw"].endswith("€")


def test_the_published_milan_figures_from_the_stored_wave(milan_store: Store) -> None:
    answers = wide_answers(milan_store, "milano-2017")
    assert list(answers.columns[:6]) == list(ENTITY_FRAME)
    assert len(answers) == 59
    spid = answers["interesse_spid"]
    assert published(Fraction(int(spid.sum()), len(spid)), 2) == Decimal("3.69")
    means = {key: published(Fraction(int(group.sum()), len(group)), 2)
             for key, group in spid.groupby(answers["classe_popolazione"])}
    assert means == {"lt5000": Decimal("3.18"), "5000_10000": Decimal("3.76"),
                     "10000_30000": Decimal("3.91"), "gt30000": Decimal("3.63")}
    assert int((answers["addetti_it"] == 0).sum()) == 21
    spending = answers["spesa_it"].value_counts()
    assert spending["25001_50000"] == 19
    assert published(Fraction(100 * 19, 59), 0) == 32
    suppliers = answers["fornitori"]
    assert suppliers.between(1, 20).all()
    assert published(Fraction(100 * int(suppliers.between(1, 3).sum()), 59), 0) == 36
    assert published(Fraction(100 * int(suppliers.between(4, 10).sum()), 59), 0) == 46
    assert answers[RATINGS].mean().idxmax() == "interesse_pagopa"
    # and the survey's declared findings say the same, computed on the stored answers
    results = {r.finding.key: r for r in evaluate_findings(load_survey(MILAN).findings,
                                                           answers)}
    assert results["spid_interesse"].sentence("it").startswith(
        "Interesse medio per SPID: 3,69 su 5")
    assert results["senza_addetti_it"].count == 21
    assert results["spesa_25001_50000"].count == 19


def test_wide_answers_are_typed_and_personal_columns_only_on_request(
        milan_store: Store) -> None:
    answers = wide_answers(milan_store, "milano-2017")
    assert not set(PERSONAL) & set(answers.columns)
    assert answers["interesse_spid"].dtype == "float64"
    assert answers["dipendenti"].dtype == "float64"
    assert set(answers["spesa_it"]) <= {o.key for o in
                                        load_survey(MILAN).question("spesa_it").options}
    practices = answers.set_index("ente")["buone_pratiche"]
    assert practices["Rho"] == "Certificati anagrafici con timbro digitale"
    assert answers["istat_code"].str.fullmatch(r"\d{6}").all()
    milano = answers.set_index("ente").loc["Milano"]
    assert milano["popolazione"] > 1_000_000 and milano["classe_popolazione"] == "gt30000"
    assert not any(c in long_answers(milan_store, "milano-2017")["question"].tolist()
                   for c in PERSONAL)
    with_personal = wide_answers(milan_store, "milano-2017", include_personal=True)
    assert with_personal["compilatore_email"].str.fullmatch(
        r"referente\d+@example\.invalid").all()


def test_a_wave_of_the_default_survey_gives_typed_answers_too(store: Store) -> None:
    preview = prepare(TORINO_FILE.read_bytes(), TORINO_FILE.name)
    publish(store, preview, name="Esempio", survey_date=None, auth=LOCAL, actor=ME)
    answers = wide_answers(store, "esempio")
    assert len(answers) == 36
    assert isinstance(answers["q41"].iloc[0], list)  # multiple: a list of option keys
    assert answers["q32"].dtype == "float64"  # number
    assert answers["istat_code"].notna().all()
    assert set(answers["classe_popolazione"]) <= {"1", "2", "3"}
    sentences = [r.sentence("it") for r in evaluate_findings(
        load_survey("metrodigital-2022").findings, answers)]
    assert "Il 72% degli enti è soddisfatto della qualità della connettività (26 su 36)." in \
        sentences


# --------------------------------------------------------------------------- checked cell by cell

def test_bad_answers_are_errors_naming_sheet_and_cell_in_both_languages() -> None:
    data = _edited_milan({(3, "interesse_spid"): 6, (4, "spesa_it"): "tanti soldi",
                          (5, "dipendenti"): "dieci", (6, "interesse_sisa"): 2.5,
                          (7, "classe_popolazione"): "enorme"})
    preview = prepare(data, "milano.xlsx", survey=MILAN)
    errors = {p.cell: p for p in preview.errors}
    spid, band, number = (_letter("interesse_spid"), _letter("spesa_it"), _letter("dipendenti"))
    assert set(errors) == {f"{spid}3", f"{band}4", f"{number}5", f"{_letter('interesse_sisa')}6",
                           f"{_letter('classe_popolazione')}7"}
    assert errors[f"{spid}3"].message("it") == (
        f"Risposte!{spid}3: Domanda interesse_spid: «6» non è un voto da 1 a 5 "
        "(un numero intero)")
    assert errors[f"{spid}3"].message("en") == (
        f"Risposte!{spid}3: Question interesse_spid: “6” is not a rating from 1 to 5 "
        "(a whole number)")
    assert "non è una delle fasce previste" in errors[f"{band}4"].message("it")
    assert "25.001" in errors[f"{band}4"].message("it")
    assert errors[f"{number}5"].message("en").endswith("“dieci” is not a number")
    with pytest.raises(ImportBlocked):
        publish(Store(":memory:", examples=False), preview, name="Rotta", survey_date=None,
                auth=LOCAL, actor=ME)


def test_a_band_answered_with_a_number_finds_its_band() -> None:
    data = _edited_milan({(3, "spesa_it"): 30000})
    preview = prepare(data, "milano.xlsx", survey=MILAN)
    assert not preview.errors
    assert preview.answers is not None
    row = preview.answers[(preview.answers["question"] == "spesa_it")].iloc[0]
    assert row["option_code"] == "25001_50000" and row["raw"] == "30000"


def test_names_are_matched_to_the_milan_territory() -> None:
    data = _edited_milan({(3, "comune"): "Comune di Arese", (4, "comune"): "Sesto San Giovani"})
    preview = prepare(data, "milano.xlsx", survey=MILAN)
    codes = dict(zip(preview.matrix["ente"], preview.matrix["istat_code"], strict=True))
    assert codes["Comune di Arese"] == "015009"
    warning = next(p for p in preview.warnings if p.cell == "A4")
    assert "Sesto San Giovanni" in warning.message("it")
    assert codes["Sesto San Giovani"] == ""


def test_a_file_of_another_survey_is_a_clear_error_naming_it() -> None:
    preview = prepare(TORINO_FILE.read_bytes(), TORINO_FILE.name, survey=MILAN)
    (first,) = preview.problems  # that alone: not a line per column of the other survey
    assert first.code == "ingest.other_survey" and not preview.ignored
    assert "METRODIGITAL" in first.message("it") and "barra laterale" in first.message("it")
    other = prepare(MILAN_FILE.read_bytes(), MILAN_FILE.name)
    assert other.errors[0].code == "ingest.other_survey"
    assert "PON Metro Milan 2017" in other.errors[0].message("en")  # the English title
    assert "PON Metro Milano 2017" in other.errors[0].message("it")


# --------------------------------------------------------------------------- a fresh database

def test_a_fresh_database_publishes_both_examples_once(tmp_path: Path) -> None:
    path = tmp_path / "md.duckdb"
    with Store(path) as store:
        waves = store.waves()
        assert waves[0].slug == SEED_WAVE_SLUG  # still the default wave of its survey
        examples = {w.survey_id: w for w in waves if w.is_example}
        assert set(examples) == {"metrodigital-2022", MILAN}
        torino, milan = examples["metrodigital-2022"], examples[MILAN]
        assert torino.label("it") == "METRODIGITAL 2023 – risposte (dati sintetici di esempio)"
        assert milan.label("en") == "PON Metro Milano 2017 (synthetic example data)"
        assert torino.n_rows == 36 and milan.n_rows == 59
        # Torino's example is scored as an upload is: the source's matrix again
        points = store.cursor().execute(
            "SELECT entity_id, criterion_key, points, wave_id FROM points "
            "WHERE wave_id IN (?, ?)", [waves[0].wave_id, torino.wave_id]).fetchall()
        seed = {(e, k): p for e, k, p, w in points if w == waves[0].wave_id}
        again = {(e, k): p for e, k, p, w in points if w == torino.wave_id}
        assert len(seed) == 36 * 8 and again == seed
        figures = wide_answers(store, milan.slug)
        assert round(float(figures["interesse_spid"].mean()), 2) == 3.69
        store.delete_wave(milan.slug)  # an editor deletes an example …
    with Store(path) as store:  # … and it does not come back on the next start
        assert [w.survey_id for w in store.waves() if w.is_example] == ["metrodigital-2022"]


def test_a_scratch_store_has_no_examples() -> None:
    with Store(":memory:", examples=False) as scratch:
        assert [w.slug for w in scratch.waves()] == [SEED_WAVE_SLUG]


def test_a_wave_of_a_survey_with_other_criteria_is_published_with_its_points(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A third survey (test-only, with its own 3-criterion matrix) publishes points: its
    criteria missing from the database are added."""
    import pandas as pd

    from metrodigital.surveys import registry

    folder = tmp_path / "surveys"
    folder.mkdir()
    for source in (DATA_DIR / "surveys").iterdir():
        (folder / source.name).symlink_to(source)
    test_survey = Path(__file__).parent / "data" / "surveys" / "prova-biblioteche-2030"
    (folder / test_survey.name).symlink_to(test_survey)
    monkeypatch.setattr(registry, "SURVEYS_DIR", folder)
    survey = load_survey("prova-biblioteche-2030")
    keys = [c.key for c in survey.criteria]
    matrix = pd.DataFrame([{"ente": "Comune di Rivalba", **dict.fromkeys(keys, 2.0)},
                           {"ente": "Comune di Mazzè", **dict.fromkeys(keys, 1.0)}])
    with Store(":memory:", examples=False) as store:
        wave = store.publish_wave(name="Biblioteche", entities=matrix, survey_date=None,
                                  source_file="b.xlsx", sha256="3" * 64, uploaded_by="test",
                                  survey_id=survey.id)
        assert wave.reference_weights == survey.reference_weights
        stored = store.cursor().execute(
            "SELECT criterion_key, sum(points) FROM points WHERE wave_id = ? "
            "GROUP BY ALL ORDER BY ALL", [wave.wave_id]).fetchall()
        assert stored == sorted((key, 3.0) for key in keys)
        codes = dict(store.cursor().execute("SELECT key, code FROM criteria").fetchall())
        assert {"servizi", "spesa", "abitanti"} <= set(codes)
        assert len(set(codes.values())) == len(codes)  # short codes stay unique


def test_zones_follow_an_editors_load_of_zone_memberships(milan_store: Store) -> None:
    before = wide_answers(milan_store, "milano-2017").set_index("ente")["zona_omogenea"]
    territory = load_territory("milano")
    number, name = next(iter(territory.zones.items()))
    arese = "015009"
    load = milan_store.load_zones("milano", {arese: number}, file_name="zone.csv",
                                  sha256="4" * 64, by="test")
    try:
        after = wide_answers(milan_store, "milano-2017").set_index("ente")["zona_omogenea"]
        assert after["Arese"] == name
        unchanged = [e for e in after.index if e != "Arese"]
        assert after[unchanged].equals(before[unchanged])
    finally:
        milan_store.activate_zones("milano", None, by="test")
    assert wide_answers(milan_store, "milano-2017").set_index("ente")["zona_omogenea"] \
        .equals(before)
    assert load >= 1
