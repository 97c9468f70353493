"""Small hand-made vectors for the web tests: a royal family with a planted analogy
(king - man + woman = queen), a few clusters, filler words, and hostile words that must be
shown as text, never run."""

from __future__ import annotations

import numpy as np

from word2vec_numpy import KeyedVectors

HOSTILE = (
    "<img src=x onerror=alert(1)>",
    "</script>",
    "<img/src=x/onerror=window.__pwned=1>",
    "<b>bold</b>&amp;",
)
ROYAL = ("king", "queen", "man", "woman", "prince", "princess", "throne", "crown")
FRUIT = ("apple", "pear", "plum", "cherry", "peach", "grape")
ANIMALS = ("cat", "dog", "horse", "cow", "sheep", "goat")


def toy_vectors(n_filler: int = 300, dim: int = 24, seed: int = 0) -> KeyedVectors:
    """Axes: person p, royal r, male m, female f, fruit, animal; the rest is noise.

    king = r + m, queen = r + f, man = p + m, woman = p + f, so king - man + woman = queen;
    the hostile words sit right beside king, so that they are among its neighbours and on
    the map (the words are ordered most frequent first: the special ones come first)."""
    rng = np.random.default_rng(seed)
    p, r, m, f, fruit, animal = np.eye(dim, dtype=np.float32)[:6]
    noise = lambda scale: rng.normal(0, scale, dim).astype(np.float32)  # noqa: E731
    named = {
        "the": noise(1.0),
        "king": r + m,
        "queen": r + f,
        "man": p + m,
        "woman": p + f,
        "prince": r + m + noise(0.08),
        "princess": r + f + noise(0.08),
        "throne": r + noise(0.3),
        "crown": r + noise(0.3),
    }
    for i, word in enumerate(HOSTILE):
        named[word] = r + m + noise(0.12 + 0.02 * i)
    for word in FRUIT:
        named[word] = 2 * fruit + noise(0.3)
    for word in ANIMALS:
        named[word] = 2 * animal + noise(0.3)
    for i in range(n_filler):
        named[f"filler{i}"] = noise(1.0)
    words = list(named)
    return KeyedVectors(words, np.stack([named[w] for w in words]))
