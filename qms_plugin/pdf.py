"""Controlled PDFs of documents through a locally installed Chromium or Chrome (``qms pdf``).

Optional: nothing here is a dependency. The PDF is what a reader gets by printing the page in a
browser (the same margins with ID, revision, status, "Uncontrolled when printed — printed on
DATE" and page X of Y, the same watermarks), printed headless from the built site served on a
local port, so the page's scripts run and nothing is requested from outside the machine.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Looked for on PATH, in this order, when no browser is named.
BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "msedge",
)
PAPERS = ("a4", "letter", "a3", "legal")


class PdfError(Exception):
    """Printing could not run: no browser, no site, or the browser failed."""


@dataclass(frozen=True)
class PrintJob:
    """One document to print: its ID and revision (for the file name) and its site URL."""

    doc_id: str
    revision: str
    url: str

    @property
    def file_name(self) -> str:
        revision = f"-rev-{self.revision}" if self.revision else ""
        return f"{self.doc_id}{revision}.pdf".replace("/", "-")


def find_browser(named: str | None = None) -> str:
    """The browser to print with: ``named`` (a path or a command), else ``QMS_BROWSER``, else
    the first Chromium-based browser on PATH."""
    for candidate in (named, os.environ.get("QMS_BROWSER")):
        if candidate:
            found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
            if found is None:
                raise PdfError(f"no browser at {candidate!r}")
            return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        "no Chromium or Chrome found to print with (looked for "
        + ", ".join(BROWSERS)
        + "); install one (Debian and Ubuntu: apt-get install chromium), or name it with "
        "--browser or QMS_BROWSER. qms pdf is optional: printing a page from any browser gives "
        "the same controlled copy."
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(site_dir: Path) -> Iterator[str]:
    """The built site on a local port, for as long as the block runs: its base URL."""
    handler = functools.partial(_Quiet, directory=str(site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def browser_command(browser: str, url: str, target: Path) -> list[str]:
    """The headless print of ``url`` into ``target``."""
    command = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",  # the page's own margins say what a copy is
        "--virtual-time-budget=10000",  # let the page's scripts stamp the day of printing
        f"--print-to-pdf={target}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return [*command, url]


def print_pdfs(
    site_dir: Path,
    jobs: Sequence[PrintJob],
    out_dir: Path,
    browser: str,
    paper: str = "a4",
    timeout: float = 120,
) -> list[Path]:
    """Print each job's page of the built site at ``site_dir`` into ``out_dir``."""
    if paper not in PAPERS:
        raise PdfError(f"paper {paper!r}: choose one of {', '.join(PAPERS)}")
    if not (site_dir / "index.html").is_file():
        raise PdfError(f"{site_dir} holds no built site (no index.html)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with serving(site_dir) as base:
        for job in jobs:
            target = (out_dir / job.file_name).resolve()
            url = f"{base}{quote(job.url)}?qms-paper={paper}"
            try:
                done = subprocess.run(
                    browser_command(browser, url, target),
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise PdfError(f"{browser} could not print {job.doc_id}: {exc}") from None
            if done.returncode != 0 or not target.is_file():
                detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
                raise PdfError(f"{browser} could not print {job.doc_id}: {detail[0]}")
            written.append(target)
    return written
