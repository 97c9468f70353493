"""The JSON API of ``serve`` (web/app.py, web/explorer.py) through Starlette's test client."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

import warnings  # noqa: E402

from explorer_data import HOSTILE, toy_vectors  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2, which PyPI may not have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from word2vec_numpy import Trainer, Vocabulary, Word2Vec  # noqa: E402
from word2vec_numpy.web import explorer as explorer_module  # noqa: E402
from word2vec_numpy.web.app import CONTENT_SECURITY_POLICY, create_app  # noqa: E402
from word2vec_numpy.web.explorer import MAX_TOPN  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def kv():
    return toy_vectors()


@pytest.fixture(scope="module")
def client(kv):
    with TestClient(create_app(kv, None, None, name="toy.txt")) as c:
        yield c


def error_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return body


def test_page_and_static_files_carry_the_security_headers(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/static/app.js" defer></script>' in page.text
    csp = page.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    js = client.get("/static/app.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    # the page never turns text into HTML
    code = "\n".join(x for x in js.text.splitlines() if not x.strip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    assert client.get("/api/info").headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    # every script and style is local: no address of another site in the page
    for name in ("/", "/static/app.js", "/static/style.css"):
        text = client.get(name).text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text and "//cdn" not in text


def test_nothing_in_a_request_reaches_the_filesystem(client):
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/index.html",
        "/static/explorer.py",
        "/app.py",
        "/etc/passwd",
        "/static/app.js/../../explorer.py",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "import" not in response.text


def test_info(client, kv):
    info = client.get("/api/info").json()
    assert info["name"] == "toy.txt" and info["words"] == len(kv) and info["dim"] == 24
    assert info["kind"] == "vectors" and info["has_report"] is False
    assert info["limits"]["topn"] == MAX_TOPN


def test_neighbours_equal_most_similar(client, kv):
    body = client.get("/api/neighbours", params={"word": "king", "topn": 7}).json()
    want = kv.most_similar("king", topn=7)
    assert [(n["word"], n["score"]) for n in body["neighbours"]] == [
        (w, pytest.approx(s, abs=1e-7)) for w, s in want
    ]
    assert body["word"] == "king" and body["rank"] == 2
    # the default is 10, and the hostile words are plain JSON strings
    default = client.get("/api/neighbours", params={"word": "king"}).json()["neighbours"]
    assert len(default) == 10 and set(HOSTILE) <= {n["word"] for n in default}


def test_bad_requests_are_4xx_json(client):
    get = client.get
    body = error_of(get("/api/neighbours", params={"word": "king", "topn": MAX_TOPN + 1}), 400)
    assert str(MAX_TOPN) in body["error"]
    error_of(get("/api/neighbours", params={"word": "king", "topn": 0}), 400)
    error_of(get("/api/neighbours", params={"word": "king", "topn": -3}), 400)
    for bad in ("ten", "1.5", "1e3", "0x10", "9" * 40, "NaN", " "):
        body = error_of(get("/api/neighbours", params={"word": "king", "topn": bad}), 400)
        assert "integer" in body["error"] or "between" in body["error"]
    assert "missing field 'word'" in error_of(get("/api/neighbours"), 400)["error"]
    error_of(get("/api/neighbours", params={"word": ""}), 400)
    error_of(get("/api/neighbours", params={"word": "x" * 5000}), 400)
    error_of(get("/api/map", params={"n": "many"}), 400)
    error_of(get("/api/map", params={"n": 10**6}), 400)
    error_of(get("/api/map", params={"n": 1}), 400)
    error_of(get("/api/map", params={"method": "umap"}), 400)
    error_of(get("/api/vocab", params={"limit": 1000}), 400)
    error_of(get("/api/analogy", params={"a": "king", "b": "man"}), 400)  # c missing
    error_of(get("/api/analogy"), 400)
    error_of(
        get("/api/analogy", params={"a": "king", "b": "man", "c": "woman", "method": "x"}), 400
    )
    many = {"positive": ["king"] * 11}
    error_of(get("/api/analogy", params=many), 400)
    error_of(get("/api/nothing-here"), 404)
    error_of(client.post("/api/neighbours", data={"word": "king"}), 405)


def test_unknown_words_are_404_with_suggestions(client):
    body = error_of(client.get("/api/neighbours", params={"word": "kign"}), 404)
    assert body["unknown"][0]["word"] == "kign"
    assert "king" in body["unknown"][0]["suggestions"]
    assert len(body["unknown"][0]["suggestions"]) <= 5
    body = error_of(client.get("/api/neighbours", params={"word": "zzzzzzzzzz"}), 404)
    assert body["unknown"] == [{"word": "zzzzzzzzzz", "suggestions": []}]
    # an analogy names every unknown word once
    params = {"a": "kign", "b": "man", "c": "wman"}
    body = error_of(client.get("/api/analogy", params=params), 404)
    assert [u["word"] for u in body["unknown"]] == ["kign", "wman"]
    assert "woman" in body["unknown"][1]["suggestions"]
    # in the order of the fields a, b, c (not a, c, b as the sum a - b + c is made)
    params = {"a": "kign", "b": "mna", "c": "wman"}
    body = error_of(client.get("/api/analogy", params=params), 404)
    assert [u["word"] for u in body["unknown"]] == ["kign", "mna", "wman"]
    # an empty field is named
    for field in "abc":
        params = dict({"a": "king", "b": "man", "c": "woman"}, **{field: ""})
        assert error_of(client.get("/api/analogy", params=params), 400) == {
            "error": f"{field} is empty"
        }


def test_analogy_abc_and_word_lists(client, kv):
    abc = {"a": "king", "b": "man", "c": "woman", "topn": 5}
    add = client.get("/api/analogy", params=abc).json()
    assert add["method"] == "3cosadd" and add["results"][0]["word"] == "queen"
    assert add["positive"] == ["king", "woman"] and add["negative"] == ["man"]
    want = kv.analogy("king", "man", "woman", topn=5)
    assert [r["word"] for r in add["results"]] == [w for w, _ in want]
    np.testing.assert_allclose(
        [r["score"] for r in add["results"]], [s for _, s in want], atol=1e-6
    )
    mul = client.get("/api/analogy", params={**abc, "method": "3CosMul"}).json()
    assert [(r["word"], r["score"]) for r in mul["results"]] == [
        (w, pytest.approx(s, rel=1e-6))
        for w, s in kv.analogy("king", "man", "woman", topn=5, method="3cosmul")
    ]
    lists = client.get(
        "/api/analogy", params={"positive": ["king", "woman"], "negative": ["man"], "topn": 5}
    ).json()
    assert [r["word"] for r in lists["results"]] == [r["word"] for r in add["results"]]
    only = client.get("/api/analogy", params={"positive": ["apple", "pear"]}).json()
    assert only["negative"] == [] and only["results"][0]["word"] in {
        "plum",
        "cherry",
        "peach",
        "grape",
    }


def test_vocab_prefix_search(client, kv):
    body = client.get("/api/vocab", params={"prefix": "pr", "limit": 10}).json()
    assert body["words"] == ["prince", "princess"] and body["matches"] == 2
    # case-insensitive, the most frequent first, an exact word first of all
    assert client.get("/api/vocab", params={"prefix": "PRINCE"}).json()["words"] == [
        "prince",
        "princess",
    ]
    fill = client.get("/api/vocab", params={"prefix": "filler1", "limit": 5}).json()
    assert fill["words"] == ["filler1", "filler10", "filler11", "filler12", "filler13"]
    assert fill["matches"] == 111  # filler1, filler10-19, filler100-199
    top = client.get("/api/vocab", params={"prefix": "", "limit": 3}).json()["words"]
    assert top == kv.index_to_key[:3]
    hostile = client.get("/api/vocab", params={"prefix": "<img"}).json()["words"]
    assert hostile == [HOSTILE[0], HOSTILE[2]]
    assert client.get("/api/vocab", params={"prefix": "qqq"}).json()["words"] == []


def test_prefix_search_equals_a_scan_on_random_words():
    rng = np.random.default_rng(5)
    letters = np.array(list("abcAB"))
    words = list(
        dict.fromkeys("".join(rng.choice(letters, rng.integers(1, 6))) for _ in range(900))
    )
    from word2vec_numpy import KeyedVectors

    explorer = explorer_module.Explorer(KeyedVectors(words, rng.normal(size=(len(words), 4))))
    for prefix in ("", "a", "ab", "AB", "bca", "c", "abcab"):
        want = [w for w in words if w.lower().startswith(prefix.lower())]
        if prefix in words:  # the exact word first, whatever its frequency
            want = [prefix] + [w for w in want if w != prefix]
        assert explorer.complete(prefix, 7)["words"] == want[:7], prefix
    rare = words[-1]  # the least frequent word still comes first when typed in full
    assert explorer.complete(rare, 3)["words"][0] == rare


def test_map_pca_and_cache(client, kv):
    body = client.get("/api/map", params={"n": 50}).json()
    assert body["method"] == "pca" and body["n"] == 50
    assert body["words"] == kv.index_to_key[:50]
    assert len(body["x"]) == len(body["y"]) == 50
    assert 0 < body["explained"][1] <= body["explained"][0] < 1
    again = client.get("/api/map", params={"n": 50, "method": "pca"}).json()
    assert again == body  # the cached result
    assert client.get("/api/map", params={"n": 50, "method": "PCA"}).json() == body  # as 3COSMUL
    everything = client.get("/api/map", params={"n": 10_000}).json()
    assert everything["n"] == len(kv)  # n beyond the vocabulary: all of it


def test_map_tsne(client, monkeypatch):
    pytest.importorskip("sklearn")
    body = client.get("/api/map", params={"n": 40, "method": "tsne"}).json()
    assert body["method"] == "tsne" and len(body["x"]) == 40 and body["perplexity"] == 13
    assert client.get("/api/map", params={"n": 40, "method": "tsne"}).json() == body
    error_of(client.get("/api/map", params={"n": 5000, "method": "tsne"}), 400)


def test_map_tsne_without_scikit_learn(kv, monkeypatch):
    monkeypatch.setattr(explorer_module, "_have_sklearn", lambda: False)
    with TestClient(create_app(kv)) as c:
        assert c.get("/api/info").json()["tsne"] is False
        body = error_of(c.get("/api/map", params={"n": 30, "method": "tsne"}), 501)
        assert "scikit-learn" in body["error"] and "[plot]" in body["error"]


def test_report_from_metrics_evaluation_and_model(kv):
    with TestClient(create_app(kv)) as c:
        assert c.get("/api/report").json() == {"report": None}
    tokens = ("the king and the queen rule the land " * 50).split()
    vocab = Vocabulary(min_count=1).build(tokens)
    model = Word2Vec(vocab, dim=8, seed=1)
    Trainer(model, vocab, vocab.encode(tokens), epochs=2, workers=1, quiet=True).train()
    metrics = {"corpus_tokens": 400, "epoch_losses": [3.0, float("nan")], "seconds": 1.5}
    evaluation = {"analogies": {"accuracy": 0.5}, "pairs": []}
    app = create_app(model.wv, model, {"metrics": metrics, "evaluation": evaluation})
    with TestClient(app) as c:
        assert c.get("/api/info").json()["has_report"] is True
        report = c.get("/api/report").json()["report"]
    assert report["training"]["epoch_losses"] == [3.0, None]  # JSON has no NaN
    assert report["evaluation"] == evaluation
    assert len(report["loss_curve"]) == len(model.loss_history) or len(report["loss_curve"]) == 400
    # a saved model without metrics reports what it knows itself
    with TestClient(create_app(model.wv, model, None)) as c:
        training = c.get("/api/report").json()["report"]["training"]
    assert training["hyperparameters"]["dim"] == 8
    assert training["epoch_losses"] == pytest.approx(model.epoch_losses)


def test_trusted_hosts(kv):
    app = create_app(kv, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/info").status_code == 200
    with TestClient(app, base_url="http://evil.example") as c:
        assert c.get("/api/info").status_code == 400
