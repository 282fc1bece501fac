"""Write ``store_v3.duckdb.gz``: a database as the schema-v3 code (commit 5e13689) left it.

Run with that commit's code, not today's::

    mkdir /tmp/md_v3 && git archive 5e13689 | tar -x -C /tmp/md_v3
    cd /tmp/md_v3 && PYTHONPATH=. /work/main/.venv/bin/python \
        /work/main/tests/data/store_v3/make_fixture.py /work/main/tests/data/store_v3

It holds the seed wave; the synthetic Torino example responses file
(``data/examples/risposte_sintetiche_2023.xlsx``) published through that version's
upload path as "Esempio 2023", with its raw answers (option labels, numbers, the
multiple choices joined by "; "); a saved scenario on it and a remembered column
mapping.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from metrodigital.ingest import prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import SCHEMA_VERSION, Store

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"


def main(out_dir: Path) -> None:
    assert SCHEMA_VERSION == 3, "run this with the schema-v3 code (commit 5e13689)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store_v3.duckdb"
        store = Store(path)
        preview = prepare(EXAMPLE.read_bytes(), EXAMPLE.name)
        auth = AuthConfig(server_address="localhost")
        wave = publish(store, preview, name="Esempio 2023", survey_date=date(2023, 1, 31),
                       auth=auth, actor=Actor(), accept_warnings=True)
        cur = store.cursor()
        cur.execute("INSERT INTO scenarios (name, wave_id, query, created_at, created_by) "
                    "VALUES (?, ?, ?, current_timestamp, ?)",
                    ["Esempio, servizi", wave.wave_id, "wave=esempio-2023&ser=10",
                     "editor@example.org"])
        store.save_mapping("layout-3", {"Nome ente": "ente"})
        cur.execute("CHECKPOINT")
        store.close()
        with path.open("rb") as src, gzip.open(out_dir / "store_v3.duckdb.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
