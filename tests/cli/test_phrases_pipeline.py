"""The two-command pipeline of the README: ``phrases`` writes phrased text, ``train`` learns a
vector for each detected phrase (the tokeniser keeps ``_``-joined words whole)."""

from __future__ import annotations

from conftest import run_cli

from word2vec_numpy import Word2Vec


def test_phrases_then_train_gives_phrase_vectors(tmp_path, capsys):
    rng_words = ["went", "to", "saw", "left", "the", "city", "a", "trip", "big", "and"]
    lines = []
    for i in range(600):
        filler = " ".join(rng_words[(i * 7 + k) % len(rng_words)] for k in range(6))
        lines.append(f"she {filler} new york {filler} united states")
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(
        ["phrases", str(tmp_path / "in.txt"), str(tmp_path / "out.txt"), "--threshold", "0.01"],
        capsys,
    )
    assert code == 0, err
    assert "new_york" in (tmp_path / "out.txt").read_text(encoding="utf-8")
    args = [
        "train",
        "--corpus",
        str(tmp_path / "out.txt"),
        "--out",
        str(tmp_path / "m"),
        "--min-count",
        "2",
        "--epochs",
        "1",
        "--dim",
        "8",
        "--workers",
        "1",
        "--quiet",
    ]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    words = Word2Vec.load(tmp_path / "m.npz").vocab.words
    assert "new_york" in words and "united_states" in words
