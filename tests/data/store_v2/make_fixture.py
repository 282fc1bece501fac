"""Write ``store_v2.duckdb.gz``: a database as the schema-v2 code (commit a3345ad) left it.

Run with that commit's code, not today's::

    git worktree add /tmp/md_v2 a3345ad
    cd /tmp/md_v2 && PYTHONPATH=. /work/main/.venv/bin/python \
        /work/main/tests/data/store_v2/make_fixture.py /work/main/tests/data/store_v2

It holds the seed wave, a second published wave with raw answers (three Comuni
the territory knows and one name it does not know), two saved scenarios (saved
as that version's ``compare.save_scenario`` did) and a remembered column mapping.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from metrodigital.store import SCHEMA_VERSION, Store

ENTITIES = ["Comune di Rivalba", "Comune di Pinerolo", "Comune di Mazzè", "Ente Fantasma"]


def main(out_dir: Path) -> None:
    assert SCHEMA_VERSION == 2, "run this with the schema-v2 code (commit a3345ad)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store_v2.duckdb"
        store = Store(path)
        keys = ["anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr",
                "dati", "conclusione", "popolazione"]
        matrix = pd.DataFrame([
            {"ente": name, **{k: float((i + j) % 5) for j, k in enumerate(keys)}}
            for i, name in enumerate(ENTITIES)
        ])
        answers = pd.DataFrame([
            {"ente": name, "question_id": q, "answer": f"{name[:3]}-{q}"}
            for name in ENTITIES for q in ("q1", "q2")
        ])
        wave = store.publish_matrix_wave(
            name="Rilevazione 2024", matrix=matrix, survey_date=date(2024, 6, 30),
            source_file="rilevazione_2024.xlsx", sha256="0" * 64,
            uploaded_by="editor@example.org", answers=answers)
        seed = next(w for w in store.waves() if w.is_seed)
        cur = store.cursor()
        for name, target, query in (("Servizi al centro", seed, "w_servizi=10"),
                                    ("Solo 2024", wave, "wave=rilevazione-2024")):
            # as compare.save_scenario wrote scenarios in that version
            cur.execute("INSERT INTO scenarios (name, wave_id, query, created_at, created_by) "
                        "VALUES (?, ?, ?, current_timestamp, ?)",
                        [name, target.wave_id, query, "editor@example.org"])
        store.save_mapping("layout-1", {"Nome ente": "ente"})
        cur.execute("CHECKPOINT")
        store.close()
        with path.open("rb") as src, gzip.open(out_dir / "store_v2.duckdb.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
