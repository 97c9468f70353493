"""Under load: 50 concurrent neighbour requests on a 100,000-word model, over real HTTP on
127.0.0.1, all answered without an error (bounded: 100 requests, 60 s timeout each).
Speed is measured in benchmarks/serve_load.py, not here."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from word2vec_numpy import KeyedVectors  # noqa: E402
from word2vec_numpy.web.app import create_app  # noqa: E402
from word2vec_numpy.web.server import running  # noqa: E402

WORDS = 100_000
CONCURRENT = 50
ROUNDS = 2
TIMEOUT = 60.0


def test_50_concurrent_neighbour_requests_on_100k_words():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(WORDS)]
    kv = KeyedVectors(words, rng.normal(size=(WORDS, 100)).astype(np.float32))
    queries = [words[i] for i in rng.integers(0, WORDS, CONCURRENT * ROUNDS)]
    start = threading.Barrier(CONCURRENT, timeout=TIMEOUT)

    with running(create_app(kv), host="127.0.0.1") as url:

        def ask(k: int) -> tuple[int, dict]:
            if k < CONCURRENT:
                start.wait()  # the first 50 requests leave together
            query = urllib.parse.urlencode({"word": queries[k], "topn": 10})
            with urllib.request.urlopen(f"{url}api/neighbours?{query}", timeout=TIMEOUT) as r:
                return r.status, json.loads(r.read())

        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(ask, range(CONCURRENT * ROUNDS), timeout=4 * TIMEOUT))

    assert [status for status, _ in answers] == [200] * (CONCURRENT * ROUNDS)
    # each answer belongs to its own question (no mix-up between threads)
    for k in (0, 17, CONCURRENT - 1, CONCURRENT * ROUNDS - 1):
        body = answers[k][1]
        assert body["word"] == queries[k]
        want = kv.most_similar(queries[k], topn=10)
        assert [n["word"] for n in body["neighbours"]] == [w for w, _ in want]
