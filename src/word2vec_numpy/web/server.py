"""Running the app with uvicorn: on a socket bound beforehand (so that a busy port or a bad
host is one clear error, and port 0 picks a free port), in the foreground for ``serve`` or
in a background thread for tests and benchmarks."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import Word2VecError

__all__ = ["bind", "is_loopback", "one_blas_thread", "run", "running", "url_of"]

LOOPBACK_NAMES = ("localhost",)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: any free port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise Word2VecError(f"cannot listen on {host}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise Word2VecError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _server(app: Any, log_level: str) -> Any:
    try:
        import uvicorn
    except ImportError:
        raise Word2VecError(
            "serve needs uvicorn and starlette: pip install 'word2vec-numpy[serve]'"
        ) from None
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    return _Stopping.of(uvicorn.Server)(config)


class _Stopping:
    """The stop of ``serve`` (a mixin over ``uvicorn.Server``). The first Ctrl-C lets the
    requests in progress finish (a t-SNE map can take a minute) and says so, which uvicorn
    logs only at "info"; a second one stops at once. uvicorn's own forced stop would cancel
    the requests with a traceback on the terminal and still wait for their threads."""

    server_state: Any
    should_exit: bool

    @staticmethod
    def of(base: type) -> type:
        return type("Server", (_Stopping, base), {})

    def handle_exit(self, sig: int, frame: Any) -> None:
        busy = len(self.server_state.tasks)
        if self.should_exit and sig == signal.SIGINT:
            with contextlib.suppress(Exception):  # a closed or full stdout must not keep it up
                print("stopped without waiting", flush=True)
                sys.stderr.flush()
            os._exit(0)  # nothing to save: a server of a model read once
        if not self.should_exit and busy:
            requests = "1 request" if busy == 1 else f"{busy} requests"
            print(
                f"word2vec-numpy serve: waiting for {requests} to finish (Ctrl-C again to stop "
                "now)",
                file=sys.stderr,
                flush=True,
            )
        super().handle_exit(sig, frame)  # type: ignore[misc]


def one_blas_thread() -> Any:
    """Limit BLAS (OpenBLAS, MKL) to one thread in this process; returns the limiter
    (``.restore_original_limits()`` undoes it), or None without threadpoolctl.

    Concurrent requests each run a matrix-vector product in their own thread. With a
    multi-threaded BLAS those calls fight over its thread pool: on 2 cores, 50 concurrent
    neighbour queries on 100,000 words fell from 34/s (one at a time) to 2/s. With one BLAS
    thread per call the request threads fill the cores instead (66/s with 50 clients).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


def run(app: Any, sock: socket.socket, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C (uvicorn shuts down gracefully)."""
    server = _server(app, log_level)
    one_blas_thread()
    server.run(sockets=[sock])


@contextmanager
def running(
    app: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = 20.0
) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields the base URL and stops the server after.

    For tests and benchmarks: nothing listens anywhere but ``host`` (loopback by default).
    """
    sock = bind(host, port)
    server = _server(app, "warning")
    limiter = one_blas_thread()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        if limiter is not None:
            limiter.restore_original_limits()
