"""A bare Streamlit client without a browser: what any program can send to the server.

Used by the security tests and ``scripts/probe_endpoints.py`` to act as a hostile
client: open a session over the websocket, send back messages a page never sends
(``clear_cache``), PUT files into the upload endpoint, forge the Host header.
"""

from __future__ import annotations

import socket
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect


@dataclass
class RawSession:
    """One session of the app opened by a program, with the cookies a browser would hold."""

    base: str  # http://127.0.0.1:PORT
    host: str | None = None  # the Host header to send instead of the real one
    http: requests.Session = field(default_factory=requests.Session)
    socket: ClientConnection | None = None
    session_id: str = ""
    last_response: str = ""
    _stack: ExitStack = field(default_factory=ExitStack)

    def _headers(self) -> dict[str, str]:
        return {"Host": self.host} if self.host else {}

    def open(self, page: str = "", query: str = "") -> RawSession:
        """GET the health check (it sets the XSRF cookie), open the websocket, run the page once."""
        self.http.get(self.base + "/_stcore/health", headers=self._headers(), timeout=10)
        address = urlsplit(self.base)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        headers = {"Cookie": cookie}
        if self.host:  # a browser sends the page's own origin: same-origin for the server
            headers["Origin"] = f"http://{self.host}"
        # the URL names the (forged) host; the socket goes to the real server
        sock = socket.create_connection((address.hostname, address.port), timeout=10)
        self._stack = ExitStack()
        self.socket = self._stack.enter_context(connect(
            f"ws://{self.host or address.netloc}/_stcore/stream", sock=sock,
            subprotocols=["streamlit"], additional_headers=headers, open_timeout=10,
            max_size=None))
        self.run(page, query)
        return self

    def send(self, message: BackMsg) -> None:
        assert self.socket is not None
        self.socket.send(message.SerializeToString())

    def run(self, page: str = "", query: str = "", timeout: float = 60) -> list[ForwardMsg]:
        """Ask for a run of ``page`` (its name in the URL, e.g. ``Carica``; "" the main
        page); return every message until the run has finished."""
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        self.send(message)
        return self.receive_until("script_finished", timeout)

    def receive_until(self, kind: str, timeout: float = 60) -> list[ForwardMsg]:
        assert self.socket is not None
        received: list[ForwardMsg] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            payload = self.socket.recv(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(payload, str):
                continue
            forward = ForwardMsg()
            forward.ParseFromString(payload)
            received.append(forward)
            if forward.WhichOneof("type") == "new_session":
                self.session_id = forward.new_session.initialize.session_id
            if forward.WhichOneof("type") == kind:
                return received
        raise TimeoutError(f"no {kind} message within {timeout} s")

    def clear_cache(self) -> None:
        message = BackMsg()
        message.clear_cache = True
        self.send(message)

    def put_file(self, data: bytes, name: str = "x.csv") -> int:
        """PUT ``data`` as an uploaded file of this session; the HTTP status."""
        token = self.http.cookies.get("_streamlit_xsrf", "")
        response = self.http.put(
            f"{self.base}/_stcore/upload_file/{self.session_id}/{uuid.uuid4()}",
            files={"file": (name, data, "text/csv")},
            headers={**self._headers(), "X-Xsrftoken": token}, timeout=60)
        self.last_response = response.text
        return response.status_code

    def close(self) -> None:
        if self.socket is not None:
            self._stack.close()
            self.socket = None


def texts(messages: list[ForwardMsg]) -> str:
    """Every text a run drew (markdown bodies, alerts, captions, labels), for assertions."""
    return "\n".join(str(m.delta.new_element) for m in messages if m.WhichOneof("type") == "delta")


def rss_mib(pid: int) -> float:
    """Resident memory of a process, in MiB (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")
