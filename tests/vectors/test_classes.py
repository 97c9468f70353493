"""Word classes (vectors/classes.py) and the ``classes`` subcommand (cli/classes.py)."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from word2vec_numpy import KeyedVectors
from word2vec_numpy.cli.classes import register
from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.vectors.classes import word_classes, write_classes

GROUPS, PER_GROUP, DIM = 6, 40, 50


def planted(seed: int = 0, noise: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """GROUPS x PER_GROUP vectors around GROUPS random unit directions (noise of length
    about ``noise``, random lengths 0.1..10), shuffled so groups interleave; also the group
    of each row."""
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((GROUPS, DIM))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    group = rng.permutation(np.repeat(np.arange(GROUPS), PER_GROUP))
    vectors = directions[group] + noise * rng.standard_normal((len(group), DIM)) / np.sqrt(DIM)
    vectors *= rng.uniform(0.1, 10.0, size=(len(group), 1))
    return vectors.astype(np.float32), group


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether labels ``a`` and ``b`` split the rows the same way (names may differ)."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def check_valid(labels: np.ndarray, n: int, k: int) -> None:
    assert labels.dtype == np.int32 and labels.shape == (n,)
    assert labels.min() >= 0 and labels.max() < k


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_planted_groups_are_recovered(seed):
    vectors, group = planted()
    labels = word_classes(vectors, GROUPS, seed=seed)
    check_valid(labels, len(group), GROUPS)
    assert same_partition(labels, group)


def test_recovered_from_float64_input_with_a_generator_seed_and_many_iterations():
    vectors, group = planted(seed=7)
    labels = word_classes(vectors.astype(np.float64), GROUPS, 50, np.random.default_rng(11))
    check_valid(labels, len(group), GROUPS)
    assert same_partition(labels, group)


def test_same_seed_same_classes_and_generator_accepted():
    vectors, _ = planted(seed=3, noise=1.5)  # noisy: the result depends on the start
    a = word_classes(vectors, 10, seed=5)
    b = word_classes(vectors, 10, seed=5)
    c = word_classes(vectors, 10, seed=np.random.default_rng(5))
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_different_seeds_stay_valid():
    vectors, _ = planted(seed=3, noise=1.5)
    results = [word_classes(vectors, 10, iterations=100, seed=s) for s in range(4)]
    for labels in results:
        check_valid(labels, len(vectors), 10)
        assert len(np.unique(labels)) == 10  # no class left empty
    assert not all(same_partition(results[0], labels) for labels in results[1:])
    # each is a fixed point of spherical k-means: every word is nearest its own centroid
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for labels in results:
        centroids = np.stack([u[labels == j].sum(axis=0) for j in range(10)])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        sims = u @ centroids.T
        own = sims[np.arange(len(u)), labels]
        assert np.all(own >= sims.max(axis=1) - 1e-5)


def test_edge_cases_k_equals_one_k_equals_v_zero_iterations_and_duplicates():
    vectors, group = planted()
    assert np.all(word_classes(vectors, 1) == 0)
    small = vectors[:12]
    assert sorted(word_classes(small, 12).tolist()) == list(range(12))  # one word per class
    check_valid(word_classes(vectors, GROUPS, iterations=0), len(vectors), GROUPS)
    # fewer distinct directions than classes, and a zero vector: still valid labels
    dup = np.repeat(vectors[:3], 4, axis=0)
    dup[0] = 0.0
    check_valid(word_classes(dup, 5, seed=2), len(dup), 5)


def test_user_errors_are_one_line_word2vec_errors():
    vectors, _ = planted()
    cases = [
        (vectors, len(vectors) + 1, 10),
        (vectors, 0, 10),
        (vectors[:0], 1, 10),
        (vectors, 3, -1),
    ]
    for vecs, k, iterations in cases:
        with pytest.raises(Word2VecError) as info:
            word_classes(vecs, k, iterations=iterations)
        assert "\n" not in str(info.value)
    bad = vectors.copy()
    bad[5, 3] = np.nan
    with pytest.raises(Word2VecError, match="NaN"):
        word_classes(bad, 3)


def test_blocks_give_the_same_result_as_one_block(monkeypatch):
    from word2vec_numpy.vectors import classes

    vectors, _ = planted(seed=3, noise=1.5)
    whole = word_classes(vectors, 8, seed=9)
    monkeypatch.setattr(classes, "_BLOCK", 7)
    assert np.array_equal(word_classes(vectors, 8, seed=9), whole)


def test_write_classes_format_and_order(tmp_path):
    words = ["the", "król", "a", "b", "c"]
    labels = np.array([2, 0, 2, 0, 1], dtype=np.int32)
    path = tmp_path / "classes.txt"
    write_classes(path, words, labels)
    assert path.read_bytes().decode("utf-8") == "król 0\nb 0\nc 1\nthe 2\na 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["classes.txt"]  # no temporary file left
    with pytest.raises(Word2VecError):
        write_classes(tmp_path / "missing" / "x.txt", words, labels)


def cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="word2vec-numpy")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_end_to_end(tmp_path, capsys):
    vectors, group = planted()
    words = [f"w{i}" for i in range(len(vectors))]
    model = KeyedVectors(words, vectors).save(str(tmp_path / "model"))
    out = tmp_path / "classes.txt"
    args = cli(["classes", model, str(out), "--k", "6", "--iterations", "10", "--seed", "3"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"wrote {out}: {len(words)} words in 6 classes\n"

    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(words)
    pairs = [line.split(" ") for line in lines]
    assert all(len(p) == 2 for p in pairs)
    classes = [int(c) for _, c in pairs]
    assert classes == sorted(classes)
    index = {w: i for i, w in enumerate(words)}
    for a, b in zip(pairs, pairs[1:], strict=False):  # ties in vocabulary order
        if a[1] == b[1]:
            assert index[a[0]] < index[b[0]]
    labels = np.empty(len(words), dtype=np.int64)
    for w, c in pairs:
        labels[index[w]] = int(c)
    assert same_partition(labels, group)
    assert np.array_equal(labels, word_classes(vectors, 6, iterations=10, seed=3))

    args = cli(["classes", model, str(out), "-k", "500"])  # more classes than words
    with pytest.raises(Word2VecError, match="500 classes from 240 words"):
        args.func(args)


@pytest.mark.parametrize(
    "extra",
    [["--k", "0"], ["--k", "2.5"], ["--k", "x"], ["--k", "3", "--iterations", "-1"], []],
)
def test_cli_bad_values_are_argparse_errors(extra, capsys):
    with pytest.raises(SystemExit) as info:
        cli(["classes", "m.npz", "out.txt", *extra])
    assert info.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("word2vec-numpy classes: error: ")
    if extra:
        assert "must be" in message
