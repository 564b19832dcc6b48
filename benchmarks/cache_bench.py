"""What the history cache costs in each file format: write and read time, and size.

Reads the history of a generated repository once (no cache), then writes and reads it back
``--repeat`` times in each format: ``marshal`` and ``json`` of the plain data the cache stores
(``qms_plugin.core.history.cache.encode``), and, for comparison, ``pickle`` of the objects
(the format the cache had before, which can run code when it is read).

    python benchmarks/gitgen.py /tmp/gen --docs 1000 --commits 10000
    python benchmarks/cache_bench.py /tmp/gen --repeat 5
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import marshal
import pickle
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gitgen import PROCEDURES_DIR

from qms_plugin.core.git import Repository
from qms_plugin.core.history import History, load_history
from qms_plugin.core.history.cache import decode, encode


def _json_dumps(history: History) -> bytes:
    text = json.dumps(encode(history), separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def _json_loads(data: bytes) -> History:
    return decode(json.loads(data.decode("utf-8", "surrogatepass")))


FORMATS: dict[str, tuple[Callable[[History], bytes], Callable[[bytes], History]]] = {
    "marshal": (lambda h: marshal.dumps(encode(h)), lambda b: decode(marshal.loads(b))),
    "json": (_json_dumps, _json_loads),
    "pickle (before)": (
        lambda h: pickle.dumps(h, protocol=pickle.HIGHEST_PROTOCOL),
        pickle.loads,
    ),
}


def _timed(action: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    gc.disable()  # as load_history runs: the collector paused
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            result = action()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repository", type=Path, help="a repository made by gitgen.py")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    repo = Repository(args.repository.resolve())
    history = load_history(repo, scope=(f"{PROCEDURES_DIR}/",), cache=False)
    commits = len({c.commit.sha for d in history.documents.values() for c in d.changes})
    print(
        f"{len(history.first_parent)} commits on the line, {len(history.documents)} documents, "
        f"{commits} approved changes; median of {args.repeat}",
        file=sys.stderr,
    )
    print("| format | write | read | size |")
    print("|---|---|---|---|")
    for name, (dump, load) in FORMATS.items():
        write_times, data = _timed(functools.partial(dump, history), args.repeat)
        read_times, back = _timed(functools.partial(load, data), args.repeat)
        assert back.head == history.head
        print(
            f"| {name} | {statistics.median(write_times):.3f} s "
            f"| {statistics.median(read_times):.3f} s | {len(data) / 1e6:.1f} MB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
