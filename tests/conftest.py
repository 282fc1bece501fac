"""Shared fixtures: a seeded in-memory store and a private database for app tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrodigital.store import Store

# App tests (AppTest) and the CLI read $METRODIGITAL_DB: never the user's database.
_DB_DIR = tempfile.mkdtemp(prefix="metrodigital-tests-")
os.environ["METRODIGITAL_DB"] = str(Path(_DB_DIR) / "app.duckdb")

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh store seeded with the source's wave only (no synthetic examples: the tests
    of a fresh database's examples open ``Store()`` themselves)."""
    seeded = Store(":memory:", examples=False)
    yield seeded
    seeded.close()


@pytest.fixture(autouse=True)
def _fresh_password_limiter() -> Iterator[None]:
    """Each test starts as a new server would: no client has failed a password yet.
    (AppTest sessions share one id, so one test's wrong passwords would slow the next.)"""
    from ui.auth import LIMITER

    LIMITER.reset()
    yield
