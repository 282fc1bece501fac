"""``python -m metrodigital catalogue``: the Catalogo page's numbers from the command line,
and clear messages (never a traceback) for bad arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from metrodigital.catalogue import choice_from_params, rank_for_survey, source_choice
from metrodigital.cli import main
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.registry import load_survey
from tests.conftest import PROJECT_DIR

SURVEY = "ponmetro-milano-2017"


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh database: the synthetic Milan example is published as a wave of its survey."""
    path = tmp_path_factory.mktemp("catalogue-cli") / "app.duckdb"
    Store(path).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        yield path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["catalogue", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    status, out, err = run(capsys, "--survey", SURVEY, *args, "--format", "json")
    assert status == 0, err
    return json.loads(out)


def test_the_source_exclusions_give_pagopa_fascicolo_sisa(fresh_db, capsys) -> None:
    out = run_json(capsys)
    assert list(out) == ["scenario", "services"]
    scenario = out["scenario"]
    assert scenario["survey"] == SURVEY and scenario["top"] == 3 and scenario["by"] == "equal"
    assert [e["code"] for e in scenario["exclusions"]] == ["spid", "opendata", "geoportale"]
    services = out["services"]
    assert [s["service"] for s in services if s["chosen"]] == [
        "PagoPA", "Fascicolo del Cittadino",
        "SISA – Sistema informativo dei Servizi Socio-Assistenziali"]
    assert [s["rank"] for s in services] == sorted(s["rank"] for s in services)  # rank order
    for item in services:
        assert {"code", "service", "score", "rank", "chosen", "excluded",
                "tied_at_cutoff"} <= set(item)
        assert (item["excluded"] is None) == (item["code"] not in
                                              {"spid", "opendata", "geoportale"})
    spid = next(s for s in services if s["code"] == "spid")
    assert spid["excluded"].startswith("incentivi regionali") and round(spid["score"], 2) == 3.69
    assert services[0]["code"] == "pagopa"  # the best score of the survey


def test_cli_and_page_domain_give_the_same_numbers(fresh_db, capsys) -> None:
    out = run_json(capsys, "--top", "2", "--by", "residents", "--exclude", "spid",
                   "--exclude", "pagopa=già attivo: ne parliamo=dopo")
    survey = load_survey(SURVEY)
    store = Store(fresh_db)
    try:
        wave = next(w for w in store.waves() if w.survey_id == SURVEY)
        answers = wide_answers(store, wave.slug)
    finally:
        store.close()
    # the link the command prints reopens the same choice on the page
    link = urlsplit(out["scenario"]["link"])
    assert link.path == "/Catalogo"
    choice, notes = choice_from_params(parse_qs(link.query), survey)
    assert notes == [] and choice.top == 2 and choice.by == "residents"
    result = rank_for_survey(answers, survey, choice)
    table = result.ranking.table
    assert [s["code"] for s in out["services"]] == table["code"].tolist()
    assert [s["score"] for s in out["services"]] == pytest.approx(table["mean"].tolist())
    assert [s["chosen"] for s in out["services"]] == table["chosen"].tolist()
    pagopa = next(s for s in out["services"] if s["code"] == "pagopa")
    assert pagopa["excluded"] == "già attivo: ne parliamo=dopo" and not pagopa["chosen"]


def test_the_table_in_italian_and_english(fresh_db, capsys) -> None:
    status, out, _ = run(capsys, "--survey", SURVEY)
    assert status == 0
    assert "dati sintetici" in out.splitlines()[0]  # the example wave says what it is
    assert "Interesse medio (1–5)" in out and "4,20" in out and "78%" in out
    assert "Catalogo: PagoPA, Fascicolo del Cittadino e SISA" in out
    assert "Link: http://localhost:8501/Catalogo?survey=ponmetro-milano-2017" in out
    status, out, _ = run(capsys, "--survey", SURVEY, "--exclude", "none", "--lang", "en")
    assert status == 0
    assert "Mean interest (1–5)" in out and "4.20" in out and "synthetic" in out
    assert "Catalogue: PagoPA, Fascicolo del Cittadino and Open Data" in out
    assert "cx=none" in out


def test_a_tie_at_the_cutoff_is_said(fresh_db, capsys, monkeypatch) -> None:
    import metrodigital.surveys.answers as answers

    original = answers.wide_answers

    def tied(store, slug, **kwargs):
        frame = original(store, slug, **kwargs)
        return frame.assign(interesse_sisa=frame["interesse_fascicolo"])

    monkeypatch.setattr(answers, "wide_answers", tied)
    out = run_json(capsys, "--top", "2", "--exclude", "none")
    assert [s["code"] for s in out["services"] if s["tied_at_cutoff"]] == ["fascicolo", "sisa"]
    assert out["scenario"]["tie"]["places"] == [2, 3]
    assert "Parità al limite" in out["scenario"]["outcome"]


def test_the_excel_file_is_written_whole(fresh_db, capsys, tmp_path) -> None:
    status, _, err = run(capsys, "--survey", SURVEY, "--out", str(tmp_path))
    assert status == 0, err
    (written,) = tmp_path.glob("catalogo_*.xlsx")
    book = openpyxl.load_workbook(written)
    params = {row[0].value: row[1].value for row in book["Parametri"].iter_rows(min_row=2)}
    assert params["Link allo scenario"].startswith("http://localhost:8501/Catalogo?")
    assert params["Dati sintetici"].startswith("SÌ")
    status, _, err = run(capsys, "--survey", SURVEY, "--out", str(tmp_path / "x.csv"))
    assert status == 2 and ".xlsx" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--survey", "nope"], "«nope» non è un'indagine conosciuta"),
    (["--survey", "metrodigital-2022"],
     "non propone servizi da votare: non ha un catalogo. Indagini con un catalogo: "
     "ponmetro-milano-2017"),
    (["--survey", SURVEY, "--top", "9"], "l'indagine propone 6 servizi"),
    (["--survey", SURVEY, "--exclude", "zzz"], "--exclude «zzz»: non è un servizio"),
    (["--survey", SURVEY, "--exclude", "pagopa"], "--exclude pagopa=MOTIVO"),
    (["--survey", SURVEY, "--wave", "nessuna"], "L'ondata «nessuna» non c'è"),
])
def test_bad_arguments_stop_with_a_clear_message(fresh_db, capsys, args, message) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2
    assert message in err and out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["--survey", SURVEY, "--by", "people"], "argument --by: invalid choice: 'people'"),
    (["--survey", SURVEY, "--top", "0"], "argument --top: “0” is out of range"),
    (["--top", "2"], "the following arguments are required: --survey"),
])
def test_bad_options_are_refused_by_the_parser_in_the_language(capsys, args, message) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["catalogue", *args, "--lang", "en"])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_runs_as_a_module_without_traceback(fresh_db) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "metrodigital", "catalogue", "--survey", SURVEY, "--exclude",
         "sisa", "--lang", "en"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "METRODIGITAL_DB": str(fresh_db)})
    assert done.returncode == 2
    assert "--exclude sisa=REASON" in done.stderr and "Traceback" not in done.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "metrodigital", "catalogue", "--help"], cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=120).stdout
    assert "--exclude CODICE[=MOTIVO]" in help_text and "--by {equal,residents}" in help_text


def test_the_defaults_match_the_link_defaults() -> None:
    survey = load_survey(SURVEY)
    choice, _ = choice_from_params({}, survey)
    assert choice == source_choice(survey)
