"""Zone omogenee loaded by an editor: every cell checked, every load kept and reversible."""

from __future__ import annotations

import pytest

from metrodigital.i18n import t
from metrodigital.store import Store, StoreError
from metrodigital.territories import load_territory
from metrodigital.zones import effective_zones, read_zone_file

TORINO = load_territory("torino")
CODES = TORINO.istat_codes


def csv_bytes(*rows: str, header: str = "codice_istat;zona") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_a_good_file_gives_each_comune_its_zone_by_number_or_name() -> None:
    zone, name = next(iter(TORINO.zones.items()))
    data = csv_bytes(f"{CODES[0]};{zone}", f"{CODES[1]};{name.upper()}",
                     f"{int(CODES[2])};Zona {zone}")  # leading zeros dropped by Excel
    read = read_zone_file(data, "zone.csv", "torino")
    assert read.ok, [p.message() for p in read.problems]
    assert read.members == {CODES[0]: zone, CODES[1]: zone, CODES[2]: zone}
    assert read.not_listed == len(CODES) - 3


def test_commas_and_a_windows_encoding_are_read() -> None:
    zone = next(iter(TORINO.zones))
    data = f"Codice ISTAT,Zona omogenea\n{CODES[0]},{zone}\n".encode("cp1252")
    assert read_zone_file(data, "zone.csv", "torino").members == {CODES[0]: zone}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_bad_cell_is_said_by_row_and_column(lang: str) -> None:
    zone = next(iter(TORINO.zones))
    data = csv_bytes(f"{CODES[0]};{zone}", "999999;1", f"{CODES[1]};99", f"{CODES[0]};{zone}",
                     "<b>x</b>;1")
    read = read_zone_file(data, "zone.csv", "torino")
    assert not read.ok
    messages = [p.message(lang) for p in read.problems]
    row = "Riga" if lang == "it" else "Row"
    assert messages[0].startswith(f"{row} 3, ") and "999999" in messages[0]
    assert messages[1].startswith(f"{row} 4, ") and "99" in messages[1]
    assert messages[2].startswith(f"{row} 5, ") and "2" in messages[2]  # the first row
    assert messages[3].startswith(f"{row} 6, ") and "<b>x</b>" in messages[3]
    assert [p.column for p in read.problems] == ["A", "B", "A", "A"]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"comune;zona\nAgli\xc3\xa8;1\n",
                                  b"codice_istat;zona\n"])
def test_an_empty_or_headless_file_is_one_clear_problem(data: bytes) -> None:
    read = read_zone_file(data, "zone.csv", "torino")
    assert not read.ok and len(read.problems) == 1
    assert read.problems[0].code in ("zones.empty", "zones.no_columns")


def test_loads_are_kept_and_reversible(store: Store) -> None:
    shipped = effective_zones(store, "torino")
    zone_a, zone_b = list(TORINO.zones)[:2]
    first = store.load_zones("torino", {CODES[0]: zone_a, CODES[1]: zone_a},
                             file_name="a.csv", sha256="a" * 64, by="editor@example.org")
    assert effective_zones(store, "torino")[CODES[0]] == zone_a
    second = store.load_zones("torino", {CODES[0]: zone_b}, file_name="b.csv",
                              sha256="b" * 64, by="editor@example.org")
    now = effective_zones(store, "torino")
    assert now[CODES[0]] == zone_b
    assert now[CODES[1]] == shipped[CODES[1]]  # not in the load in force: shipped zone
    loads = store.zone_loads("torino")
    assert [(z.load_id, z.active, z.n_comuni) for z in loads] == [(second, True, 1),
                                                                  (first, False, 2)]
    store.activate_zones("torino", first, by="editor@example.org")
    assert effective_zones(store, "torino")[CODES[1]] == zone_a
    store.activate_zones("torino", None, by="editor@example.org")
    assert effective_zones(store, "torino") == shipped
    assert len(store.zone_loads("torino")) == 2  # nothing was deleted
    assert effective_zones(store, "milano") == effective_zones(None, "milano")  # untouched
    with pytest.raises(StoreError) as refused:
        store.activate_zones("torino", 999, by="x")
    assert "999" in refused.value.message("it")
    assert t("zones.no_such_load", "en", load=999) == refused.value.message("en")


def test_the_quotas_read_the_zones_in_force(store: Store) -> None:
    """A zone loaded by an editor decides a zona quota at once; going back undoes it."""
    from metrodigital.quotas import parse_quota
    from metrodigital.ranking import evaluate
    from metrodigital.scenario import Scenario

    wave = store.waves()[0].slug
    plain = evaluate(store, Scenario(wave=wave))
    codes = store.cursor().execute(
        "SELECT we.entity_id, e.istat_code FROM wave_entities AS we JOIN entities AS e "
        "USING (entity_id) WHERE e.istat_code NOT LIKE '%;%'").fetchall()
    code_of = dict(codes)
    outside = [e for e in plain.table["entity_id"] if e in code_of
               and e not in plain.selected_ids][-1]  # the last ranked Comune
    zone = max(TORINO.zones)
    quota = Scenario(wave=wave, quotas=(parse_quota(f"zona{zone}>=1"),))  # type: ignore[arg-type]
    shipped = effective_zones(store, "torino")
    members = [c for c, z in shipped.items() if z == zone]
    before = evaluate(store, quota)
    store.load_zones("torino", {code_of[outside]: zone}, file_name="z.csv", sha256="c" * 64,
                     by="editor")
    after = evaluate(store, quota)
    assert outside in after.selected_ids and outside not in before.selected_ids
    assert after.quota is not None and after.quota.feasible
    store.activate_zones("torino", None, by="editor")
    again = evaluate(store, quota)
    assert outside not in again.selected_ids
    assert members == [c for c, z in effective_zones(store, "torino").items() if z == zone]


# -- the upload page's section -----------------------------------------------------------
@pytest.fixture
def editor_page(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The upload page opened by an editor (localhost) on a database of its own."""
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_DIR
    from ui.common import get_store

    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "localhost")
    monkeypatch.setenv("METRODIGITAL_DB", str(tmp_path / "app.duckdb"))
    get_store.clear()

    def open_it(**params: str) -> AppTest:
        app = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
        for key, value in params.items():
            app.query_params[key] = value
        app.switch_page("pages/2_Carica.py").run()
        assert not app.exception, [e.message for e in app.exception]
        return app

    yield open_it
    get_store.clear()
    st_config.set_option("server.address", previous)


def zones_uploader(app):
    return next(u for u in app.file_uploader if u.label == t("zones.file", "it"))


def test_an_editor_loads_zones_sees_them_in_force_and_goes_back(editor_page) -> None:
    from ui.common import get_store

    app = editor_page()
    shipped_known = sum(z is not None for z in effective_zones(None, "torino").values())
    shown = [c.value.replace("\\", "").replace("\u2060", "") for c in app.caption]
    assert any(f"Comuni con la zona nota: {shipped_known} su 312" in c for c in shown)
    zone = next(iter(TORINO.zones))
    bad = csv_bytes(f"{CODES[0]};{zone}", "123;1")
    zones_uploader(app).set_value(("zone.csv", bad, "text/csv")).run()
    assert any("Riga 3, colonna A" in x.value and "«123»" in x.value for x in app.text)
    assert not get_store().zone_loads("torino")  # nothing loaded from a bad file
    good = csv_bytes(f"{CODES[0]};{zone}", f"{CODES[1]};{zone}")
    zones_uploader(app).set_value(("zone.csv", good, "text/csv")).run()
    next(b for b in app.button if b.label == t("zones.load", "it")).click().run()
    assert not app.exception
    assert any("Zone caricate (caricamento n. 1)" in s.value.replace("\\", "") for s in app.success)
    assert effective_zones(get_store(), "torino")[CODES[1]] == zone
    next(b for b in app.button if b.label == t("zones.use_shipped", "it")).click().run()
    assert effective_zones(get_store(), "torino") == effective_zones(None, "torino")
    assert len(get_store().zone_loads("torino")) == 1  # kept, to go back to


def test_a_viewer_sees_which_zones_are_in_force_but_cannot_load(editor_page) -> None:
    from streamlit import config as st_config

    st_config.set_option("server.address", "0.0.0.0")  # not local: a viewer
    app = editor_page(lang="en")
    assert any("Comuni whose zone is known" in c.value for c in app.caption)
    assert not [u for u in app.file_uploader if u.label == t("zones.file", "en")]


def test_the_zones_command_loads_lists_and_goes_back(
        tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from metrodigital.cli import main

    monkeypatch.setenv("METRODIGITAL_DB", str(tmp_path / "cli.duckdb"))
    zone = next(iter(TORINO.zones))
    good = tmp_path / "zone.csv"
    good.write_bytes(csv_bytes(f"{CODES[0]};{zone}"))
    assert main(["zones", "--load", str(good), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["active_load"] == 1 and out["zones"][CODES[0]] == zone
    assert out["loads"][0]["file"] == "zone.csv" and out["loads"][0]["comuni"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("999;1"))
    assert main(["zones", "--load", str(bad), "--lang", "en"]) == 1
    assert "Row 2, column A" in capsys.readouterr().err
    assert main(["zones", "--use", "7", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "There is no zones load number 7" in err and "Traceback" not in err
    assert main(["zones", "--use", "shipped", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["active_load"] is None


def test_the_map_outlines_the_zones_in_force(store: Store) -> None:
    from metrodigital.boundaries import wave_geography

    ids = tuple(sorted(store.points(store.waves()[0].slug)["entity_id"]))
    before = wave_geography(store, store.generation, "torino", ids)
    zone = max(TORINO.zones)
    outside = next(c for c, z in effective_zones(store, "torino").items() if z is None)
    store.load_zones("torino", {outside: zone}, file_name="z.csv", sha256="d" * 64, by="x")
    after = wave_geography(store, store.generation, "torino", ids)
    name = TORINO.zones[zone]
    assert outside in after.zones[name] and outside not in before.zones.get(name, ())
