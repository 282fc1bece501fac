"""A third survey is a folder, not code: the test-only survey (a 3-criterion matrix on
library services) added through $METRODIGITAL_SURVEYS works on every page, in links and
on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from metrodigital.criteria import load_criteria
from metrodigital.store import Store
from metrodigital.surveys.registry import SURVEYS_ENV
from tests.conftest import PROJECT_DIR
from tests.pages import open_page

PROVA = "prova-biblioteche-2030"
TEST_SURVEYS = PROJECT_DIR / "tests" / "data" / "surveys"
MATRIX = pd.DataFrame({"ente": ["Comune di Alfa", "Comune di Beta", "Comune di Gamma",
                                "Comune di Delta"],
                       "servizi": [4, 2, 3, 1], "spesa": [1, 3, 1, 3],
                       "abitanti": [0, 2, 2, 2]})


@pytest.fixture
def third_survey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's database with one wave of the test-only survey; the survey's folder
    added to the registry by the environment, as an office would add one."""
    from ui.common import get_store

    monkeypatch.setenv(SURVEYS_ENV, str(TEST_SURVEYS))
    db = tmp_path / "app.duckdb"
    monkeypatch.setenv("METRODIGITAL_DB", str(db))
    with Store(db, examples=False) as store:
        store.publish_matrix_wave(name="Biblioteche 2030", matrix=MATRIX, survey_date=None,
                                  source_file="b.csv", sha256="b" * 64, uploaded_by="test",
                                  survey_id=PROVA)
    get_store.clear()
    yield db
    get_store.clear()


def test_the_matrix_page_weighs_the_third_surveys_own_criteria(third_survey: Path) -> None:
    app = open_page("app.py", survey=PROVA, n="2")
    assert [c.code for c in load_criteria(PROVA)] == ["srv", "spe", "ab"]
    assert {code: app.slider(key=code).value for code in ("srv", "spe", "ab")} == {
        "srv": 2, "spe": 1, "ab": 1}
    table = app.dataframe[0].value
    assert list(table.columns[-3:]) == ["Servizi", "Spesa", "Abitanti"]
    assert len(table) == 4
    # Alfa, Beta and Gamma 9, Delta 7: three tied across the cut-off at 2, all included
    assert next(m.value for m in app.metric if m.label == "Enti selezionati") == "3"
    app.session_state["spe"] = 3
    app.run()
    assert app.query_params["spe"] == "3" and app.query_params["survey"] == PROVA
    assert "ser" not in app.query_params  # not a criterion of this survey


@pytest.mark.parametrize("path", ["pages/1_Metodo.py", "pages/3_Robustezza.py",
                                  "pages/4_Confronta.py", "pages/2_Carica.py"])
def test_every_page_opens_on_the_third_survey(third_survey: Path, path: str) -> None:
    app = open_page(path, survey=PROVA, lang="en")
    assert app.selectbox(key="survey").value == PROVA
    assert not app.error


def test_the_command_line_ranks_the_third_survey(third_survey: Path) -> None:
    env = {**os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "metrodigital", "rank", "--survey", PROVA, "--top", "2",
         "--weights", "spe=3", "--format", "json"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["scenario"]["survey"] == PROVA
    assert out["scenario"]["weights"] == {"servizi": 2, "spesa": 3, "abitanti": 1}
    assert [r["ente"] for r in out["ranking"]][:2] == ["Comune di Beta", "Comune di Delta"]
