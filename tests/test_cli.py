"""The command line gives the same numbers as the UI, and refuses bad arguments clearly."""

from __future__ import annotations

import csv
import io
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
    shares = {k: w / 29 for k, w in seed_weights().items()}
    assert out["scenario"] == {"survey": "metrodigital-2022", "wave": "metrodigital-2023",
                               "weights": seed_weights(), "reference_weights": seed_weights(),
                               "shares": pytest.approx(shares), "top": 12, "ties": "all",
                               "picks": [], "quotas": [], "normalisation": "raw"}
    ranking = out["ranking"]
    assert len(ranking) == 36
    assert set(ranking[0]) == {"rank", "entity_id", "ente", "score", "seed_rank",
                               "rank_change", "selected", "tied_at_cutoff", "contributions"}
    assert ranking[0] == {
        "rank": 1, "entity_id": "unione-nord-est-torino",
        "ente": "Unione dei Comuni Nord Est Torino", "score": 252, "seed_rank": 1,
        "rank_change": 0, "selected": True, "tied_at_cutoff": False,
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
    assert "L'ondata «non-esiste» non c'è nel database" in capsys.readouterr().err
    assert main(["rank", "--data", "/non/esiste.csv"]) == 2
    assert "file non trovato" in capsys.readouterr().err


def test_csv_and_table_formats_carry_the_tie_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("rank,entity_id,ente,score,seed_rank,rank_change,selected,"
                               "tied_at_cutoff,")
    assert "11,mazze,Comune di Mazzè,193,11,0,True,True" in lines[11]
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
    assert checked.stdout.endswith("\n2 enti letti; 1 errore, 0 avvisi.\n")
    imported = _run(["import", str(bad), "--wave", "Rotta"], env)
    assert imported.returncode == 1
    with Store(tmp_path / "cli.duckdb") as store:  # the fresh database's waves only
        assert [w.slug for w in store.waves()] == [
            "metrodigital-2023", "metrodigital-2023-risposte", "pon-metro-milano-2017"]
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


# -- help and messages: one language each, every option described, defaults shown ---------
COMMANDS = ["rank", "robustness", "report", "validate", "import"]
# words only argparse's English or only the Italian catalogue would write
ENGLISH_ONLY = ["usage:", "options:", "show this help", "default:", "error:", "argument "]
ITALIAN_ONLY = ["uso:", "opzioni:", "mostra questo aiuto", "predefinito:", "errore:",
                "argomento "]


def help_text(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_in_one_language_and_describes_every_option(
        capsys: pytest.CaptureFixture[str], command: str, lang: str) -> None:
    from metrodigital.cli import argv_lang, build_parser

    text = help_text(capsys, command, "--lang", lang)
    for word in (ITALIAN_ONLY if lang == "en" else ENGLISH_ONLY):
        assert word not in text, (word, text)
    parser = build_parser(argv_lang(["--lang", lang]))
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[attr-defined]
    for action in sub._actions:
        assert action.help, (command, action.option_strings or action.dest)
        if action.default not in (None, [], {}, False, "==SUPPRESS==") and action.option_strings:
            assert action.option_strings[0] in text
            assert ("predefinito:" if lang == "it" else "default:") in action.help
    default_top = "(predefinito: 12)" if lang == "it" else "(default: 12)"
    if command in ("rank", "robustness", "report"):
        assert default_top in " ".join(text.split())


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("args", [
    ["rank", "--top", "x"], ["rank", "--weights", "nope=1"], ["rank", "--ties", "random"],
    ["rank", "--quota", "pop1=2"], ["rank", "--format", "pdf"], ["report"],
    ["import", "f.csv", "--wave", "w", "--date", "2025-13-01"], ["rnak"],
])
def test_bad_arguments_are_refused_in_the_chosen_language(
        capsys: pytest.CaptureFixture[str], args: list[str], lang: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--lang", lang])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    for word in (ITALIAN_ONLY if lang == "en" else ENGLISH_ONLY):
        assert word not in err, (word, err)
    assert ("errore:" if lang == "it" else "error:") in err


def test_lang_before_the_command_counts_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "rank", "--top", "3"]) == 0
    assert "No tie across the cut-off" in capsys.readouterr().out


def test_ties_take_the_criteria_codes_of_weights(capsys: pytest.CaptureFixture[str]) -> None:
    by_code = run_json(capsys, "--ties", "criteria:ser,inf", "--weights", "ser=4")
    by_key = run_json(capsys, "--ties", "criteria:servizi,infrastrutture",
                      "--weights", "servizi=4")
    assert by_code == by_key
    assert by_code["scenario"]["ties"] == "criteria:servizi,infrastrutture"


def test_normalisation_and_picks_give_the_numbers_the_ui_gives(
        capsys: pytest.CaptureFixture[str], store: Store) -> None:
    from metrodigital.scenario import Normalisation, TieRule

    out = run_json(capsys, "--norm", "share", "--top", "10")
    expected = evaluate(store, Scenario(normalisation=Normalisation.SHARE, top=10)).table
    assert [r["score"] for r in out["ranking"]] == pytest.approx(expected["score"].tolist())
    assert [r["rank_change"] for r in out["ranking"]] == expected["rank_change"].tolist()
    assert [r["selected"] for r in out["ranking"]] == expected["selected"].tolist()
    assert any("rispetto ai punti grezzi entrano" in w for w in out["warnings"])
    picked = run_json(capsys, "--ties", "choice", "--pick", "mazze",
                      "--pick", "albiano-d-ivrea")
    ui = evaluate(store, Scenario(ties=TieRule.CHOICE, picks=("mazze", "albiano-d-ivrea")))
    assert picked["ties"]["outcome"] == ui.ties.outcome == "chosen"
    assert [r["entity_id"] for r in picked["ranking"] if r["selected"]] == ui.selected_ids
    assert "mazze" in ui.selected_ids and "sant-ambrogio-di-torino" not in ui.selected_ids
    assert main(["rank", "--pick", "mazze"]) == 2  # a pick needs the rule "choice"
    assert "--pick vale solo con --ties choice" in capsys.readouterr().err
    assert main(["rank", "--ties", "choice", "--pick", "nessuno"]) == 2
    assert "nessuno non è l'identificativo" in capsys.readouterr().err


def test_table_rounds_scores_as_the_page_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "--norm", "minmax", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["Rank", "Change", "Entity"]
    first = lines[1].split()
    assert first[-2].count(".") == 1 and len(first[-2].split(".")[1]) == 2  # 2 decimals
    assert main(["rank"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert row.split()[-2:] == ["252", "✔"]


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """``rank | head -1``: the reader goes away before the output is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "metrodigital", "rank", "--format", "json"], cwd=PROJECT_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_cli_env(tmp_path))
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # nobody reads any more
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert err == ""


# -- hostile names: what reaches a terminal or a spreadsheet is only text -----------------
def test_hostile_names_never_reach_the_terminal_or_a_spreadsheet_as_commands(
        tmp_path: Path) -> None:
    from tests.test_report import HOSTILE, READ_AS, hostile_matrix

    env = _cli_env(tmp_path)
    data = str(hostile_matrix(tmp_path))
    outputs = {fmt: _run(["rank", "--data", data, "--format", fmt], env)
               for fmt in ("table", "csv", "json")}
    checked = _run(["validate", data], env)
    for result in [*outputs.values(), checked]:
        shown = result.stdout + result.stderr
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in shown
        for control in ("\x1b", "\x07", "\x9b", "\x9c", "\x9d"):
            assert control not in shown  # no escape sequence, 7-bit or 8-bit, ever
    table = outputs["table"].stdout
    assert "click" in table and "Comune rosso" in table and "]8;;" not in table

    # CSV: OWASP's rule, a leading apostrophe on text a spreadsheet would evaluate
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].stdout)))
    names = [row["ente"] for row in rows]
    for read_as in READ_AS:
        trigger = read_as.startswith(("=", "+", "-", "@", "\uff1d"))
        assert ("'" + read_as if trigger else read_as) in names
    assert all(not n.startswith(("=", "+", "-", "@", "\uff1d")) for n in names)

    # JSON keeps every name exactly, controls written as JSON escapes a terminal prints as text
    raw = outputs["json"].stdout
    assert "\\u001b]8;;http://x\\u0007click" in raw and "\\u009b31mC1 Comune" in raw
    assert {r["ente"] for r in json.loads(raw)["ranking"]} >= set(HOSTILE)


def test_validate_says_many_problems_of_one_kind_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from scripts.bench_import import responses_workbook

    path = tmp_path / "grande.xlsx"
    path.write_bytes(responses_workbook(300))  # 264 names that are not a known Comune
    assert main(["validate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    heads = [line for line in lines if not line.startswith("    ")]
    assert [line[:82] for line in heads if line.startswith("avviso:")] == [
        "avviso: Risposte, colonna F: 264 righe con un problema di questo tipo, per esempio",
    ] * 2  # unknown name; no population: one line each, not 528
    assert "    righe 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50 e altri 252" in lines
    assert any(line.startswith("    nomi «Unione dei Comuni Moncalieri") and
               line.endswith("e altri 256") for line in lines)
    assert "Colonne non riconosciute, ignorate: A «ID», B «Ora di inizio»" in "\n".join(lines)
    assert lines[-1] == "300 enti letti; 0 errori, 528 avvisi."

    assert main(["validate", "--lang", "en", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: Risposte, column F: 264 rows with a problem of this kind" in out
    assert "    rows 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50 and 252 more" in out
    assert "Columns not recognised, ignored: A “ID”, B “Ora di inizio”" in out
    assert "(“Unione dei Comuni Moncalieri, Trofarello, La Loggia”, " in out
    assert "«" not in out and "»" not in out
    assert out.endswith("\n300 entities read; 0 errors, 528 warnings.\n")


def test_a_damaged_database_is_explained_in_the_chosen_language(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "rotto.duckdb"
    damaged.write_bytes(b"DUCK" + bytes(range(256)) * 64)
    monkeypatch.setenv("METRODIGITAL_DB", str(damaged))
    assert main(["rank", "--lang", "en", "--wave", "metrodigital-2023"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("The data is not available: The database file “rotto.duckdb”")
    assert "«" not in err and "Traceback" not in err
    assert main(["rank", "--wave", "metrodigital-2023"]) == 2
    assert capsys.readouterr().err.startswith(
        "I dati non sono disponibili: Il file del database «rotto.duckdb»")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_report_that_cannot_be_written_is_explained_and_leaves_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str) -> None:
    missing = tmp_path / "non-esiste" / "rapporto.xlsx"
    assert main(["report", "--out", str(missing), "--draws", "1000", "--lang", lang]) != 0
    err = capsys.readouterr().err
    assert str(missing) in err and "--out" in err and "Traceback" not in err
    assert ("Impossibile scrivere" in err) == (lang == "it")
    assert not missing.parent.exists()


# -- --survey --------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["rank", "robustness"])
def test_a_survey_without_a_matrix_is_said_plainly(capsys: pytest.CaptureFixture[str],
                                                    command: str) -> None:
    status = main([command, "--survey", "ponmetro-milano-2017", "--lang", "en"])
    err = capsys.readouterr().err
    assert status == 2
    assert "has no prioritisation matrix" in err
    assert "catalogue --survey ponmetro-milano-2017" in err
    assert "Traceback" not in err


def test_weights_and_tie_criteria_are_those_of_the_chosen_survey(
        capsys: pytest.CaptureFixture[str]) -> None:
    """--weights names the chosen survey's criteria: another survey's are refused by name."""
    with pytest.raises(SystemExit) as exit_info:
        main(["rank", "--survey", "ponmetro-milano-2017", "--weights", "ser=3"])
    assert exit_info.value.code == 2
    assert "ser=3" in capsys.readouterr().err
    out = run_json(capsys, "--survey", "metrodigital-2022", "--weights", "ser=3")
    assert out["scenario"]["survey"] == "metrodigital-2022"
    assert out["scenario"]["weights"]["servizi"] == 3


def test_an_unknown_survey_is_refused_with_the_known_ones(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["rank", "--survey", "nessuna", "--lang", "en"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "nessuna" in err and "metrodigital-2022" in err and "ponmetro-milano-2017" in err


def test_validate_and_import_read_a_file_as_answers_to_the_chosen_survey(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    milan = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
    assert main(["validate", str(milan), "--lang", "en"]) == 1  # not a METRODIGITAL file
    out = capsys.readouterr().out
    assert "add --survey ponmetro-milano-2017" in out
    assert main(["validate", str(milan), "--survey", "ponmetro-milano-2017"]) == 0
    assert "0 errori" in capsys.readouterr().out
    monkeypatch.setenv("METRODIGITAL_DB", str(tmp_path / "cli.duckdb"))
    assert main(["import", str(milan), "--survey", "ponmetro-milano-2017",
                 "--wave", "Milano prova", "--accept-warnings"]) == 0  # the example: same file
    assert "findings --survey ponmetro-milano-2017 --wave milano-prova" in \
        capsys.readouterr().out  # a wave without a matrix is read, not ranked
    with Store(tmp_path / "cli.duckdb") as store:
        wave = store.wave("milano-prova")
        assert wave.survey_id == "ponmetro-milano-2017" and wave.n_rows == 59
