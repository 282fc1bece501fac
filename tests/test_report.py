"""The Excel report: its sheets, its numbers, its formatting, and no formula injection."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrodigital.analysis import analyse
from metrodigital.cli import main
from metrodigital.criteria import criterion_keys
from metrodigital.ranking import evaluate
from metrodigital.report import build_report, safe_cell
from metrodigital.scenario import Scenario
from metrodigital.store import SEED_WAVE_SLUG, Store


@pytest.mark.parametrize("text", ["=1+1", "+39 011", "-SUM(A1)", "@cmd", "\t=x", "\r=x"])
def test_text_that_a_spreadsheet_would_evaluate_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Comune di Mazzè") == "Comune di Mazzè"
    assert safe_cell(-3) == -3


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
    assert main(["report", "--data", str(path), "--out", str(out), "--draws", "500"]) == 0
    book = load_workbook(out)
    names = [c.value for c in book["Graduatoria"]["B"][1:]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(c.data_type != "f" for row in book["Graduatoria"].iter_rows() for c in row)


def test_report_refuses_a_non_xlsx_target(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path / "r.pdf")]) == 2
    assert ".xlsx" in capsys.readouterr().err
