"""Which files of the procedures folder the site may publish.

Everything in the folder is published (documents as pages, anything else as an attachment),
so what is in it must be what Git keeps and reviewers saw:

- a symbolic link is followed only to a file inside the project folder that is not hidden:
  a link to ``/proc/self/environ`` or ``.git/config`` would publish the build machine's
  secrets. Others are refused: never read, never published;
- a file whose name ends in a Markdown suffix in another case (``QP-001.MD``) is refused too:
  MkDocs would publish it as it is, as a download, with no document control;
- in a build, a file Git does not track (new, or ignored by ``.gitignore``) is not published;
  ``mkdocs serve`` shows the working copy, as an author expects while editing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .documents import looks_like_markdown
from .findings import Finding
from .git import Repository


@dataclass
class Sources:
    """What the site must not publish from the procedures folder, and the findings that say
    why (or, under ``mkdocs serve``, what a build would leave out)."""

    findings: list[Finding] = field(default_factory=list)
    left_out: set[Path] = field(default_factory=set)

    def allows(self, path: Path) -> bool:
        """Whether ``path`` may be published: neither it nor a folder it is in is left out."""
        return not self.left_out or not (
            path in self.left_out or any(p in self.left_out for p in path.parents)
        )

    def refuse(self, path: Path, finding: Finding) -> None:
        self.findings.append(finding)
        self.left_out.add(path)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _entries(folder: Path) -> Iterator[Path]:
    """Files, links and folders below ``folder`` (links to folders are not descended into),
    hidden ones left out as the documents loader leaves them out."""
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*dirs, *sorted(files)]:
            if not name.startswith("."):
                yield Path(current, name)


def check_links(folder: Path, root: Path) -> Sources:
    """Refuse links that leave ``root`` (the project folder) or point at hidden files, links
    to folders, and Markdown files MkDocs would publish as downloads."""
    sources = Sources()
    for path in _entries(folder):
        shown = _shown(path, root)
        if looks_like_markdown(path.name):
            message = (
                f"'{path.name}' ends in {path.suffix}, which MkDocs publishes as a download, "
                "not as a page, so it would escape document control; it is not published. "
                f"Rename it to end in {path.suffix.lower()}"
            )
            sources.refuse(path, Finding(shown, None, "not-controlled", message))
            continue
        if not path.is_symlink():
            continue
        target = path.resolve()
        problem = None
        try:
            inside = target.relative_to(root)
        except ValueError:
            problem = f"points outside the project folder, to {target}"
        else:
            if any(part.startswith(".") for part in inside.parts):
                problem = f"points at a hidden file or folder ({inside.as_posix()})"
            elif target.is_dir():
                problem = "points at a folder, which is not followed"
            elif not target.is_file():
                problem = f"points at {inside.as_posix()}, which is not a file"
        if problem is not None:
            message = (
                f"the symbolic link {problem}; it is neither read nor published. Put the file "
                "itself in the procedures folder, or link to a file of the project"
            )
            sources.refuse(path, Finding(shown, None, "unsafe-link", message))
    return sources


@dataclass(frozen=True)
class Tracking:
    """What Git keeps of the procedures folder: the files it does not track, and whether the
    repository has a commit at all."""

    repo: Repository
    not_tracked: Mapping[Path, str]  # absolute path -> "untracked" or "ignored"
    has_commits: bool
    links: Mapping[Path, Path]  # symbolic links to files -> the files


def read_tracking(repo: Repository, folder: Path) -> Tracking:
    """Ask Git (three short processes) which files below ``folder``, and which files links
    there point at, it does not track."""
    links = {
        path: path.resolve() for path in _entries(folder) if path.is_symlink() and path.is_file()
    }
    paths = [folder, *(t for t in links.values() if t.is_relative_to(repo.root))]
    found = repo.untracked([_shown(p, repo.root) for p in paths])
    not_tracked = {repo.root / rel: state for rel, state in found.items()}
    return Tracking(repo, not_tracked, repo.head() is not None, links)


def replacement_finding(replaced: tuple[str, ...], repo: Repository, path: str) -> Finding:
    """History is read as Git stores it; say that replacement objects exist, and what to do."""
    shown = ", ".join(sha[:12] for sha in replaced[:5]) + (", ..." if len(replaced) > 5 else "")
    return Finding(
        path,
        None,
        "git-replace",
        f"the Git repository at {repo.root} has {len(replaced)} replacement object(s) "
        f"(git replace: {shown}), which make Git show other commits, messages or approvals "
        "than it stores. History is read as stored, without them; if they were not made on "
        "purpose, remove them (git replace -d <object>) and find out who pushed them",
    )


def tracking_findings(tracking: Tracking, folder: Path, root: Path, building: bool) -> Sources:
    """Files Git does not track, and links to them: a build leaves them out. Under ``mkdocs
    serve`` they are published, and only what the documents' own state does not say is
    reported: ignored files and a repository with no commits."""
    sources = Sources()
    if not tracking.has_commits:
        sources.findings.append(
            Finding(
                _shown(folder, root),
                None,
                "uncommitted",
                f"the Git repository at {tracking.repo.root} has no commits yet, so no document "
                "has a revision history or an approval in Git; commit the manual (git add --all "
                "&& git commit)",
            )
        )
    links = tracking.links
    left_out = dict(tracking.not_tracked)
    for link, target in links.items():
        if target in tracking.not_tracked:
            left_out[link] = tracking.not_tracked[target]
    for path, state in sorted(left_out.items()):
        if not building and state != "ignored":
            continue  # new documents are reported with their state, as while editing
        finding = _not_tracked(path, state, root, building)
        if path in links:
            where = _shown(links[path], root)
            finding = replace(
                finding, message=f"the symbolic link points at {where}: {finding.message}"
            )
        sources.findings.append(finding)
        if building:
            sources.left_out.add(path)
    return sources


def _not_tracked(path: Path, state: str, root: Path, building: bool) -> Finding:
    outcome = "so a build does not publish it" if building else "so a build will not publish it"
    if state == "ignored":
        message = (
            f"Git ignores this file (it matches a .gitignore pattern), {outcome}; commit it "
            "with 'git add -f', or move it out of the procedures folder"
        )
    else:
        message = (
            f"Git does not track this file (untracked), {outcome}; commit it, or preview it "
            "with mkdocs serve"
        )
    return Finding(_shown(path, root), None, "uncommitted", message)
