"""word2vec (skip-gram, CBOW; negative sampling, hierarchical softmax) from scratch in NumPy."""

import importlib
from typing import TYPE_CHECKING, Any

# The names below, and ``__version__``, are made when first used (PEP 562), so that the
# command line's entry point (``cli.entry``) starts, and answers a Ctrl-C, before NumPy and
# the rest load.
_EXPORTS = {
    "TrainConfig": ".config",
    "EncodedCorpus": ".data.encode",
    "encode_corpus": ".data.encode",
    "load_sample_corpus": ".data.sample",
    "sample_questions": ".data.sample",
    "iter_sentences": ".data.text",
    "tokenize": ".data.text",
    "Vocabulary": ".data.vocab",
    "Word2VecError": ".errors",
    "Word2Vec": ".model.word2vec",
    "Trainer": ".training.trainer",
    "KeyedVectors": ".vectors.keyed",
}

if TYPE_CHECKING:
    from .config import TrainConfig
    from .data.encode import EncodedCorpus, encode_corpus
    from .data.sample import load_sample_corpus, sample_questions
    from .data.text import iter_sentences, tokenize
    from .data.vocab import Vocabulary
    from .errors import Word2VecError
    from .model.word2vec import Word2Vec
    from .training.trainer import Trainer
    from .vectors.keyed import KeyedVectors


# The modules and subpackages below this one: after ``import word2vec_numpy`` they are
# there on first use, as they were when this file imported them all.
_SUBMODULES = {
    "cli", "config", "data", "errors", "files", "formats", "gensim_api", "model", "progress",
    "training", "vectors", "web",
}  # fmt: skip

if TYPE_CHECKING:
    __version__: str
else:  # for a type checker, the names above are the package's: a misspelt one is an error

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            value = _version()
        elif name in _EXPORTS:
            value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        elif name in _SUBMODULES:
            value = importlib.import_module(f".{name}", __name__)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value


def _version() -> str:
    """The version, defined once, in pyproject.toml."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("word2vec-numpy")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES | {"__version__"})


__all__ = [
    "EncodedCorpus",
    "KeyedVectors",
    "TrainConfig",
    "Trainer",
    "Vocabulary",
    "Word2Vec",
    "Word2VecError",
    "encode_corpus",
    "iter_sentences",
    "load_sample_corpus",
    "sample_questions",
    "tokenize",
]
