"""A corpus in parts (data/parts.py): byte ranges at line breaks or spaces, whole compressed
files, and per-part counting and encoding that give exactly a one-machine run's vocabulary
and id file. No cluster needed: the parts are counted here one after the other."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.data import parts as parts_module
from word2vec_numpy.data.encode import encode_corpus
from word2vec_numpy.data.parts import (
    Part,
    Piece,
    count_part,
    encode_part,
    iter_part_sentences,
    merge_counts,
    split_corpus,
)
from word2vec_numpy.data.sample import write_sample_corpus
from word2vec_numpy.data.text import iter_sentences
from word2vec_numpy.errors import Word2VecError


def parted(paths: list[str], n: int, tmp: Path, min_count: int = 5, max_tokens=None):
    """(parts, vocabulary, the parts' id files concatenated), counted here in order."""
    parts = split_corpus(paths, n)
    if max_tokens is not None:  # what prepare_corpus does with --max-tokens, on one part
        assert len(parts) == 1
        parts = [Part(0, parts[0].pieces, max_tokens)]
    counts = [count_part(p, tmp / f"p{p.index}.prov") for p in parts]
    vocab = merge_counts(counts, min_count)
    ids = []
    for part, pc in zip(parts, counts, strict=True):
        encode_part(tmp / f"p{part.index}.prov", pc, vocab, tmp / f"p{part.index}.ids")
        ids.append(np.fromfile(tmp / f"p{part.index}.ids", dtype=np.uint32))
    return parts, vocab, np.concatenate(ids)


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parts") / "sample.txt"
    write_sample_corpus(path, 60_000, seed=2)
    return path


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_parts_give_the_one_machine_vocabulary_and_ids(sample_file, tmp_path, n):
    one = encode_corpus(iter_sentences(sample_file), tmp_path / "one.ids", min_count=5)
    parts, vocab, ids = parted([str(sample_file)], n, tmp_path)
    assert len(parts) == n
    assert vocab.words == one.vocab.words  # same words in the same id order
    np.testing.assert_array_equal(vocab.counts, one.vocab.counts)
    np.testing.assert_array_equal(ids, np.asarray(one.ids))  # cut at line breaks
    text = sample_file.read_bytes()
    for part in parts[1:]:  # every part starts just after a line break
        assert text[part.pieces[0].start - 1 : part.pieces[0].start] == b"\n"


def test_ties_in_counts_keep_the_order_of_first_appearance(tmp_path):
    # "b" and "a" both occur twice; "b" comes first in the text but only in the second part
    path = tmp_path / "ties.txt"
    path.write_text("x x x\nb a\nb a\n")
    one = encode_corpus(iter_sentences(path), tmp_path / "one.ids", min_count=1)
    for n in (1, 2, 3):
        _, vocab, ids = parted([str(path)], n, tmp_path, min_count=1)
        assert vocab.words == one.vocab.words == ["x", "b", "a"]
        np.testing.assert_array_equal(ids, np.asarray(one.ids))


def test_one_long_line_is_cut_at_spaces_with_the_same_tokens(tmp_path):
    words = [f"w{i % 97}" for i in range(60_000)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words))  # text8: one line, no line break at all
    parts = split_corpus([str(path)], 4)
    assert len(parts) == 4
    tokens = [t for p in parts for s in iter_part_sentences(p) for t in s]
    assert tokens == words  # no token cut, none lost, none twice
    text = path.read_bytes()
    for part in parts[1:]:
        assert text[part.pieces[0].start - 1 : part.pieces[0].start] == b" "


def test_a_line_break_far_away_is_not_waited_for(tmp_path, monkeypatch):
    monkeypatch.setattr(parts_module, "LINE_SEARCH", 1000)
    path = tmp_path / "long-lines.txt"
    path.write_text(" ".join(["word"] * 5000) + "\nlast line\n")  # 25 kB, then a break
    first, second = split_corpus([str(path)], 2)
    cut = second.pieces[0].start
    assert path.read_bytes()[cut - 1 : cut] == b" " and cut < 25_000 // 2 + 1000 + 5
    tokens = [t for p in (first, second) for s in iter_part_sentences(p) for t in s]
    assert tokens == ["word"] * 5000 + ["last", "line"]


def test_compressed_files_stay_whole_and_files_keep_their_order(sample_file, tmp_path):
    lines = sample_file.read_text().splitlines(keepends=True)
    third = len(lines) // 3
    names = ["a.txt", "b.txt.gz", "c.txt"]
    chunks = [lines[:third], lines[third : 2 * third], lines[2 * third :]]
    for name, chunk in zip(names, chunks, strict=True):
        data = "".join(chunk).encode()
        (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    paths = [str(tmp_path / name) for name in names]
    one = encode_corpus(
        (s for p in paths for s in iter_sentences(p)), tmp_path / "one.ids", min_count=5
    )
    for n in (2, 3, 5):
        parts, vocab, ids = parted(paths, n, tmp_path)
        assert vocab.words == one.vocab.words
        np.testing.assert_array_equal(ids, np.asarray(one.ids))
        for part in parts:
            for piece in part.pieces:
                if piece.path.endswith(".gz"):
                    assert piece.whole


def test_a_folder_stands_for_its_text_files(sample_file, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_bytes(sample_file.read_bytes())
    (tmp_path / ".hidden.txt").write_text("never read")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    parts = split_corpus([str(tmp_path)], 1)
    assert [p.path for p in parts[0].pieces] == [str(tmp_path / "sub" / "x.txt")]


def test_max_tokens_cuts_a_part_like_one_machine(sample_file, tmp_path):
    one = encode_corpus(
        iter_sentences(sample_file), tmp_path / "one.ids", min_count=5, max_tokens=12_345
    )
    _, vocab, ids = parted([str(sample_file)], 1, tmp_path, max_tokens=12_345)
    assert vocab.words == one.vocab.words
    np.testing.assert_array_equal(ids, np.asarray(one.ids))


def test_fsspec_urls_are_read_like_paths(sample_file, tmp_path):
    pytest.importorskip("fsspec", reason="fsspec is installed with the [dask] extra")
    plain = split_corpus([str(sample_file)], 3)
    remote = split_corpus([f"file://{sample_file}"], 3)
    assert [p.pieces[0].start for p in remote] == [p.pieces[0].start for p in plain]
    for a, b in zip(plain, remote, strict=True):
        assert list(iter_part_sentences(a)) == list(iter_part_sentences(b, tmp_dir=tmp_path))


def test_an_unreadable_piece_is_one_line_naming_it(tmp_path):
    part = Part(0, (Piece(str(tmp_path / "missing.txt"), 10, 20),))
    with pytest.raises(Word2VecError, match="missing.txt"):
        list(iter_part_sentences(part))
