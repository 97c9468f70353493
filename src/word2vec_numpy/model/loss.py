"""The Loss interface: an output layer of word2vec, pluggable into the block step.

word2vec has one input side (``W_in``: the word vectors, and how the architecture turns them
into ``h``: the centre's vector for skip-gram, the context mean for CBOW) and one or more
output layers that score ``h`` against the word to predict. Negative sampling is one output
layer (``negative_sampling.py``), hierarchical softmax another (``hierarchical_softmax.py``);
either or both may be on. A loss owns:

* its parameters: a matrix of output vectors, ``rows(vocab_size)`` x d, initialised to zero
  and saved under the name ``matrix`` (``W_out`` for negative sampling, ``W_nodes`` for
  hierarchical softmax);
* the random parts of a batch it needs (``draw``: the negatives), which it stores in
  ``batch.draws[name]``;
* its loss and gradients for the two architectures: ``skipgram`` (each centre row predicts
  the columns of its block that the pair mask selects) and ``cbow`` (each row predicts its
  own centre word from the context mean).

Both return ``(loss, dL/dH, ids, grads)``: the summed loss (float64), the gradient with
respect to ``H``, and the rows of the loss's matrix with their gradients, which the model
scatter-adds (repeated rows summed) after every loss has been computed. A loss with
``gives_curvature`` accepts ``curvature=True`` in both and then adds two ``ops.Curvature``s,
of the rows of dL/dH and of ``grads``: how each is made of examples, with their second
derivatives. The model asks for them when one word fills much of a batch, to keep that
word's summed step from overshooting (``ops.bound_steps``); a loss without them is not
bounded.

Adding a loss: write a module in ``model/`` with a subclass of ``Loss``, add one line to
``LOSSES`` in ``losses.py``, and give ``TrainConfig`` the option that ``enabled`` reads
(``neg``, ``hs``). Batching, training backends, saving and resuming follow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.vocab import Vocabulary
    from .batching import Batch

# loss, dL/dH, ids, their gradients[, Curvature of the dL/dH rows, of the gradients]
Step = tuple


class Loss(ABC):
    """An output layer: its matrix of output vectors, its batch draws and its gradients.

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary (counts for the noise table, the Huffman tree, ...).
    config : TrainConfig
        The model's options.
    """

    name: ClassVar[str]  # the key in LOSSES, stored with the model
    matrix: ClassVar[str]  # the name of its output matrix (an attribute of the model)
    # skipgram()/cbow() take curvature=True and then add two ops.Curvature to their Step
    gives_curvature: ClassVar[bool] = False

    def __init__(self, vocab: Vocabulary, config: TrainConfig) -> None:
        self.vocab = vocab
        self.config = config

    @classmethod
    @abstractmethod
    def enabled(cls, config: TrainConfig) -> bool:
        """Whether ``config`` asks for this loss.

        Parameters
        ----------
        config : TrainConfig
            The model's options (e.g. ``neg``, ``hs``).

        Returns
        -------
        bool
            True if the model has this output layer.
        """

    def rows(self, vocab_size: int) -> int:
        """How many output vectors the loss trains (one per word by default).

        Parameters
        ----------
        vocab_size : int
            The number of words V.

        Returns
        -------
        int
            The rows of the loss's matrix.
        """
        return vocab_size

    def grown(self, W: np.ndarray, old_ids: np.ndarray, vocab_size: int) -> np.ndarray:
        """The output matrix for a larger vocabulary (``Word2Vec.grow``).

        Row ``old_ids[i]`` is the old row i, new words' rows are zero. Right for one row per word;
        a loss whose rows are not words (hierarchical softmax's inner nodes) overrides it.

        Parameters
        ----------
        W : numpy.ndarray
            The current output matrix.
        old_ids : numpy.ndarray
            The new id of each old word.
        vocab_size : int
            The size of the new vocabulary.

        Returns
        -------
        numpy.ndarray
            The new matrix, ``rows(vocab_size)`` rows, of ``W``'s dtype.
        """
        grown = np.zeros((self.rows(vocab_size),) + W.shape[1:], dtype=W.dtype)
        grown[old_ids] = W
        return grown

    def describe(self) -> str:
        """One line about the loss's set-up for the training log.

        Returns
        -------
        str
            The line; "" for nothing to say.
        """
        return ""

    def draw(self, batch: Batch, rng: np.random.Generator) -> None:  # noqa: B027
        """Draw the random parts of ``batch`` this loss needs (none by default).

        They are stored in ``batch.draws[name]``.

        Parameters
        ----------
        batch : Batch
            The batch to draw for.
        rng : numpy.random.Generator
            The random generator.
        """

    @abstractmethod
    def skipgram(self, W: np.ndarray, H: np.ndarray, batch: Batch) -> Step:
        """Skip-gram: the loss and gradients of each centre predicting its context words.

        Parameters
        ----------
        W : numpy.ndarray
            The loss's output matrix.
        H : numpy.ndarray
            (nb, T, d) the centres' input vectors.
        batch : Batch
            The batch; the targets are ``batch.span`` where ``batch.pair_mask`` (nb, T, C) is 1.

        Returns
        -------
        tuple
            ``(loss, dL/dH, ids, grads)``: the summed loss (float64), the gradient with respect to
            ``H``, and the rows of ``W`` with their gradients, which the model scatter-adds
            (module docstring). A loss with ``gives_curvature`` accepts ``curvature=True`` and then
            adds two ``ops.Curvature``s, of the rows of dL/dH and of ``grads``.
        """

    @abstractmethod
    def cbow(self, W: np.ndarray, H: np.ndarray, batch: Batch, valid: np.ndarray) -> Step:
        """CBOW: the loss and gradients of each context predicting its centre word.

        Parameters
        ----------
        W : numpy.ndarray
            The loss's output matrix.
        H : numpy.ndarray
            (nb, T, d) the context means (or sums, ``cbow_mean=0``).
        batch : Batch
            The batch; the target of row t is ``batch.rows``.
        valid : numpy.ndarray
            (nb, T) 1 for rows with a context, else 0.

        Returns
        -------
        tuple
            ``(loss, dL/dH, ids, grads)``: the summed loss (float64), the gradient with respect to
            ``H``, and the rows of ``W`` with their gradients, which the model scatter-adds
            (module docstring). A loss with ``gives_curvature`` accepts ``curvature=True`` and then
            adds two ``ops.Curvature``s, of the rows of dL/dH and of ``grads``.
        """
