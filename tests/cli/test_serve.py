"""``word2vec-numpy serve``: options, errors, the report files, and a real server started
as a subprocess on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli as run

from word2vec_numpy.formats.word2vec_format import save_word2vec_format

SRC = Path(__file__).resolve().parents[2] / "src"
WORDS = ["the", "king", "queen", "man", "woman", "apple", "pear", "</script>"]


@pytest.fixture
def vectors_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "vec.txt"
    save_word2vec_format(path, WORDS, rng.normal(size=(len(WORDS), 6)).astype(np.float32))
    return path


@pytest.fixture
def captured(monkeypatch):
    """Run ``serve`` in-process up to the point where it would serve; keep what it made."""
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from word2vec_numpy.web import server

    seen = {}

    def fake_run(app, sock, log_level="warning"):
        seen["app"], seen["address"] = app, sock.getsockname()
        sock.close()

    monkeypatch.setattr(server, "run", fake_run)
    return seen


def test_serve_builds_the_app_and_prints_the_url(vectors_file, captured, capsys):
    code, out, err = run(["serve", str(vectors_file), "--port", "0", "--limit", "5"], capsys)
    assert code == 0 and err == ""
    host, port = captured["address"][:2]
    assert host == "127.0.0.1" and port > 0  # loopback unless asked
    assert out.startswith(f"serving {vectors_file} (5 words, 6 dimensions) at ")
    assert f"http://127.0.0.1:{port}/" in out
    explorer = captured["app"].state.explorer
    assert len(explorer.kv) == 5 and explorer.kv.index_to_key == WORDS[:5]
    assert explorer.report() is None


def test_serve_open_starts_the_browser_on_the_url(vectors_file, captured, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    code, out, _ = run(["serve", str(vectors_file), "--port", "0", "--open"], capsys)
    assert code == 0 and len(opened) == 1 and opened[0] in out
    code, _, _ = run(["serve", str(vectors_file), "--port", "0"], capsys)
    assert len(opened) == 1  # only when asked


def test_serve_reads_the_report_files_beside_the_model(vectors_file, captured, capsys):
    metrics = {"corpus_tokens": 123, "epoch_losses": [2.0, 1.5]}
    evaluation = {"analogies": {"accuracy": 0.25}, "pairs": []}
    (vectors_file.parent / "vec.metrics.json").write_text(json.dumps(metrics))
    (vectors_file.parent / "vec.eval.json").write_text(json.dumps(evaluation))
    code, _, err = run(["serve", str(vectors_file), "--port", "0"], capsys)
    assert code == 0 and err == ""
    report = captured["app"].state.explorer.report()
    assert report["training"] == metrics and report["evaluation"] == evaluation
    # a damaged file is skipped with one warning line; the page still works
    (vectors_file.parent / "vec.eval.json").write_text("{not json")
    code, _, err = run(["serve", str(vectors_file), "--port", "0"], capsys)
    assert code == 0 and err.count("\n") == 1 and "ignoring" in err and "vec.eval.json" in err
    assert captured["app"].state.explorer.report()["evaluation"] is None
    # nested too deeply: for our report (900 levels) or even for reading (100,000)
    for depth in (900, 100_000):
        (vectors_file.parent / "vec.eval.json").write_text('{"a":' * depth + "1" + "}" * depth)
        code, _, err = run(["serve", str(vectors_file), "--port", "0"], capsys)
        assert code == 0 and err.count("\n") == 1 and "nested more than 32 levels deep" in err
        assert captured["app"].state.explorer.report()["evaluation"] is None


def test_a_host_name_of_this_machine_is_loopback(vectors_file, captured, monkeypatch, capsys):
    """Loopback is judged by the address bound: a name that resolves to 127.0.0.1 gets no
    warning, and requests for other host names are refused (DNS rebinding)."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        return real("127.0.0.1" if host == "myhost" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    code, _, err = run(["serve", str(vectors_file), "--port", "0", "--host", "myhost"], capsys)
    assert code == 0 and err == ""
    (trusted,) = [m for m in captured["app"].user_middleware if "allowed_hosts" in m.kwargs]
    assert "myhost" in trusted.kwargs["allowed_hosts"] and "evil.example" not in str(trusted)


def test_serve_bad_input_is_one_line_exit_2(vectors_file, tmp_path, capsys):
    cases = [
        ["serve", str(tmp_path / "missing.npz")],
        ["serve", str(vectors_file), "--port", "http"],
        ["serve", str(vectors_file), "--port", "70000"],
        ["serve", str(vectors_file), "--limit", "0"],
    ]
    for argv in cases:
        code, out, err = run(argv, capsys)
        assert code == 2 and out == "" and err.count("\n") == 1, argv


def test_serve_busy_port_is_one_line_exit_2(vectors_file, capsys):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out, err = run(["serve", str(vectors_file), "--port", str(port)], capsys)
    assert code == 2 and err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def test_serve_without_the_extra_says_how_to_install_it(vectors_file, monkeypatch, capsys):
    for name in ("starlette", "word2vec_numpy.web.app"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    code, _, err = run(["serve", str(vectors_file)], capsys)
    assert code == 2 and "pip install 'word2vec-numpy[serve]'" in err and err.count("\n") == 1


def test_is_loopback():
    pytest.importorskip("uvicorn")
    from word2vec_numpy.web.server import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.5", "::", "example.org"]))


def test_serve_command_answers_over_http(vectors_file):
    """The real command in its own process: prints the URL, serves the page and the API,
    and stops on Ctrl-C (SIGINT) with exit code 0."""
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "word2vec_numpy", "serve", str(vectors_file), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving ") and "http://127.0.0.1:" in line, proc.stderr.read()
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and b"word2vec-numpy" in page.read()
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        with urllib.request.urlopen(url + "api/neighbours?word=king&topn=3", timeout=30) as r:
            body = json.loads(r.read())
        assert body["word"] == "king" and len(body["neighbours"]) == 3
        with urllib.request.urlopen(url + "api/vocab?prefix=%3C", timeout=30) as r:
            assert json.loads(r.read())["words"] == ["</script>"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0


def test_ctrl_c_waits_for_requests_in_progress_and_a_second_one_stops_at_once(monkeypatch, capsys):
    pytest.importorskip("uvicorn")
    from word2vec_numpy.web import server

    s = server._server(None, "warning")
    s.server_state.tasks.add(object())  # a t-SNE map still computing
    s.handle_exit(signal.SIGINT, None)
    assert s.should_exit and not s.force_exit
    assert capsys.readouterr().err == (
        "word2vec-numpy serve: waiting for 1 request to finish (Ctrl-C again to stop now)\n"
    )

    def exit_now(code):
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(SystemExit) as info:
        s.handle_exit(signal.SIGINT, None)  # no cancelled request's traceback, no waiting
    assert info.value.code == 0 and capsys.readouterr().out == "stopped without waiting\n"
    idle = server._server(None, "warning")
    idle.handle_exit(signal.SIGINT, None)  # nothing running: it simply stops
    assert idle.should_exit and capsys.readouterr().err == ""
