"""The CLI's ``profile`` and ``brief`` commands give the Scheda ente's numbers and brief."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from metrodigital.analysis import analyse
from metrodigital.cli import main
from metrodigital.params import scenario_from_params
from metrodigital.profile import build_profile, profile_json, resolve_entity, wave_entities
from metrodigital.ranking import evaluate
from metrodigital.store import Store


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("scheda-cli") / "cli.duckdb"
    Store(path).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        patch.delenv("METRODIGITAL_PUBLIC_URL", raising=False)
        yield path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_profile_json_is_the_pages_profile(fresh_db: Path, capsys) -> None:
    status, out, _ = run(capsys, "profile", "001148", "--format", "json")
    assert status == 0
    data = json.loads(out)
    with Store(fresh_db) as store:
        scenario, _ = scenario_from_params({}, waves=store.waves())
        found = resolve_entity(wave_entities(store, scenario.wave), "001148")
        expected = profile_json(build_profile(store, scenario, found, "it",
                                              report=analyse(store, scenario)), "it")
    assert data == json.loads(json.dumps(expected))
    assert data["ente"] == "Comune di Mazzè" and data["score"] == 193
    assert data["tied_at_cutoff"] is True and data["robustness"]["class"] == "borderline"


def test_profile_follows_the_scenario_options(fresh_db: Path, capsys) -> None:
    status, out, _ = run(capsys, "profile", "001194", "--weights", "ser=0", "--format", "json")
    assert status == 0 and json.loads(out)["score"] == 239 - 22 * 5
    status, out, _ = run(capsys, "profile", "001194", "--lang", "en")
    assert status == 0
    assert "Rank 3 of 36 with 239 points: selected" in out


def test_profile_of_a_survey_without_matrix(fresh_db: Path, capsys) -> None:
    status, out, _ = run(capsys, "profile", "015014", "--survey", "ponmetro-milano-2017",
                         "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["ente"] == "Basiano" and data["rank"] is None


def test_profile_of_an_unknown_entity_says_so(fresh_db: Path, capsys) -> None:
    status, out, err = run(capsys, "profile", "999999")
    assert status == 2 and out == ""
    assert "«999999» non ha risposto nell'ondata metrodigital-2023" in err
    assert "Traceback" not in err


def test_brief_of_one_entity_and_of_the_selected(fresh_db: Path, capsys,
                                                 tmp_path: Path) -> None:
    one = tmp_path / "one.docx"
    status, out, _ = run(capsys, "brief", "--out", str(one), "--ente", "001194",
                         "--url", "https://metro.example.org/")
    assert status == 0 and "1 ente" in out
    text = "\n".join(p.text for p in docx.Document(str(one)).paragraphs)
    assert "Scenario (link): https://metro.example.org/Scheda_ente?ente=001194" in text
    assert "Posizione 3 su 36 con 239 punti" in text
    every = tmp_path / "all.docx"
    status, out, _ = run(capsys, "brief", "--out", str(every), "--selected", "--weights",
                         "ser=3", "--lang", "en")
    assert status == 0
    with Store(fresh_db) as store:
        scenario, _ = scenario_from_params({"ser": "3"}, waves=store.waves())
        selected = evaluate(store, scenario).table.query("selected")
    document = docx.Document(str(every))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(selected["ente"])  # in rank order
    assert f"Wrote {every} ({len(selected)} entities)." in out
    assert "ser=3" in "\n".join(p.text for p in document.paragraphs)


def test_brief_refuses_what_it_cannot_write(fresh_db: Path, capsys, tmp_path: Path) -> None:
    status, _, err = run(capsys, "brief", "--out", str(tmp_path / "x.txt"), "--ente", "001194")
    assert status == 2 and ".docx" in err
    status, _, err = run(capsys, "brief", "--out", str(tmp_path / "m.docx"), "--selected",
                         "--survey", "ponmetro-milano-2017")
    assert status == 2 and "--ente" in err
    assert not (tmp_path / "m.docx").exists()
