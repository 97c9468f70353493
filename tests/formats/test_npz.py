"""Tests of saving and loading models: round trip, no pickle, corrupt files, atomic writes."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from word2vec_numpy import Trainer, Vocabulary, Word2Vec, Word2VecError


@pytest.fixture(scope="module")
def trained() -> Word2Vec:
    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "naïve", "東京", "don't", "a", "b", "c", "d"]
    tokens = [words[i] for i in rng.zipf(1.5, size=5000) % len(words)]
    vocab = Vocabulary(min_count=1).build(tokens)
    model = Word2Vec(vocab, embed_dim=8, n_negatives=3, model="cbow", cbow_exact_grad=True)
    Trainer(model, vocab, vocab.encode(tokens), n_epochs=2, log_every=5, quiet=True).train()
    assert model.loss_history and model.epoch_losses
    return model


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def rewrite(path: Path, **changes) -> None:
    """Rewrite the model file with some arrays replaced (None removes one)."""
    arrays = arrays_of(path)
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_round_trip_is_exact(trained, tmp_path):
    written = trained.save(tmp_path / "model")
    assert written == str(tmp_path / "model.npz")
    for name in ("model", "model.npz"):
        loaded = Word2Vec.load(tmp_path / name)
        for a, b in ((loaded.W_in, trained.W_in), (loaded.W_out, trained.W_out)):
            assert a.dtype == b.dtype == np.float32
            np.testing.assert_array_equal(a, b)
            assert a.flags.c_contiguous and a.flags.writeable
        assert loaded.vocab.words == trained.vocab.words
        np.testing.assert_array_equal(loaded.vocab.counts, trained.vocab.counts)
        assert loaded.vocab.word_to_id == trained.vocab.word_to_id
        assert loaded.vocab.min_count == trained.vocab.min_count
        assert (loaded.model, loaded.embed_dim, loaded.n_negatives) == ("cbow", 8, 3)
        assert loaded.config.cbow_exact_grad is True
        assert loaded.loss_history == trained.loss_history
        assert loaded.epoch_losses == trained.epoch_losses
        assert loaded.history_epochs == trained.history_epochs
        hp = loaded.training_state["hyperparameters"]
        assert hp == json.loads(json.dumps(trained.training_state["hyperparameters"]))
        assert hp["epochs"] == 2 and hp["model"] == "cbow"
        assert loaded.most_similar("cat", top_n=3) == trained.most_similar("cat", top_n=3)


def test_method_save_and_load(trained, tmp_path):
    path = trained.save(str(tmp_path / "m.npz"))
    assert path == str(tmp_path / "m.npz")
    np.testing.assert_array_equal(Word2Vec.load(path).W_in, trained.W_in)


def test_round_trip_of_a_fresh_float64_model(tmp_path):
    vocab = Vocabulary.from_words(["x", "y"], [3, 2])
    model = Word2Vec(vocab, embed_dim=4, dtype=np.float64)
    loaded = Word2Vec.load(model.save(tmp_path / "f64"))
    assert loaded.W_in.dtype == np.float64
    np.testing.assert_array_equal(loaded.W_in, model.W_in)
    assert loaded.loss_history == [] and loaded.epoch_losses == []


def test_file_holds_no_object_arrays(trained, tmp_path):
    path = Path(trained.save(tmp_path / "m"))
    for key, array in arrays_of(path).items():  # allow_pickle=False reads every array
        assert array.dtype != object, key


class _Evil:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["W2V_TEST_SENTINEL"]),))


def test_pickled_object_arrays_are_refused(trained, tmp_path, monkeypatch):
    sentinel = tmp_path / "pwned"
    monkeypatch.setenv("W2V_TEST_SENTINEL", str(sentinel))
    path = Path(trained.save(tmp_path / "m"))
    evil = np.empty(1, dtype=object)
    evil[0] = _Evil()
    for key in ("meta", "W_in", "loss_history"):
        rewrite(path, **{key: evil})
        with pytest.raises(Word2VecError):
            Word2Vec.load(path)
        assert not sentinel.exists()
        trained.save(path)


def test_missing_file(tmp_path):
    with pytest.raises(Word2VecError, match="not found"):
        Word2Vec.load(tmp_path / "nope.npz")
    with pytest.raises(Word2VecError):
        Word2Vec.load(tmp_path)  # a folder


@pytest.mark.parametrize(
    "damage",
    ["truncated_half", "truncated_tail", "empty", "random_bytes", "flipped_bytes", "text"],
)
def test_damaged_files_are_a_word2vec_error(trained, tmp_path, damage):
    path = Path(trained.save(tmp_path / "m"))
    data = path.read_bytes()
    rng = np.random.default_rng(1)
    if damage == "truncated_half":
        data = data[: len(data) // 2]
    elif damage == "truncated_tail":
        data = data[:-10]
    elif damage == "empty":
        data = b""
    elif damage == "random_bytes":
        data = rng.integers(0, 256, size=len(data), dtype=np.uint8).tobytes()
    elif damage == "flipped_bytes":
        raw = bytearray(data)
        for i in rng.integers(200, len(raw) - 200, size=50):
            raw[i] ^= 0xFF
        data = bytes(raw)
    else:
        data = b"this is not a model\n" * 50
    path.write_bytes(data)
    with pytest.raises(Word2VecError) as info:
        Word2Vec.load(path)
    assert "\n" not in str(info.value)


def test_a_npy_file_is_a_word2vec_error(tmp_path):
    path = tmp_path / "m.npz"
    buf = io.BytesIO()
    np.save(buf, np.arange(10))
    path.write_bytes(buf.getvalue())
    with pytest.raises(Word2VecError):
        Word2Vec.load(path)


def test_a_zip_without_model_arrays(tmp_path):
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(Word2VecError):
        Word2Vec.load(path)


@pytest.mark.parametrize(
    "key", ["format_version", "W_in", "W_out", "words_utf8", "word_offsets", "counts", "meta"]
)
def test_missing_key(trained, tmp_path, key):
    path = Path(trained.save(tmp_path / "m"))
    rewrite(path, **{key: None})
    with pytest.raises(Word2VecError, match=key):
        Word2Vec.load(path)


def test_optional_history_arrays_may_be_missing(trained, tmp_path):
    path = Path(trained.save(tmp_path / "m"))
    rewrite(path, loss_history=None, history_epochs=None, epoch_losses=None)
    loaded = Word2Vec.load(path)
    assert loaded.loss_history == [] and loaded.epoch_losses == []
    np.testing.assert_array_equal(loaded.W_in, trained.W_in)


def _bad_arrays(trained):
    V, d = trained.W_in.shape
    W = trained.W_in
    nan = W.copy()
    nan[0, 0] = np.nan
    meta = json.loads(json.dumps({"model": "skipgram", "embed_dim": d, "n_negatives": 5}))
    wrong_dim = dict(meta, embed_dim=d + 1)
    return {
        "W_in_rows": {"W_in": W[:-1]},
        "W_out_cols": {"W_out": trained.W_out[:, :-1]},
        "W_in_1d": {"W_in": W.ravel()},
        "W_out_dtype": {"W_out": trained.W_out.astype(np.float64)},
        "W_in_int": {"W_in": W.astype(np.int32), "W_out": trained.W_out.astype(np.int32)},
        "counts_len": {"counts": trained.vocab.counts[:-1]},
        "counts_float": {"counts": trained.vocab.counts.astype(np.float64)},
        "offsets": {"word_offsets": np.array([0, 3], dtype=np.int64)},
        "nan": {"W_in": nan},
        "version": {"format_version": np.array(99)},
        "meta_json": {"meta": np.frombuffer(b"{not json", dtype=np.uint8)},
        "meta_list": {"meta": np.frombuffer(b"[1, 2]", dtype=np.uint8)},
        "meta_model": {"meta": np.frombuffer(json.dumps(dict(meta, model="x")).encode(), "u1")},
        "meta_dim": {"meta": np.frombuffer(json.dumps(wrong_dim).encode(), np.uint8)},
        "utf8": {"words_utf8": np.full(len(trained.vocab.words) * 3, 0xFF, dtype=np.uint8)},
    }


@pytest.mark.parametrize(
    "case",
    [
        "W_in_rows",
        "W_out_cols",
        "W_in_1d",
        "W_out_dtype",
        "W_in_int",
        "counts_len",
        "counts_float",
        "offsets",
        "nan",
        "version",
        "meta_json",
        "meta_list",
        "meta_model",
        "meta_dim",
        "utf8",
    ],
)
def test_inconsistent_arrays_are_a_word2vec_error(trained, tmp_path, case):
    path = Path(trained.save(tmp_path / "m"))
    rewrite(path, **_bad_arrays(trained)[case])
    with pytest.raises(Word2VecError) as info:
        Word2Vec.load(path)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------- atomic writes


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), RuntimeError("boom")])
def test_failed_write_keeps_the_old_model_and_leaves_no_temp_file(
    trained, tmp_path, monkeypatch, error
):
    path = Path(trained.save(tmp_path / "m"))
    before = path.read_bytes()

    def failing_write(f, array, **kwargs):
        f.write(b"half a model")
        raise error

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    expected = Word2VecError if isinstance(error, OSError) else RuntimeError
    with pytest.raises(expected):
        trained.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]
    monkeypatch.undo()
    np.testing.assert_array_equal(Word2Vec.load(path).W_in, trained.W_in)


def test_successful_write_leaves_no_temp_file(trained, tmp_path):
    trained.save(tmp_path / "a")
    trained.save(tmp_path / "a")  # overwrite
    assert os.listdir(tmp_path) == ["a.npz"]


def test_saving_creates_a_missing_folder_and_refuses_a_file_in_the_way(trained, tmp_path):
    saved = trained.save(tmp_path / "no" / "such" / "m")
    assert Path(saved) == tmp_path / "no" / "such" / "m.npz" and Path(saved).is_file()
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(Word2VecError, match="cannot create folder"):
        trained.save(tmp_path / "file" / "m")


def test_models_saved_before_the_train_config_still_load(tmp_path):
    """A file as version 0.1.0 wrote it: np.savez, options in meta fields and in the training
    state's hyperparameters, no ``config``."""
    from word2vec_numpy.formats.npz import encode_words

    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "mat"]
    blob, offsets = encode_words(words)
    W_in, W_out = rng.normal(size=(2, 4, 6)).astype(np.float32)
    meta = {
        "model": "cbow",
        "embed_dim": 6,
        "n_negatives": 3,
        "cbow_exact_grad": False,
        "min_count": 2,
        "training_state": {
            "hyperparameters": {
                "window": 4,
                "epochs": 2,
                "lr": 0.05,
                "sample": 0.001,
                "workers": 2,
                "seed": 9,
            }
        },
    }
    np.savez(
        tmp_path / "old.npz",
        format_version=np.array(1),
        W_in=W_in,
        W_out=W_out,
        words_utf8=blob,
        word_offsets=offsets,
        counts=np.array([9, 5, 3, 2]),
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        loss_history=np.array([3.0, 2.5]),
    )
    model = Word2Vec.load(tmp_path / "old.npz")
    assert model.vocab.words == words and model.vocab.min_count == 2
    np.testing.assert_array_equal(model.W_in, W_in)
    np.testing.assert_array_equal(model.W_out, W_out)
    c = model.config
    assert (c.model, c.dim, c.neg, c.window, c.epochs, c.lr, c.seed) == (
        "cbow",
        6,
        3,
        4,
        2,
        0.05,
        9,
    )
    assert model.loss_history == [3.0, 2.5]


def test_sidecar_path_sits_beside_the_model():
    from word2vec_numpy.formats.npz import sidecar_path

    assert sidecar_path("results/model.npz", ".eval.json") == Path("results/model.eval.json")
    assert sidecar_path("a/b.c.npz", ".metrics.json") == Path("a/b.c.metrics.json")
    assert sidecar_path("vec.txt", ".eval.json") == Path("vec.eval.json")
    assert sidecar_path("vec", ".eval.json") == Path("vec.eval.json")


def test_model_path_takes_npz_in_any_case():
    from word2vec_numpy.formats.npz import model_path

    assert model_path("m") == Path("m.npz")
    assert model_path("d/m.npz") == Path("d/m.npz")
    assert model_path("M.NPZ") == Path("M.NPZ")  # not M.NPZ.npz
    assert model_path("m.txt") == Path("m.txt.npz")
