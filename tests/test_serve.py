"""`mkdocs serve` picks up a changed procedure without a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.conftest import Site, document
from tests.gitrepo import GitRepo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            text: str = response.read().decode("utf-8")
            return text
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, text: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _get(url)
        if page is not None and text in page:
            return True
        time.sleep(0.3)
    return False


def test_serve_rebuilds_when_a_procedure_changes(site: Site) -> None:
    site.write("docs/index.md", "# Home\n")
    procedure = site.write("procedures/qp-001.md", document(revision="B"))
    site.write("mkdocs.yml", site.config_text(strict=False))
    GitRepo(site.root).commit("Add QP-001 revision B")
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/procedures/qp-001/"
    try:
        assert _wait_for(url, "<dt>Revision</dt><dd>B</dd>"), "the server never served the page"
        page = _get(url) or ""
        assert "Uncommitted changes" not in page
        procedure.write_text(document(revision="C"), "utf-8")
        assert _wait_for(url, "<dt>Revision</dt><dd>C</dd>"), "the change was not picked up"
        # While editing, the page says its text is not committed yet (a build would warn).
        assert "Uncommitted changes" in (_get(url) or "")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors
