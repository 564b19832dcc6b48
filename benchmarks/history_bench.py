"""History benchmark: what reading revision history from Git costs a build, against the others.

For each size N:M the script generates, with ``gitgen.py``, a QMS-like Git repository of N
controlled documents and M commits (merges, squashes, renames, trailers, several authors), then
builds the same pages in fresh ``mkdocs build`` processes:

* ``plain``: Material + search, no plugin (the pages are already in ``docs_dir``, as in
  ``bench.py``'s plain variant: front matter passed to MkDocs untouched);
* ``qms cold``: Material + search + qms with ``history_cache: false`` (history read from Git by
  every build: the cost on CI, where every build is a fresh clone);
* ``qms warm``: the same with the history cache on, already filled (``mkdocs serve`` rebuilds
  and repeated builds of one commit);
* ``git plugins``: Material + search + ``git-revision-date-localized`` (with
  ``enable_creation_date: true``) + ``git-authors``, the usual way to show Git dates and authors.

It also times, in this process, the history phase alone: read afresh (``load_history(...,
cache=False)`` over the documents, as every build on a fresh clone does) and carried forward from
the cached history of the commit before (as a build after a new commit does, in ``mkdocs serve``
or on a machine that keeps ``.git/qms-cache``); and, as a floor, a bare ``git log --name-status
--format=%H HEAD`` over the same history. It prints a Markdown table of medians and ratios.
Run from the repository root::

    pip install mkdocs-git-revision-date-localized-plugin mkdocs-git-authors-plugin
    python benchmarks/history_bench.py                      # 100:1000 500:5000 1000:10000
    python benchmarks/history_bench.py --sizes 100:1000 --repeat 5 --json benchmarks/out/h.json

The two third-party plugins are for the comparison only (not dependencies of the project);
without them the ``git plugins`` column is skipped with a message.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mkdocs
import yaml
from bench import (
    DEFAULT_SEED,
    MAX_SIZE,
    TODAY,
    Project,
    git_env,
    mkdocs_config,
    timed_build,
    verify,
)
from gitgen import PROCEDURES_DIR, Summary, generate_repository

from qms_plugin.core.git import Repository
from qms_plugin.core.history import load_history
from qms_plugin.core.history.cache import SUFFIX

DEFAULT_SIZES = ("100:1000", "500:5000", "1000:10000")
DEFAULT_REPEAT = 3
THIRD_PARTY = {
    "git-revision-date-localized": "mkdocs_git_revision_date_localized_plugin",
    "git-authors": "mkdocs_git_authors_plugin",
}
INSTALL_HINT = "pip install mkdocs-git-revision-date-localized-plugin mkdocs-git-authors-plugin"
PLUGIN_TARGET = 0.10  # the plugin's whole added cost, as a share of the plain build
HISTORY_TARGET = 2.0  # the history phase against a bare git log over the same history


def variant_config(kind: str, n: int) -> dict[str, Any]:
    """mkdocs.yml of one variant; all build the same docs_dir with the same theme."""
    config = mkdocs_config(f"History benchmark ({n} documents)", qms=False)
    plugins: list[Any] = ["search"]
    if kind.startswith("qms"):
        options = {"procedures_dir": PROCEDURES_DIR, "today": TODAY}
        options["history_cache"] = kind == "qms-warm"
        plugins.append({"qms": options})
    elif kind == "git-plugins":
        plugins.append({"git-revision-date-localized": {"enable_creation_date": True}})
        plugins.append("git-authors")
    config["plugins"] = plugins
    return config


def missing_third_party() -> list[str]:
    return [name for name, module in THIRD_PARTY.items() if not importlib.util.find_spec(module)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class Result:
    """Timings for one size (seconds): every run, and the generated repository."""

    documents: int
    commits: int
    repository: dict[str, Any]
    builds: dict[str, list[float]] = field(default_factory=dict)
    history_runs: list[float] = field(default_factory=list)
    carried_runs: list[float] = field(default_factory=list)
    git_log_runs: list[float] = field(default_factory=list)

    def build(self, kind: str) -> float | None:
        runs = self.builds.get(kind)
        return median(runs) if runs else None

    def added(self, kind: str) -> float | None:
        """A variant's added cost as a share of the plain build."""
        value, plain = self.build(kind), self.build("plain")
        return None if value is None or not plain else (value - plain) / plain

    @property
    def history_ratio(self) -> float:
        return median(self.history_runs) / median(self.git_log_runs)

    @property
    def carried_ratio(self) -> float:
        return median(self.carried_runs) / median(self.git_log_runs)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["medians_s"] = {k: round(median(v), 4) for k, v in self.builds.items() if v}
        data["added_share"] = {
            k: round(share, 4) for k in self.builds if (share := self.added(k)) is not None
        }
        data["history_median_s"] = round(median(self.history_runs), 4)
        data["git_log_median_s"] = round(median(self.git_log_runs), 4)
        data["history_ratio"] = round(self.history_ratio, 3)
        data["carried_median_s"] = round(median(self.carried_runs), 4)
        data["carried_ratio"] = round(self.carried_ratio, 3)
        return data


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def history_times(root: Path, repeat: int) -> list[float]:
    """The history phase as a build runs it (no cache), in this process."""
    repo = Repository(root)
    scope = (f"{PROCEDURES_DIR}/",)
    load_history(repo, scope=scope, cache=False)  # untimed: page cache, imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        load_history(repo, scope=scope, cache=False)
        times.append(time.perf_counter() - start)
    return times


def carried_times(root: Path, repeat: int) -> list[float]:
    """The history phase of a build after one new commit: the history of the commit before is
    in the cache, and only the newest commit is read and added to it."""
    repo = Repository(root)
    scope = (f"{PROCEDURES_DIR}/",)
    head = repo.head()
    load_history(repo, "HEAD^", scope=scope)  # untimed: fills the cache for the commit before
    cache = root / ".git" / "qms-cache"
    times = []
    for _ in range(repeat):
        for cached in cache.glob(f"history-*-{head}{SUFFIX}"):
            cached.unlink()
        start = time.perf_counter()
        history = load_history(repo, scope=scope)
        times.append(time.perf_counter() - start)
        assert history.head == head
    return times


def git_log_times(root: Path, repeat: int) -> list[float]:
    """A bare ``git log --name-status`` over the same history: the floor for reading it."""
    cmd = ["git", "log", "--name-status", "--format=%H", "HEAD"]
    subprocess.run(cmd, cwd=root, stdout=subprocess.DEVNULL, check=True)  # untimed
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=root, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def run_size(n: int, m: int, repeat: int, seed: int, base: Path, with_git_plugins: bool) -> Result:
    root = base / "repo"
    _log(f"[{n}:{m}] generating {n} documents and {m} commits in {root}")
    summary: Summary = generate_repository(root, n, m, seed)
    _log(
        f"[{n}:{m}] {summary.first_parent} first-parent commits ({summary.merges} merges, "
        f"{summary.squashes} squashes), {summary.revisions} revisions, {summary.renames} moves; "
        f"HEAD {summary.head[:12]}; {summary.seconds:.1f} s"
    )
    kinds = ["plain", "qms-cold", "qms-warm"] + (["git-plugins"] if with_git_plugins else [])
    projects = []
    for kind in kinds:
        # Beside mkdocs.yml, untracked: outside the documents' folder, so no build sees them.
        config = root / f"bench-{kind}.yml"
        config.write_text(yaml.safe_dump(variant_config(kind, n), sort_keys=False), "utf-8")
        projects.append(Project(kind, config, base / f"site-{kind}"))
    repository = asdict(summary)
    repository["folder"] = str(summary.folder)
    result = Result(n, m, repository, {kind: [] for kind in kinds})

    _log(f"[{n}:{m}] history phase and git log, {repeat} runs each")
    result.history_runs = history_times(root, repeat)
    result.carried_runs = carried_times(root, repeat)
    result.git_log_runs = git_log_times(root, repeat)
    _log(
        f"[{n}:{m}] history {median(result.history_runs):.3f} s, carried forward one commit "
        f"{median(result.carried_runs):.3f} s, git log {median(result.git_log_runs):.3f} s"
    )
    # Builds run from the repository's root, as people and CI run them (git-authors runs git in
    # the current folder).
    here = Path.cwd()
    os.chdir(root)
    try:
        _log(f"[{n}:{m}] strict check builds (untimed; the warm variant fills the history cache)")
        for project in projects:
            if project.kind != "qms-cold":  # same pages and output as qms-warm
                verify(project)
        for index in range(repeat):
            shift = index % len(projects)
            for project in projects[shift:] + projects[:shift]:
                seconds = timed_build(project)
                result.builds[project.kind].append(seconds)
                _log(f"[{n}:{m}] run {index + 1}/{repeat} {project.kind:<11} {seconds:7.2f} s")
    finally:
        os.chdir(here)
    return result


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _cell(result: Result, kind: str) -> str:
    value, share = result.build(kind), result.added(kind)
    if value is None or share is None:
        return "n/a"
    return f"{value:.2f} s ({share * 100:+.1f} %)"


def format_table(results: Sequence[Result]) -> str:
    """The results as a Markdown table: medians, and each build's cost beyond the plain one."""
    lines = [
        "| documents / commits | plain Material | qms, cold cache | qms, warm cache "
        "| git-revision-date-localized + git-authors | history phase | bare git log "
        "| history / git log | history after one new commit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.documents:,} / {r.commits:,} | {_seconds(r.build('plain'))} "
            f"| {_cell(r, 'qms-cold')} | {_cell(r, 'qms-warm')} | {_cell(r, 'git-plugins')} "
            f"| {median(r.history_runs):.3f} s | {median(r.git_log_runs):.3f} s "
            f"| {r.history_ratio:.1f}x | {median(r.carried_runs):.3f} s ({r.carried_ratio:.1f}x) |"
        )
    return "\n".join(lines)


def verdicts(results: Sequence[Result]) -> list[str]:
    lines = []
    for r in results:
        size = f"{r.documents}:{r.commits}"
        for kind in ("qms-cold", "qms-warm"):
            share = r.added(kind)
            if share is not None:
                met = "met" if share <= PLUGIN_TARGET else "MISSED"
                lines.append(
                    f"{size} {kind}: added cost {share * 100:+.1f} % of the plain build "
                    f"(target <= {PLUGIN_TARGET * 100:.0f} %): {met}"
                )
        for label, ratio in (
            ("history phase, read afresh", r.history_ratio),
            ("history phase after one new commit", r.carried_ratio),
        ):
            met = "met" if ratio <= HISTORY_TARGET else "MISSED"
            lines.append(
                f"{size} {label}: {ratio:.2f}x a bare git log "
                f"(target <= {HISTORY_TARGET:.0f}x): {met}"
            )
    return lines


def parse_size(text: str) -> tuple[int, int]:
    try:
        docs, commits = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write DOCUMENTS:COMMITS, e.g. 100:1000"
        ) from None
    if not 10 <= docs <= MAX_SIZE or commits < 10:
        raise argparse.ArgumentTypeError(f"{text!r}: 10 to {MAX_SIZE} documents, 10+ commits")
    return docs, commits


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time MkDocs builds of generated Git-backed manuals: plain, qms, git plugins."
    )
    parser.add_argument(
        "--sizes",
        type=parse_size,
        nargs="+",
        default=[parse_size(s) for s in DEFAULT_SIZES],
        metavar="N:M",
        help="documents:commits to generate (default: 100:1000 500:5000 1000:10000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="timed runs per variant and size; the median is reported (default: 3)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated repositories"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder with the generated repositories (its path is printed)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Every git run (builds, the history phase, the bare git log) without the user's settings.
    env = git_env()
    env.pop("LC_ALL")
    os.environ.clear()
    os.environ.update(env)
    missing = missing_third_party()
    if missing:
        _log(
            f"history_bench: {', '.join(missing)} not installed; the git plugins column is "
            f"skipped. To include it: {INSTALL_HINT}"
        )
    workdir = Path(tempfile.mkdtemp(prefix="qms-history-bench-"))
    results: list[Result] = []
    try:
        for n, m in args.sizes:
            base = workdir / f"n{n}-m{m}"
            results.append(run_size(n, m, args.repeat, args.seed, base, not missing))
    finally:
        if args.keep:
            _log(f"generated repositories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"History benchmark: median of {args.repeat} fresh-process builds per cell; seed "
        f"{args.seed}; Python {platform.python_version()}; MkDocs {mkdocs.__version__}; "
        f"git {_git_version()}; {os.cpu_count()} CPUs\n"
    )
    print(format_table(results))
    print(
        "\nIn brackets: the build's added cost against the plain build. History phase: "
        "load_history(cache=False) in-process, median; after one new commit: load_history with "
        "the commit before in the cache (in brackets: against the bare git log)."
    )
    for line in verdicts(results):
        print(f"- {line}")
    if args.json:
        payload = {
            "benchmark": "mkdocs-qms revision history",
            "today": TODAY.isoformat(),
            "seed": args.seed,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "mkdocs": mkdocs.__version__,
            "git": _git_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "results": [r.as_dict() for r in results],
            "verdicts": verdicts(results),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
        print(f"results written to {args.json}")
    return 0


def _git_version() -> str:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip().removeprefix("git version ")


if __name__ == "__main__":
    sys.exit(main())
