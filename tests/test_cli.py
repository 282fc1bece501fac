"""The command line gives the same numbers as the UI, and refuses bad arguments clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from metrodigital.cli import main
from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.paths import DATA_DIR
from metrodigital.ranking import evaluate
from metrodigital.scenario import Scenario
from metrodigital.store import Store
from tests.conftest import PROJECT_DIR


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["rank", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_shape_and_the_tie(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys)
    assert set(out) >= {"scenario", "ranking", "warnings"}
    assert out["scenario"] == {"wave": "metrodigital-2023", "weights": seed_weights(),
                               "top": 12, "ties": "all", "quotas": []}
    ranking = out["ranking"]
    assert len(ranking) == 36
    assert set(ranking[0]) == {"rank", "ente", "score", "selected", "tied_at_cutoff",
                               "contributions"}
    assert ranking[0] == {
        "rank": 1, "ente": "Unione dei Comuni Nord Est Torino", "score": 252, "selected": True,
        "tied_at_cutoff": False,
        "contributions": {"anagrafica": 6, "infrastrutture": 30, "organizzazione": 24,
                          "servizi": 145, "pnrr": 15, "dati": 15, "conclusione": 5,
                          "popolazione": 12},
    }
    tied = [r["ente"] for r in ranking if r["tied_at_cutoff"]]
    assert tied == ["Comune di Mazzè", "Comune di Sant'Ambrogio di Torino",
                    "Comune di Albiano d'Ivrea"]
    assert sum(r["selected"] for r in ranking) == 13
    assert [r["rank"] for r in ranking][10:13] == [11, 11, 11]
    assert any("193" in w and "13 enti" in w for w in out["warnings"])
    assert out["ties"]["outcome"] == "all_included"


def test_cli_and_domain_give_the_same_numbers(capsys: pytest.CaptureFixture[str],
                                              store: Store) -> None:
    out = run_json(capsys, "--weights", "servizi=3,popolazione=0.5", "--top", "8",
                   "--ties", "criteria:infrastrutture,servizi")
    assert out["scenario"]["weights"]["servizi"] == 3
    assert out["scenario"]["weights"]["popolazione"] == 0.5
    assert out["scenario"]["weights"]["anagrafica"] == 2  # partial weights keep the defaults
    assert out["scenario"]["ties"] == "criteria:infrastrutture,servizi"
    selection = evaluate(store, Scenario(
        weights={**seed_weights(), "servizi": 3, "popolazione": 0.5}, top=8))
    expected = selection.table
    assert [r["ente"] for r in out["ranking"]] == expected["ente"].tolist()
    assert [r["score"] for r in out["ranking"]] == pytest.approx(expected["score"].tolist())
    assert [r["rank"] for r in out["ranking"]] == expected["rank"].tolist()


def test_data_file_csv_and_xlsx_rank_like_the_seed(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    from_seed = run_json(capsys)
    from_csv = run_json(capsys, "--data", str(DATA_DIR / "seed_matrix.csv"))
    assert from_csv["ranking"] == from_seed["ranking"]
    assert from_csv["warnings"] == from_seed["warnings"]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ente", *criterion_keys()])  # no final-score column: it is optional
    csv_lines = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8").splitlines()
    import csv
    for row in csv.DictReader(csv_lines):
        sheet.append([row["ente"], *(int(row[k]) for k in criterion_keys())])
    path = tmp_path / "matrice.xlsx"
    book.save(path)
    from_xlsx = run_json(capsys, "--data", str(path))
    assert from_xlsx["ranking"] == from_seed["ranking"]


def test_bad_cells_in_a_data_file_are_reported_by_place(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("ente," + ",".join(criterion_keys()) + "\n"
                    "Comune di Alfa,3,x,1,1,1,1,1,1\n"
                    "Comune di Beta,3,1,-2,1,1,1,1,1\n", encoding="utf-8")
    assert main(["rank", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert "C2: «x» non è un numero" in err
    assert "D3: «-2» è negativo" in err


def test_a_wrong_final_score_is_a_warning(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    text = (DATA_DIR / "seed_matrix.csv").read_text(encoding="utf-8")
    path.write_text(text.replace(",3,96\n", ",3,97\n"), encoding="utf-8")
    out = run_json(capsys, "--data", str(path))
    assert any("97" in w and "96" in w for w in out["warnings"])


@pytest.mark.parametrize("args", [
    ["--weights", "servizi=abc"],
    ["--weights", "nonesiste=3"],
    ["--weights", "servizi=-1"],
    ["--top", "0"],
    ["--top", "dodici"],
    ["--ties", "random"],
    ["--ties", "criteria:"],
    ["--ties", "criteria:servizi,boh"],
    ["--format", "pdf"],
    ["--data", "x.csv", "--wave", "w"],
])
def test_bad_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str],
                                             args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["rank", *args])
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unknown_wave_and_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "--wave", "non-esiste"]) == 2
    assert "non trovata" in capsys.readouterr().err
    assert main(["rank", "--data", "/non/esiste.csv"]) == 2
    assert "file non trovato" in capsys.readouterr().err


def test_csv_and_table_formats_carry_the_tie_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("rank,ente,score,selected,tied_at_cutoff,")
    assert "11,Comune di Mazzè,193,True,True" in lines[11]
    assert "Pareggio al taglio" in captured.err
    assert main(["rank", "--lang", "en"]) == 0
    assert "Tie at the cut-off" in capsys.readouterr().out


def test_python_dash_m_runs_as_a_program(tmp_path: Path) -> None:
    env = {**os.environ, "METRODIGITAL_DB": str(tmp_path / "cli.duckdb")}
    result = subprocess.run(
        [sys.executable, "-m", "metrodigital", "rank", "--top", "3", "--format", "json"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert sum(r["selected"] for r in json.loads(result.stdout)["ranking"]) == 3
    bad = subprocess.run([sys.executable, "-m", "metrodigital", "rank", "--top", "x"],
                         cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
                         timeout=120, env=env)
    assert bad.returncode == 2 and "--top" in bad.stderr


def test_a_database_locked_by_the_running_app_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from metrodigital.store import Store; "
         f"s = Store({str(path)!r}); print('ready', flush=True); time.sleep(60)"],
        cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        env = {**os.environ, "METRODIGITAL_DB": str(path)}
        result = subprocess.run([sys.executable, "-m", "metrodigital", "rank"],
                                cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
                                timeout=120, env=env)
        assert result.returncode == 2
        assert "è in uso da un altro programma" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def _cli_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "METRODIGITAL_DB": str(tmp_path / "cli.duckdb")}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrodigital", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, check=False, timeout=120, env=env)


def test_validate_and_import_a_file_then_rank_its_wave(tmp_path: Path) -> None:
    from tests.test_ingest import seed_rows, xlsx

    env = _cli_env(tmp_path)
    good = tmp_path / "nuova.xlsx"
    good.write_bytes(xlsx([["ente", *criterion_keys()], *seed_rows()]))
    assert _run(["validate", str(good)], env).returncode == 0
    imported = _run(["import", str(good), "--wave", "Ondata 2025", "--date", "2025-05-01"], env)
    assert imported.returncode == 0, imported.stderr
    assert "--wave ondata-2025" in imported.stdout
    ranked = _run(["rank", "--wave", "ondata-2025", "--format", "json"], env)
    assert json.loads(ranked.stdout)["ranking"][0]["score"] == 252


def test_an_invalid_file_exits_1_and_leaves_the_database_untouched(tmp_path: Path) -> None:
    from tests.test_ingest import seed_rows, xlsx

    env = _cli_env(tmp_path)
    rows = seed_rows()[:3]
    rows[1][4] = "forse"
    bad = tmp_path / "rotta.xlsx"
    bad.write_bytes(xlsx([["ente", *criterion_keys()], *rows]))
    checked = _run(["validate", str(bad)], env)
    assert checked.returncode == 1
    assert "Foglio1!E3: «forse» non è un numero" in checked.stdout
    imported = _run(["import", str(bad), "--wave", "Rotta"], env)
    assert imported.returncode == 1
    with Store(tmp_path / "cli.duckdb") as store:
        assert [w.slug for w in store.waves()] == ["metrodigital-2023"]
    missing = _run(["validate", str(tmp_path / "non-esiste.xlsx")], env)
    assert missing.returncode == 1 and "file non trovato" in missing.stderr


def test_robustness_json_is_reproducible_and_its_tipping_points_hold(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["robustness", "--draws", "2000", "--seed", "11"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["robustness", "--draws", "2000", "--seed", "11"]) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert first["scenario"]["seed"] == 11 and first["scenario"]["spread"] == 1
    entities = {e["ente"]: e for e in first["entities"]}
    assert len(entities) == 36
    strambino = entities["Comune di Strambino"]
    assert set(strambino) >= {"ente", "p_selected", "rank_p05", "rank_p50", "rank_p95",
                              "best_rank", "worst_rank", "tipping"}
    assert {"criterion": "infrastrutture", "from": 3.0, "to": 5, "effect": "enters"} \
        in strambino["tipping"]
    for entity in first["entities"]:
        if entity["worst_rank"] <= 12:
            assert entity["p_selected"] == 1
        if entity["best_rank"] > 12:
            assert entity["p_selected"] == 0
        assert entity["best_rank"] <= entity["rank_p05"] <= entity["rank_p50"] \
            <= entity["rank_p95"] <= entity["worst_rank"]
    # every tipping point re-ranks as announced (the CLI's rank uses the same store)
    for name in ("Comune di Strambino", "Comune di Mazzè"):
        for tip in entities[name]["tipping"]:
            assert main(["rank", "--weights", f"{tip['criterion']}={tip['to']}",
                         "--format", "json"]) == 0
            ranking = json.loads(capsys.readouterr().out)["ranking"]
            selected = next(r["selected"] for r in ranking if r["ente"] == name)
            assert selected == (tip["effect"] == "enters"), (name, tip)


@pytest.mark.parametrize("args", [["--spread", "9"], ["--draws", "0"], ["--seed", "x"]])
def test_robustness_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str],
                                         args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["robustness", *args])
    assert exit_info.value.code == 2


def test_rank_with_a_quota(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "--quota", "pop1>=2")
    assert out["scenario"]["quotas"] == ["pop1>=2"]
    selected = [r["ente"] for r in out["ranking"] if r["selected"]]
    # the quota takes one of the two places the tie at 193 had: the rule "all" keeps all three
    assert len(selected) == 14 and "Comune di Angrogna" in selected
    assert out["ties"]["outcome"] == "all_included"
    assert any("Le quote decidono" in w for w in out["warnings"])
    broken = run_json(capsys, "--quota", "pop1>=2", "--ties", "criteria:servizi")
    selected = [r["ente"] for r in broken["ranking"] if r["selected"]]
    assert len(selected) == 12 and "Comune di Angrogna" in selected
    assert "Comune di Albiano d'Ivrea" in selected  # 19 points on Servizi, the most of the three
    with pytest.raises(SystemExit):
        main(["rank", "--quota", "pop1=2"])
