"""The playground's web server: the page, the training stream (a WebSocket) and the downloads.

Built on Starlette; ``glassnet playground`` runs it on uvicorn (:func:`serve`). Routes (every
one behind :class:`~glassnet.playground.security.Guard`):

====================================== ===========================================================
``GET /``                               the page (it receives the token as a cookie)
``GET /static/{name}``                  its script and style sheet
``WS /ws``                              one training session per connection (one per tab)
``POST /sessions/{id}/upload``          a CSV (x1, x2, target) as the request body
``GET /sessions/{id}/model.safetensors`` the trained model (``gn.load`` reads it)
``GET /sessions/{id}/train.py``          a script that builds and trains the same network
====================================== ===========================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from glassnet.playground import data as _data
from glassnet.playground import export, network
from glassnet.playground.network import DEFAULT_MAX_SESSIONS
from glassnet.playground.security import Guard, cookie_name
from glassnet.playground.session import FRAME_INTERVAL, Session

__all__ = ["create_app", "Sessions", "MAX_UPLOAD", "MAX_MESSAGE", "DEFAULT_MAX_SESSIONS"]

MAX_UPLOAD = 256 * 1024
MAX_MESSAGE = 16 * 1024
_STATIC = {"app.js": "text/javascript", "style.css": "text/css", "draw.js": "text/javascript"}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer"}


class Sessions:
    """The open sessions, at most ``limit`` at once.

    Examples
    --------
    >>> sessions = Sessions(limit=1)
    >>> first = sessions.open()
    >>> sessions.open() is None
    True
    >>> sessions.close(first.id)
    """

    def __init__(self, limit: int = DEFAULT_MAX_SESSIONS) -> None:
        self.limit = limit
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self) -> Session | None:
        """A new session, or None when ``limit`` are open."""
        import secrets

        with self._lock:
            if len(self._open) >= self.limit:
                return None
            session = Session(session_id=secrets.token_urlsafe(12))
            self._open[session.id] = session
            return session

    def __len__(self) -> int:
        """The number of open sessions."""
        with self._lock:
            return len(self._open)

    def get(self, session_id: str) -> Session | None:
        """The open session ``session_id``, or None."""
        with self._lock:
            return self._open.get(session_id)

    def close(self, session_id: str, wait: bool = True) -> None:
        """Forget one session and stop it (``wait``: until its worker thread has ended)."""
        with self._lock:
            session = self._open.pop(session_id, None)
        if session is not None:
            session.close() if wait else session.stop()

    def close_all(self) -> None:
        """Stop every session (at shutdown)."""
        for session_id in list(self._open):
            self.close(session_id)


def _static(name: str) -> str:
    folder = resources.files("glassnet.playground").joinpath("static")
    return folder.joinpath(name).read_text(encoding="utf-8")


def _options() -> dict[str, Any]:
    return {"datasets": {key: {"label": label, "task": task, "noise": noise}
                         for key, (label, task, noise) in _data.DATASETS.items()},
            "features": {key: label for key, (label, _) in _data.FEATURES.items()},
            "activations": list(network.ACTIVATIONS), "optimizers": list(network.OPTIMIZERS),
            "max_layers": network.MAX_LAYERS, "max_units": network.MAX_UNITS,
            "max_samples": network.MAX_SAMPLES, "max_upload": MAX_UPLOAD,
            "defaults": network.Settings().to_dict()}


def _int(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"message {message.get('type')!r} needs {key!r} as an integer; "
                         f"got {str(value)[:20]}")
    return value


_COMMANDS: dict[str, Any] = {
    "configure": lambda s, m: {**s.configure(network.Settings.from_dict(m.get("settings"))),
                               "seq": m.get("seq")},
    "play": lambda s, m: s.set_playing(True),
    "pause": lambda s, m: s.set_playing(False),
    "step": lambda s, m: s.step(),
    "reset": lambda s, m: s.reset(),
    "neuron": lambda s, m: s.neuron(_int(m, "layer"), _int(m, "unit"), _int(m, "point")),
    "edge": lambda s, m: s.edge(_int(m, "layer"), _int(m, "source"), _int(m, "unit")),
}


def _parsed(text: str | None) -> dict[str, Any]:
    """A page's message as a dict with a known ``type``; ValueError saying what is wrong."""
    if text is None:
        raise ValueError("messages are JSON text, not binary")
    if len(text) > MAX_MESSAGE:
        raise ValueError(f"a message of {len(text)} characters; the most is {MAX_MESSAGE}")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"a message that is not JSON ({err.msg})") from None
    if not isinstance(message, dict) or message.get("type") not in _COMMANDS:
        raise ValueError(f"a message must be a JSON object whose type is one of {', '.join(_COMMANDS)}")
    return message


async def _handle(session: Session, text: str | None) -> None:
    try:
        message = _parsed(text)
        result = await asyncio.wrap_future(session.call(lambda: _COMMANDS[message["type"]](session, message)))
    except (ValueError, TypeError) as err:
        session.reply({"type": "error", "message": str(err)})
        return
    except Exception as err:  # whatever a command meets is told to the page; the session lives on
        session.reply({"type": "error", "message": f"{type(err).__name__}: {err}"})
        return
    if isinstance(result, dict) and "type" in result:
        session.reply(result)


def _json(message: Any) -> str:
    """``message`` as JSON, with None for any infinite or NaN number (which JSON cannot hold)."""
    try:
        return json.dumps(message, allow_nan=False)
    except ValueError:
        return json.dumps(_finite_only(message), allow_nan=False)


def _finite_only(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_only(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_only(item) for item in value]
    return value


async def _receive(websocket: WebSocket, session: Session) -> None:
    while True:
        event = await websocket.receive()
        if event["type"] == "websocket.disconnect":
            return
        await _handle(session, event.get("text"))


async def _stream(websocket: WebSocket, session: Session) -> None:
    """Send the queued replies and the newest frame, at most one frame per FRAME_INTERVAL."""
    sent = 0
    while True:
        for reply in session.replies():
            await websocket.send_text(_json(reply))
        number, frame = session.latest_frame()
        if number != sent and frame is not None:
            sent = number
            await websocket.send_text(_json(frame))
        await asyncio.sleep(FRAME_INTERVAL)


async def _websocket(websocket: WebSocket) -> None:
    sessions: Sessions = websocket.app.state.sessions
    await websocket.accept()
    session = await asyncio.to_thread(sessions.open)
    if session is None:
        await websocket.send_json({"type": "refused", "message": (
            f"the playground already runs {sessions.limit} sessions, its most (one per open tab); close "
            "another playground tab and reload this one")})
        await websocket.close(code=1013)
        return
    session.reply({"type": "hello", "session": session.id, "options": _options()})
    session.reply(await asyncio.wrap_future(session.call(session.points)))
    tasks = [asyncio.create_task(_receive(websocket, session)),
             asyncio.create_task(_stream(websocket, session))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() and not isinstance(task.exception(), WebSocketDisconnect | RuntimeError):
                raise task.exception()
    finally:  # no await here: a cancelled connection must still free its session
        for task in tasks:
            task.cancel()
        sessions.close(session.id, wait=False)


def _session(request: Request) -> Session:
    session = request.app.state.sessions.get(request.path_params["session"])
    if session is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404, detail="no open session with this id; reload the page")
    return session


async def _index(request: Request) -> Response:
    token = request.app.state.token
    page = _static("index.html").replace("{{token}}", token)
    response = HTMLResponse(page, headers={**_HEADERS, "Content-Security-Policy": (
        f"default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://{request.headers['host']}; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'")})
    response.set_cookie(cookie_name(request.app.state.port), token, httponly=True, samesite="strict")
    return response


async def _static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _STATIC:
        return JSONResponse({"error": f"no static file {name[:40]!r}"}, status_code=404)
    return Response(_static(name), media_type=_STATIC[name], headers=_HEADERS)


async def _upload(request: Request) -> Response:
    session = _session(request)
    try:
        text = (await request.body()).decode("utf-8-sig")
        uploaded = _data.parse_csv(text, network.MAX_SAMPLES)
        points = await asyncio.wrap_future(session.call(lambda: session.upload(uploaded)))
    except UnicodeDecodeError:
        return JSONResponse({"error": "the CSV is not UTF-8 text"}, status_code=400)
    except ValueError as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    session.reply(points)
    return JSONResponse({"rows": len(points["y"]), "task": points["task"], "n_classes": points["n_classes"]})


async def _model_file(request: Request) -> Response:
    session = _session(request)
    raw = await asyncio.wrap_future(session.call(lambda: export.model_bytes(
        session.model, session.settings, session.data.task, session.data.n_classes)))
    return Response(raw, media_type="application/octet-stream", headers={
        **_HEADERS, "Content-Disposition": 'attachment; filename="glassnet-playground.safetensors"'})


async def _script(request: Request) -> Response:
    session = _session(request)
    text = await asyncio.wrap_future(session.call(lambda: export.script(
        session.settings, session.data.task, session.data.n_classes, session.epoch)))
    return Response(text, media_type="text/x-python", headers={
        **_HEADERS, "Content-Disposition": 'attachment; filename="glassnet_playground_train.py"'})


def _body_limit(path: str) -> tuple[int, str]:
    if path.endswith("/upload"):
        return MAX_UPLOAD, "a CSV upload"
    return 0, "this request"


@contextlib.asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    yield
    app.state.sessions.close_all()


def create_app(token: str, port: int, hosts: tuple[str, ...] = (),
               max_sessions: int = DEFAULT_MAX_SESSIONS) -> Any:
    """The playground as an ASGI application, guarded (token, Host, Origin, body sizes).

    Parameters
    ----------
    token : str
        The secret of this server's URL.
    port : int
        The port it is served on (the Host and Origin headers must name it).
    hosts : tuple of str, optional
        Further host names to accept ("*" for any), for ``--allow-remote``.
    max_sessions : int, default 4
        Sessions (tabs) trained at once; one more is refused with a message.

    Returns
    -------
    ASGI application
        Its ``app.state.sessions`` holds the open sessions.
    """
    app = Starlette(routes=[
        Route("/", _index),
        Route("/static/{name}", _static_file),
        WebSocketRoute("/ws", _websocket),
        Route("/sessions/{session}/upload", _upload, methods=["POST"]),
        Route("/sessions/{session}/model.safetensors", _model_file),
        Route("/sessions/{session}/train.py", _script),
    ], lifespan=_lifespan)
    app.state.sessions, app.state.token, app.state.port = Sessions(max_sessions), token, port
    guarded = Guard(app, token, port, hosts, _body_limit)
    guarded.state = app.state
    return guarded
