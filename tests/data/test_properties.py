"""Property-based tests: random text through the tokenizer, the vocabulary and the pair
generator must keep their invariants and never crash."""

from __future__ import annotations

import numpy as np
from conftest import ns_batch_maker
from hypothesis import given, settings
from hypothesis import strategies as st

from word2vec_numpy.data.text import tokenize
from word2vec_numpy.data.vocab import Vocabulary
from word2vec_numpy.model.batching import make_chunk

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_tokens_are_lowercase_words_without_separators(text):
    for token in tokenize(text):
        assert token
        assert token == token.lower()
        assert not any(ch.isspace() for ch in token)
        assert not token.startswith(("'", "_")) and not token.endswith(("'", "_"))
        assert "__" not in token and "''" not in token


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, min_size=1, max_size=8), st.integers(1, 3))
def test_vocabulary_ids_in_range_and_decode_inverts_encode(lines, min_count):
    sentences = [tokenize(line) for line in lines]
    vocab = Vocabulary(min_count=min_count).build(sentences)
    ids = vocab.encode(sentences)
    words = ids[ids >= 0]
    assert ids.dtype == np.int32
    assert ((words >= 0) & (words < len(vocab))).all()
    assert (vocab.counts >= min_count).all()
    assert list(vocab.counts) == sorted(vocab.counts, reverse=True)
    kept = [w for s in sentences for w in s if w in vocab]
    assert vocab.decode(ids) == kept
    assert np.count_nonzero(ids == -1) == len(sentences)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(-1, 9), min_size=0, max_size=300),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_pair_count_matches_window_arithmetic(raw, window, seed):
    """Every centre t of a sentence of n words has min(r_t, t) + min(r_t, n - 1 - t) pairs;
    the batches hold exactly that many, all between words of the vocabulary."""
    rng = np.random.default_rng(seed)
    raw = np.asarray(raw, dtype=np.int64)
    chunk = make_chunk(raw, np.ones(10, np.float32), window, rng)
    expected = 0
    for s in np.unique(chunk.sentence):
        where = np.flatnonzero(chunk.sentence == s)
        n = len(where)
        for t, r in enumerate(chunk.radius[where]):
            expected += min(r, t) + min(r, n - 1 - t)
    counts = np.arange(10, 0, -1)
    vocab = Vocabulary.from_words([str(i) for i in range(10)], counts)
    maker = ns_batch_maker(vocab, window, 5, batch_size=64, block=16)
    got = 0
    for batch, _, _ in maker.batches(chunk, rng):
        got += batch.n_pairs
        assert ((batch.draws["ns"].neg >= 0) & (batch.draws["ns"].neg < 10)).all()
        assert ((batch.rows >= 0) & (batch.rows < 10)).all()
    assert got == expected
