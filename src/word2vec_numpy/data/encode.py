"""Encoding a corpus to a file of word ids.

The corpus is read once; every token gets an id in a single pass, the ids are written to a
``uint32`` file, and training reads that file a chunk at a time (:class:`IdFile`), so memory
does not grow with the corpus.
"""

from __future__ import annotations

import glob
import multiprocessing as mp
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Word2VecError, killed_by
from ..files import why
from .counting import DROPPED, END, KnownCounter
from .vocab import Vocabulary, VocabularyUpdate

SEPARATOR = np.uint32(0xFFFFFFFF)  # sentence end in the uint32 id file
# encode_corpus's temporary files beside OUT: OUT.<random>.keys (a key per token), then
# OUT.tmp (the ids, renamed to OUT when complete); _remove_leftovers knows them by these names
_KEYS_SUFFIX, _FINAL_SUFFIX = ".keys", ".tmp"
_POLL_SECONDS = 0.1  # encode_in_child: how often the parent looks for a Ctrl-C


class IdFile:
    """The id file as a read-only array of ``uint32`` that reads what is sliced from it.

    ``ids[lo:hi]`` reads those ids from the file into a new array (``os.preadv``, so
    processes that share an open file do not share a position); ``len(ids)`` and
    ``np.asarray(ids)`` (the whole file) work as for an array. Unlike a memory map, the pages
    read are not kept in the process: they stay in the system's page cache, which the
    kernel frees as it needs, and do not count in the process's memory (RSS, PSS). A map of
    the whole corpus held every page its training had touched: 60 MB for 15 M tokens.
    """

    dtype = np.dtype(np.uint32)
    ndim = 1

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._n = os.path.getsize(self.path) // self.dtype.itemsize

    def __len__(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    @property
    def size(self) -> int:
        return self._n

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            lo, hi, step = key.indices(self._n)
            if step == 1:
                return self._read(lo, max(lo, hi))
        elif isinstance(key, (int, np.integer)):
            at = int(key) + self._n if key < 0 else int(key)
            if not 0 <= at < self._n:
                raise IndexError(f"index {key} is out of bounds for {self._n} ids")
            return self._read(at, at + 1)[0]
        return self._read(0, self._n)[key]  # a step, or an array of positions

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        ids = self._read(0, self._n)
        return ids if dtype is None else ids.astype(dtype)

    def _read(self, lo: int, hi: int) -> np.ndarray:
        out = np.empty(hi - lo, dtype=self.dtype)
        view, at = out.data.cast("B"), lo * self.dtype.itemsize
        fd = os.open(self.path, os.O_RDONLY)
        try:
            done = 0
            while done < len(view):
                n = os.preadv(fd, [view[done:]], at + done)
                if n == 0:
                    raise Word2VecError(f"{self.path} is shorter than it was (read at {at})")
                done += n
        finally:
            os.close(fd)
        return out


@dataclass
class EncodedCorpus:
    """A corpus as a file of uint32 word ids with ``SEPARATOR`` between sentences.

    The ids file leads with no separator and ends with one. The vocabulary that gave the ids
    travels with it.

    Parameters
    ----------
    path : pathlib.Path
        The ids file.
    vocab : Vocabulary
        The vocabulary that gave the ids.
    n_words : int
        The real words in the file (not separators).
    source : str, default ""
        A description of the corpus read.
    total_tokens : int, default 0
        The tokens read, before ``min_count`` dropped any.
    update : VocabularyUpdate, optional
        What merging the text into a vocabulary did (``encode_corpus(..., update=True)``).
    """

    path: Path
    vocab: Vocabulary
    n_words: int
    source: str = ""
    total_tokens: int = 0  # tokens read, before min_count dropped any
    update: VocabularyUpdate | None = None  # what merging the text into a vocabulary did

    @property
    def ids(self) -> IdFile:
        """The ids, read from the file as they are sliced (:class:`IdFile`)."""
        return IdFile(self.path)


def encode_corpus(
    sentences: Iterable[Sequence[str]],
    out_path: str | os.PathLike,
    min_count: int = 5,
    max_size: int | None = None,
    max_tokens: int | None = None,
    source: str = "",
    *,
    vocab: Vocabulary | None = None,
    update: bool = False,
) -> EncodedCorpus:
    """Read ``sentences`` once, build the vocabulary and write the id file ``out_path``.

    One pass counts the words (``counting.py``: exact, or pruned with the vocabulary's
    ``max_vocab_size``) and writes a key per token to a temporary file; then the vocabulary is
    built from the counts and the file is rewritten through ``counter.to_ids``, chunk by
    chunk, dropping the words outside the vocabulary. Only the counts are held in memory. The
    temporary files are removed whatever happens.

    Parameters
    ----------
    sentences : iterable of sequence of str
        The sentences (lists of tokens), e.g. from :func:`iter_sentences`; closed at the end if
        it has a ``close`` method (a generator reading a file).
    out_path : str or os.PathLike
        The id file to write (its folder is made if missing).
    min_count : int, default 5
        The short way to give an unbuilt vocabulary's ``min_count`` (when ``vocab`` is None).
    max_size : int, optional
        Likewise for ``max_size``: keep at most this many words.
    max_tokens : int, optional
        Read at most this many tokens: no sentence is pulled from ``sentences`` once that many
        are in (so a reader stops reading there).
    source : str, default ""
        A description of the corpus, kept in the result.
    vocab : Vocabulary, optional
        An unbuilt ``Vocabulary`` carries the options (``min_count``, ``max_vocab_size``,
        ``max_final_vocab``, ``trim_rule``); a built one (``read_vocab``, a trained model's) is
        used as it is and the text is not counted, or, with ``update=True``, the text's counts
        are merged into it.
    update : bool, default False
        Merge the text's counts into the built ``vocab`` (``Vocabulary.updated``;
        ``EncodedCorpus.update`` says what that did).

    Returns
    -------
    EncodedCorpus
        The id file, its vocabulary and counts.

    Raises
    ------
    Word2VecError
        If a write fails (a full disk, a file size limit), with a one-line message.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if vocab is None:
        vocab = Vocabulary(min_count=min_count, max_size=max_size)
    counter = KnownCounter(vocab) if vocab.built and not update else vocab.counter()
    key_dtype = counter.key_dtype
    n_tokens = 0
    tmp_final = str(out_path) + _FINAL_SUFFIX
    tmp_name = ""
    report = None
    stream = iter(sentences)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=out_path.name + ".", suffix=_KEYS_SUFFIX, dir=out_path.parent
        )
        with os.fdopen(fd, "wb") as tmp:
            block: list[Sequence[str]] = []
            add_all = counter.add_all
            in_block = 0

            def flush() -> None:
                # -1 (SENTENCE_KEY) wraps to 0xFFFFFFFF in a uint32 file. write(), not
                # tofile(): its OSError carries the errno (a full disk, a size limit).
                tmp.write(add_all(block).astype(key_dtype).tobytes())
                block.clear()

            for sentence in stream:
                if max_tokens is not None and n_tokens + len(sentence) > max_tokens:
                    sentence = sentence[: max_tokens - n_tokens]
                if sentence:
                    n_tokens += len(sentence)
                    block.append(sentence)
                    in_block += len(sentence)
                    if in_block >= 1 << 18:
                        flush()
                        in_block = 0
                if max_tokens is not None and n_tokens >= max_tokens:
                    break  # never pull (read) another sentence
            flush()
        if update:
            vocab, report = vocab.updated(*counter.words_and_counts())
        elif not vocab.built:
            vocab.build_from_counts(*counter.words_and_counts())
        to_ids = counter.to_ids(vocab)
        del counter  # to_ids keeps what it needs: the counts can go before the rewrite
        n_words = 0
        prev_sep = True  # collapse runs of separators (sentences emptied by min_count)
        with open(tmp_name, "rb") as src, open(tmp_final, "wb") as dst:
            while True:
                keys: np.ndarray = np.fromfile(src, dtype=key_dtype, count=1 << 20)
                if len(keys) == 0:
                    break
                ids = to_ids(keys)
                ids = ids[ids != DROPPED]
                sep = ids == END
                final = np.where(sep, SEPARATOR, ids).astype(np.uint32)
                dup = np.empty(len(sep), dtype=bool)
                if len(sep):
                    dup[0] = sep[0] and prev_sep
                    dup[1:] = sep[1:] & sep[:-1]
                    prev_sep = bool(sep[-1])
                dst.write(final[~dup].tobytes())
                n_words += int(np.count_nonzero(~sep))
        os.replace(tmp_final, out_path)
    except OSError as exc:
        # Reading raises Word2VecError, so an OSError here is about the id files: a full
        # disk (ENOSPC), a file size limit (EFBIG), a folder that cannot be written.
        raise Word2VecError(f"cannot write the word-id file {out_path}: {why(exc)}") from None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # a generator reading a file closes it now, not when collected
        for leftover in (tmp_name, tmp_final):
            if leftover and os.path.exists(leftover):
                os.remove(leftover)
    return EncodedCorpus(
        path=out_path,
        vocab=vocab,
        n_words=n_words,
        source=source,
        total_tokens=n_tokens,
        update=report,
    )


def encode_in_child(
    sentences: Iterable[Sequence[str]],
    out_path: str | os.PathLike,
    stats: Any = None,
    *,
    stdin: bool = False,
    **options: Any,
) -> EncodedCorpus:
    """:func:`encode_corpus` in a forked child process; here where the system cannot fork.

    Why: reading makes and frees tens of millions of small objects (tokens, keys), and the
    words of the vocabulary, made along the way, end up spread over the whole of that heap.
    Python's allocator gives an arena (1 MB) back to the system only when nothing in it
    lives, so after encoding a process keeps the high-water mark of reading: on a 4.4 M-token
    text, 45 arenas (47 MB) for 15 MB of objects. The training workers are forked from this
    process and every page of it is part of their memory. A child takes that heap with it
    when it exits; this process gets the result (the vocabulary) in fresh memory.

    Parameters
    ----------
    sentences, out_path, **options
        As for :func:`encode_corpus` (the child reads ``sentences``; this process never does).
    stats : ReadStats, optional
        The ``ReadStats`` that ``sentences`` counts into: the child's counts are copied back.
    stdin : bool, default False
        ``sentences`` reads standard input, which a multiprocessing child does not have:
        encode here.

    Returns
    -------
    EncodedCorpus
        As :func:`encode_corpus`.

    Raises
    ------
    Word2VecError
        What :func:`encode_corpus` raises, with its message; or the child was killed (the
        out-of-memory killer).
    """
    if stdin or "fork" not in mp.get_all_start_methods():
        return encode_corpus(sentences, out_path, **options)
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_encode_child,
        args=(send, receive, os.getpid(), sentences, out_path, stats, options),
        daemon=True,
    )
    try:
        child.start()
        send.close()
        # Wait in short polls, not one blocking read: a Ctrl-C that the kernel hands to
        # another thread of this process (a BLAS thread, a timer) does not interrupt a read
        # in this one, but Python runs its handler here at the next poll's return.
        while not receive.poll(_POLL_SECONDS):
            pass
        try:
            kind, result, child_stats = receive.recv()
        except EOFError:  # it died without a word
            child.join()
            code = child.exitcode
            how = killed_by(code) if code and code < 0 else f"stopped (exit code {code})"
            raise Word2VecError(f"reading the corpus failed: its process was {how}", 1) from None
        child.join()
    except BaseException:
        if child.is_alive():  # a stop here (Ctrl-C, SIGTERM): it removes its own files
            child.terminate()
            child.join()
        raise
    finally:
        receive.close()
        _remove_leftovers(Path(out_path))
    if stats is not None and child_stats is not None:
        vars(stats).update(vars(child_stats))
    if kind == "error":
        raise Word2VecError(*result)
    return result


def _encode_child(
    send: Any,
    receive: Any,
    parent: int,
    sentences: Any,
    out_path: Any,
    stats: Any,
    options: dict,
) -> None:
    """The child of :func:`encode_in_child`: encode, then send back the result or the error's
    message, and the reading counts. The parent decides about Ctrl-C; SIGTERM (the parent
    stopping it) unwinds, so that ``encode_corpus`` removes its temporary files.

    A parent that dies without stopping it (``kill -9``) must not leave it behind: it would
    read on, holding the output's lock, and then block for ever on a pipe nobody reads. So
    it closes its copy of the pipe's read end (a send to a dead parent then fails at once)
    and a thread stops it, as SIGTERM does, once its parent is gone."""

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    receive.close()
    threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True).start()
    # ("ok", EncodedCorpus, stats) or ("error", (message, exit code), stats)
    message: tuple[str, Any, Any]
    try:
        message = ("ok", encode_corpus(sentences, out_path, **options), stats)
    except Word2VecError as exc:
        message = ("error", (str(exc), exc.exit_code), stats)
    except MemoryError:
        message = ("error", ("out of memory while reading the corpus", 1), stats)
    except Exception as exc:  # one line in the parent, not a traceback here
        text = f"reading the corpus failed: {type(exc).__name__}: {exc}"
        message = ("error", (text, 1), stats)
    send.send(message)
    send.close()


def _stop_when_orphaned(parent: int) -> None:
    """SIGTERM to this process once ``parent`` is no longer its parent (it died)."""
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def _remove_leftovers(out_path: Path) -> None:
    """The temporary files of an ``encode_corpus`` that did not finish (a child killed
    before its ``finally``)."""
    leftovers = [out_path.with_name(out_path.name + _FINAL_SUFFIX)]
    if out_path.parent.is_dir():
        leftovers += out_path.parent.glob(glob.escape(out_path.name) + ".*" + _KEYS_SUFFIX)
    for path in leftovers:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def ids_to_int64(ids: np.ndarray) -> np.ndarray:
    """Ids as int64 with sentence ends as -1, whether they came as uint32 (file) or int32."""
    out = np.asarray(ids).astype(np.int64)
    if ids.dtype == np.uint32:
        out[out == int(SEPARATOR)] = -1
    return out
