"""write_arrays / read_arrays: one uncompressed .npz, read into memory or memory-mapped."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy.errors import Word2VecError
from word2vec_numpy.formats.npz import read_arrays, write_arrays

MODES = [None, "r", "c"]


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "W_in": rng.normal(size=(37, 5)).astype(np.float32),
        "counts": np.arange(37, dtype=np.int64)[::-1].copy(),
        "empty": np.zeros((0, 5), dtype=np.float64),
        "fortran": np.asfortranarray(rng.normal(size=(3, 4))),
        "big_endian": np.arange(6, dtype=">i4"),
        "words_utf8": np.frombuffer("naïve café".encode(), dtype=np.uint8),
    }


def vm_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def one_line_error(path, mmap_mode) -> str:
    with pytest.raises(Word2VecError) as info:
        read_arrays(path, mmap_mode=mmap_mode)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("mmap_mode", MODES)
def test_round_trip(tmp_path, mmap_mode):
    arrays = sample_arrays()
    meta = {"model": "skipgram", "embed_dim": 5, "state": {"epoch": np.int64(2), "lr": 0.025}}
    written = write_arrays(tmp_path / "m", arrays, meta)
    assert written == str(tmp_path / "m.npz")
    got, got_meta = read_arrays(tmp_path / "m", mmap_mode=mmap_mode)  # .npz found
    assert got_meta == {"model": "skipgram", "embed_dim": 5, "state": {"epoch": 2, "lr": 0.025}}
    assert list(got) == list(arrays)
    for name, value in arrays.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape, name
        np.testing.assert_array_equal(got[name], value)
        if mmap_mode and value.size:
            assert isinstance(got[name], np.memmap), name
            assert got[name].ctypes.data % 64 == 0, name  # the data are 64-byte aligned
    assert got["fortran"].flags.f_contiguous


def test_plain_numpy_reads_the_file_without_pickle(tmp_path):
    arrays = sample_arrays()
    path = write_arrays(tmp_path / "m.npz", arrays, {"a": [1, 2]})
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == sorted([*arrays, "meta", "format_version"])
        for name, value in arrays.items():
            np.testing.assert_array_equal(data[name], value)
        assert json.loads(data["meta"].tobytes()) == {"a": [1, 2]}
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}


def test_same_arrays_same_bytes(tmp_path):
    a = write_arrays(tmp_path / "a", sample_arrays(), {"k": 1})
    b = write_arrays(tmp_path / "b", sample_arrays(), {"k": 1})
    assert Path(a).read_bytes() == Path(b).read_bytes()


def test_mapped_modes_read_only_and_copy_on_write(tmp_path):
    path = write_arrays(tmp_path / "m", {"W": np.ones((4, 3), dtype=np.float32)}, {})
    before = Path(path).read_bytes()
    read_only, _ = read_arrays(path, mmap_mode="r")
    with pytest.raises(ValueError):
        read_only["W"][0, 0] = 5
    private, _ = read_arrays(path, mmap_mode="c")
    private["W"][0, 0] = 5
    assert private["W"][0, 0] == 5
    del read_only, private
    assert Path(path).read_bytes() == before
    with pytest.raises(ValueError, match="mmap_mode"):
        read_arrays(path, mmap_mode="r+")


def test_a_large_matrix_is_mapped_not_read(tmp_path):
    """300,000 x 300 float32 (343 MiB): opening maps it; a most_similar-style product works."""
    rng = np.random.default_rng(1)
    W = rng.random((300_000, 300), dtype=np.float32)
    expected = W @ W[12_345]
    path = write_arrays(tmp_path / "big", {"W": W, "ids": np.arange(10)}, {"n": 300_000})
    size = os.path.getsize(path)
    assert size > W.nbytes
    del W
    before = vm_rss_kb()
    arrays, meta = read_arrays(path, mmap_mode="r")
    grown = (vm_rss_kb() - before) * 1024
    assert meta == {"n": 300_000}
    mapped = arrays["W"]
    assert isinstance(mapped, np.memmap) and mapped.shape == (300_000, 300)
    assert grown < size / 50, f"opening grew the RSS by {grown / 2**20:.1f} MiB"
    scores = mapped @ mapped[12_345]
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    assert int(np.argmax(scores)) == int(np.argmax(expected))


def test_compressed_files_are_read_but_not_mapped(tmp_path):
    path = tmp_path / "z.npz"
    meta = np.frombuffer(b'{"k": 1}', dtype=np.uint8)
    np.savez_compressed(path, W=np.ones((3, 2)), meta=meta)
    arrays, got_meta = read_arrays(path)
    assert got_meta == {"k": 1} and arrays["W"].shape == (3, 2)
    for mode in ("r", "c"):
        message = one_line_error(path, mode)
        assert "'W.npy' is compressed" in message and "save it again" in message


def test_np_savez_files_are_mapped_too(tmp_path):
    """Files written by plain np.savez (as save_model does) map as well, unaligned."""
    path = tmp_path / "s.npz"
    W = np.arange(20, dtype=np.float32).reshape(4, 5)
    np.savez(path, W=W, meta=np.frombuffer(b'{"k": 2}', dtype=np.uint8))
    arrays, meta = read_arrays(path, mmap_mode="r")
    assert meta == {"k": 2} and isinstance(arrays["W"], np.memmap)
    np.testing.assert_array_equal(arrays["W"], W)


@pytest.mark.parametrize("mmap_mode", MODES)
def test_object_members_are_refused(tmp_path, mmap_mode):
    path = tmp_path / "o.npz"
    np.savez(path, obj=np.array([{"x": 1}], dtype=object), meta=np.zeros(2, np.uint8))
    message = one_line_error(path, mmap_mode)
    assert "obj" in message or "Object arrays" in message


def test_writing_refuses_objects_bad_names_and_meta(tmp_path):
    with pytest.raises(ValueError, match="Python objects"):
        write_arrays(tmp_path / "x", {"o": np.array([None], dtype=object)}, {})
    for name in ("meta", "", "a/b"):
        with pytest.raises(ValueError, match="cannot store an array named"):
            write_arrays(tmp_path / "x", {name: np.zeros(1)}, {})
    with pytest.raises(ValueError, match="meta is not JSON"):
        write_arrays(tmp_path / "x", {"a": np.zeros(1)}, {"f": float("nan")})
    with pytest.raises(ValueError, match="meta must be a dict"):
        write_arrays(tmp_path / "x", {"a": np.zeros(1)}, [1])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mmap_mode", MODES)
def test_broken_files_are_one_line_errors(tmp_path, mmap_mode):
    good = Path(write_arrays(tmp_path / "good", {"W": np.ones((50, 8))}, {"k": 1}))
    data = good.read_bytes()
    cases = {}

    def case(name: str, content: bytes, expected: str) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        cases[path] = expected

    case("text.npz", b"2 3\na 1 2 3\n", "is not a readable .npz file (not a zip archive)")
    case("empty.npz", b"", "is not a readable .npz file")
    case("half.npz", data[: len(data) // 2], "is not a readable .npz file")
    np.save(tmp_path / "single.npy", np.ones(3))
    cases[tmp_path / "single.npy"] = "is a single .npy array, not a .npz file"
    np.savez(tmp_path / "nometa.npz", W=np.ones(3))
    cases[tmp_path / "nometa.npz"] = "is not a word2vec-numpy file (it has no 'meta' member)"
    np.savez(tmp_path / "badmeta.npz", meta=np.frombuffer(b"{nope", dtype=np.uint8))
    cases[tmp_path / "badmeta.npz"] = "the 'meta' member is not UTF-8 JSON"
    with zipfile.ZipFile(tmp_path / "notnpy.npz", "w") as zf:
        zf.writestr("readme.txt", "hello")
    cases[tmp_path / "notnpy.npz"] = "'readme.txt' is not a .npy array"
    cases[tmp_path / "missing.npz"] = "file not found"
    # a member whose .npy header promises more data than the member holds
    cut = bytearray(data)
    start = data.index(b"(50, 8)")
    cut[start : start + 7] = b"(90, 8)"
    case("short.npz", bytes(cut), "")
    for path, expected in cases.items():
        message = one_line_error(path, mmap_mode)
        assert str(path) in message and expected in message, (path.name, message)


def test_models_and_vectors_open_memory_mapped(tmp_path):
    from word2vec_numpy import KeyedVectors, Vocabulary, Word2Vec

    words = [f"w{i}" for i in range(50)]
    model = Word2Vec(Vocabulary.from_words(words, np.arange(50, 0, -1)), dim=8, seed=3)
    model.W_out[...] = 0.5
    model.save(tmp_path / "m.npz")
    mapped = Word2Vec.load(tmp_path / "m.npz", mmap="r")
    assert isinstance(mapped.W_in, np.memmap) and isinstance(mapped.W_out, np.memmap)
    np.testing.assert_array_equal(mapped.W_in, model.W_in)
    assert mapped.wv.most_similar("w3", topn=5) == model.wv.most_similar("w3", topn=5)
    model.wv.save(tmp_path / "v.npz")
    kv = KeyedVectors.load(tmp_path / "v.npz", mmap="r")
    assert isinstance(kv.vectors, np.memmap) and kv.words == words
    assert kv.most_similar("w7", topn=3) == model.wv.most_similar("w7", topn=3)
    model.wv.save_word2vec_format(tmp_path / "v.txt")
    assert KeyedVectors.load_word2vec_format(tmp_path / "v.txt", limit=10).words == words[:10]
