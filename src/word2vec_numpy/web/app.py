"""The ASGI application of ``word2vec-numpy serve``: one static page and a JSON API.

Routes (all GET; every ``/api/`` answer is JSON, errors are ``{"error": "...", ...}`` with a
4xx status)::

    /                      the page (index.html), /static/app.js, /static/style.css
    /api/info              model name, vocabulary size, dimensions, limits
    /api/vocab             ?prefix=ki&limit=10     words starting with a prefix, commonest first
    /api/neighbours        ?word=king&topn=10      nearest words by cosine
    /api/analogy           ?a=king&b=man&c=woman   (a - b + c), or repeated ?positive=&negative=
                           &method=3cosadd|3cosmul&topn=10
    /api/map               ?n=1000&method=pca|tsne 2-D coordinates of the n commonest words
    /api/report            training metrics, loss curve, evaluation scores (or null)

The page's files are read from the package once, when the app is made: no part of a request
is ever used as a path. Every response carries a Content-Security-Policy that allows
scripts, styles and connections from this origin only (no inline script, no ``eval``), so a
word such as ``<img src=x onerror=alert(1)>`` could not run even if it were put into the
page as HTML, which app.js never does (words go in as text nodes only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..model.word2vec import Word2Vec
from ..vectors.keyed import KeyedVectors
from .explorer import Explorer, QueryError

__all__ = ["CONTENT_SECURITY_POLICY", "create_app"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}
STATIC_FILES = {
    # route: (file in web/static, media type)
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}


def create_app(
    vectors: KeyedVectors,
    model: Word2Vec | None = None,
    report: Mapping[str, Any] | None = None,
    *,
    name: str = "model",
    allowed_hosts: Sequence[str] | None = None,
) -> Starlette:
    """The app for one set of vectors.

    ``model`` (the trained model, if MODEL was one) and ``report`` (``{"metrics": ...,
    "evaluation": ...}`` as read from ``MODEL.metrics.json`` / ``MODEL.eval.json``) feed only
    the Report tab; ``name`` is the title the page shows. ``allowed_hosts`` (e.g.
    ``["127.0.0.1", "localhost"]``) refuses requests whose Host header names another site,
    which stops a page elsewhere from reaching this server by DNS rebinding.
    """
    explorer = Explorer(vectors, model, report, name=name)
    static = _read_static()

    def page(request: Request) -> Response:
        body, media_type = static[request.url.path]
        return Response(body, media_type=media_type)

    routes = [Route(path, page, methods=["GET"]) for path in static]
    routes += [
        _api("/api/info", lambda q: explorer.info()),
        _api("/api/report", lambda q: {"report": explorer.report()}),
        _api(
            "/api/vocab",
            lambda q: explorer.complete(q.text("prefix", ""), q.integer("limit", 10)),
        ),
        _api(
            "/api/neighbours",
            lambda q: explorer.neighbours(q.text("word"), q.integer("topn", 10)),
        ),
        _api("/api/analogy", lambda q: _analogy(explorer, q)),
        _api(
            "/api/map",
            lambda q: explorer.map(q.integer("n", 1000), q.text("method", "pca").lower()),
        ),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_error, 500: _server_error},
    )
    app.state.explorer = explorer
    return app


class Query:
    """The query string of a request, read with the checks every endpoint shares."""

    def __init__(self, request: Request) -> None:
        self.params = request.query_params

    def text(self, name: str, default: str | None = None) -> str:
        value = self.params.get(name)
        if value is None:
            if default is None:
                raise QueryError(400, f"missing field {name!r}")
            return default
        return value

    def texts(self, name: str) -> list[str]:
        return [v for v in self.params.getlist(name) if v != ""]

    def integer(self, name: str, default: int) -> int:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.lstrip("+-").isdigit()) or len(raw) > 12:
            raise QueryError(400, f"{name} must be an integer, got {raw[:40]!r}")
        return int(raw)


def _analogy(explorer: Explorer, q: Query) -> dict[str, Any]:
    """``a``, ``b``, ``c`` (all three) or ``positive`` / ``negative`` lists."""
    abc = [q.params.get(k) for k in ("a", "b", "c")]
    method = q.text("method", "3cosadd").lower()
    topn = q.integer("topn", 10)
    if any(v is not None for v in abc):
        a, b, c = (q.text(k) for k in ("a", "b", "c"))  # missing ones are a 400
        explorer.check_fields({"a": a, "b": b, "c": c})  # errors name a, b, c in this order
        return explorer.analogy([a, c], [b], method, topn)
    positive, negative = q.texts("positive"), q.texts("negative")
    if not positive:
        raise QueryError(400, "missing field 'a' (with 'b' and 'c') or 'positive'")
    return explorer.analogy(positive, negative, method, topn)


def _api(path: str, answer: Callable[[Query], Any]) -> Route:
    # A plain (not async) endpoint: Starlette runs it in its thread pool, so NumPy's matrix
    # products (which release the GIL) from concurrent requests use every core.
    def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(answer(Query(request)))
        except QueryError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    return Route(path, endpoint, methods=["GET"], name=path)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = getattr(exc, "headers", None)
    if request.url.path.startswith("/api/") or exc.status_code != 404:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
    return Response("Not Found", status_code=404, media_type="text/plain")


async def _server_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "internal error"}, status_code=500)


class SecurityHeaders:
    """ASGI middleware that adds :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _read_static() -> dict[str, tuple[bytes, str]]:
    folder = resources.files(__package__).joinpath("static")
    return {
        route: (folder.joinpath(file).read_bytes(), media_type)
        for route, (file, media_type) in STATIC_FILES.items()
    }
