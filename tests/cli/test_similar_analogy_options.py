"""``similar`` / ``analogy`` with several positive words, ``--negative`` and ``--limit``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_cli as run

from word2vec_numpy import KeyedVectors

# person p, royal r, male m, female f, two spare axes x, y: king - man + woman = queen
VECTORS = {
    "the": [0, 0, 0, 0, 1, 0.1],
    "man": [1, 0, 1, 0, 0, 0],
    "king": [0, 1, 1, 0, 0, 0],
    "woman": [1, 0, 0, 1, 0, 0.05],
    "queen": [0, 1, 0, 1, 0, 0],
    "prince": [0, 1, 1, 0, 0.3, 0],
    "princess": [0, 1, 0, 1, 0.3, 0.1],
    "apple": [0, 0, 0, 0, 0, 1],
    "pear": [0, 0, 0, 0, 0.2, 1],
}


@pytest.fixture
def kv() -> KeyedVectors:
    return KeyedVectors(list(VECTORS), np.array(list(VECTORS.values()), dtype=np.float32))


@pytest.fixture
def model_file(tmp_path, kv):
    path = tmp_path / "vectors.txt"
    kv.save_word2vec_format(path)
    return path


def table_rows(out: str) -> list[tuple[str, float]]:
    """(word, cosine) of every row of the printed tables."""
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].isdigit():
            rows.append((parts[1], float(parts[2])))
    return rows


def titles(out: str) -> list[str]:
    return [line for line in out.splitlines() if line and not line.startswith(" ")]


def same(rows, want) -> None:
    assert [w for w, _ in rows] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in rows], [s for _, s in want], atol=5e-5)


def test_similar_with_negative_is_one_combined_query(model_file, kv, capsys):
    argv = ["similar", str(model_file), "king", "woman", "--negative", "man", "--top", "3"]
    code, out, err = run(argv, capsys)
    assert code == 0 and err == ""
    assert titles(out) == ["king + woman - man"]
    rows = table_rows(out)
    assert rows[0][0] == "queen"
    same(rows, kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3))


def test_similar_combine_and_several_negatives(model_file, kv, capsys):
    code, out, _ = run(["similar", str(model_file), "king", "woman", "--combine"], capsys)
    assert code == 0 and titles(out) == ["king + woman"]
    same(table_rows(out), kv.most_similar(positive=["king", "woman"]))
    argv = ["similar", str(model_file), "princess", "--negative", "woman", "--negative", "the"]
    code, out, _ = run(argv, capsys)
    assert code == 0 and titles(out) == ["princess - woman - the"]
    same(table_rows(out), kv.most_similar(positive=["princess"], negative=["woman", "the"]))


def test_similar_without_negative_keeps_one_table_per_word(model_file, kv, capsys):
    code, out, _ = run(["similar", str(model_file), "king", "apple", "--top", "2"], capsys)
    assert code == 0 and titles(out) == ["king", "apple"]
    rows = table_rows(out)
    same(rows[:2], kv.most_similar("king", topn=2))
    same(rows[2:], kv.most_similar("apple", topn=2))


@pytest.mark.parametrize("spelling", ["--limit", "--restrict-vocab", "--restrict_vocab"])
def test_limit_searches_only_the_most_frequent_words(model_file, kv, capsys, spelling):
    argv = ["similar", str(model_file), "prince", "woman", "--negative", "man", spelling, "4"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    rows = table_rows(out)
    assert {w for w, _ in rows} <= set(list(VECTORS)[:4]) - {"woman", "man"}
    want = kv.most_similar(positive=["prince", "woman"], negative=["man"], restrict_vocab=4)
    same(rows, want)
    code, out, _ = run(["analogy", str(model_file), "king", "man", "woman", spelling, "4"], capsys)
    assert code == 0 and [w for w, _ in table_rows(out)] == ["the"]  # queen is word 5


def test_analogy_with_more_positive_and_negative_words(model_file, kv, capsys):
    argv = ["analogy", str(model_file), "king", "man", "woman", "--positive", "the"]
    argv += ["--negative", "apple", "pear", "--top", "4"]
    code, out, err = run(argv, capsys)
    assert code == 0 and err == ""
    assert titles(out) == ["king - man + woman + the - apple - pear (3cosadd)"]
    positive, negative = ["king", "woman", "the"], ["man", "apple", "pear"]
    same(table_rows(out), kv.most_similar(positive=positive, negative=negative, topn=4))
    code, out, _ = run([*argv, "--method", "3cosmul"], capsys)
    assert code == 0 and titles(out)[0].endswith("(3cosmul)")
    same(table_rows(out), kv.most_similar_cosmul(positive=positive, negative=negative, topn=4))
    assert out.splitlines()[1].split() == ["rank", "word", "3cosmul"]  # not a cosine


def test_plain_analogy_unchanged(model_file, kv, capsys):
    code, out, _ = run(["analogy", str(model_file), "king", "man", "woman"], capsys)
    assert code == 0 and titles(out) == ["king - man + woman (3cosadd)"]
    same(table_rows(out), kv.analogy("king", "man", "woman"))
    assert table_rows(out)[0][0] == "queen"


def test_unknown_negative_word_and_bad_limit_are_one_line_errors(model_file, capsys):
    argv = ["similar", str(model_file), "king", "--negative", "womna"]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert (
        err == "word2vec-numpy similar: 'womna' is not in the vocabulary (did you mean 'woman'?)\n"
    )
    argv = ["analogy", str(model_file), "king", "man", "woman", "--positive", "quen"]
    code, _, err = run(argv, capsys)
    assert code == 2 and "did you mean 'queen'" in err and len(err.splitlines()) == 1
    for bad in ("0", "-3", "many"):
        code, _, err = run(["similar", str(model_file), "king", "--limit", bad], capsys)
        assert code == 2 and len(err.splitlines()) == 1 and "--limit" in err


def test_help_documents_the_options(capsys):
    for command in ("similar", "analogy"):
        code, out, _ = run([command, "--help"], capsys)
        assert code == 0
        assert "--negative" in out and "--limit" in out and "most_similar" in out


def test_a_c_tool_file_with_a_word_cut_inside_a_character(tmp_path, capsys):
    """The C tool cuts words at 100 bytes, inside a character; such a file is refused with
    the way to read it, and read with --unicode-errors (gensim's unicode_errors)."""
    rng = np.random.default_rng(0)
    words = [b"king", b"queen", ("\u0436" * 49).encode() + b"\xd0", b"man"]
    path = tmp_path / "cut.bin"
    with open(path, "wb") as f:
        f.write(b"%d 4\n" % len(words))
        for w in words:
            f.write(w + b" " + rng.standard_normal(4).astype("<f4").tobytes() + b"\n")
    code, _, err = run(["similar", str(path), "king"], capsys)
    assert code == 2 and "not valid UTF-8" in err and "--unicode-errors replace" in err
    for how, word in (("replace", "\u0436" * 49 + "\ufffd"), ("ignore", "\u0436" * 49)):
        code, out, err = run(["similar", str(path), "king", "--unicode-errors", how], capsys)
        assert code == 0 and word in out, err
