"""The history cache is plain data: reading a cache file runs nothing, and what is read back is
the history that was written, odd values included."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

from qms_plugin.core.git import Repository
from qms_plugin.core.history import load_history
from qms_plugin.core.history.cache import SUFFIX, decode, encode
from tests.conftest import document
from tests.gitrepo import GitRepo

PLAIN = (str, int, float, bool, type(None))


def plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(plain(v) for v in value)
    return isinstance(value, PLAIN)


def test_a_cache_file_holds_plain_data_and_reads_back_the_same_history(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("QP-001 rev A", author=("Zoë \x1b Ünal", "z@example.com"))
    # Odd values a history holds: a version with a problem, a path that is not UTF-8.
    repo.write(
        "procedures/qp-001.md",
        document(revision="B").replace("---\n\n", "x_c: !!binary aGk=\n<<: {a: 1}\n---\n\n"),
    )
    (repo.path / "procedures" / os.fsdecode(b"caf\xe9.md")).write_bytes(b"Not UTF-8: \xe9\n")
    repo.commit("QP-001 rev B")
    history = load_history(Repository(repo.path), scope=("procedures/",))
    [cached] = (repo.path / ".git" / "qms-cache").glob(f"history-*{SUFFIX}")
    data = marshal.loads(cached.read_bytes())
    assert plain(data)
    back = decode(data)
    assert back == history
    assert "procedures/caf\udce9.md" in back.documents  # kept as Git gave it, to give back
    snapshot = back.documents["procedures/qp-001.md"].changes[-1].snapshot
    assert snapshot is not None and snapshot.problem and "merge key" in snapshot.problem
    assert decode(marshal.loads(marshal.dumps(encode(back)))) == history
