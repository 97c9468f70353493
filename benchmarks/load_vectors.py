#!/usr/bin/env python
"""Time and peak memory of loading large vector files: word2vec-numpy vs gensim.

    python benchmarks/load_vectors.py                      # 300,000 x 300, limit 100,000
    python benchmarks/load_vectors.py --rows 50000 --dim 100 --limit 10000

How it works:

* A random float32 matrix (``--rows`` x ``--dim``, words ``w0``, ``w1``, ...) is written in a
  temporary folder (``--tmp-dir``; removed at the end unless ``--keep``) as a word2vec text
  file and a binary file (with our ``save_word2vec_format``), as our memory-mappable ``.npz``
  (``write_arrays``: the matrix, the words as UTF-8 bytes + offsets) and as gensim's own
  ``KeyedVectors.save`` format. Every file is then read once so that all loads find it in
  the page cache (these are warm-cache timings).
* Each load runs in its own child process (this script in ``--child`` mode), one after the
  other, so each peak is that load's alone. The child imports its library, reads ``VmRSS``
  from ``/proc/self/status`` (the interpreter with NumPy, or with gensim and SciPy), times
  the one load call, then reads ``VmHWM`` (the peak RSS) and prints one JSON line.
* "peak RSS" is ``VmHWM``; "load MiB" is ``VmHWM`` minus the ``VmRSS`` before the load (the
  memory the load itself took); "x matrix" is that divided by the loaded matrix's size.
* The memory-mapped rows open the file and decode the words; their pages are read only when
  used. "+ query" also computes one most_similar-style product ``W @ W[0]``, which touches
  every page: those pages count in RSS, but they are the kernel's page cache, shared with
  any other process mapping the file, and dropped under memory pressure instead of swapped.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def _status(key: str) -> float:
    """A ``/proc/self/status`` memory line (``VmRSS``, ``VmHWM``) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


# ---------------------------------------------------------------------------------- child


def child(job: dict) -> None:
    """Run one load (in a fresh process) and print its measurements as one JSON line."""
    import numpy as np

    loader, kind, path, limit = job["loader"], job["kind"], job["path"], job["limit"]
    if loader == "gensim":
        from gensim.models import KeyedVectors
    else:
        from word2vec_numpy.formats.npz import decode_words, read_arrays
        from word2vec_numpy.formats.word2vec_format import load_word2vec_format
    before = _status("VmRSS")
    start = time.perf_counter()
    if loader == "gensim" and kind in ("text", "binary"):
        kv = KeyedVectors.load_word2vec_format(path, binary=kind == "binary", limit=limit)
        words, matrix = kv.index_to_key, kv.vectors
    elif loader == "gensim":  # its own format, memory-mapped
        kv = KeyedVectors.load(path, mmap="r")
        words, matrix = kv.index_to_key, kv.vectors
    elif kind in ("text", "binary"):
        words, matrix = load_word2vec_format(path, binary=kind == "binary", limit=limit)
    else:
        arrays, _ = read_arrays(path, mmap_mode="r")
        words = decode_words(arrays["words_utf8"], arrays["word_offsets"])
        matrix = arrays["vectors"]
    if job["query"]:
        scores = matrix @ matrix[0]
        assert scores.shape == (len(words),)
    seconds = time.perf_counter() - start
    assert matrix.shape[0] == len(words) and matrix.dtype == np.float32
    result = {
        "seconds": seconds,
        "rss_before": before,
        "peak": _status("VmHWM"),
        "rows": len(words),
        "matrix_mib": matrix.nbytes / 2**20,
    }
    print(json.dumps(result))


# --------------------------------------------------------------------------------- parent


def make_files(folder: Path, rows: int, dim: int, seed: int) -> dict[str, Path]:
    import numpy as np
    from gensim.models import KeyedVectors

    from word2vec_numpy.formats.npz import encode_words, write_arrays
    from word2vec_numpy.formats.word2vec_format import save_word2vec_format

    rng = np.random.default_rng(seed)
    matrix = rng.normal(scale=0.3, size=(rows, dim)).astype(np.float32)
    words = [f"w{i}" for i in range(rows)]
    files = {
        "text": folder / "vectors.txt",
        "binary": folder / "vectors.bin",
        "npz": folder / "vectors.npz",
        "gensim": folder / "vectors.kv",
    }
    for kind in ("text", "binary"):
        start = time.perf_counter()
        save_word2vec_format(files[kind], words, matrix, binary=kind == "binary")
        print(f"wrote {files[kind].name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    blob, offsets = encode_words(words)
    write_arrays(files["npz"], {"vectors": matrix, "words_utf8": blob, "word_offsets": offsets}, {})
    kv = KeyedVectors(dim, dtype=np.float32)
    kv.add_vectors(words, matrix)
    kv.save(str(files["gensim"]))
    for path in folder.iterdir():  # warm the page cache: every load reads from memory
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    return files


def run_child(job: dict) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {job} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000, help="words in the file [300000]")
    parser.add_argument("--dim", type=int, default=300, help="dimensions [300]")
    parser.add_argument("--limit", type=int, default=100_000, help="the limit= rows [100000]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tmp-dir", help="where the files go [system temp dir]")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return
    sys.path.insert(0, str(SRC))
    command = "python benchmarks/load_vectors.py " + shlex.join(sys.argv[1:])
    folder = Path(tempfile.mkdtemp(prefix="load-vectors-", dir=args.tmp_dir))
    try:
        files = make_files(folder, args.rows, args.dim, args.seed)
        sizes = {
            kind: sum(p.stat().st_size for p in folder.glob(path.name + "*")) / 2**20
            for kind, path in files.items()  # gensim's .kv has its matrix in .kv.vectors.npy
        }
        jobs = []
        for kind in ("text", "binary"):
            for limit in (None, args.limit):
                jobs += [("ours", kind, limit, False), ("gensim", kind, limit, False)]
        for query in (False, True):
            jobs += [("ours", "npz", None, query), ("gensim", "gensim", None, query)]
        results = []
        for loader, kind, limit, query in jobs:
            job = {"loader": loader, "kind": kind, "path": str(files[kind]), "limit": limit}
            job["query"] = query
            results.append((loader, kind, limit, query, run_child(job)))
            print(f"{loader} {kind} limit={limit} query={query}: done", file=sys.stderr)
    finally:
        if args.keep:
            print(f"files kept in {folder}", file=sys.stderr)
        else:
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    print_table(command, args, sizes, results)


LABELS = {
    ("ours", "text"): ("ours `load_word2vec_format`", "text"),
    ("ours", "binary"): ("ours `load_word2vec_format`", "binary"),
    ("gensim", "text"): ("gensim `KeyedVectors.load_word2vec_format`", "text"),
    ("gensim", "binary"): ("gensim `KeyedVectors.load_word2vec_format`", "binary"),
    ("ours", "npz"): ("ours `read_arrays(mmap_mode='r')`", "our .npz"),
    ("gensim", "gensim"): ("gensim `KeyedVectors.load(mmap='r')`", "gensim .kv"),
}


def print_table(command: str, args: argparse.Namespace, sizes: dict, results: list) -> None:
    print(f"command: `{command}`  ")
    print(
        f"date: {datetime.date.today().isoformat()}; machine: {platform.platform()}, "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}, NumPy {version('numpy')}, "
        f"gensim {version('gensim')}  "
    )
    print(
        f"files ({args.rows:,} x {args.dim} float32, warm page cache): text "
        f"{sizes['text']:,.0f} MiB, binary {sizes['binary']:,.0f} MiB, our .npz "
        f"{sizes['npz']:,.0f} MiB, gensim .kv + .npy {sizes['gensim']:,.0f} MiB"
    )
    print()
    print(
        "| load | file | limit | rows | seconds | peak RSS MiB | load MiB | load / matrix "
        "| time ours/gensim | load MiB ours/gensim |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    group = {"text": "text", "binary": "binary", "npz": "mmap", "gensim": "mmap"}
    gensims = {(group[k], li, q): r for lo, k, li, q, r in results if lo == "gensim"}
    for loader, kind, limit, query, r in results:
        label, file = LABELS[loader, kind]
        if query:
            label += " + one query"
        load = r["peak"] - r["rss_before"]
        ratios = ["", ""]
        other = gensims.get((group[kind], limit, query))
        if loader == "ours" and other:
            other_load = other["peak"] - other["rss_before"]
            ratios = [f"{r['seconds'] / other['seconds']:.2f}", f"{load / other_load:.2f}"]
        print(
            f"| {label} | {file} | {limit or 'all'} | {r['rows']:,} | {r['seconds']:.2f} "
            f"| {r['peak']:,.0f} | {load:,.0f} | {load / r['matrix_mib']:.2f} "
            f"| {ratios[0]} | {ratios[1]} |"
        )


if __name__ == "__main__":
    main()
