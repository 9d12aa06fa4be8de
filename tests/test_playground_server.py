"""The playground server's guard and protocol, through Starlette's TestClient: the token, the
Host and Origin checks, the body limits, the session cap and malformed WebSocket messages."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette asks for httpx2 but still works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.cli import app as cli  # noqa: E402
from glassnet.playground.server import MAX_MESSAGE, MAX_UPLOAD, create_app  # noqa: E402

TOKEN, PORT = "secret-token", 8765
HOST = f"127.0.0.1:{PORT}"
ROUTES = [("GET", "/"), ("GET", "/static/app.js"), ("GET", "/sessions/x/model.safetensors"),
          ("GET", "/sessions/x/train.py"), ("POST", "/sessions/x/upload")]


@pytest.fixture
def client():
    with TestClient(create_app(TOKEN, PORT, max_sessions=2), base_url=f"http://{HOST}") as test_client:
        yield test_client


def connect(client, token=TOKEN, **headers):
    return client.websocket_connect(f"/ws?token={token}", headers={"host": HOST, **headers})


def until(ws, kind, where=lambda message: True, limit=50, or_error=False):
    """The next message of type ``kind`` (or an error reply, with ``or_error``)."""
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind and where(message) or or_error and message["type"] == "error":
            return message
    raise AssertionError(f"no {kind!r} message in {limit}")


def all_closed(client) -> None:
    """Wait until the server has closed every session (it does so once it sees the WebSocket close)."""
    for _ in range(400):
        if len(client.app.state.sessions) == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the sessions of closed WebSockets are still open")


def test_the_page_is_served_with_the_token_and_sets_its_cookie(client):
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and f'content="{TOKEN}"' in page.text
    assert client.get("/static/style.css").status_code == 200  # the cookie carries the token
    assert client.get("/static/app.js", headers={"X-Glassnet-Token": TOKEN}).status_code == 200


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", TOKEN[:-1]])
def test_a_missing_or_wrong_token_is_refused_everywhere(client, method, path, token):
    query = "" if token is None else f"?token={token}"
    response = client.request(method, path + query)
    assert response.status_code == 403
    assert "token" in response.json()["error"]


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "localhost",
                                  "127.0.0.1.evil.example:8765", ""])
def test_a_foreign_host_is_refused_even_with_the_token(client, host):
    response = client.get(f"/?token={TOKEN}", headers={"host": host})
    assert response.status_code == 403 and "Host" in response.json()["error"]


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999", "null",
                                    f"https://{HOST}", "http://localhost:8765"])
def test_a_foreign_origin_is_refused_even_with_the_token(client, origin):
    response = client.get(f"/?token={TOKEN}", headers={"origin": origin})
    assert response.status_code == 403 and "cross-origin" in response.json()["error"]


@pytest.mark.parametrize("token, headers", [
    ("wrong", {}), ("", {}), (TOKEN, {"host": "evil.example:8765"}), (TOKEN, {"origin": "http://evil.example"}),
])
def test_a_websocket_without_the_token_or_from_elsewhere_is_refused(client, token, headers):
    with pytest.raises(WebSocketDisconnect) as refused:
        with connect(client, token, **headers) as ws:
            ws.receive_json()
    assert refused.value.code == 1008


def test_the_same_origin_and_localhost_are_accepted(client):
    assert client.get(f"/?token={TOKEN}", headers={"origin": f"http://{HOST}"}).status_code == 200
    assert client.get(f"/?token={TOKEN}", headers={"host": f"localhost:{PORT}"}).status_code == 200


def test_an_oversized_upload_is_refused_with_413_and_a_message(client):
    body = b"1,2,3\n" * (MAX_UPLOAD // 6 + 10)
    response = client.post(f"/sessions/x/upload?token={TOKEN}", content=body)
    assert response.status_code == 413
    assert f"{MAX_UPLOAD // 1024} kB" in response.json()["error"] and "CSV" in response.json()["error"]


def test_an_oversized_upload_without_its_length_is_refused_while_it_streams(client):
    with connect(client) as ws:
        session = until(ws, "hello")["session"]
        chunks = (b"1,2,3\n" * 1000 for _ in range(100))
        response = client.post(f"/sessions/{session}/upload?token={TOKEN}", content=chunks)
        assert response.status_code == 413 and "kB" in response.text
        ws.send_json({"type": "step"})
        assert until(ws, "frame", lambda frame: frame["epoch"] == 1)


def test_a_body_where_none_belongs_is_refused(client):
    response = client.request("GET", f"/?token={TOKEN}", content=b"x" * 10)
    assert response.status_code == 413


def test_more_sessions_than_the_cap_are_refused_clearly(client):
    with connect(client) as first, connect(client) as second:
        until(first, "frame"), until(second, "frame")
        with connect(client) as third:
            refused = third.receive_json()
            assert refused["type"] == "refused" and "2 sessions" in refused["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                third.receive_json()
            assert closed.value.code == 1013
    all_closed(client)
    with connect(client) as again:  # the closed sessions make room
        assert until(again, "frame")["epoch"] == 0


@pytest.mark.parametrize("message, match", [
    ("not json", "not JSON"),
    (b"\x00\x01binary", "not binary"),
    ("[1, 2]", "JSON object"),
    ('{"type": "explode"}', "type is one of"),
    ('{"no": "type"}', "type is one of"),
    ('{"type": "neuron", "layer": "1", "unit": 0, "point": 0}', "'layer' as an integer"),
    ('{"type": "neuron", "layer": 1, "unit": 99, "point": 0}', "unit must be"),
    ('{"type": "edge", "layer": 1e9, "source": 0, "unit": 0}', "'layer' as an integer"),
    ('{"type": "configure", "settings": {"layers": [100]}}', "layers must be"),
    ('{"type": "configure", "settings": "xor"}', "JSON object"),
    ('{"type": "configure", "settings": {"dataset": "csv"}}', "uploaded CSV"),
    (json.dumps({"type": "step", "pad": "x" * (MAX_MESSAGE + 1)}), "the most is"),
])
def test_a_malformed_message_is_answered_and_the_session_lives_on(client, message, match):
    with connect(client) as ws:
        until(ws, "frame")
        if isinstance(message, bytes):
            ws.send_bytes(message)
        else:
            ws.send_text(message)
        assert match in until(ws, "error")["message"]
        ws.send_json({"type": "step"})
        assert until(ws, "frame", lambda frame: frame["epoch"] == 1)
    assert client.get(f"/?token={TOKEN}").status_code == 200


def test_a_csv_upload_trains_on_it_and_a_wrong_one_gets_a_message(client):
    with connect(client) as ws:
        session = until(ws, "hello")["session"]
        rows = "x1,x2,label\n" + "\n".join(f"{i / 10},{(i % 7) / 3},{i % 3}" for i in range(60))
        accepted = client.post(f"/sessions/{session}/upload?token={TOKEN}", content=rows.encode())
        assert accepted.json() == {"rows": 60, "task": "classification", "n_classes": 3}
        points = until(ws, "points", lambda points: points["settings"]["dataset"] == "csv")
        assert points["y"][:4] == [0, 1, 2, 0]
        wrong = client.post(f"/sessions/{session}/upload?token={TOKEN}", content=b"a,b\n1,2\n")
        assert wrong.status_code == 400 and "10 to" in wrong.json()["error"]


def test_the_export_downloads_a_model_gn_load_reads(client, tmp_path):
    with connect(client) as ws:
        session = until(ws, "hello")["session"]
        ws.send_json({"type": "step"})
        until(ws, "frame")
        download = client.get(f"/sessions/{session}/model.safetensors?token={TOKEN}")
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        (tmp_path / "m.safetensors").write_bytes(download.content)
        assert gn.load(tmp_path / "m.safetensors").info["features"] == ["x1", "x2"]
        script = client.get(f"/sessions/{session}/train.py?token={TOKEN}")
        assert "model.fit(" in script.text
    all_closed(client)
    assert client.get(f"/sessions/{session}/model.safetensors?token={TOKEN}").status_code == 404


def test_static_files_are_only_the_shipped_ones(client):
    for name in ("../server.py", "..%2Fserver.py", "index.html.bak"):
        assert client.get(f"/static/{name}?token={TOKEN}").status_code == 404


def test_the_command_refuses_a_remote_host_without_allow_remote():
    result = CliRunner().invoke(cli, ["playground", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2 and "--allow-remote" in result.output


def test_the_command_is_listed_and_the_server_is_not_imported_with_glassnet():
    assert "playground" in CliRunner().invoke(cli, ["--help"]).output
    code = ("import sys, glassnet; glassnet.playground; "
            "print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def reject(constant):
    raise AssertionError(f"{constant} is not JSON")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverging_training_is_told_to_the_page_in_valid_json(client):
    settings = {"dataset": "plane", "layers": [8, 8, 8], "activations": ["relu"] * 3, "learning_rate": 10.0}
    with connect(client) as ws:
        ws.send_json({"type": "configure", "settings": settings, "seq": 1})
        ws.send_json({"type": "play"})
        for _ in range(300):
            message = json.loads(ws.receive_text(), parse_constant=reject)
            if message["type"] == "error":
                break
        assert "training paused" in message["message"]
        ws.send_json({"type": "neuron", "layer": 1, "unit": 0, "point": 0})
        view = until(ws, "neuron", or_error=True)  # the point's prediction may itself be infinite
        if view["type"] == "neuron":
            assert set(view) >= {"z", "a", "delta"}
        else:
            assert "diverged" in view["message"]
        ws.send_json({"type": "reset"})
        ws.send_json({"type": "neuron", "layer": 1, "unit": 0, "point": 0})
        assert set(until(ws, "neuron")) >= {"z", "a", "delta"}


@pytest.mark.parametrize("hosts, host, status", [
    (("box.lan",), "box.lan:8765", 200), (("box.lan",), "other.lan:8765", 403),
    (("*",), "192.168.1.20:8765", 200), (("*",), "evil;script-src *", 403), ((), "box.lan:8765", 403),
])
def test_allow_remote_accepts_the_given_host_names_only(hosts, host, status):
    with TestClient(create_app(TOKEN, PORT, hosts), base_url=f"http://{HOST}") as remote:
        assert remote.get(f"/?token={TOKEN}", headers={"host": host}).status_code == status
