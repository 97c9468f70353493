"""``word2vec-numpy serve MODEL``: a local web page to explore a model (neighbours,
analogies, a 2-D map, the training report), served by uvicorn on 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import json
import sys
import webbrowser
from pathlib import Path
from typing import Any

from ..errors import Word2VecError
from ..formats.npz import sidecar_path
from ..vectors.keyed import KeyedVectors
from .common import POSITIVE_INT, add_model_argument, arg_type, load_any, opt


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"port must be an integer, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be between 0 and 65535, got {port}")
    return port


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="explore a model in the browser",
        description="Serve a local web page to explore MODEL: nearest neighbours, analogies, "
        "a 2-D map (PCA, or t-SNE with the plot extra) and, for a trained model, its "
        "training report and evaluation scores (MODEL.metrics.json, MODEL.eval.json from "
        "`evaluate --save`). Needs the serve extra: pip install 'word2vec-numpy[serve]'.",
    )
    add_model_argument(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; another address "
        "lets anyone who can reach it use the page)",
    )
    p.add_argument(
        "--port", type=arg_type(_port), default=8000, help="port (default 8000; 0: any free)"
    )
    p.add_argument(
        "--limit", type=POSITIVE_INT, metavar="N", help="keep only the N most frequent words"
    )
    opt(p, "--open", action="store_true", help="open the page in the web browser")
    p.set_defaults(func=run)


MAX_REPORT_DEPTH = 32  # our reports are 3-4 levels deep


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (without recursion)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo.extend((x, level + 1) for x in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_report(model_path: str | Path) -> dict[str, Any]:
    """The JSON files beside a model: ``metrics`` (``MODEL.metrics.json``, written by
    ``train``) and ``evaluation`` (``MODEL.eval.json``, by ``evaluate --save``); a missing
    file is None, an unreadable one is None with a warning on stderr."""
    report: dict[str, Any] = {}
    for key, suffix in (("metrics", ".metrics.json"), ("evaluation", ".eval.json")):
        path = sidecar_path(model_path, suffix)
        report[key] = None
        if not path.is_file():
            continue
        deep = f"nested more than {MAX_REPORT_DEPTH} levels deep"
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            problem = None if isinstance(value, dict) else "not a JSON object"
            if problem is None and _depth(value) > MAX_REPORT_DEPTH:
                problem = deep
        except RecursionError:  # too deep even to read
            problem = deep
        except (OSError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:
            print(f"word2vec-numpy serve: ignoring {path}: {problem}", file=sys.stderr)
        else:
            report[key] = value
    return report


def run(args: argparse.Namespace) -> int:
    try:
        from ..web.app import create_app
        from ..web.server import bind, is_loopback, url_of
        from ..web.server import run as serve_forever
    except ImportError:
        raise Word2VecError(
            "serve needs starlette and uvicorn: pip install 'word2vec-numpy[serve]'"
        ) from None
    vectors, model = load_any(args.model, args.unicode_errors)
    if args.limit is not None and args.limit < len(vectors):
        n = args.limit
        vectors = KeyedVectors(vectors.index_to_key[:n], vectors.vectors[:n], vectors.counts[:n])
    report = read_report(args.model)
    sock = bind(args.host, args.port)
    # judged by the address bound, not by its name: a name may resolve to loopback
    loopback = is_loopback(sock.getsockname()[0])
    # On loopback, refuse requests for other host names (DNS rebinding); a chosen public
    # address may be reached by any name.
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1", args.host] if loopback else None
    app = create_app(vectors, model, report, name=Path(args.model).name, allowed_hosts=hosts)
    url = url_of(sock)
    print(
        f"serving {args.model} ({len(vectors):,} words, {vectors.vector_size} dimensions) "
        f"at {url}  (Ctrl-C to stop)",
        flush=True,
    )
    if not loopback:
        print(
            f"word2vec-numpy serve: listening on {args.host}: anyone who can reach this "
            "address can use the page",
            file=sys.stderr,
        )
    if args.open:
        webbrowser.open(url)
    try:
        serve_forever(app, sock)
    except KeyboardInterrupt:  # uvicorn shuts down gracefully, then passes Ctrl-C on
        pass
    print("stopped", flush=True)
    return 0
