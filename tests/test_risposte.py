"""The Risposte figures by SQL (metrodigital/answers_sql.py) on a fresh database: the
Torino report's eight findings and the Milan ones exactly as published, the same
numbers as the pandas path, cross-tabs checked against the stored answers by hand,
coverage, personal data left out, and the files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from metrodigital.answers_sql import (
    MIN_N,
    Filters,
    coverage,
    crosstab,
    evaluate_findings_sql,
    finding_entities,
    findings_view,
    latest_wave_with_answers,
    number_bins,
    respondents,
    section_crosstabs,
    visible_sections,
    with_breakdown,
)
from metrodigital.risposte import RisposteChoice, choice_from_params, choice_to_params
from metrodigital.risposte_report import build_risposte_workbook, csv_text, long_rows
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.findings import evaluate_finding
from metrodigital.surveys.registry import load_survey

TORINO, MILAN = "metrodigital-2022", "ponmetro-milano-2017"
TORINO_WAVE, MILAN_WAVE = "metrodigital-2023-risposte", "pon-metro-milano-2017"
PERSONAL = ("compilatore_nome", "compilatore_email", "compilatore_telefono")


@pytest.fixture(scope="module")
def fresh() -> Iterator[Store]:
    """A fresh database: the seed's matrix and both synthetic examples."""
    store = Store(":memory:")
    yield store
    store.close()


def sentences(store: Store, slug: str, lang: str = "it") -> list[str]:
    return [r.sentence(lang) for r in evaluate_findings_sql(store, store.wave(slug))]


def test_the_torino_reports_eight_figures_from_a_fresh_database(fresh: Store) -> None:
    assert sentences(fresh, TORINO_WAVE) == [
        "Il 72% degli enti è soddisfatto della qualità della connettività (26 su 36).",
        "10 enti su 36 hanno avuto serie criticità di connessione.",
        "Il 28% degli enti non conosce il tipo di infrastruttura di connettività (10 su 36).",
        "Il 64% degli enti è interessato a una Centrale di Committenza (23 su 36).",
        "Il 61% degli enti è interessato alla gestione centralizzata delle istanze di "
        "occupazione del suolo pubblico (22 su 36).",
        "Il 25% degli enti ha aderito a tutti gli avvisi della Misura 1 del PNRR (9 su 36).",
        "Il 67% degli enti non conosce il concetto di Open Data o non sa come vengono "
        "gestiti (24 su 36).",
        "Il 78% degli enti non conosce o non ha avviato l'interoperabilità dei dati con "
        "altri enti (28 su 36).",
    ]
    english = sentences(fresh, TORINO_WAVE, "en")
    assert english[0] == ("72% of the entities are satisfied with the quality of their "
                          "connectivity (26 of 36).")


def test_the_milan_figures_from_a_fresh_database(fresh: Store) -> None:
    results = {r.finding.key: r for r in evaluate_findings_sql(fresh, fresh.wave(MILAN_WAVE))}
    assert results["spid_interesse"].sentence("it") == (
        "Interesse medio per SPID: 3,69 su 5 (per classe di popolazione: < 5.000 3,18; "
        "5.000–10.000 3,76; 10.000–30.000 3,91; > 30.000 3,63).")
    no_staff = results["senza_addetti_it"]
    assert (no_staff.count, no_staff.total) == (21, 59)
    # in which zones: each zone the territory knows, with its count (the shipped Milan
    # territory names few zones: the office loads its zones as a CSV)
    assert sum(g.count or 0 for g in no_staff.groups) == 21
    assert no_staff.sentence("it").startswith(
        "21 Comuni su 59 non hanno nessun addetto con competenze informatiche (zone: ")
    assert results["spesa_25001_50000"].sentence("it") == (
        "19 Comuni (32%) spendono in informatica da 25.001 a 50.000 € all'anno.")
    assert results["fornitori"].sentence("it") == (
        "Fornitori esterni: 36% dei Comuni ne usa da 1 a 3, 46% da 4 a 10.")


@pytest.mark.parametrize("slug", [TORINO_WAVE, MILAN_WAVE])
@pytest.mark.parametrize("by", ["", "zona", "classe"])
def test_sql_and_the_pandas_path_give_the_same_findings(fresh: Store, slug: str,
                                                        by: str) -> None:
    wave = fresh.wave(slug)
    survey = load_survey(wave.survey_id)
    frame = wide_answers(fresh, slug)
    by_sql = evaluate_findings_sql(fresh, wave, by=by)
    for sql in by_sql:
        pandas = evaluate_finding(sql.finding, frame)
        assert (sql.total, sql.missing, sql.count) == (pandas.total, pandas.missing,
                                                       pandas.count), sql.finding.key
        assert sql.share == pytest.approx(pandas.share) if pandas.share is not None \
            else sql.share is None
        assert sql.mean == pytest.approx(pandas.mean) if pandas.mean is not None \
            else sql.mean is None
        assert [(b.key, b.count) for b in sql.bins] == [(b.key, b.count) for b in pandas.bins]
        assert [(g.key, g.total, g.count) for g in sql.groups] == [
            (g.key, g.total, g.count) for g in pandas.groups], sql.finding.key
        for mine, theirs in zip(sql.groups, pandas.groups, strict=True):
            assert mine.mean == pytest.approx(theirs.mean) if theirs.mean is not None \
                else mine.mean is None
    assert len(by_sql) == len(survey.findings)


def test_the_respondents_groups_are_those_of_wide_answers(fresh: Store) -> None:
    for slug in (TORINO_WAVE, MILAN_WAVE):
        mine = respondents(fresh, slug).set_index("entity_id")
        theirs = wide_answers(fresh, slug).set_index("entity_id")
        assert list(mine.index) == list(theirs.index)
        for column in ("popolazione", "zona_omogenea", "classe_popolazione"):
            a, b = mine[column], theirs[column]
            assert ((a == b) | (a.isna() & b.isna())).all(), (slug, column)
    kinds = respondents(fresh, TORINO_WAVE)["tipo"].value_counts().to_dict()
    assert kinds == {"comune": 34, "unione": 2}


def test_a_single_choice_crosstab_counts_what_was_stored(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    survey = load_survey(TORINO)
    frame = wide_answers(fresh, TORINO_WAVE)
    ct = crosstab(fresh, wave, survey.question("q22"), by="classe")
    overall = ct.counts[ct.counts["whole"]].set_index("key")
    expected = frame["q22"].value_counts()
    assert overall["count"].to_dict() == expected.to_dict()
    assert overall["share"]["Molto soddisfatto"] == pytest.approx(18 / 36)
    assert ct.n == 36
    groups = ct.groups[~ct.groups["whole"]].set_index("grp")
    by_class = frame.groupby("classe_popolazione")["q22"].count().to_dict()
    assert groups["n"].to_dict() == by_class
    assert groups["small"].to_dict() == {k: v < MIN_N for k, v in by_class.items()}
    per_group = ct.counts[~ct.counts["whole"]]
    for klass, part in per_group.groupby("grp"):
        assert part["count"].sum() == by_class[klass]
        assert part["share"].sum() == pytest.approx(1)


def test_multiple_choice_shares_are_of_those_who_answered(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    frame = wide_answers(fresh, TORINO_WAVE)
    question = load_survey(TORINO).question("q41")
    ct = crosstab(fresh, wave, question)
    chosen = {o.key: sum(o.key in (cell or []) for cell in frame["q41"])
              for o in question.options}
    counts = ct.counts.set_index("key")["count"].to_dict()
    assert counts == {k: v for k, v in chosen.items() if v}
    assert (ct.counts["n"] == 36).all()


def test_a_rating_crosstab_has_its_values_and_mean(fresh: Store) -> None:
    wave = fresh.wave(MILAN_WAVE)
    frame = wide_answers(fresh, MILAN_WAVE)
    ct = crosstab(fresh, wave, load_survey(MILAN).question("interesse_spid"), by="classe")
    overall = ct.groups[ct.groups["whole"]].iloc[0]
    assert overall["mean"] == pytest.approx(frame["interesse_spid"].mean())
    values = ct.counts[ct.counts["whole"]].set_index("key")["count"].to_dict()
    assert values == {str(int(k)): v for k, v in
                      frame["interesse_spid"].value_counts().to_dict().items()}
    means = ct.groups[~ct.groups["whole"]].set_index("grp")["mean"]
    assert round(means["lt5000"], 2) == 3.18 and round(means["10000_30000"], 2) == 3.91


def test_a_number_crosstab_bins_every_answer(fresh: Store) -> None:
    wave = fresh.wave(MILAN_WAVE)
    ct = crosstab(fresh, wave, load_survey(MILAN).question("fornitori"))
    assert ct.counts["count"].sum() == ct.n == 59
    assert ct.counts["key"].tolist()[0] == "1"  # 1 to 20 suppliers: each value a bar
    assert number_bins(0, 250) == [(float(lo), float(lo + 25)) for lo in range(0, 250, 25)] \
        + [(250.0, 275.0)]
    # one answer far above the rest (Milano's IT staff): bars up to the 95th percentile,
    # then one open bar
    assert number_bins(0, 180, 10.4) == [(float(v), float(v)) for v in range(11)] + [
        (11.0, float("inf"))]
    staff = crosstab(fresh, wave, load_survey(MILAN).question("addetti_it"))
    assert staff.counts["count"].sum() == 59 and staff.counts["key"].iloc[0] == "0"
    assert int(staff.counts.set_index("key")["count"]["0"]) == 21


def test_filters_narrow_the_respondents(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    question = load_survey(TORINO).question("q22")
    only_unioni = crosstab(fresh, wave, question, filters=Filters(kind="unione"))
    assert only_unioni.n == 2 and bool(only_unioni.groups["small"].iloc[0])
    big = crosstab(fresh, wave, question, filters=Filters(classes=("3",)))
    assert big.n == int((respondents(fresh, TORINO_WAVE)["classe_popolazione"] == "3").sum())
    zone = crosstab(fresh, wave, question, filters=Filters(zones=("AMT Nord",)))
    assert zone.n == int((respondents(fresh, TORINO_WAVE)["zona_omogenea"] == "AMT Nord").sum())
    findings = evaluate_findings_sql(fresh, wave, filters=Filters(kind="unione"))
    assert all(r.total + r.missing == 2 for r in findings)


def test_free_text_answers_are_listed_and_searchable(fresh: Store) -> None:
    wave = fresh.wave(MILAN_WAVE)
    question = load_survey(MILAN).question("buone_pratiche")
    everything = crosstab(fresh, wave, question)
    assert len(everything.texts) == everything.n > 0
    found = crosstab(fresh, wave, question, search="timbro")
    assert set(found.texts["ente"]) == {"Rho"} or "timbro" in " ".join(found.texts["text"])
    assert all("timbro" in t.lower() for t in found.texts["text"])
    assert found.texts["source_cell"].str.startswith("Risposte!").all()
    # LIKE's wildcards are literal text in a search
    assert crosstab(fresh, wave, question, search="%").texts.empty


def test_a_findings_entities_with_their_source_cells(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    finding = load_survey(TORINO).finding("criticita_connessione")
    entities = finding_entities(fresh, wave, finding)
    assert len(entities) == 36
    assert int(entities["meets"].sum()) == 10
    assert entities["meets"].head(10).all()  # those meeting the condition first
    assert entities["source_file"].eq("risposte_sintetiche_2023.xlsx").all()
    assert entities["source_cell"].str.fullmatch(r"Risposte![A-Z]+\d+").all()
    assert set(entities.loc[entities["meets"], "raw"]) == {"Sì"}


def test_coverage_against_the_territory(fresh: Store) -> None:
    cover = coverage(fresh, fresh.wave(TORINO_WAVE))
    assert (cover.respondents, cover.comuni) == (36, 312)
    # the two Unioni cover their members: more Comuni than respondents
    assert cover.covered == 312 - len(cover.missing) > 36 - 2
    assert cover.by_zone["comuni"].sum() == cover.by_class["comuni"].sum() == 312
    assert cover.by_class["grp"].tolist() == ["1", "2", "3"]
    assert "Torino" in set(cover.missing["comune"])  # the capital did not answer
    milan = coverage(fresh, fresh.wave(MILAN_WAVE))
    assert (milan.respondents, milan.comuni, milan.covered) == (59, 133, 59)


def test_personal_answers_only_on_request(fresh: Store) -> None:
    wave = fresh.wave(MILAN_WAVE)
    survey = load_survey(MILAN)
    assert "compilatore" not in visible_sections(survey, include_personal=False)
    assert "compilatore" in visible_sections(survey, include_personal=True)
    codes = [ct.question.code for ct in section_crosstabs(fresh, wave, survey, "compilatore")]
    assert codes == []
    finding = survey.finding("senza_addetti_it")
    plain = finding_entities(fresh, wave, finding)
    assert not [c for c in plain.columns if c.startswith("personal_")]
    assert not plain.astype(str).apply(lambda c: c.str.contains("@example.invalid")).any().any()
    editor = finding_entities(fresh, wave, finding, include_personal=True)
    assert editor["personal_compilatore_email"].str.endswith("@example.invalid").all()
    with pytest.raises(ValueError):
        long_rows(crosstab(fresh, wave, survey.question("compilatore_email")), str, "it")


def test_the_latest_wave_with_answers(fresh: Store) -> None:
    assert latest_wave_with_answers(fresh, TORINO).slug == TORINO_WAVE  # not the seed's
    assert latest_wave_with_answers(fresh, MILAN).slug == MILAN_WAVE


def test_the_link_choice_round_trips_and_bad_values_are_noted() -> None:
    survey = load_survey(TORINO)
    choice = RisposteChoice(section="infrastrutture", by="zona", classes=("1", "3"),
                            zones=("AMT Nord",), kind="comune", search="fibra",
                            finding="connettivita_soddisfatti")
    again, notes = choice_from_params(choice_to_params(choice), survey)
    assert again == choice and notes == []
    bad, notes = choice_from_params({"rsez": "nope", "rby": "=HYPERLINK(1)", "rcl": ["9", "2"],
                                     "rf": "<b>x</b>"}, survey)
    assert bad == RisposteChoice(classes=("2",))
    assert {n.params["name"] for n in notes} == {"rsez", "rby", "rcl", "rf"}


def test_the_csv_has_a_decimal_comma_or_point_and_no_formula(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    survey = load_survey(TORINO)
    tabs = section_crosstabs(fresh, wave, survey, "infrastrutture", by="tipo")
    text = csv_text(tabs, str, "it", "it")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["N. domanda", "Domanda", "Risposta"]
    molto = next(r for r in rows if r[2] == "Molto soddisfatto" and r[3] == "Tutti")
    assert molto[4:7] == ["18", "36", "0,5"]
    english = list(csv.reader(io.StringIO(csv_text(tabs, str, "en", "en"))))
    assert next(r for r in english if r[2] == "Molto soddisfatto" and r[3] == "All")[6] == "0.5"
    hostile = csv_text(tabs, lambda key: "=HYPERLINK(\"x\")", "it", "it")
    assert ";=HYPERLINK" not in hostile and "'=HYPERLINK" in hostile


def test_the_excel_file_is_formula_safe_and_labels_the_example(fresh: Store) -> None:
    wave = fresh.wave(TORINO_WAVE)
    survey = load_survey(TORINO)
    tabs = section_crosstabs(fresh, wave, survey, "infrastrutture")
    data = build_risposte_workbook(survey, wave, tabs, findings_view(fresh, wave, by="tipo"),
                                   coverage(fresh, wave), lambda key: "=1+1", "it",
                                   link="http://localhost/Risposte")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Informazioni", "Risultati principali", "Risposte",
                               "Copertura", "Comuni senza risposta"]
    about = [c.value for row in book["Informazioni"].iter_rows() for c in row if c.value]
    assert any("Dati sintetici" in str(v) for v in about)
    findings = list(book["Risultati principali"].iter_rows(values_only=True))
    assert findings[1][0] == "connettivita_soddisfatti" and findings[1][4:6] == (26, 36)
    assert findings[2][2:6] == ("Comune", None, 24, 34)  # then its groups, by kind
    assert findings[3][2:6] == ("Unione di Comuni", None, 2, 2)
    cells = [c for row in book["Risposte"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert len(list(book["Comuni senza risposta"].iter_rows())) == 1 + len(
        coverage(fresh, wave).missing)


def test_a_breakdown_for_findings_replaces_the_declared_one() -> None:
    survey = load_survey(MILAN)
    spid = survey.finding("spid_interesse")
    assert with_breakdown(spid, survey, "zona").by == "zona_omogenea"
    assert with_breakdown(spid, survey, "").by == "classe_popolazione"
    assert with_breakdown(spid, survey, "tipo").by == "tipo"


def test_selected_or_not_in_the_matrix_scenario(fresh: Store) -> None:
    from metrodigital.ranking import evaluate
    from metrodigital.scenario import Scenario

    wave = fresh.wave(TORINO_WAVE)
    chosen = tuple(evaluate(fresh, Scenario(wave=TORINO_WAVE, top=10)).selected_ids)
    assert len(chosen) == 10
    ct = crosstab(fresh, wave, load_survey(TORINO).question("q22"), by="sel",
                  filters=Filters(selection=chosen))
    groups = ct.groups[~ct.groups["whole"]]
    assert groups["grp"].tolist() == ["sel", "out"] and groups["n"].tolist() == [10, 26]
    frame = wide_answers(fresh, TORINO_WAVE)
    inside = frame[frame["entity_id"].isin(chosen)]["q22"].value_counts().to_dict()
    counted = ct.counts[ct.counts["grp"] == "sel"].set_index("key")["count"].to_dict()
    assert counted == inside
    view = findings_view(fresh, wave, by="sel", filters=Filters(selection=chosen))[1]
    assert [(g.key, g.label, g.total) for g in view.groups] == [
        ("sel", "Selezionati", 10), ("out", "Non selezionati", 26)]
    assert sum(g.count or 0 for g in view.groups) == view.result.count == 10
