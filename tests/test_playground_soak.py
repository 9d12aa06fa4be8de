"""A bounded soak of ``glassnet playground --no-browser`` on the loopback interface: 1,000
requests, 20 at a time (pages, static files, refused requests, uploads and whole WebSocket
sessions), then Ctrl-C. No 5xx answer, the server's memory grows by less than 50 MB, and it
stops cleanly (exit code 0)."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
ws_client = pytest.importorskip("websockets.sync.client")

REQUESTS, AT_ONCE, GROWTH_MB = 1000, 20, 50
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Server:
    """The command in a subprocess, its output collected by a thread."""

    def __init__(self) -> None:
        code = "import sys; from glassnet.cli import main; sys.argv[0] = 'glassnet'; main()"
        self.process = subprocess.Popen([sys.executable, "-c", code, "playground", "--no-browser"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.found = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.found.wait(60):
            self.process.kill()
            raise AssertionError(f"no URL printed: {self.lines} {self.process.stderr.read()}")
        match = next(m for m in map(URL.search, self.lines) if m)
        self.port, self.token = int(match.group(1)), match.group(2)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if URL.search(line):
                self.found.set()


def mix(token: str) -> list[tuple[str, str, bytes | None, dict[str, str], int]]:
    """The HTTP requests of the mix: method, path, body, headers and the status they must get."""
    return [
        ("GET", f"/?token={token}", None, {}, 200),
        ("GET", f"/static/app.js?token={token}", None, {}, 200),
        ("GET", "/static/style.css", None, {}, 403),  # no token
        ("GET", f"/?token={token}", None, {"Host": "evil.example"}, 403),
        ("POST", f"/sessions/none/upload?token={token}", b"1,2,3\n" * 20, {}, 404),
        ("POST", f"/sessions/none/upload?token={token}", b"1,2,3\n" * 60000, {}, 413),
        ("GET", f"/sessions/none/model.safetensors?token={token}", None, {}, 404),
        ("GET", f"/static/missing.js?token={token}", None, {}, 404),
    ]


def expected(kind: int) -> int:
    """The status request ``kind`` must get (101 for a whole WebSocket session)."""
    return 101 if kind % 25 == 0 else mix("")[kind % 8][4]


def request(server: Server, kind: int) -> int:
    """One request of the mix; its HTTP status (101 for a whole WebSocket session)."""
    if kind % 25 == 0:
        return websocket_session(server)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        method, path, body, headers, _ = mix(server.token)[kind % 8]
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def websocket_session(server: Server) -> int:
    with ws_client.connect(f"ws://127.0.0.1:{server.port}/ws?token={server.token}", open_timeout=30) as ws:
        first = json.loads(ws.recv(timeout=30))
        if first["type"] == "refused":
            return 101
        ws.send(json.dumps({"type": "step"}))
        ws.send("not json")
        for _ in range(20):
            if json.loads(ws.recv(timeout=30)).get("epoch") == 1:
                return 101
    raise AssertionError("the session did not step")


def test_a_thousand_requests_then_ctrl_c():
    server = Server()
    try:
        with ThreadPoolExecutor(AT_ONCE) as pool:
            warm = list(pool.map(lambda k: request(server, k), range(50)))
            before = rss_mb(server.process.pid)
            statuses = list(pool.map(lambda k: request(server, k), range(REQUESTS)))
        after = rss_mb(server.process.pid)
    finally:
        server.process.send_signal(signal.SIGINT)
        code = server.process.wait(30)
    errors = server.process.stderr.read()
    counts = {status: statuses.count(status) for status in sorted(set(warm + statuses))}
    print(f"\n{REQUESTS} requests, {AT_ONCE} at a time: {counts}; memory {before:.1f} -> {after:.1f} MB")
    assert all(status < 500 for status in statuses), counts
    assert set(counts) <= {101, 200, 403, 404, 413}
    wrong = [(kind, status) for kind, status in enumerate(statuses) if status != expected(kind)]
    assert wrong == [], f"(request, status) pairs with another status than their kind's: {wrong[:10]}"
    assert after - before < GROWTH_MB
    assert code == 0, errors
    assert "playground stopped" in "".join(server.lines)
    assert "Traceback" not in errors
