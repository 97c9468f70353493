#!/usr/bin/env python
"""Where the memory of a whole command goes: its process tree's PSS, mapping by mapping.

    python benchmarks/memory_parts.py -- word2vec-numpy train --corpus FILE --workers 2 --quiet
    python benchmarks/memory_parts.py --gensim FILE --model cbow     # gensim, Text8Corpus

Runs the command and, every ``--interval`` seconds, reads ``/proc/PID/smaps`` of it and of
every descendant, summing the PSS of each mapping into parts:

* ``weights (shared memory)``: ``/dev/shm`` segments (our workers' shared matrices);
* ``id file (mapped)``: a mapped ``*.ids.u32`` (the encoded corpus);
* ``other mapped files``: other data files (a model being written or read, the corpus);
* ``libraries``: ``.so`` files and the interpreter (NumPy, OpenBLAS, Python itself);
* ``heap and anonymous``: Python objects, NumPy arrays, allocator arenas, thread stacks.

Prints the parts at the sample with the largest total, the peak of each part on its own,
and the number of processes then. PSS splits a page shared by n processes into n parts, so
the parts add up to the tree's real footprint.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections import Counter

from compare_gensim import _proc_tree

PARTS = (
    "weights (shared memory)",
    "id file (mapped)",
    "other mapped files",
    "libraries",
    "heap and anonymous",
)

GENSIM = """
import sys
from gensim.models import Word2Vec
from gensim.models.word2vec import Text8Corpus
sg = sys.argv[2] == "skipgram"
model = Word2Vec(Text8Corpus(sys.argv[1]), vector_size=100, window=5, negative=5,
                 sample=1e-3, min_count=5, sg=int(sg), workers=int(sys.argv[3]), epochs=5,
                 alpha=0.025 if sg else 0.05, min_alpha=1e-4)
model.wv.save_word2vec_format(sys.argv[4], binary=True)
"""


def part_of(path: str) -> str:
    if path.startswith("/dev/shm/"):
        return PARTS[0]
    if path.endswith(".ids.u32"):
        return PARTS[1]
    if ".so" in path or "/bin/python" in path:
        return PARTS[3]
    if path.startswith("/") and not path.startswith("/dev/zero"):
        return PARTS[2]
    return PARTS[4]  # [heap], [stack], anonymous, [anon:...]


def sample(root: int) -> tuple[Counter, int, dict]:
    """PSS kB by part over ``root``'s process tree, the number of processes, and each
    process's PSS kB by part."""
    parts: Counter = Counter()
    each: dict = {}
    n = 0
    for pid in _proc_tree(root):
        try:
            with open(f"/proc/{pid}/smaps") as f:
                lines = f.readlines()
        except OSError:
            continue
        n += 1
        part = PARTS[4]
        mine: Counter = Counter()
        for line in lines:
            first = line.split(None, 6)
            if "-" in first[0] and len(first) >= 5 and ":" not in first[0]:  # a mapping
                part = part_of(first[5].strip() if len(first) > 5 else "")
            elif line.startswith("Pss:"):
                mine[part] += int(first[1])
        parts.update(mine)
        each[pid] = mine
    return parts, n, each


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gensim", default=None, metavar="FILE", help="measure gensim on FILE")
    p.add_argument("--model", choices=("skipgram", "cbow"), default="skipgram")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="/tmp/memory_parts.bin", help="gensim's vectors file")
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("command", nargs="*", help="the command to measure (after --)")
    args = p.parse_args()
    if args.gensim:
        cmd = [sys.executable, "-c", GENSIM, args.gensim, args.model, str(args.workers), args.out]
    elif args.command:
        cmd = args.command
    else:
        p.error("give a command after -- or --gensim FILE")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    best: tuple[int, Counter, int, float, dict] = (0, Counter(), 0, 0.0, {})
    peaks: Counter = Counter()
    done = threading.Event()

    def watch() -> None:
        nonlocal best
        while not done.is_set():
            parts, n, each = sample(proc.pid)
            total = sum(parts.values())
            for k, v in parts.items():
                peaks[k] = max(peaks[k], v)
            if total > best[0]:
                best = (total, parts, n, time.perf_counter() - start, each)
            done.wait(args.interval)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    code = proc.wait()
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    total, parts, n, at, each = best
    print(f"command: {' '.join(cmd[:3] if args.gensim else cmd)}")
    print(f"exit code {code}, {seconds:.1f} s; peak total PSS at {at:.1f} s, {n} processes\n")
    print("| part | PSS at the peak, MB | the part's own peak, MB |")
    print("|---|---:|---:|")
    for part in PARTS:
        print(f"| {part} | {parts[part] / 1024:.1f} | {peaks[part] / 1024:.1f} |")
    print(f"| **total** | **{total / 1024:.1f}** | |")
    print("\nat the peak, by process (PSS MB: heap and anonymous / libraries / all):")
    for pid, mine in each.items():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                name = f.read().replace(b"\0", b" ").decode()[:60]
        except OSError:
            name = "(gone)"
        print(f"  {pid}: {mine[PARTS[4]] / 1024:.1f} / {mine[PARTS[3]] / 1024:.1f} / "
              f"{sum(mine.values()) / 1024:.1f}  {name}")  # fmt: skip
    print(json.dumps({"total_kb": total, "parts_kb": dict(parts), "peaks_kb": dict(peaks)}),
          file=sys.stderr)  # fmt: skip
    sys.exit(code)


if __name__ == "__main__":
    main()
