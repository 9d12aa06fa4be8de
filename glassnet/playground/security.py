"""The playground server's guard: the token, the Host and Origin headers and the size of request bodies.

One ASGI middleware in front of every HTTP request and WebSocket:

- the token (``?token=``, the ``X-Glassnet-Token`` header or the cookie the page receives) must
  match, compared in constant time; otherwise 403;
- the ``Host`` header must name the server itself (127.0.0.1, localhost or [::1] with its
  port; other names only with ``--allow-remote``), which defeats DNS rebinding; otherwise 403;
- an ``Origin`` header, when sent, must be this server's own origin; otherwise 403;
- a request body larger than its limit is refused with 413 and a message, whether its size is
  announced by ``Content-Length`` or only found while it streams in.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException

__all__ = ["Guard", "LOOPBACK_NAMES", "cookie_name"]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_HOST_NAME = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def cookie_name(port: int) -> str:
    """The token cookie's name (cookies ignore ports, so the port is part of the name)."""
    return f"glassnet_playground_{port}"


class Guard:
    """The ASGI middleware that checks every request before ``app`` sees it.

    Parameters
    ----------
    app : ASGI application
    token : str
        The secret every request must carry.
    port : int
        The port the server listens on (part of the accepted Host names).
    hosts : tuple of str
        Further accepted host names (``--host`` with ``--allow-remote``); "*" accepts any.
    body_limit : callable
        Maps a request path to its largest accepted body in bytes and what the body is
        ("a CSV upload"), for the message.
    """

    def __init__(self, app: Any, token: str, port: int, hosts: tuple[str, ...] = (),
                 body_limit: Callable[[str], tuple[int, str]] = lambda path: (65536, "a request")) -> None:
        self.app, self.token, self.port, self.body_limit = app, token, port, body_limit
        self.any_host = "*" in hosts
        self.hosts = {f"{name}:{port}" for name in (*LOOPBACK_NAMES, *hosts) if name != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self.problem(scope)
        if problem:
            await _refuse(scope, receive, send, 403, problem)
            return
        if scope["type"] == "http":
            await self._limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> str | None:
        """Why a request is refused (None when it passes): Host, Origin or token."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if not (host in self.hosts or (self.any_host and _HOST_NAME.fullmatch(host))):
            return (f"refused: the Host header {host[:80]!r} is not this server "
                    f"(http://127.0.0.1:{self.port} or http://localhost:{self.port})")
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return f"refused: requests from the page {origin[:80]!r} are not accepted (cross-origin)"
        if not self._has_token(scope, headers):
            return ("refused: a missing or wrong token; open the URL that `glassnet playground` printed "
                    "(it ends in ?token=...)")
        return None

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header carries no token
            cookies = SimpleCookie()
        morsel = cookies.get(cookie_name(self.port))
        given = [*query.get("token", []), headers.get("x-glassnet-token"), morsel.value if morsel else None]
        expected = self.token.encode()
        return any(hmac.compare_digest(value.encode(), expected) for value in given if value)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, what = self.body_limit(scope["path"])
        message = (f"refused: the request body is larger than {limit // 1024} kB, the most {what} may be"
                   if limit >= 1024 else f"refused: {what} takes no request body")
        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > limit:
            await _refuse(scope, receive, send, 413, message)
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > limit:  # a body without Content-Length, or longer than announced
                raise HTTPException(413, detail=message)
            return event

        await self.app(scope, counted, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
