"""``word2vec-numpy train --dask ADDRESS``: the cluster part of the train command.

``--dask tcp://HOST:8786`` uses a running Dask scheduler, ``--dask local:N`` starts a local
cluster of N single-threaded worker processes for the run and stops it at the end. The
corpus is read by the workers (``training/dask.py``); everything else - options, progress,
checkpoints, ``--resume``, Ctrl-C, metrics - is the train command's.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import TrainConfig
from ..data import download
from ..data.encode import EncodedCorpus
from ..data.parts import is_url
from ..data.sample import write_sample_corpus
from ..errors import Word2VecError
from ..training.dask import DaskBackend, connect, forget_corpus, prepare_corpus, quiet_logs


class DaskSession:
    """A client (and the local cluster it started), the corpus prepared on it, and what to
    remove at the end."""

    def __init__(self, address: str, log: Callable[..., None]) -> None:
        self.address = address
        self.log = log
        self.corpus: Any = None
        self.sample_path: Path | None = None
        quiet_logs()  # Dask's messages about a killed or restarted worker are not the user's
        self.client, self.cluster = connect(address)
        workers = len(self.client.nthreads())
        where = "local" if self.cluster is not None else f"at {address}"
        log(f"Dask cluster {where}: {workers} worker{'s' * (workers != 1)}")

    def prepare(
        self, args: argparse.Namespace, config: TrainConfig, stem: str, parts: int | None
    ) -> tuple[EncodedCorpus, str, int]:
        """The corpus of ``--corpus`` read, counted and encoded on the workers: (corpus,
        description, invalid UTF-8 sequences replaced)."""
        paths, source = self._paths(args, stem)
        self.log(f"reading {source} on the Dask workers ...")
        self.corpus = prepare_corpus(
            self.client,
            paths,
            min_count=config.min_count,
            max_tokens=args.max_tokens,
            n_parts=parts,
            source=source,
        )
        return self.corpus, source, getattr(self.corpus, "replaced", 0)

    def _paths(self, args: argparse.Namespace, stem: str) -> tuple[list[str], str]:
        names = args.corpus if isinstance(args.corpus, list) else [args.corpus]
        if names == ["sample"]:  # the built-in corpus, written where the workers can read it
            self.sample_path = Path(stem + ".sample.txt").resolve()
            write_sample_corpus(self.sample_path)
            return [str(self.sample_path)], "built-in sample corpus"
        if names in (["text8"], ["alice"]):
            fetch = download.fetch_text8 if names == ["text8"] else download.fetch_alice
            path = fetch(data_dir=args.data_dir, quiet=args.quiet)
            return [str(Path(path).resolve())], str(path)
        # the workers resolve relative paths against their own folder: make them absolute here
        paths = [n if is_url(n) else os.path.abspath(n) for n in names]
        return paths, ", ".join(names)

    def backend(self, merge: str | None = None) -> DaskBackend:
        return DaskBackend(self.client) if merge is None else DaskBackend(self.client, merge)

    def close(self) -> None:
        if self.corpus is not None:
            forget_corpus(self.client, self.corpus)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self.sample_path is not None and self.sample_path.exists():
            self.sample_path.unlink()


def check_resume(dask: str | None, saved: dict) -> int | None:
    """The number of parts to split the corpus into when resuming ``saved``'s run: a run
    made with ``--dask`` resumes only with ``--dask`` (and the same parts), one made on one
    machine only without it."""
    parts = saved.get("parts")
    if parts and not dask:
        raise Word2VecError("the checkpoint was made with --dask: resume with --dask ADDRESS")
    if dask and not parts:
        raise Word2VecError("the checkpoint was made on one machine: resume without --dask")
    return int(parts) if parts else None
