"""word2vec (skip-gram, CBOW; negative sampling, hierarchical softmax) from scratch in NumPy."""

from importlib.metadata import PackageNotFoundError, version

try:  # the version is defined once, in pyproject.toml
    __version__ = version("word2vec-numpy")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from .config import TrainConfig  # noqa: E402
from .data.encode import EncodedCorpus, encode_corpus  # noqa: E402
from .data.sample import load_sample_corpus, sample_questions  # noqa: E402
from .data.text import iter_sentences, tokenize  # noqa: E402
from .data.vocab import Vocabulary  # noqa: E402
from .errors import Word2VecError  # noqa: E402
from .model.word2vec import Word2Vec  # noqa: E402
from .training.trainer import Trainer  # noqa: E402
from .vectors.keyed import KeyedVectors  # noqa: E402

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
