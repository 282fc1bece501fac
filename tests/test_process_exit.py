"""A process that ran a page ends cleanly: nothing on standard error that reads as a failure."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_DIR


def test_running_a_page_ends_without_leak_warnings() -> None:
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        "app = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "assert not app.exception, app.exception\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "leaked" not in done.stderr, done.stderr[-2000:]
