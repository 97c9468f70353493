"""Reading only what the user meant, in bounded memory, with one-line errors (data/text.py,
data/encode.py): folder corpora, zip archives, encodings, long tokens and long lines."""

from __future__ import annotations

import gzip
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.data import text as text_module
from word2vec_numpy.data.encode import encode_corpus
from word2vec_numpy.data.text import (
    MAX_TOKEN_CHARS,
    ReadStats,
    corpus_files,
    iter_corpus,
    iter_sentences,
    tokenize,
)

WORDS = "the cat sat on the mat\n"


def sentences_of(path, **kwargs) -> list[list[str]]:
    return list(iter_corpus(path, **kwargs))


# ---------------------------------------------------------------------------- folders


def test_every_file_of_a_folder_is_checked_for_binary_content(tmp_path, expect_one_line_error):
    (tmp_path / "a.txt").write_text(WORDS)
    (tmp_path / "b.txt").write_bytes(np.random.default_rng(0).bytes(50_000))
    message = expect_one_line_error(lambda: iter_corpus(tmp_path))  # before reading anything
    assert "b.txt" in message and "binary" in message


@pytest.mark.skipif(not Path("/bin/ls").is_file(), reason="needs /bin/ls")
def test_a_program_in_a_folder_corpus_is_refused(tmp_path, expect_one_line_error):
    (tmp_path / "a.txt").write_text(WORDS)
    shutil.copy("/bin/ls", tmp_path / "ls")  # no suffix: a text suffix
    message = expect_one_line_error(lambda: corpus_files(tmp_path))
    assert str(tmp_path / "ls") in message and "binary" in message


def test_hidden_files_and_folders_are_skipped(tmp_path):
    (tmp_path / "b.txt").write_text("bee\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("ant\n")
    (tmp_path / "a.txt").write_text("ay\n")
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "objects" / "ab").write_bytes(b"\x00\x01binary")
    (tmp_path / ".notes.txt").write_text("secret\n")
    (tmp_path / "sub" / ".swp").write_text("swap\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # not a text suffix
    files = corpus_files(tmp_path)
    assert files == [tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "sub" / "a.txt"]
    stats = ReadStats()
    assert sentences_of(tmp_path, stats=stats) == [["ay"], ["bee"], ["ant"]]
    assert stats.source == f"3 files in {tmp_path}"


def test_symbolic_links_are_followed_once(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x\n")
    (tmp_path / "d" / "loop").symlink_to(tmp_path)  # a link back up the tree
    (tmp_path / "link.txt").symlink_to(tmp_path / "d" / "x.txt")
    files = corpus_files(tmp_path)
    assert files == [tmp_path / "d" / "x.txt", tmp_path / "link.txt"]


def test_a_broken_link_with_a_text_name_is_an_error(tmp_path, expect_one_line_error):
    (tmp_path / "a.txt").write_text(WORDS)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    assert "gone.txt" in expect_one_line_error(lambda: corpus_files(tmp_path))


def test_unreadable_files_and_folders_are_errors(tmp_path, monkeypatch, expect_one_line_error):
    """Simulated, so that it also runs as root (who can read anything)."""
    (tmp_path / "a.txt").write_text(WORDS)
    (tmp_path / "locked").mkdir()
    real_scandir, real_open = os.scandir, open

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(text_module.os, "scandir", scandir)
    message = expect_one_line_error(lambda: corpus_files(tmp_path))
    assert "cannot read folder" in message and "locked" in message
    assert "Permission denied" in message
    monkeypatch.setattr(text_module.os, "scandir", real_scandir)
    (tmp_path / "locked").rmdir()

    def guarded_open(path, *args, **kwargs):
        if Path(path).name == "a.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    message = expect_one_line_error(lambda: corpus_files(tmp_path))
    assert "a.txt" in message and "Permission denied" in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_files_really(tmp_path, expect_one_line_error):
    (tmp_path / "a.txt").write_text(WORDS)
    (tmp_path / "b.txt").write_text(WORDS)
    (tmp_path / "b.txt").chmod(0)
    try:
        assert "b.txt" in expect_one_line_error(lambda: iter_corpus(tmp_path))
    finally:
        (tmp_path / "b.txt").chmod(0o644)


def test_an_empty_corpus_path_is_refused(tmp_path, monkeypatch, expect_one_line_error):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(WORDS)
    assert "empty" in expect_one_line_error(lambda: iter_corpus(""))


def test_a_missing_path(tmp_path, expect_one_line_error):
    assert "not found" in expect_one_line_error(lambda: iter_corpus(tmp_path / "nope.txt"))


def test_closed_standard_input(monkeypatch, expect_one_line_error):
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when descriptor 0 is closed
    assert "standard input" in expect_one_line_error(lambda: iter_corpus("-"))


def test_closed_standard_input_through_the_program(tmp_path, python_child):
    run = python_child(
        ["-m", "word2vec_numpy", "train", "--corpus", "-", "--out", str(tmp_path / "m")],
        close_stdin=True,
    )
    assert run.returncode == 2, run
    assert run.stderr.strip().count("\n") == 0 and "standard input" in run.stderr
    assert os.listdir(tmp_path) == []


def test_a_corpus_from_standard_input(tmp_path, python_child):
    words = "the cat sat on the mat while the dog ate a bone near the red door\n" * 40
    args = ["--out", str(tmp_path / "m"), "--epochs", "1", "--dim", "8", "--min-count", "1"]
    run = python_child(
        ["-m", "word2vec_numpy", "train", "--corpus", "-", *args, "--workers", "1", "--quiet"],
        input=words,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(os.listdir(tmp_path)) == ["m.metrics.json", "m.npz"]
    assert "standard input" in (tmp_path / "m.metrics.json").read_text()


# ----------------------------------------------------------------------- zip archives


def test_every_member_of_a_zip_is_read_in_name_order(tmp_path, make_zip):
    path = make_zip(
        tmp_path / "c.zip",
        {
            "b.txt": b"bee\n",
            "dir/": b"",
            "dir/c.txt": b"sea",  # no final newline: the member still ends the sentence
            "a.txt": b"ay\n",
            "__MACOSX/._a.txt": b"\x00\x05\x16\x07 AppleDouble",
            ".hidden": b"secret\n",
        },
    )
    assert sentences_of(path) == [["ay"], ["bee"], ["sea"]]


def test_a_binary_member_is_refused_by_name(tmp_path, make_zip, expect_one_line_error):
    path = make_zip(tmp_path / "c.zip", {"a.txt": b"ay\n", "pic.png": b"\x89PNG\r\n\x1a\n\x00"})
    message = expect_one_line_error(lambda: iter_corpus(path))
    assert "pic.png" in message and "binary" in message


def test_an_encrypted_zip(tmp_path, make_zip, expect_one_line_error):
    path = make_zip(tmp_path / "c.zip", {"a.txt": WORDS.encode()}, flag_bits=0x1)
    assert zipfile.ZipFile(path).infolist()[0].flag_bits & 0x1
    message = expect_one_line_error(lambda: list(iter_sentences(path)))
    assert "a.txt" in message and "encrypted" in message


def test_a_zip_with_an_unsupported_compression_method(tmp_path, make_zip, expect_one_line_error):
    path = make_zip(tmp_path / "c.zip", {"a.txt": WORDS.encode()}, method=9)  # deflate64
    message = expect_one_line_error(lambda: list(iter_sentences(path)))
    assert "a.txt" in message and "compression method 9" in message


# -------------------------------------------------------------------- corrupt archives


def corrupt_gzip(path: Path) -> Path:
    data = bytearray(gzip.compress((WORDS * 2000).encode()))
    data[10] = 0xFF  # the first deflate block header: block type 3 does not exist
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_deflate_block(tmp_path, expect_one_line_error):
    path = corrupt_gzip(tmp_path / "c.txt.gz")
    message = expect_one_line_error(lambda: list(iter_sentences(path)))
    assert "c.txt.gz" in message and "corrupt" in message


def test_a_corrupt_deflate_block_later_in_a_folder(tmp_path, monkeypatch, expect_one_line_error):
    """A block corrupt after the first piece: found while reading, not by the check."""
    monkeypatch.setattr(text_module, "_CHUNK_BYTES", 4096)
    (tmp_path / "a.txt").write_text(WORDS)
    data = bytearray(gzip.compress(" ".join(f"w{i}" for i in range(200_000)).encode()))
    middle = len(data) * 3 // 4
    data[middle : middle + 64] = bytes(64)
    (tmp_path / "b.gz").write_bytes(bytes(data))
    sentences = iter_corpus(tmp_path)  # the start of b.gz is fine
    message = expect_one_line_error(lambda: list(sentences))
    assert "b.gz" in message


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_byte_order_marks(tmp_path, encoding):
    text = "Ünïcödé text\nsecond line\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "u.txt"
    path.write_bytes(data)
    stats = ReadStats()
    assert sentences_of(path, stats=stats) == [["ünïcödé", "text"], ["second", "line"]]
    assert stats.replaced == 0


def test_utf16_in_tiny_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "_CHUNK_BYTES", 3)
    path = tmp_path / "u.txt"
    path.write_bytes("a b\r\nc\rd 東京\n".encode("utf-16"))
    assert sentences_of(path) == [["a", "b"], ["c"], ["d", "東京"]]


def test_utf16_without_a_mark_is_binary(tmp_path, expect_one_line_error):
    path = tmp_path / "u.txt"
    path.write_bytes("some words\n".encode("utf-16-le"))
    assert "binary" in expect_one_line_error(lambda: iter_corpus(path))


# -------------------------------------------------------------------------- tokenising


def test_curly_apostrophes_are_apostrophes():
    assert tokenize("Don’t ʼtis donʼt ’quoted’ it’s") == ["don't", "tis", "don't", "quoted", "it's"]


def test_symbols_and_emoji_separate_words_and_cjk_runs_are_one_token():
    assert tokenize("😀happy😀 a→b ©x 1+1 東京に行きます") == [
        "happy",
        "a",
        "b",
        "x",
        "1",
        "1",
        "東京に行きます",
    ]


def test_plain_ascii_text_tokenises_as_the_pattern_does():
    """The ``str.split`` path for text of ASCII letters, digits, spaces and underscores gives
    exactly the token pattern's tokens, underscores at the edge of a word included; text
    with any other character takes the pattern."""
    token_re = text_module._patterns()[0]
    rng = np.random.default_rng(5)
    alphabet = [
        *["a", "Z", "q", "7", " ", "  ", "\t", "\x0b", "_", "__", "word", "'", "."],
        *["x" * 101, "k" * MAX_TOKEN_CHARS, "y" * (MAX_TOKEN_CHARS - 1)],  # at the limit
    ]
    plain = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet, int(rng.integers(0, 12))))
        plain += text_module._plain(text) is not None
        found = token_re.findall(text.lower())
        expected = [t for t in found if len(t) <= MAX_TOKEN_CHARS]
        stats = ReadStats()
        assert text_module._tokens(text, stats) == expected, repr(text)
        assert stats.long_tokens == len(found) - len(expected), repr(text)
    assert 300 < plain < 2900  # both paths were taken
    expected = ["united_states", "a", "b", "c", "d", "12ab"]
    assert tokenize("United_States _a b_ c__d 12ab") == expected


def test_a_final_sigma_depends_only_on_its_word():
    assert tokenize("ΟΔΟΣ. ΟΔΟΣ'ΑΒ ΣΑ") == ["οδος", "οδοσ'αβ", "σα"]


def test_long_tokens_are_dropped_and_counted(tmp_path):
    ok, long = "k" * MAX_TOKEN_CHARS, "x" * (MAX_TOKEN_CHARS + 1)
    assert tokenize(f"a {ok} {long} b") == ["a", ok, "b"]
    path = tmp_path / "t.txt"
    path.write_text(f"a {ok} {long} b\n{long}\nc d'{long}\n")
    stats = ReadStats()
    assert sentences_of(path, stats=stats) == [["a", ok, "b"], ["c"]]
    assert stats.long_tokens == 3


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1000])
def test_long_tokens_and_lines_in_any_pieces(tmp_path, monkeypatch, chunk):
    """Pieces cut anywhere give the tokens of whole lines: words longer than the limit
    dropped, apostrophe-joined runs, lines without spaces cut at any non-word character."""
    monkeypatch.setattr(text_module, "_CHUNK_BYTES", chunk)
    rng = np.random.default_rng(chunk)
    alphabet = ["a", "b", "é", "\u0301", "'", "’", ",", " ", "\u00a0", "😀", "\n", "_", "abcdefgh"]
    lines = []
    for _ in range(20):
        n = int(rng.integers(0, 400))
        lines.append("".join(rng.choice(alphabet, n, p=None)))
        lines.append("x" * int(rng.integers(90, 400)) + "'" + "y" * int(rng.integers(1, 300)))
    text = "\n".join(lines)
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    expected = [t for line in text.split("\n") if (t := tokenize(line))]
    got = sentences_of(path, max_sentence_length=10**9)
    assert got == expected


def test_a_line_without_spaces_is_cut_at_commas_and_no_break_spaces(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "_CHUNK_BYTES", 100)
    words = [f"w{i}" for i in range(3000)]
    for sep in (",", "\u00a0", "\u3000", ";", "|"):
        path = tmp_path / "l.txt"
        path.write_text(sep.join(words), encoding="utf-8")
        got = sentences_of(path, max_sentence_length=1000)
        assert [len(s) for s in got] == [1000, 1000, 1000]
        assert sum(got, []) == words


def test_reading_stops_at_max_tokens(tmp_path):
    pulled = []

    def sentences():
        for i in range(100):
            pulled.append(i)
            yield ["w"] * 10

    corpus = encode_corpus(sentences(), tmp_path / "ids", min_count=1, max_tokens=30)
    assert corpus.total_tokens == 30 and pulled == [0, 1, 2]  # no sentence pulled after


# ------------------------------------------------------------------------------ memory

MEMORY_CHILD = """
import resource, sys
from word2vec_numpy.data.encode import encode_corpus
from word2vec_numpy.data.text import ReadStats, iter_corpus
stats = ReadStats()
max_tokens = int(sys.argv[3]) or None
corpus = encode_corpus(iter_corpus(sys.argv[1], stats), sys.argv[2], min_count=1,
                       max_tokens=max_tokens)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(peak, corpus.total_tokens, stats.long_tokens, stats.chars)
"""


def test_memory_is_bounded_by_what_is_asked(tmp_path, python_child):
    """A 50 MB single word and a 50 MB comma-separated line read with max_tokens=1000, each
    in a child process with 1 GB of address space: the peak resident memory stays within
    40 MB of reading a tiny file (it was 2.4 GB for a 20 MB word)."""
    small = tmp_path / "small.txt"
    small.write_text(WORDS)
    word = tmp_path / "word.txt"
    word.write_bytes(b"a" * 50_000_000)
    line = tmp_path / "line.txt"
    piece = b",".join(b"w%d" % j for j in range(100_000)) + b","  # about 590 kB
    with open(line, "wb") as f:
        for _ in range(90):
            f.write(piece)
    assert line.stat().st_size > 50_000_000

    def peak(path: Path, max_tokens: int) -> list[int]:
        run = python_child(
            ["-c", MEMORY_CHILD, str(path), str(tmp_path / "ids"), str(max_tokens)],
            address_space=1 << 30,
        )
        assert run.returncode == 0, run.stderr
        return [int(x) for x in run.stdout.split()]

    base = peak(small, 0)[0]
    memory, tokens, long_tokens, chars = peak(word, 0)
    assert (tokens, long_tokens, chars) == (0, 1, 50_000_000)
    assert memory - base < 40 << 20, (memory, base)
    memory, tokens, long_tokens, chars = peak(line, 1000)
    assert tokens == 1000 and chars <= 2 << 20  # stopped after the first piece
    assert memory - base < 40 << 20, (memory, base)


# -------------------------------------------------------------------------- disk full

DISK_FULL_CHILD = """
import sys
from word2vec_numpy.data.encode import encode_corpus
from word2vec_numpy.errors import Word2VecError
sentences = ([f"w{i}" for i in range(j, j + 1000)] for j in range(0, 400_000, 1000))
try:
    encode_corpus(sentences, sys.argv[1], min_count=1)
except Word2VecError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_full_disk_while_writing_the_id_file(tmp_path, python_child):
    out = tmp_path / "out"
    out.mkdir()
    run = python_child(["-c", DISK_FULL_CHILD, str(out / "ids.u32")], file_size=256 << 10)
    assert run.returncode == 2, run
    assert run.stdout.count("\n") == 1 and "cannot write" in run.stdout, run.stdout
    assert "File too large" in run.stdout  # EFBIG, as ENOSPC gives "No space left on device"
    assert "Traceback" not in run.stderr
    assert os.listdir(out) == []  # no temporary file left


def test_a_full_disk_while_training(tmp_path, python_child):
    """The whole program under a file size limit: one line, exit 2, nothing left behind."""
    corpus = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    corpus.write_text(" ".join(f"w{i}" for i in rng.integers(0, 3000, 300_000)) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    args = ["--corpus", str(corpus), "--out", str(out / "m"), "--quiet"]
    run = python_child(
        ["-m", "word2vec_numpy", "train", *args],
        file_size=512 << 10,
    )
    assert run.returncode == 2, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0], run.stderr
    assert os.listdir(out) == []
