"""Talking to Git: finding the repository, running git, and reading many blobs in one process.

Everything goes through the ``git`` command line rather than a library binding: one ``git log``
streams the whole history faster than walking objects from Python, and one ``git cat-file
--batch`` process reads any number of blobs. No function here starts a process per file or per
commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Git must not ask questions, page output, or translate messages we show to people; and it
# must show history as it is stored: `git replace` objects (refs/replace/) would let anyone with
# push access swap a commit's message, and so its Approved-by: trailers, after the fact.
_ENV_OVERRIDES = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "LC_ALL": "C",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
}


class GitError(RuntimeError):
    """Git could not answer; the message says what is wrong and how to fix it."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(_ENV_OVERRIDES)
    return env


def _git_executable() -> str:
    git = shutil.which("git")
    if git is None:
        raise GitError(
            "the git command is not installed or not on PATH; install Git (revision history "
            "is read from it)"
        )
    return git


@dataclass(frozen=True)
class Repository:
    """A Git working tree: ``root`` is its top-level folder."""

    root: Path

    @classmethod
    def discover(cls, start: Path) -> Repository:
        """The repository that contains ``start`` (a folder); GitError if there is none."""
        found = _toplevel(start)
        if found is None:
            raise GitError(f"{start} is not inside a Git repository")
        return cls(found)

    def run(self, args: Sequence[str], stdin: bytes | None = None) -> bytes:
        """Run ``git args`` in the repository and return its standard output."""
        try:
            result = subprocess.run(
                [_git_executable(), *args],
                cwd=self.root,
                input=stdin,
                capture_output=True,
                env=_env(),
                check=False,
            )
        except OSError as exc:  # pragma: no cover - git vanished between which() and run()
            raise GitError(f"cannot run git: {exc}") from None
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {' '.join(args[:2])} failed: {' '.join(message[-2:])}")
        return result.stdout

    def text(self, args: Sequence[str]) -> str:
        return self.run(args).decode("utf-8", "replace")

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository with no commit yet."""
        try:
            return self.text(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).strip() or None
        except GitError:
            return None

    def is_shallow(self) -> bool:
        return self.text(["rev-parse", "--is-shallow-repository"]).strip() == "true"

    def resolve(self, ref: str) -> str:
        """The commit a ref names; GitError naming the ref if there is none."""
        try:
            return self.text(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]).strip()
        except GitError:
            raise GitError(
                f"'{ref}' is not a commit in {self.root}; fetch it first (git fetch origin "
                f"{ref}) or name another branch, tag or commit"
            ) from None

    def tree(self, ref: str, paths: Sequence[str] = ()) -> dict[str, str]:
        """Blob ids of the files in ``ref`` (below ``paths`` if given), by repository path."""
        out = self.run(["ls-tree", "-r", "-z", "--full-tree", ref, "--", *paths])
        files: dict[str, str] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            _mode, kind, oid = meta.split()
            if kind == b"blob":
                files[name.decode("utf-8", "surrogateescape")] = oid.decode()
        return files

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The content of many blobs, read by one ``git cat-file --batch`` process."""
        return dict(self.iter_blobs(oids))

    def iter_blobs(self, oids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """``(oid, content)`` of each blob in turn, as one ``git cat-file --batch`` reads them.

        The caller can work on each blob while git inflates the next; a missing object is
        skipped. Git gets the whole list at once, from a thread, so neither side waits.
        """
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return
        try:
            proc = subprocess.Popen(
                [_git_executable(), "cat-file", "--batch"],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_env(),
            )
        except OSError as exc:  # pragma: no cover - git vanished between which() and here
            raise GitError(f"cannot run git: {exc}") from None
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
        request = "".join(f"{oid}\n" for oid in wanted).encode()

        def feed() -> None:
            try:
                stdin.write(request)
                stdin.close()
            except OSError:  # git stopped early; its exit status says why
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        complete = False
        try:
            for oid in wanted:
                header = stdout.readline().split()
                if len(header) == 2 and header[1] == b"missing":
                    continue
                if len(header) != 3:
                    break
                data = stdout.read(int(header[2]))
                stdout.read(1)  # the newline after the content
                yield oid, data
            complete = True
        finally:
            stdout.close()
            problem = stderr.read().decode("utf-8", "replace").strip().splitlines()
            stderr.close()
            returncode = proc.wait()
            writer.join()
        if not complete or returncode != 0:
            raise GitError(f"git cat-file failed: {' '.join(problem[-2:]) or 'output cut short'}")

    def replacements(self) -> list[str]:
        """The objects ``git replace`` stands in for (which history is read without)."""
        out = self.text(["for-each-ref", "--format=%(refname:lstrip=2)", "refs/replace/"])
        return out.split()

    def untracked(self, paths: Sequence[str]) -> dict[str, str]:
        """Files below ``paths`` that Git does not track: path -> 'untracked' or 'ignored'.

        Files are listed one by one, also inside ignored folders (two ``git ls-files``)."""
        found: dict[str, str] = {}
        for state, extra in (("untracked", []), ("ignored", ["--ignored", "--exclude-standard"])):
            out = self.run(["ls-files", "-z", "--others", *extra, "--", *paths])
            for name in out.split(b"\0"):
                if name:
                    found[name.decode("utf-8", "surrogateescape")] = state
        return found

    def status(self, paths: Sequence[str] = ()) -> dict[str, str]:
        """Files below ``paths`` that differ from HEAD: path -> 'modified', 'untracked', ...

        Renamed files are listed under their new path.
        """
        out = self.run(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths])
        records = out.split(b"\0")
        changed: dict[str, str] = {}
        index = 0
        while index < len(records):
            record = records[index]
            index += 1
            if len(record) < 4:
                continue
            code, name = record[:2].decode(), record[3:].decode("utf-8", "surrogateescape")
            if code[0] in "RC":
                index += 1  # the next record is the old name
            if code == "??":
                changed[name] = "untracked"
            elif "D" in code:
                changed[name] = "deleted"
            elif code[0] in "RC":
                changed[name] = "renamed"
            else:
                changed[name] = "modified"
        return changed


def _toplevel(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    if not folder.exists():
        return None
    try:
        result = subprocess.run(
            [_git_executable(), "rev-parse", "--show-toplevel"],
            cwd=folder,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except OSError:  # pragma: no cover
        return None
    if result.returncode != 0:
        return None
    return Path(result.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def find_repository(config_dir: Path, documents_dir: Path) -> Repository:
    """The repository holding the site's configuration and its controlled documents.

    The configuration file's folder decides; a documents folder in another repository (a
    submodule, a nested clone) or in none is an error that says which folder is where.
    """
    config_root = _toplevel(config_dir)
    docs_root = _toplevel(documents_dir)
    if config_root is None and docs_root is None:
        raise GitError(
            f"{config_dir} is not inside a Git repository, so there is no revision history to "
            "read. Clone the manual's repository (rather than copying its files), or run "
            "'git init' and commit the documents; to build without revision history set "
            "'history: false' for the qms plugin in mkdocs.yml"
        )
    if config_root is None:
        raise GitError(
            f"the controlled documents are in the Git repository at {docs_root}, but "
            f"mkdocs.yml's folder {config_dir} is not in a repository; keep mkdocs.yml in the "
            "same repository as the documents"
        )
    if docs_root is not None and docs_root != config_root:
        raise GitError(
            f"the controlled documents in {documents_dir} belong to the Git repository at "
            f"{docs_root}, not to the one that holds mkdocs.yml ({config_root}); revision "
            "history is read from mkdocs.yml's repository, so keep the documents in it (not "
            "in a submodule or a nested clone)"
        )
    return Repository(config_root)
