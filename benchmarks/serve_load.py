#!/usr/bin/env python
"""Load on ``word2vec-numpy serve``: requests/s and latency of /api/neighbours on a large model.

    python benchmarks/serve_load.py                           # 100,000 words x 100, 50 clients
    python benchmarks/serve_load.py --words 100000 --concurrency 1,10,50 --requests 1000

Makes random vectors (``--words`` x ``--dim``, float32), saves them as our ``.npz``, and
starts the real command ``python -m word2vec_numpy serve FILE --port 0`` in its own process
on 127.0.0.1 (the URL is read from its first line). Then, for each concurrency C, C client
threads in this process send ``--requests`` GET /api/neighbours?word=W&topn=10 in all (each
word drawn at random, a fresh connection per request, as a browser tab would not share one
with another), after ``--warmup`` requests that are not counted. Prints one Markdown row per
C: requests/s (completed requests / wall time), latency p50 / p95 / p99 / max, and errors
(any status but 200, or a timeout). Only 127.0.0.1 is contacted; the number of requests and
each one's time are bounded (``--timeout``), and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"


def start_server(path: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "word2vec_numpy", "serve", str(path), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    if " at http://127.0.0.1:" not in line:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, line.split(" at ")[1].split()[0]


def one_request(url: str, word: str, timeout: float) -> tuple[float, bool]:
    query = urllib.parse.urlencode({"word": word, "topn": 10})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{url}api/neighbours?{query}", timeout=timeout) as r:
            r.read()
            ok = r.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    return time.perf_counter() - t0, ok


def load(url: str, words: list[str], concurrency: int, n: int, timeout: float) -> dict:
    rng = np.random.default_rng(concurrency)
    queries = [words[i] for i in rng.integers(0, len(words), n)]
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def work(word: str) -> None:
        nonlocal errors
        seconds, ok = one_request(url, word, timeout)
        with lock:
            latencies.append(seconds)
            errors += not ok

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(work, queries))
    wall = time.perf_counter() - t0
    ms = np.array(latencies) * 1000
    return {
        "concurrency": concurrency,
        "requests": n,
        "rps": n / wall,
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--concurrency", default="1,10,50", help="comma-separated client counts")
    ap.add_argument("--requests", type=int, default=1000, help="requests per concurrency")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    if args.requests > 100_000 or max(levels) > 500:
        raise SystemExit("keep the load bounded: at most 100,000 requests and 500 clients")

    from word2vec_numpy import KeyedVectors

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.words)]
    vectors = rng.normal(size=(args.words, args.dim)).astype(np.float32)
    print(f"# {shlex.join(sys.argv)}")
    print(
        f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"NumPy {np.__version__}; {args.words:,} words x {args.dim}, /api/neighbours topn=10"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.npz"
        KeyedVectors(words, vectors).save(path)
        proc, url = start_server(path)
        try:
            load(url, words, 4, args.warmup, args.timeout)  # warm up, not counted
            print(
                "\n| clients | requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|---:|")
            for c in levels:
                r = load(url, words, c, args.requests, args.timeout)
                print(
                    f"| {c} | {r['requests']} | {r['rps']:.0f} | {r['p50']:.1f} | "
                    f"{r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['errors']} |",
                    flush=True,
                )
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
