"""word2vec (skip-gram and CBOW with negative sampling) from scratch in NumPy."""

__version__ = "0.1.0"

from .corpus import EncodedCorpus, encode_corpus, iter_sentences, tokenize  # noqa: E402
from .errors import Word2VecError  # noqa: E402
from .model import Word2Vec  # noqa: E402
from .sample import load_sample_corpus, sample_questions  # noqa: E402
from .train import Trainer  # noqa: E402
from .vocab import Vocabulary  # noqa: E402

__all__ = [
    "EncodedCorpus",
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
