"""A gensim-style ``Word2Vec``: ``build_vocab(sentences, update=True)`` and ``train(...)``.

    from word2vec_numpy.gensim_api import Word2Vec

    model = Word2Vec(sentences_a, vector_size=100, min_count=5, epochs=5)
    model.build_vocab(sentences_b, update=True)     # new words get rows, counts merge
    model.train(sentences_b, epochs=5)              # continue on the new text
    model.wv.most_similar("queen")

Why a module of its own. ``train`` needs the trainer (``training/``), and the layers contract
(pyproject.toml) lets ``model/`` import nothing above it, so the model class cannot train
itself. This module sits above ``training/``, beside ``cli/`` (neither imports the other),
and its class is a subclass of the model, so it *is* a ``word2vec_numpy.Word2Vec`` (queries,
``save``, ``load``, ``predict_output_word``) with gensim's two training methods added. The
pieces it joins live below it and serve the command line too: ``Vocabulary.updated``
(merging counts), ``Word2Vec.grow`` (rows for new words), ``encode_corpus`` and ``Trainer``.

Continued training. ``build_vocab(sentences, update=True)`` counts the new text, merges the
counts into the vocabulary (new words that reach the min count in the new text are added;
the others are reported in one line), and grows the model: the known words keep their
vectors, a new word's input vector is drawn as at the start and its output vector is zero,
and the noise table is rebuilt from the merged counts (``Vocabulary.updated`` says how this
differs from gensim). ``train`` then rebuilds the subsampling probabilities from the merged
counts and trains.

The learning rate of a new ``train`` call. Like gensim, each call runs its own linear
schedule from ``lr`` (gensim's ``alpha``, or ``start_alpha=``) down to ``lr_min``
(``end_alpha``) over its own epochs; it does not continue from where the previous run
ended (near ``lr_min``). The new words start from random vectors and need the large early
steps: at ``lr_min`` they would barely move. The price is that the known words move again
too; to keep them closer to the first run, pass a smaller ``start_alpha``.

Options are ``TrainConfig``'s, under their names or gensim's (``vector_size``, ``alpha``,
``min_alpha``, ``negative``, ``epochs``, ``max_vocab_size``, ``max_final_vocab``,
``ns_exponent``, ``cbow_mean``, ``shrink_windows``, ``seed``, ``workers``; ``sg=1``/``0``
means ``model="skipgram"``/``"cbow"``). The defaults are this package's (skip-gram, as the C
tool; gensim's is CBOW).
"""

from __future__ import annotations

import os
import sys
import tempfile
import types
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import TrainConfig
from .data.counting import TrimRule
from .data.encode import encode_corpus
from .data.text import cut_sentences
from .data.vocab import Vocabulary, VocabularyUpdate
from .errors import ConfigError, Word2VecError
from .model import word2vec as core
from .training.trainer import Trainer

__all__ = ["Word2Vec"]

CALLBACK_HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Word2Vec(core.Word2Vec):
    """The model with gensim's ``build_vocab`` and ``train`` (module docstring).

    ``Word2Vec(sentences, **options)`` builds the vocabulary and trains at once, as gensim
    does; ``Word2Vec(**options)`` makes an empty model for ``build_vocab`` to fill.
    ``sentences`` is a re-iterable sequence of lists of words (it is read twice: to count,
    then to train), not a one-shot generator. ``callbacks`` are gensim-style objects with any
    of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``, ``on_train_end``, each called
    with the model, in this process (also with several workers). ``quiet`` hides the progress
    line and the vocabulary-update line.
    """

    quiet: bool = False
    corpus_count: int = 0  # sentences in the last text given to build_vocab (gensim's name)
    vocabulary_update: VocabularyUpdate | None = None  # what the last update did

    def __init__(
        self,
        sentences: Iterable[Sequence[str]] | None = None,
        *,
        callbacks: Sequence[Any] = (),
        trim_rule: TrimRule | None = None,
        quiet: bool = False,
        **options: Any,
    ) -> None:
        if "sg" in options:
            model = "skipgram" if options.pop("sg") else "cbow"
            if options.setdefault("model", model) != model:
                raise ConfigError(f"sg and model={options['model']!r} disagree: give one of them")
        self.config = TrainConfig.from_options(**options)
        self.quiet = quiet
        # an empty model until build_vocab gives it words
        self.vocab = Vocabulary(self.config.min_count)
        self.W_in = np.zeros((0, self.config.dim), dtype=np.float32)
        self.losses = []
        self._reset_history()
        if sentences is not None:
            self.build_vocab(sentences, trim_rule=trim_rule)
            self.train(sentences, epochs=self.config.epochs, callbacks=callbacks)

    @property
    def epochs(self) -> int:
        """Epochs of a ``train`` call that names none (gensim's ``model.epochs``)."""
        return self.config.epochs

    # -- the vocabulary ---------------------------------------------------------------------
    def build_vocab(
        self,
        corpus_iterable: Iterable[Sequence[str]],
        update: bool = False,
        trim_rule: TrimRule | None = None,
        **options: Any,
    ) -> VocabularyUpdate | None:
        """Count ``corpus_iterable`` and make the vocabulary and fresh matrices, or, with
        ``update=True``, merge its counts into the vocabulary and grow the model (module
        docstring). ``options`` change the model's options first (``min_count``,
        ``max_vocab_size``, ``max_final_vocab``, ...). Returns what an update did (also
        printed in one line unless ``quiet``, and kept as ``vocabulary_update``)."""
        if options:
            self._set_options(options)
        config = self.config
        sentences = self._sentences(corpus_iterable)
        spec = Vocabulary(config.min_count).configure(
            max_vocab_size=config.max_vocab_size,
            max_final_vocab=config.max_final_vocab,
            trim_rule=trim_rule,
        )
        counter = spec.counter()
        self.corpus_count = 0
        for sentence in sentences:
            counter.add(sentence)
            self.corpus_count += 1
        if not update:
            vocab = spec.build_from_counts(*counter.words_and_counts())
            if not len(vocab):
                raise Word2VecError(
                    f"no word occurs min_count={config.min_count} times: lower min_count"
                )
            core.Word2Vec.__init__(self, vocab, config)  # fresh matrices, as at the start
            return None
        if not len(self.vocab):
            raise Word2VecError("build_vocab(update=True) needs a vocabulary: build one first")
        self.vocab.configure(
            config.min_count,
            max_vocab_size=config.max_vocab_size,
            max_final_vocab=config.max_final_vocab,
            trim_rule=trim_rule,
        )
        vocab, report = self.vocab.updated(*counter.words_and_counts())
        self.grow(vocab)
        self.vocabulary_update = report
        if not self.quiet:
            print(report.summary(), file=sys.stderr)
        return report

    # -- training -----------------------------------------------------------------------------
    def train(
        self,
        corpus_iterable: Iterable[Sequence[str]],
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        callbacks: Sequence[Any] = (),
        total_examples: int | None = None,
        total_words: int | None = None,
        **options: Any,
    ) -> tuple[int, int]:
        """Train on ``corpus_iterable`` with the vocabulary as it is (words outside it are
        skipped): ``epochs`` passes, the learning rate falling linearly from ``start_alpha``
        (default: the model's ``lr``) to ``end_alpha`` (``lr_min``) over this call (module
        docstring: why it restarts). ``options`` are further training options (``workers``,
        ``window``, ...), kept in the model's config. ``total_examples`` and
        ``total_words`` are accepted for gensim's calling convention and not needed: the
        text is counted as it is encoded. Returns (words trained after subsampling, corpus
        words read), as gensim's (effective, raw) word counts."""
        del total_examples, total_words  # counted here
        if not len(self.vocab):
            raise Word2VecError("the model has no vocabulary: call build_vocab first")
        if epochs is not None:
            options["epochs"] = epochs
        if start_alpha is not None:
            options["lr"] = start_alpha
        if end_alpha is not None:
            options["lr_min"] = end_alpha
        with tempfile.TemporaryDirectory(prefix="word2vec-numpy.") as folder:
            corpus = encode_corpus(
                self._sentences(corpus_iterable), Path(folder) / "ids.u32", vocab=self.vocab
            )
            trainer = Trainer(
                self,
                self.vocab,
                corpus,
                quiet=self.quiet,
                callbacks=[_ModelCallbacks(self, callbacks)] if callbacks else (),
                **options,
            )
            trainer.train()
        return trainer.words_trained, trainer.words_done

    # -- helpers ------------------------------------------------------------------------------
    def _set_options(self, options: dict[str, Any]) -> None:
        config = self.config.replace(**options)
        if len(self.vocab):
            self.set_config(config)  # refuses to change the matrices' shape
        else:
            self.config = config

    def _sentences(self, corpus_iterable: Iterable[Sequence[str]]) -> Iterable[Sequence[str]]:
        """The sentences, cut at ``max_sentence_length``; a generator is refused, as gensim
        refuses it: it would be empty the second time it is read."""
        if isinstance(corpus_iterable, (types.GeneratorType, Iterator)):
            raise TypeError("sentences must be re-iterable (a list, or an object with __iter__)")
        if isinstance(corpus_iterable, (str, bytes, os.PathLike)):
            raise TypeError("sentences must be lists of words, not a file name or a string")
        first = next(iter(corpus_iterable), None)
        if isinstance(first, (str, bytes)):  # its "words" would be its characters
            raise TypeError(
                "sentences must be lists of words, and the first one is a string: split "
                "each sentence into words (e.g. [line.split() for line in lines])"
            )
        return cut_sentences(corpus_iterable, self.config.max_sentence_length)


class _ModelCallbacks:
    """The trainer calls its hooks with itself; gensim's callbacks are called with the model."""

    def __init__(self, model: Word2Vec, callbacks: Sequence[Any]) -> None:
        self.model = model
        self.callbacks = list(callbacks)
        for hook in CALLBACK_HOOKS:
            setattr(self, hook, self._hook(hook))

    def _hook(self, name: str):
        def call(trainer: Trainer) -> None:
            for callback in self.callbacks:
                method = getattr(callback, name, None)
                if method is not None:
                    method(self.model)

        return call
