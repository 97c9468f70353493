"""Saving and loading models: one ``.npz`` file, written atomically, read without pickle.

The file holds plain arrays only: both matrices, the vocabulary (UTF-8 bytes + offsets, and
counts), the hyperparameters and training state as a JSON string, and the loss history.
``np.load(..., allow_pickle=False)`` can therefore never run code from a model file, and
every array is checked (keys, dtypes, shapes against the vocabulary) before it is used.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import Word2VecError
from ..files import atomic_write

FORMAT_VERSION = 1
_REQUIRED = ("format_version", "W_in", "W_out", "words_utf8", "word_offsets", "counts", "meta")


def model_path(path: str | os.PathLike) -> Path:
    """``path`` with ``.npz`` appended unless it already ends so."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def encode_words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Words as one UTF-8 byte array plus V+1 offsets (no pickled object arrays)."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def decode_words(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    return [data[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def save_model(model, path: str | os.PathLike, extra_state: dict | None = None) -> str:
    """Write ``model`` (and its training state) to ``path`` (``.npz`` added if missing)."""
    path = model_path(path)
    blob, offsets = encode_words(model.vocab.words)
    meta = {
        "model": model.model,
        "embed_dim": model.embed_dim,
        "n_negatives": model.n_negatives,
        "cbow_exact_grad": model.cbow_exact_grad,
        "min_count": model.vocab.min_count,
        "training_state": dict(model.training_state, **(extra_state or {})),
    }
    arrays = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "W_in": model.W_in,
        "W_out": model.W_out,
        "words_utf8": blob,
        "word_offsets": offsets,
        "counts": model.vocab.counts.astype(np.int64),
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        "loss_history": np.asarray(model.loss_history, dtype=np.float64),
        "history_epochs": np.asarray(getattr(model, "history_epochs", []), dtype=np.int64),
        "epoch_losses": np.asarray(model.epoch_losses, dtype=np.float64),
    }
    atomic_write(path, lambda f: np.savez(f, **arrays))
    return str(path)


def load_model(path: str | os.PathLike):
    """Read a model written by ``save_model``; any problem is a one-line ``Word2VecError``."""
    from ..data.vocab import Vocabulary
    from ..model.word2vec import Word2Vec

    path = Path(path)
    if not path.exists() and model_path(path).exists():
        path = model_path(path)
    if not path.is_file():
        raise Word2VecError(f"model file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _REQUIRED if k not in data.files]
            if missing:
                raise Word2VecError(f"{path} is not a word2vec-numpy model (missing {missing[0]})")
            arrays = {k: data[k] for k in data.files}
    except Word2VecError:
        raise
    except (OSError, ValueError, TypeError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise Word2VecError(f"{path} is not a readable word2vec-numpy model ({exc})") from None
    try:
        version = int(arrays["format_version"])
        if version != FORMAT_VERSION:
            raise Word2VecError(f"{path}: model format {version} is not supported")
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        words = decode_words(arrays["words_utf8"], arrays["word_offsets"])
        W_in, W_out, counts = arrays["W_in"], arrays["W_out"], arrays["counts"]
        V = len(words)
        ok = (
            W_in.ndim == 2
            and W_in.shape == W_out.shape
            and W_in.shape[0] == V
            and counts.shape == (V,)
            and W_in.dtype.kind == "f"
            and W_out.dtype == W_in.dtype
            and counts.dtype.kind in "iu"
            and meta.get("model") in ("skipgram", "cbow")
            and W_in.shape[1] == meta.get("embed_dim")
        )
        if not ok:
            raise Word2VecError(f"{path}: arrays have inconsistent shapes or types")
        if not (np.isfinite(W_in).all() and np.isfinite(W_out).all()):
            raise Word2VecError(f"{path}: the model holds NaN or infinite values")
    except Word2VecError:
        raise
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, AttributeError) as exc:
        raise Word2VecError(f"{path} is corrupted ({type(exc).__name__}: {exc})") from None
    vocab = Vocabulary.from_words(words, counts, min_count=int(meta.get("min_count", 1)))
    model = Word2Vec.from_arrays(
        vocab,
        np.ascontiguousarray(W_in),
        np.ascontiguousarray(W_out),
        meta["model"],
        int(meta["n_negatives"]),
        bool(meta.get("cbow_exact_grad", False)),
    )
    model.training_state = meta.get("training_state", {})
    model.loss_history = arrays.get("loss_history", np.zeros(0)).tolist()
    model.history_epochs = arrays.get("history_epochs", np.zeros(0, np.int64)).tolist()
    model.epoch_losses = arrays.get("epoch_losses", np.zeros(0)).tolist()
    return model
