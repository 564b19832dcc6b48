"""Real Git repositories for tests: fixed identities and dates, so commits are reproducible.

Tests import this module directly (it is not a fixture file)::

    repo = GitRepo(tmp_path / "manual")  # git init, unless it is a repository already
    repo.write("procedures/qp-001.md", text)
    first = repo.commit("Add QP-001", author=("Ruth Okafor", "ruth@example.com"))

Every git process runs with the user's global and system configuration switched off, so a
developer's ``commit.gpgsign``, hooks or default branch cannot change what a test sees.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

DEFAULT_AUTHOR = ("Ada Author", "ada@example.com")
DEFAULT_DATE = "2026-01-05T10:00:00+01:00"
# The identity `git config user.*` gives in every test repository (what an uncommitted change
# is attributed to).
CONFIG_USER = ("Test User", "test.user@example.com")


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for git (and for programs that run git) in a test repository."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("GIT_"):
            del env[name]
    env.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    env.update(extra or {})
    return env


class GitRepo:
    """A working tree in a temporary folder, driven through the git command line."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        """Use the repository at ``path``, creating it (first branch ``branch``) if needed."""
        self.path = Path(path)
        if not (self.path / ".git").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.git("init", "--quiet", f"--initial-branch={branch}")
            self.git("config", "user.name", CONFIG_USER[0])
            self.git("config", "user.email", CONFIG_USER[1])
            self.git("config", "commit.gpgsign", "false")
            self.git("config", "core.autocrlf", "false")

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run git in the repository and return its standard output (AssertionError on failure)."""
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=git_env(env),
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def write(self, path: str, text: str | bytes) -> Path:
        """Write a file (creating folders), relative to the repository root."""
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_bytes(text.encode("utf-8"))
        return target

    def read(self, path: str) -> str:
        return (self.path / path).read_text("utf-8")

    def remove(self, path: str) -> None:
        """Delete a file from the working tree (the next commit records the deletion)."""
        (self.path / path).unlink()

    def move(self, old: str, new: str) -> None:
        """Rename a file in the working tree and the index, as ``git mv`` does."""
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def commit(
        self,
        message: str,
        author: tuple[str, str] = DEFAULT_AUTHOR,
        date: str = DEFAULT_DATE,
        committer: tuple[str, str] | None = None,
        committer_date: str | None = None,
        allow_empty: bool = False,
    ) -> str:
        """Stage everything and commit it; return the new commit's sha.

        The committer defaults to the author, and the committer date to the author date.
        """
        self.git("add", "--all")
        args = ["commit", "--quiet", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, env=self._identity(author, date, committer, committer_date))
        return self.head()

    def merge(
        self,
        branch: str,
        message: str,
        no_ff: bool = True,
        author: tuple[str, str] = DEFAULT_AUTHOR,
        date: str = DEFAULT_DATE,
        committer: tuple[str, str] | None = None,
        committer_date: str | None = None,
    ) -> str:
        """Merge ``branch`` into the current branch; return the resulting HEAD sha."""
        args = ["merge", "--quiet", "--no-verify", "--no-edit", "-m", message]
        args.append("--no-ff" if no_ff else "--ff")
        self.git(*args, branch, env=self._identity(author, date, committer, committer_date))
        return self.head()

    def branch(self, name: str, start: str | None = None) -> None:
        """Create branch ``name`` (at ``start``, default HEAD) and switch to it."""
        self.git("switch", "--quiet", "-c", name, *([start] if start else []))

    def checkout(self, name: str) -> None:
        """Switch to an existing branch, tag or commit."""
        self.git("checkout", "--quiet", name)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", name, ref)

    @staticmethod
    def _identity(
        author: tuple[str, str],
        date: str,
        committer: tuple[str, str] | None,
        committer_date: str | None,
    ) -> dict[str, str]:
        committer = committer or author
        return {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_COMMITTER_DATE": committer_date or date,
        }
