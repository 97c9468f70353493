"""The learning-rate schedule, once for every backend."""

from __future__ import annotations


class LinearSchedule:
    """lr_t = lr - (lr - lr_min) * words_done / total_words: a linear fall from ``lr`` to
    ``lr_min`` over all the words of all epochs (words counted before subsampling, as the C
    tool and gensim count them), so it depends only on how far training has got."""

    def __init__(self, lr: float, lr_min: float, total_words: int) -> None:
        self.lr = float(lr)
        self.lr_min = float(lr_min)
        self.total_words = int(total_words)

    def __call__(self, words_done: int) -> float:
        frac = min(words_done / max(self.total_words, 1), 1.0)
        return self.lr - (self.lr - self.lr_min) * frac
