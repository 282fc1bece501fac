"""Crafted requests against a real server: a forged Host header, PUTs into the upload
endpoint, a clear_cache message. No browser: any program can send these."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.raw_client import RawSession, texts
from tests.e2e.server import PROJECT_DIR, free_port

MIB = 1024 * 1024
SESSION_TTL = 2


@dataclass
class Server:
    base: str
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app bound to 127.0.0.1 with nothing configured: the local user is an editor."""
    folder = tmp_path_factory.mktemp("security")
    port = free_port()
    log = folder / "server.log"
    env = {**os.environ, "METRODIGITAL_DB": str(folder / "app.duckdb")}
    env.pop("METRODIGITAL_EDITOR_PASSWORD", None)
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
             # a closed tab's session is forgotten after this many seconds
             "--server.disconnectedSessionTTL", str(SESSION_TTL)],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield Server(base, port, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _has_uploader(messages: list) -> bool:  # type: ignore[type-arg]
    return any(m.WhichOneof("type") == "delta"
               and m.delta.new_element.WhichOneof("type") == "file_uploader" for m in messages)


def test_the_local_user_under_the_real_host_is_an_editor(server: Server) -> None:
    client = RawSession(server.base).open("Carica")
    try:
        assert _has_uploader(client.run("Carica"))
    finally:
        client.close()


@pytest.mark.parametrize("host", ["rebind.example", "127.0.0.1.rebind.example"])
def test_a_page_served_under_another_host_name_is_a_viewer(server: Server, host: str) -> None:
    # DNS rebinding: a site whose name resolves to this computer talks to the server
    # with its own name in the Host header (and a matching Origin, so same-origin)
    client = RawSession(server.base, host=f"{host}:{server.port}").open("Carica")
    try:
        messages = client.run("Carica")
        assert not _has_uploader(messages)
        assert "nome di server non previsto" in texts(messages)
        assert client.put_file(b"ente,anagrafica\n") == 403
    finally:
        client.close()


def test_a_viewer_cannot_put_files_into_server_memory(server: Server) -> None:
    client = RawSession(server.base).open()  # the Matrix page: never the upload page
    try:
        assert [client.put_file(b"x" * MIB) for _ in range(3)] == [403, 403, 403]
    finally:
        client.close()
    assert "upload refused (uploads are for editors on the upload page)" in server.log_text()


def test_an_editors_uploads_are_bounded_per_session(server: Server) -> None:
    client = RawSession(server.base).open("Carica")
    try:
        nine = os.urandom(9 * MIB)
        assert [client.put_file(nine) for _ in range(4)] == [204, 204, 204, 413]
    finally:
        client.close()


def test_a_browser_cannot_clear_the_servers_caches(server: Server) -> None:
    client = RawSession(server.base).open()
    try:
        client.clear_cache()
        messages = client.run()  # the app still answers, with its data
        assert "METRODIGITAL 2023" in texts(messages)
    finally:
        client.close()
    deadline = time.monotonic() + 5
    while "clear_cache request from a browser ignored" not in server.log_text():
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.1)


def test_uploads_of_a_forgotten_session_are_freed(server: Server) -> None:
    before = len(server.log_text())
    gone = RawSession(server.base).open("Carica")
    assert gone.put_file(os.urandom(5 * MIB)) == 204
    gone.close()
    time.sleep(SESSION_TTL + 1)  # the tab closed and never came back
    later = RawSession(server.base).open("Carica")  # the next editor's upload page
    later.close()
    freed = re.findall(r"freed (\d+) bytes of uploads left by ended sessions",
                       server.log_text()[before:])
    assert freed and int(freed[0]) >= 5 * MIB


def test_a_browser_cannot_ask_for_the_repositorys_git_details(server: Server) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    client = RawSession(server.base).open()
    try:
        message = BackMsg()
        message.load_git_info = True
        client.send(message)
        messages = client.run()
        assert not [m for m in messages if m.WhichOneof("type") == "git_info_changed"]
    finally:
        client.close()
    deadline = time.monotonic() + 5
    while "load_git_info request from a browser ignored" not in server.log_text():
        assert time.monotonic() < deadline, server.log_text()
        time.sleep(0.1)
