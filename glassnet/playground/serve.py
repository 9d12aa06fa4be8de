"""``glassnet playground``: bind the socket, print the URL with its token and run the server.

Loopback only by default: another ``host`` is refused unless ``allow_remote`` is given, and
then the page is reachable by anyone on the network who learns the URL (the token is still
required). Ctrl-C stops the server: uvicorn finishes the open requests, closes the
WebSockets and the sessions' worker threads stop.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable

from glassnet.playground.network import DEFAULT_MAX_SESSIONS

__all__ = ["serve", "check_host", "is_loopback"]

_EXTRA = 'the playground needs its web server: pip install "glassnet[playground]"'


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> tuple[str, ...]:
    """The host names the server accepts in Host headers besides the loopback ones.

    Raises
    ------
    ValueError
        For a host that is not loopback without ``allow_remote``.

    Examples
    --------
    >>> check_host("127.0.0.1", False)
    ()
    >>> check_host("0.0.0.0", True)
    ('*',)
    """
    if is_loopback(host):
        return ()
    if not allow_remote:
        raise ValueError(f"--host {host!r} would serve the playground to other machines; it listens on "
                         "127.0.0.1 only unless --allow-remote is given too")
    return ("*",) if host in ("0.0.0.0", "::", "") else (host,)


def _bound_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)  # connections made once the URL is printed wait for the server to start
    except OSError as err:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port} ({err.strerror}); choose another --port, or "
                         "leave it out for a free one") from None
    return sock


def serve(port: int = 0, host: str = "127.0.0.1", open_browser: bool = True, allow_remote: bool = False,
          max_sessions: int = DEFAULT_MAX_SESSIONS, say: Callable[[str], None] = print) -> None:
    """Run the playground until Ctrl-C.

    Parameters
    ----------
    port : int, default 0
        The port; 0 picks a free one.
    host : str, default "127.0.0.1"
        The interface; anything but loopback needs ``allow_remote``.
    open_browser : bool, default True
        Open the page in the default browser.
    allow_remote : bool, default False
        Allow a non-loopback ``host`` (a warning is printed).
    max_sessions : int, default 4
        Browser tabs trained at once.
    say : callable, default print
        Where the URL and the warnings go.

    Raises
    ------
    ValueError
        For a refused host or a port that cannot be bound.
    ImportError
        Without the ``playground`` extra, saying how to install it.
    """
    hosts = check_host(host, allow_remote)
    try:
        import uvicorn

        from glassnet.playground.server import MAX_MESSAGE, create_app
    except ImportError as err:
        raise ImportError(f"{_EXTRA} ({err})") from None
    if hosts:
        say(f"warning: --allow-remote: the playground listens on {host}; anyone on the network with the URL "
            "below can use it (and the server's processor)")
    sock = _bound_socket(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(token, port, hosts, max_sessions=max_sessions)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_MESSAGE, timeout_graceful_shutdown=3,
                            lifespan="on")
    shown = "127.0.0.1" if not hosts else host
    url = f"http://{shown}:{port}/?token={token}"
    say(f"glassnet playground: {url}")
    say("press Ctrl-C to stop")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down: the way to stop
        pass
    finally:
        sock.close()
    say("playground stopped")
