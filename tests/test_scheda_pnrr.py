"""The public PNRR record (data/pnrr/, PA digitale 2026 open data) beside the declaration."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pandas as pd
import pytest

from metrodigital import pnrr
from metrodigital.brief import build_brief
from metrodigital.params import scenario_from_params
from metrodigital.profile import build_profile, resolve_entity, wave_entities
from metrodigital.store import Store
from tests.conftest import PROJECT_DIR

SHARED = PROJECT_DIR.parent / "shared" / "data" / "pnrr"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared open-data copies are absent")
def test_the_shipped_subset_is_what_the_script_builds(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(PROJECT_DIR / "scripts/make_pnrr_subset.py"),
                    "--source", str(SHARED), "--out", str(tmp_path)], check=True)
    for name in ("funded_2022-11-26.csv", "funded_latest.csv"):
        assert (tmp_path / name).read_bytes() == (pnrr.PNRR_DIR / name).read_bytes()
    source = pd.read_csv(SHARED / "candidature_comuni_finanziate_2022-11-26.csv", dtype=str)
    assert len(pnrr.records("survey")) == len(source) == 1288


def test_funded_means_assigned_or_paid_not_withdrawn() -> None:
    raw = pnrr.records("survey")
    piossasco = raw[raw["cod_comune"] == "001194"].set_index("measure")["stato_candidatura"]
    assert piossasco["1.4.3-pagopa"] == "R" and piossasco["1.2"] == "A"
    found = pnrr.compare("001194", ["SQ001", "SQ003"]).set_index("measure")
    assert found.loc["1.2", "funded_survey"] and not found.loc["1.4.3-pagopa", "funded_survey"]
    assert found.loc["1.2", "flag"] == ""  # declared and funded
    assert found.loc["1.4.3-pagopa", "flag"] == "declared_not_funded"  # withdrawn in 2022
    assert found.loc["1.4.3-appio", "flag"] == "funded_not_declared"
    assert found.loc["1.3.1", "funded_latest"]  # PDND: funded later, not in 2022's record
    assert not found.loc["1.3.1", "funded_survey"]


def test_an_unione_gets_its_members_records_and_no_answer_no_flag() -> None:
    members = "001156;001280;001127"
    apps = pnrr.applications(members)
    assert set(apps["cod_comune"]) <= set(members.split(";")) and len(apps) > 0
    for code in members.split(";"):
        alone = pnrr.compare(code, [])
        union = pnrr.compare(members, [])
        assert (union["funded_survey"] >= alone["funded_survey"]).all()
    unanswered = pnrr.compare(members, None)
    assert unanswered["declared"].isna().all() and (unanswered["flag"] == "").all()


def test_the_scheda_and_the_brief_show_the_differences_with_attribution(
        tmp_path: Path) -> None:
    with Store(tmp_path / "p.duckdb") as store:
        scenario, _ = scenario_from_params({"wave": "metrodigital-2023-risposte"},
                                           waves=store.waves())
        found = resolve_entity(wave_entities(store, scenario.wave), "001194")
        profile = build_profile(store, scenario, found, "it")
    flagged = profile.pnrr[profile.pnrr["flag"] != ""]
    assert not flagged.empty
    document = docx.Document(io.BytesIO(build_brief([profile], "it", "http://x/")))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    text = "\n".join(p.text for p in document.paragraphs)
    for row in flagged.to_dict("records"):
        assert f"pnrr.flag.{row['flag']}" not in cells
        assert any(c.startswith("PNRR, avviso «") for c in cells)
    assert "Dipartimento per la trasformazione digitale" in text


def test_the_waves_declarations_confirmed_by_the_record(tmp_path: Path) -> None:
    from metrodigital.surveys.answers import wide_answers

    with Store(tmp_path / "c.duckdb") as store:
        answers = wide_answers(store, "metrodigital-2023-risposte")
    result = pnrr.confirmation(answers)
    declared = confirmed = 0
    for code, said in zip(answers["istat_code"], answers["q51"], strict=True):
        table = pnrr.compare(code, said)
        declared += int(table["declared"].sum())
        confirmed += int((table["declared"] & table["funded_survey"]).sum())
    assert (result.declared, result.confirmed) == (declared, confirmed)
    assert result.entities == 36 and 0 < result.confirmed <= result.declared
