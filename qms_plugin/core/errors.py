"""Errors nobody foresaw: told in one line that names the file being read, never a traceback.

Every problem with the input that the code knows of is a finding or an error with what to do.
Should another one slip through, the document controller still needs to know which file to
look at; ``reading`` ties such an error to the file, and the CLI and the plugin report it in
one line (exit code 2; a ``PluginError``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .text import visible


class UnexpectedError(RuntimeError):
    """An unforeseen error while reading one file."""

    def __init__(self, path: str, cause: BaseException) -> None:
        super().__init__(path, cause)
        self.path = path
        self.cause = cause

    def __str__(self) -> str:
        return unexpected(self.cause, self.path)


@contextmanager
def reading(path: str) -> Iterator[None]:
    """Tie any unforeseen error raised inside to the file ``path``."""
    try:
        yield
    except UnexpectedError:
        raise
    except Exception as exc:
        raise UnexpectedError(path, exc) from exc


def unexpected(exc: BaseException, path: str) -> str:
    """One line for an unforeseen error: where, what, and what to do."""
    if isinstance(exc, UnexpectedError):
        path = exc.path
        exc = exc.cause
    detail = visible(" ".join(str(exc).split())) or "no details"
    if len(detail) > 300:
        detail = detail[:297] + "..."
    return (
        f"unexpected error while reading {path}: {type(exc).__name__}: {detail}. "
        "Check that file; if it looks right, report this as a bug in mkdocs-qms"
    )
