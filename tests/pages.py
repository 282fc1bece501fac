"""Opening the app's pages in AppTest, as every page test does.

A page is opened through ``app.py`` (the entry point), as a browser does: a
page script run alone has no navigation to link to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrodigital.store import Store
from tests.conftest import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")


def open_page(path: str = "app.py", *, timeout: float = 60,
              **params: str | list[str]) -> AppTest:
    """Run the page ``path`` (``app.py`` or ``pages/…``) with the link's ``params``; no
    exception may reach the page."""
    app = AppTest.from_file(APP, default_timeout=timeout)
    if path != "app.py":
        app.switch_page(path)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


@contextmanager
def fresh_database(folder: Path) -> Iterator[Path]:
    """The app's database at a new path in ``folder``, created as a first start creates it
    (with the synthetic example waves), for the pages run meanwhile."""
    from ui.common import get_store

    path = folder / "app.duckdb"
    Store(path).close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("METRODIGITAL_DB", str(path))
        get_store.clear()
        try:
            yield path
        finally:
            get_store.clear()
