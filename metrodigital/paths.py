"""Where the shipped data and the runtime database live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DB_ENV_VAR = "METRODIGITAL_DB"
DEFAULT_DB_PATH = PROJECT_DIR / "var" / "metrodigital.duckdb"


def database_path() -> Path:
    """The DuckDB file: ``$METRODIGITAL_DB`` or ``var/metrodigital.duckdb`` in the project."""
    configured = os.environ.get(DB_ENV_VAR, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DB_PATH
