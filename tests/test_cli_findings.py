"""``python -m metrodigital findings``: the Risposte page's headline findings from the
command line, the same numbers (same SQL), in table, JSON and CSV; personal data only with
``--include-personal``; clear messages for bad arguments."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrodigital.answers_sql import findings_view
from metrodigital.cli import main
from metrodigital.store import Store

TORINO, MILAN = "metrodigital-2022", "ponmetro-milano-2017"


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("findings-cli") / "app.duckdb"
    Store(path).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        yield path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["findings", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_without_a_wave_the_latest_wave_with_answers_gives_the_eight_figures(
        fresh_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--survey", TORINO, "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert data["wave"] == "metrodigital-2023-risposte" and data["example"] is True
    figures = {f["key"]: (f["count"], f["total"]) for f in data["findings"]}
    assert figures == {"connettivita_soddisfatti": (26, 36), "criticita_connessione": (10, 36),
                       "infrastruttura_non_so": (10, 36), "centrale_committenza": (23, 36),
                       "suolo_pubblico": (22, 36), "pnrr_tutti_gli_avvisi": (9, 36),
                       "open_data_non_conosciuti": (24, 36),
                       "senza_interoperabilita": (28, 36)}
    assert data["findings"][0]["sentence"] == (
        "Il 72% degli enti è soddisfatto della qualità della connettività (26 su 36).")


def test_the_same_numbers_as_the_page(fresh_db: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--survey", MILAN, "--by", "zona", "--format", "json")
    assert status == 0, err
    store = Store(fresh_db, read_only=True)
    try:
        page = findings_view(store, store.wave("pon-metro-milano-2017"), by="zona")
    finally:
        store.close()
    data = json.loads(out)["findings"]
    for item, view in zip(data, page, strict=True):
        assert item["sentence"] == view.result.sentence("it")
        assert item["mean"] == view.result.mean and item["count"] == view.result.count
        assert [(g["key"], g["total"], g["count"]) for g in item["groups"]] == [
            (g.key, g.total, g.count) for g in view.groups]
    spid = data[0]
    assert round(spid["mean"], 2) == 3.69 and spid["sentence"].startswith(
        "Interesse medio per SPID: 3,69 su 5 (per classe di popolazione: < 5.000 3,18;")


def test_the_table_and_the_csv(fresh_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--survey", MILAN, "--by", "classe", "--lang", "en")
    assert status == 0
    assert "• Average interest in SPID: 3.69 out of 5" in out
    assert "    < 5,000: 3.18 (n = 11)" in out
    assert "• 19 Comuni (32%) spend €25,001 to €50,000 a year on IT." in out
    status, out, _ = run(capsys, "--survey", TORINO, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    first = rows[0]
    assert (first["finding"], first["count"], first["n"]) == ("connettivita_soddisfatti",
                                                             "26", "36")


def test_personal_data_only_with_include_personal(fresh_db: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for args in (("--entities",), ("--include-personal",), ()):
        for out_format in ("table", "json", "csv"):
            status, out, _ = run(capsys, "--survey", MILAN, *args, "--format", out_format)
            assert status == 0
            assert "@example.invalid" not in out and "Referente sintetico" not in out, args
    status, out, _ = run(capsys, "--survey", MILAN, "--entities", "--format", "json")
    entities = json.loads(out)["findings"][1]["entities"]
    assert len(entities) == 59 and sum(bool(e["meets"]) for e in entities) == 21
    assert all(e["source_cell"].startswith("Risposte!") for e in entities)
    status, out, _ = run(capsys, "--survey", MILAN, "--entities", "--include-personal",
                         "--format", "json")
    entities = json.loads(out)["findings"][1]["entities"]
    assert all(e["compilatore_email"].endswith("@example.invalid") for e in entities)


def test_bad_arguments_are_messages(fresh_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--survey", TORINO, "--wave", "metrodigital-2023")
    assert status == 2 and not out
    assert "non contiene risposte" in err and "Traceback" not in err
    status, _, err = run(capsys, "--survey", TORINO, "--wave", "nessuna")
    assert status == 2 and "nessuna" in err
    status, _, err = run(capsys, "--survey", "nessuna-indagine")
    assert status == 2 and "nessuna-indagine" in err
    with pytest.raises(SystemExit) as exit_code:
        main(["findings", "--survey", TORINO, "--by", "regione"])
    assert exit_code.value.code == 2
