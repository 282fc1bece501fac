"""What a client can make the server hold: files PUT into the upload endpoint.

Starts the app on a free local port (bound to 127.0.0.1, nothing configured, so
the upload page's user is an editor), then:

1. a session that never opened the upload page PUTs 12 files of 9 MiB;
2. a session that opened the upload page (an editor) PUTs 5 files of 9 MiB;
3. that editor's tab is gone: once its session is forgotten (the server runs with
   ``server.disconnectedSessionTTL`` = 2 s), the next editor opens the upload page;

and prints each PUT's HTTP status and the server's resident memory before,
after, and after the clients have gone. Run: ``python scripts/probe_endpoints.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests.e2e.raw_client import RawSession, rss_mib  # noqa: E402
from tests.e2e.server import free_port  # noqa: E402

MIB = 1024 * 1024


def main() -> None:
    port = free_port()
    env = {**os.environ, "METRODIGITAL_DB": str(Path(tempfile.mkdtemp()) / "probe.duckdb")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
         "--server.disconnectedSessionTTL", "2"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/_stcore/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        data = os.urandom(9 * MIB)
        for label, page, count in (("viewer (Matrix page)", "", 12),
                                   ("editor (upload page)", "Carica", 5)):
            client = RawSession(base).open(page)
            before = rss_mib(server.pid)
            codes = [client.put_file(data) for _ in range(count)]
            during = rss_mib(server.pid)
            client.close()
            time.sleep(3)
            after = rss_mib(server.pid)
            print(f"{label}: {count} × 9 MiB PUT → {codes}")
            print(f"  server RSS {before:.0f} MiB → {during:.0f} MiB "
                  f"(+{during - before:.0f}); 3 s after the client left {after:.0f} MiB")
        RawSession(base).open("Carica").close()  # the next editor's upload page
        time.sleep(1)
        print(f"after the next editor opened the upload page: {rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
