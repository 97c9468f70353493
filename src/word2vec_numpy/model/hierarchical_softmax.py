"""Hierarchical softmax (Mikolov et al. 2013, section 2.1; Morin and Bengio 2005): the Huffman
tree of the vocabulary and the loss of a word as the binary decisions along its path.

The tree. The V words are the leaves of a binary Huffman tree built from their counts (the C
tool's ``CreateBinaryTree``), so frequent words get short paths. Its V - 1 inner nodes are
numbered in the order they are made (the root is the last, V - 2); each has an output vector,
a row of ``W_nodes``. For a word w, n(w, 1) = root, ..., n(w, L(w)) = w is its path, and
``points[w, j]`` (0-based j < L(w) - 1 = the code length) is the inner node n(w, j+1),
``codes[w, j]`` which child of it the path takes next: 0 for the first of the two merged
nodes (the smaller count), 1 for the second.

The loss (the paper's eq. 3 with ch(n) = the child of code 0, and
[[x]] = 1 if x is true, -1 otherwise): for an input vector h (skip-gram: v_{w_I} of one word
of the pair; CBOW: the context mean) and the word w to predict,

    L = -sum_{j=1}^{L(w)-1} log sigma([[n(w, j+1) = ch(n(w, j))]] v'_{n(w,j)} . h)

Write x_j = v'_{n(w,j)} . h, the code c_j = [[n(w, j+1) is not ch(n(w, j))]] in {0, 1}, the
sign s_j = 1 - 2 c_j and the label y_j = 1 - c_j (the C tool's ``1 - code``). Then
L = -sum_j log sigma(s_j x_j), and since d/dx -log sigma(s x) = s (sigma(s x) - 1) =
sigma(x) - y:

    dL/dx_j           = sigma(x_j) - y_j
    dL/dh             = sum_j (sigma(x_j) - y_j) v'_{n(w,j)}
    dL/dv'_{n(w,j)}   = (sigma(x_j) - y_j) h

the C tool's update g = (1 - code - f) * alpha with f = sigma(x_j). Like the C tool and
gensim, a node whose score is outside [-MAX_EXP, MAX_EXP] is skipped: sigma is clipped there
(``ops.sigmoid``), so the loss is flat and its exact gradient is zero.

Batched like negative sampling (``word2vec.py``): blocks of T rows, matrix products, the
rows of ``W_nodes`` updated by a scatter-add that sums a node's gradients wherever it recurs.

Skip-gram, the node form. Row t of block b predicts the columns c with M[b, t, c] = 1 (the
pair mask), one term per node of each column word's path. The top nodes lie on almost every
path, so one row meets the same node in many of its pairs. The distinct nodes of each
block's paths are gathered once, padded to the largest count U of the batch with a 0/1 mask:
V'[b] = W_nodes[nodes[b]] (nb, U, d). With the incidence Z[b, c, u] = 1 if node u is on the
path of column c, and Z1 the same for the nodes where that path has label 1, N = M Z and
A1 = M Z1 (nb, T, U) count the terms of every (row, node): all of them, and those with
label 1 (A0 = N - A1 have label 0). All scores are one product S = H V'^T (nb, T, U), and

    L     = -sum_{b,t,u} A1 log sigma(S) + A0 log sigma(-S)
    E     = dL/dS = A1 (sigma(S) - 1) + A0 sigma(S) = N sigma(S) - A1
            (0 where |S| >= MAX_EXP)
    dL/dH = E V',    dL/dV' = E^T H

About a fifth of the (row, node) entries have a term (N > 0); sigma, the loss and E are
computed on those only. A node in several blocks of the batch gets the sum of its blocks'
rows of dL/dV', so the rows returned for ``W_nodes`` are distinct (and sorted).

Gathering instead every column's padded path, (nb, C, Lmax, d), and scoring every row
against all of them, (nb, T, C * Lmax), costs 2.4x the CPU time per batch on the shared
corpus (100 dims, T = 32, window 5: U is about 280 nodes per block, C * Lmax = 42 * 22).

CBOW, the path form. Row t predicts its own centre word: one path per row, gathered and
padded to the longest code in the batch: P = W_nodes[points[rows]] (nb, T, Lmax, d), with
the mask ``M[b, t, l] = valid[b, t] [l < code length]``, S[b, t, l] = P[b, t, l] . h_{b,t},
E = M (sigma(S) - y) (0 where |S| >= MAX_EXP), dL/dh_{b,t} = sum_l E[b, t, l] P[b, t, l],
dL/dP[b, t, l] = E[b, t, l] h_{b,t}. (The node form would score each row against the nodes
of the block's 32 paths, of which it needs one: 1.4x slower.) The rows of dL/dP are summed
per node before the scatter-add where nodes recur most, near the root: level l holds at most
2^l nodes, and the root is on every path. For the first ``dense_levels`` = 6 levels (at
most 63 nodes, about half of the entries on the shared corpus) the sums are one product,
dL/dV'_top = E_top^T H, with E_top (rows x those nodes) holding each row's E at its nodes;
the deeper entries, mostly on one path of the batch each, are one row each: 1.18x faster
than a row per entry (``benchmarks/ab_step.py --hs 1 --neg 0 --models cbow``, 256 centres
per step, the shared corpus's first 300,000 words: median 1.52 -> 1.29 s over 6 rounds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..errors import Word2VecError
from .loss import Loss, Step
from .ops import MAX_EXP, log_one_minus, sigmoid

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.vocab import Vocabulary
    from .batching import Batch


class HuffmanTree:
    """The Huffman tree of the counts, built like the C tool's ``CreateBinaryTree``.

    ``codes`` (V, max_length) uint8 and ``points`` (V, max_length) int64: word w's path
    through the inner nodes (row indices of ``W_nodes``, root first) and the branch taken at
    each, padded with 0 after ``lengths[w]`` entries. ``max_length`` is the longest code.

    The C tool keeps the leaves sorted by descending count and merges, V - 1 times, the two
    smallest of: the rarest leaf not yet merged and the oldest inner node not yet merged (the
    inner nodes are made in non-decreasing count order, so both queues stay sorted); on a tie
    the inner node is taken. The first node taken becomes child 0, the second child 1.
    Words are ordered by a stable sort on descending count, which is the vocabulary's own
    order, so the tree depends only on the counts and their order: it is rebuilt, not saved.
    """

    def __init__(self, counts: np.ndarray) -> None:
        counts = np.asarray(counts, dtype=np.int64)
        V = len(counts)
        self.n_words = V
        order = np.argsort(-counts, kind="stable")  # leaf slot -> word id, most frequent first
        # nodes 0..V-1: the leaves in slot order; V..2V-2: inner node k is node V + k
        count = [int(c) for c in counts[order]] + [0] * max(V - 1, 0)
        parent = np.zeros(max(2 * V - 1, 0), dtype=np.int64)
        binary = np.zeros(max(2 * V - 1, 0), dtype=np.uint8)
        leaf, inner = V - 1, V  # next leaf (rarest first) and next inner node to merge
        for k in range(V - 1):
            picked = []
            for _ in range(2):
                if leaf >= 0 and (inner >= V + k or count[leaf] < count[inner]):
                    picked.append(leaf)
                    leaf -= 1
                else:
                    picked.append(inner)
                    inner += 1
            count[V + k] = count[picked[0]] + count[picked[1]]
            parent[picked] = V + k
            binary[picked[1]] = 1

        # Walk from every leaf to the root at once: first the code lengths, then the codes,
        # written from the end of each path to its start.
        root = 2 * V - 2
        lengths = np.zeros(V, dtype=np.int64)
        node = np.arange(V)
        while V > 1 and (node != root).any():
            up = node != root
            lengths[up] += 1
            node = np.where(up, parent[node], node)
        L = int(lengths.max(initial=0))
        codes = np.zeros((V, L), dtype=np.uint8)
        points = np.zeros((V, L), dtype=np.int64)
        node = np.arange(V)
        slot = np.arange(V)
        position = lengths - 1
        while V > 1 and (position >= 0).any():
            up = np.flatnonzero(position >= 0)
            codes[slot[up], position[up]] = binary[node[up]]
            node[up] = parent[node[up]]
            points[slot[up], position[up]] = node[up] - V
            position[up] -= 1
        # from leaf slots back to word ids
        self.codes = np.empty_like(codes)
        self.points = np.empty_like(points)
        self.lengths = np.empty_like(lengths)
        self.codes[order], self.points[order], self.lengths[order] = codes, points, lengths
        self.max_length = L

    @property
    def n_nodes(self) -> int:
        """The inner nodes: V - 1 (none for a vocabulary of one word)."""
        return max(self.n_words - 1, 0)

    def paths(self, words: np.ndarray, dtype: type) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Paths of ``words`` (any shape S) padded to their longest code Lmax: the inner
        nodes (S, Lmax), the labels y = 1 - code and the 0/1 mask of real entries, both
        (S, Lmax) in ``dtype``."""
        L = int(self.lengths[words].max(initial=0))
        points = self.points[words, :L]
        labels = 1 - self.codes[words, :L].astype(dtype)
        mask = (np.arange(L) < self.lengths[words][..., None]).astype(dtype)
        return points, labels, mask


class HierarchicalSoftmax(Loss):
    """Hierarchical softmax over the Huffman tree of the counts (``config.hs``; module
    docstring). Output matrix: ``W_nodes``, one row per inner node (V - 1)."""

    name: ClassVar[str] = "hs"
    matrix: ClassVar[str] = "W_nodes"
    # CBOW: the node gradients of the levels 0..5 near the root (at most 63 distinct nodes,
    # half of a batch's path entries on the shared corpus) are summed by one product
    dense_levels: int = 6

    def __init__(self, vocab: Vocabulary, config: TrainConfig) -> None:
        super().__init__(vocab, config)
        self.tree = HuffmanTree(vocab.counts)
        # CBOW's dense levels: their inner nodes (a node's depth is its place on any path
        # through it), and each one's column in ``_cbow_node_grads`` (-1: deeper)
        tree = self.tree
        on_path = np.arange(tree.max_length) < tree.lengths[:, None]
        depth = np.zeros(tree.n_nodes, dtype=np.int64)
        depth[tree.points[on_path]] = np.nonzero(on_path)[1]
        self.top_nodes = np.flatnonzero(depth < self.dense_levels)
        self.top_column = np.full(tree.n_nodes, -1, dtype=np.int64)
        self.top_column[self.top_nodes] = np.arange(len(self.top_nodes))

    @classmethod
    def enabled(cls, config: TrainConfig) -> bool:
        return bool(config.hs)

    def rows(self, vocab_size: int) -> int:
        return max(vocab_size - 1, 0)

    def grown(self, W: np.ndarray, old_ids: np.ndarray, vocab_size: int) -> np.ndarray:
        """New words change the Huffman tree, so the inner nodes' vectors do not carry over
        to the grown vocabulary: continued training is refused rather than made wrong."""
        raise Word2VecError(
            "continued training (--init, build_vocab(update=True)) with hierarchical softmax "
            "is not supported: the Huffman tree changes with the vocabulary"
        )

    def describe(self) -> str:
        return (
            f"hierarchical softmax: Huffman tree of {self.tree.n_nodes:,} inner nodes, "
            f"codes of up to {self.tree.max_length} bits"
        )

    def skipgram(self, W: np.ndarray, H: np.ndarray, batch: Batch) -> Step:
        M = batch.pair_mask.astype(H.dtype, copy=False)
        nodes, n_nodes, Z, Z1 = self.incidence(batch.span, M.any(axis=1), H.dtype)
        N, A1 = M @ Z, M @ Z1  # terms of each (row, node): all of them, those with label 1
        V_nodes = W[nodes]  # (nb, U, d): v'_u of each block's nodes
        S = H @ V_nodes.transpose(0, 2, 1)  # (nb, T, U): x = v'_u . h_t
        # the (row, node) entries with a term: about a fifth of S
        some = np.flatnonzero(N > 0)
        x, n, a1 = S.reshape(-1)[some], N.reshape(-1)[some], A1.reshape(-1)[some]
        p = sigmoid(x)
        loss = -float(
            np.sum(a1 * np.log(p), dtype=np.float64)
            + np.sum((n - a1) * log_one_minus(p), dtype=np.float64)
        )
        e = n * p - a1  # summed over the terms of the entry: A1 (sigma - 1) + A0 sigma
        e[np.abs(x) >= MAX_EXP] = 0.0
        E = np.zeros_like(S)
        E.reshape(-1)[some] = e
        g_nodes = E.transpose(0, 2, 1) @ H  # (nb, U, d)
        # a node in several blocks: its gradients summed here, one row per distinct node
        ids, where = np.unique(
            nodes[np.arange(nodes.shape[1]) < n_nodes[:, None]], return_inverse=True
        )
        summed = np.zeros((len(ids), H.shape[2]), dtype=H.dtype)
        start = 0
        for b, count in enumerate(n_nodes):
            summed[where[start : start + count]] += g_nodes[b, :count]
            start += count
        return loss, E @ V_nodes, ids, summed

    def cbow(self, W: np.ndarray, H: np.ndarray, batch: Batch, valid: np.ndarray) -> Step:
        points, Y, code_mask = self.tree.paths(batch.rows, H.dtype)  # (nb, T, Lmax)
        P = W[points]  # (nb, T, Lmax, d): the path of each row's centre word
        S = (P @ H[..., None])[..., 0]  # x = v'_{n(w,j)} . h
        M = valid.astype(H.dtype, copy=False)[..., None] * code_mask
        p = sigmoid(S)
        # log sigma(s x) is log sigma(x) for label 1, log(1 - sigma(x)) for label 0
        loss = -float(np.sum(M * np.log(np.where(Y > 0, p, 1.0 - p)), dtype=np.float64))
        E = M * (p - Y)
        E[np.abs(S) >= MAX_EXP] = 0.0
        ids, g_nodes = self._cbow_node_grads(points, M, E, H)
        return loss, (E[..., None, :] @ P)[..., 0, :], ids, g_nodes

    def _cbow_node_grads(
        self, points: np.ndarray, M: np.ndarray, E: np.ndarray, H: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """dL/dv'_u = sum of E[b, t, l] h_{b,t} over the entries with points[b, t, l] = u, as
        (ids, rows) for the scatter-add: a row per node of the first ``dense_levels`` levels
        (``top_nodes``), then a row per deeper entry (module docstring, "CBOW, the path
        form")."""
        d = H.shape[-1]
        H = H.reshape(-1, d)
        n, K = len(H), len(self.top_nodes)
        points, M, E = (X.reshape(n, -1) for X in (points, M, E))
        top = min(self.dense_levels, points.shape[1])
        # Near the root every path meets the same few nodes (level l has at most 2^l): there
        # dL/dV'_top = E_top^T H, one product, with E_top (n, K) holding each row's E at its
        # nodes' columns. A node has one depth, so a row meets it at most once; entries that
        # are not on the row's path (M = 0) go to an extra column K, dropped.
        column = np.where(M[:, :top] > 0, self.top_column[points[:, :top]], K)
        E_top = np.zeros((n, K + 1), dtype=E.dtype)
        E_top[np.arange(n)[:, None], column] = E[:, :top]
        # deeper nodes are mostly on one path of the batch each: a row per entry
        row, level = np.nonzero(M[:, top:] > 0)
        level += top
        grads = np.empty((K + len(row), d), dtype=H.dtype)
        np.matmul(E_top[:, :K].T, H, out=grads[:K])
        np.multiply(E[row, level][:, None], H[row], out=grads[K:])
        return np.concatenate([self.top_nodes, points[row, level]]), grads

    def incidence(
        self, targets: np.ndarray, predicted: np.ndarray, dtype: type
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The distinct inner nodes on the paths of each block's words ``targets`` (nb, C)
        that are ``predicted`` (nb, C) by some row, and the incidence (module docstring).

        Returns nodes (nb, U): block b's nodes in its first n_nodes[b] entries (ascending),
        then 0; n_nodes (nb,); Z (nb, C, U): Z[b, c, u] = 1 if nodes[b, u] is on the path of
        column c; Z1: the same for the nodes where that path has label 1 (code 0)."""
        nb, C = targets.shape
        points, labels, code_mask = self.tree.paths(targets, dtype)  # (nb, C, L)
        used = (code_mask > 0) & predicted[..., None]
        block, column, _ = np.nonzero(used)
        # number the distinct (block, node) pairs: sorted by block, then node
        size = max(self.tree.n_nodes, 1)
        distinct, index = np.unique(block * size + points[used], return_inverse=True)
        distinct_block = distinct // size
        first = np.searchsorted(distinct_block, np.arange(nb + 1))
        n_nodes = np.diff(first)
        U = int(n_nodes.max(initial=0))
        slot = index.reshape(-1) - first[block]  # the node's number within its block
        nodes = np.zeros((nb, U), dtype=np.int64)
        nodes[distinct_block, np.arange(len(distinct)) - first[distinct_block]] = distinct % size
        Z = np.zeros((nb, C, U), dtype=dtype)
        Z[block, column, slot] = 1.0
        Z1 = np.zeros((nb, C, U), dtype=dtype)
        one = labels[used] > 0
        Z1[block[one], column[one], slot[one]] = 1.0
        return nodes, n_nodes, Z, Z1
