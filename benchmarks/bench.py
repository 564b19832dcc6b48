"""Build-time benchmark: a synthetic controlled manual built with and without the qms plugin.

For each size N the script generates, in a temporary folder, a deterministic manual of N
controlled documents (valid front matter, realistic bodies, several sub-folders) and builds the
same pages two ways, each build in a fresh ``mkdocs`` process:

* ``plain``: Material + search, the Markdown files copied into ``docs_dir``, no qms plugin;
* ``qms``: Material + search + qms, the files in ``procedures/`` beside ``mkdocs.yml``, the
  project committed once to a Git repository (the plugin reads revision history from Git).

It reports the median wall-clock time of each, the plugin's overhead, and the time the plugin's
core (``DocumentSet.load``: read, parse, validate and check every document) takes in-process.

Run from the repository root with the project's virtual environment::

    python benchmarks/bench.py --sizes 100 1000 --repeat 3 --json benchmarks/out/results.json

Only the standard library, PyYAML, MkDocs (and the installed plugin) are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import posixpath
import random
import resource
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

from qms_plugin.core.manual import DocumentSet, Settings

TODAY = dt.date(2026, 11, 23)
DEFAULT_SIZES = (100, 1000)
DEFAULT_REPEAT = 3
DEFAULT_SEED = 9001
MAX_SIZE = 50_000
BUILD_TIMEOUT_S = 3600

# Revision letters of the default "letters" scheme: A..Y without I O Q S X Z.
LETTERS = "ABCDEFGHJKLMNPRTUVWY"
CLAUSES = ("4.1", "5.2", "6.1", "7.2", "7.5.3", "8.4", "8.5.1", "8.7", "9.2", "10.2")
DEPARTMENTS = ("production", "quality", "purchasing", "engineering", "sales", "people")
SUBFOLDERS = {
    "procedure": "procedures",
    "work_instruction": "work-instructions",
    "form": "forms",
}

# Status mix of everything but the quality manual (which is always effective).
STATUS_WEIGHTS = {
    "effective": 80,
    "draft": 5,
    "in_review": 4,
    "approved": 4,
    "superseded": 4,
    "obsolete": 3,
}

OWNERS = (
    "Tomasz Nowak (Quality Manager)",
    "Amir Haddad (Quality Engineer)",
    "Helen Marsh (HR and Training Coordinator)",
    "Priya Raman (Production Manager)",
    "Graham Ellis (Purchasing Manager)",
    "Lucia Ferreira (Engineering Manager)",
    "Owen Price (Sales Manager)",
    "Cell leader, 5-axis cell",
)
APPROVERS = (
    "Tomasz Nowak (Quality Manager)",
    "Sarah Kerr (Managing Director)",
    "Priya Raman (Production Manager)",
)
PROCESS_TOPICS = (
    "Control of documented information",
    "Calibration of measuring equipment",
    "Control of nonconforming output",
    "Corrective action",
    "Internal audit",
    "Purchasing and supplier evaluation",
    "Contract review",
    "Production planning",
    "First-off inspection",
    "Final inspection and release",
    "Competence and training",
    "Management review",
    "Customer complaints",
    "Control of changes",
    "Risk and opportunity assessment",
    "Preservation and packing",
    "Customer property",
    "Identification and traceability",
    "Maintenance of machines",
    "Design and development",
)
AREAS = (
    "turned parts",
    "milled parts",
    "sheet-metal parts",
    "assemblies",
    "outside processing",
    "the inspection room",
    "the stores",
    "aerospace customers",
    "prototype work",
    "repeat orders",
)
WI_ACTIONS = ("Setting up", "Operating", "Cleaning", "Checking", "Calibrating", "Programming")
EQUIPMENT = (
    "the 5-axis mill",
    "the CNC lathe",
    "the coordinate measuring machine",
    "the surface plate",
    "the height gauge",
    "the saw",
    "the press brake",
    "the deburring station",
    "the parts washer",
    "the torque wrenches",
    "the bore gauges",
    "the label printer",
)
FORM_KINDS = ("record", "checklist", "log", "report", "request", "register")
FORM_SUBJECTS = (
    "Calibration",
    "First-off inspection",
    "Nonconformity",
    "Training",
    "Supplier approval",
    "Internal audit",
    "Machine maintenance",
    "Contract review",
    "Goods-in inspection",
    "Concession",
)
SUBJECTS = (
    "The operator",
    "The cell leader",
    "The quality engineer",
    "The buyer",
    "The document controller",
    "Each inspector",
    "The production planner",
    "The storekeeper",
    "The maintenance technician",
    "The customer service team",
)
VERBS = (
    "checks",
    "records",
    "reviews",
    "confirms",
    "updates",
    "signs off",
    "measures",
    "labels",
    "reports",
    "approves",
    "files",
    "quarantines",
)
OBJECTS = (
    "the first-off part",
    "the job card",
    "the calibration status of every gauge",
    "the drawing revision",
    "the material certificate",
    "the inspection results",
    "the nonconformity report",
    "the supplier's delivery note",
    "the set-up sheet",
    "the customer order",
    "the training record",
    "the batch quantity",
)
QUALIFIERS = (
    "before the batch is released",
    "at the start of each shift",
    "within two working days",
    "against the current drawing",
    "in the ERP system",
    "and keeps the evidence with the job",
    "whenever the program is changed",
    "before the part leaves the cell",
    "as described in this document",
    "using the approved form",
    "and tells the cell leader at once if anything is wrong",
    "so that the result can be traced to the order",
)
CHANGE_SUMMARIES = (
    "First issue.",
    "Clarified responsibilities after the last internal audit.",
    "Added a check of the drawing revision before set-up.",
    "Updated the retention periods of the records.",
    "Reworded the steps to match the new ERP screens.",
    "Added the customer's additional requirements for aerospace work.",
)
OBSOLETE_REASONS = (
    "The machine it covers was sold.",
    "The process is no longer carried out in-house.",
    "Merged into the parent procedure.",
    "The customer programme ended.",
)
RECORDS = (
    ("Job card", "Production office", "10 years after delivery"),
    ("Inspection report", "Quality office", "10 years after delivery"),
    ("Calibration certificate", "Quality office", "Life of the gauge plus 2 years"),
    ("Training record", "HR", "Employment plus 6 years"),
    ("Nonconformity report", "Quality office", "10 years"),
    ("Supplier approval", "Purchasing", "While the supplier is approved plus 3 years"),
)
STEP_TITLES = (
    "Prepare the job",
    "Check the drawing and the order",
    "Set up the machine",
    "Inspect the first-off",
    "Run the batch",
    "Record the results",
    "Handle a nonconformity",
    "Release the parts",
    "Close the job",
    "Review and improve",
)
TERMS = (
    ("First-off", "The first part made after a set-up, inspected before the batch runs."),
    ("Concession", "The customer's written permission to deliver a nonconforming part."),
    ("Job card", "The traveller that goes with each batch through the shop."),
    ("NCR", "Nonconformity report."),
    ("ERP", "The business system that holds orders, stock and routings."),
    ("Quarantine", "The locked cage for parts that may not be used."),
)


# ---------------------------------------------------------------------------------------------
# Generating the synthetic manual
# ---------------------------------------------------------------------------------------------


@dataclass
class DocSpec:
    """One synthetic controlled document: where it goes and its front matter."""

    doc_id: str
    type: str
    folder: str
    title: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def rel_path(self) -> str:
        """Path below the procedures folder, e.g. ``quality/procedures/qp-075.md``."""
        return f"{self.folder}/{self.doc_id.lower()}.md"


@dataclass
class Manual:
    """A generated manual: its documents and some facts about it."""

    documents: list[DocSpec]
    folders: list[str]
    words: int


def _pick_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _revision(rng: random.Random) -> str:
    """A revision letter, early letters more likely than late ones."""
    return LETTERS[min(rng.randrange(len(LETTERS)), rng.randrange(len(LETTERS)))]


def plan_documents(n: int, rng: random.Random) -> list[DocSpec]:
    """IDs, types, folders and titles of ``n`` documents, following the default ID patterns."""
    if n < 10 or n > MAX_SIZE:
        raise ValueError(f"size {n}: choose between 10 and {MAX_SIZE} documents")
    n_policies = min(999, max(1, n // 100))
    n_procedures = min(999, max(1, round(n * 0.12)))
    rest = n - 1 - n_policies - n_procedures
    n_wis = (rest * 55) // 100
    n_forms = rest - n_wis

    docs = [DocSpec("QM-001", "manual", "manual", "Quality manual")]
    for number in range(1, n_policies + 1):
        title = "Quality policy" if number == 1 else f"Policy on {rng.choice(AREAS)}"
        docs.append(DocSpec(f"POL-{number:03d}", "policy", "manual", title))

    numbers = sorted(rng.sample(range(1, 1000), n_procedures))
    department = {number: rng.choice(DEPARTMENTS) for number in numbers}
    for number in numbers:
        title = f"{rng.choice(PROCESS_TOPICS)} for {rng.choice(AREAS)}"
        folder = f"{department[number]}/{SUBFOLDERS['procedure']}"
        docs.append(DocSpec(f"QP-{number:03d}", "procedure", folder, title))

    for doc_type, prefix, count in (("work_instruction", "WI", n_wis), ("form", "F", n_forms)):
        used = dict.fromkeys(numbers, 0)
        for _ in range(count):
            number = rng.choice(numbers)
            while used[number] >= 99:
                number = rng.choice(numbers)
            used[number] += 1
            if doc_type == "form":
                title = f"{rng.choice(FORM_SUBJECTS)} {rng.choice(FORM_KINDS)}"
            else:
                title = f"{rng.choice(WI_ACTIONS)} {rng.choice(EQUIPMENT)}"
            folder = f"{department[number]}/{SUBFOLDERS[doc_type]}"
            doc_id = f"{prefix}-{number:03d}-{used[number]:02d}"
            docs.append(DocSpec(doc_id, doc_type, folder, title))
    return docs


def assign_front_matter(docs: list[DocSpec], rng: random.Random) -> None:
    """Fill every document's front matter so that the manual passes all of the plugin's rules."""
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    status_of = {doc.doc_id: "effective" for doc in docs}
    for doc in docs[1:]:
        status_of[doc.doc_id] = rng.choices(statuses, weights)[0]
    effective_by_type: dict[str, list[str]] = {}
    for doc in docs:
        if status_of[doc.doc_id] == "effective":
            effective_by_type.setdefault(doc.type, []).append(doc.doc_id)
    all_effective = [i for ids in effective_by_type.values() for i in ids]
    all_ids = [doc.doc_id for doc in docs]
    supersedes: dict[str, list[str]] = {}
    successor: dict[str, str] = {}
    for doc in docs:
        if status_of[doc.doc_id] == "superseded":
            candidates = effective_by_type.get(doc.type) or all_effective
            successor[doc.doc_id] = rng.choice(candidates)
            supersedes.setdefault(successor[doc.doc_id], []).append(doc.doc_id)

    for doc in docs:
        status = status_of[doc.doc_id]
        data: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "type": doc.type,
            "revision": _revision(rng),
            "status": status,
            "owner": rng.choice(OWNERS),
        }
        # Never the owner (approver-is-owner).
        others = [a for a in APPROVERS if a != data["owner"]]
        approvers: str | list[str] = rng.choice(others)
        if rng.random() < 0.15:
            approvers = rng.sample(others, 2)
        if status == "effective":
            effective = _pick_date(rng, dt.date(2025, 1, 6), TODAY - dt.timedelta(days=7))
            data["approved_by"] = approvers
            data["approval_date"] = effective - dt.timedelta(days=rng.randint(2, 21))
            data["effective_date"] = effective
            if rng.random() < 0.85:
                data["review_interval_months"] = rng.choice((24, 36))
            else:
                # Within 36 months of the effective date (review-interval-too-long).
                planned = TODAY + dt.timedelta(days=rng.randint(30, 700))
                data["next_review"] = min(planned, effective + dt.timedelta(days=1090))
        elif status == "approved":
            data["approved_by"] = approvers
            data["approval_date"] = TODAY - dt.timedelta(days=rng.randint(1, 20))
            data["effective_date"] = TODAY + dt.timedelta(days=rng.randint(7, 90))
            data["review_interval_months"] = 24
        elif status in ("superseded", "obsolete"):
            effective = _pick_date(rng, dt.date(2021, 1, 4), dt.date(2024, 6, 28))
            data["approved_by"] = approvers
            data["approval_date"] = effective - dt.timedelta(days=rng.randint(2, 21))
            data["effective_date"] = effective
            data["review_interval_months"] = 24
        else:  # draft, in_review: a new revision being written
            if rng.random() < 0.5:
                data["revision"] = "A"
            data["review_interval_months"] = 24
        data["iso9001_clauses"] = rng.sample(CLAUSES, rng.randint(1, 3))
        data["change_summary"] = rng.choice(CHANGE_SUMMARIES)
        if doc.doc_id in supersedes:
            data["supersedes"] = sorted(supersedes[doc.doc_id])
        if status == "superseded":
            data["superseded_by"] = successor[doc.doc_id]
        if status == "obsolete":
            data["obsolete_reason"] = rng.choice(OBSOLETE_REASONS)
        related = rng.sample(all_ids, min(len(all_ids), 4))
        # Never a withdrawn document (withdrawn-reference), unless this one is withdrawn too.
        withdrawn = status in ("superseded", "obsolete")
        related = [
            i
            for i in related
            if i != doc.doc_id and (withdrawn or status_of[i] not in ("superseded", "obsolete"))
        ][: rng.randint(0, 3)]
        if related:
            data["related"] = related
        doc.fields = data


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"{rng.choice(QUALIFIERS)}."
    )


def paragraph(rng: random.Random, low: int = 3, high: int = 6) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_body(doc: DocSpec, by_id: dict[str, DocSpec], rng: random.Random) -> str:
    """A Markdown body of roughly 400 to 1500 words: headings, lists, tables and links."""
    target = rng.randint(400, 1500)
    head = [
        "## Purpose",
        paragraph(rng, 2, 4),
        "## Scope",
        paragraph(rng, 2, 4),
        "## Responsibilities",
        "\n".join(
            f"- **{role.removeprefix('The ').removeprefix('Each ').capitalize()}**: "
            + sentence(rng)
            for role in rng.sample(SUBJECTS, rng.randint(3, 5))
        ),
        "## Definitions",
        _table(("Term", "Meaning"), rng.sample(TERMS, rng.randint(2, 4))),
    ]
    tail = [
        "## Records",
        _table(("Record", "Kept by", "Retention"), rng.sample(RECORDS, rng.randint(2, 4))),
    ]
    related = doc.fields.get("related", [])
    if related:
        here = posixpath.dirname(doc.rel_path)
        links = [
            f"- [{target_id} {by_id[target_id].title}]"
            f"({posixpath.relpath(by_id[target_id].rel_path, here)})"
            for target_id in related
        ]
        tail += ["## Related documents", "\n".join(links)]

    def words(parts: list[str]) -> int:
        return sum(len(part.split()) for part in parts)

    steps = ["## Method"]
    step = 0
    while words(head) + words(steps) + words(tail) < target:
        step += 1
        steps.append(f"### Step {step}: {rng.choice(STEP_TITLES)}")
        steps.append(paragraph(rng))
        if step % 2:
            steps.append(
                "\n".join(f"{k}. {sentence(rng)}" for k in range(1, rng.randint(3, 6) + 1))
            )
    return "\n\n".join(head + steps + tail) + "\n"


def front_matter_text(data: dict[str, Any]) -> str:
    """YAML front matter as an author would write it (dates unquoted, keys in order)."""
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n"


def generate_manual(n: int, seed: int, folder: Path) -> Manual:
    """Write a deterministic manual of ``n`` controlled documents below ``folder``."""
    rng = random.Random(f"qms-bench-{seed}-{n}")
    docs = plan_documents(n, rng)
    assign_front_matter(docs, rng)
    by_id = {doc.doc_id: doc for doc in docs}
    folders = sorted({doc.folder for doc in docs})
    total_words = 0
    for doc in docs:
        body = render_body(doc, by_id, rng)
        total_words += len(body.split())
        target = folder / doc.rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(front_matter_text(doc.fields) + "\n" + body, "utf-8")
    for department in sorted({f.split("/")[0] for f in folders}):
        (folder / department / "index.md").write_text(department_index(department), "utf-8")
    return Manual(docs, folders, total_words)


def department_index(department: str) -> str:
    """The section page of a department folder (no front matter: not a controlled document)."""
    return f"# {department.capitalize()}\n\nControlled documents of the {department} department.\n"


# ---------------------------------------------------------------------------------------------
# The two projects, building and timing
# ---------------------------------------------------------------------------------------------


def mkdocs_config(site_name: str, qms: bool) -> dict[str, Any]:
    """mkdocs.yml for either variant; they differ only in the qms plugin entry."""
    plugins: list[Any] = ["search"]
    if qms:
        # The synthetic manual is committed at once, as a manual imported from an earlier
        # system: its recorded dates are taken as they are (history_baseline).
        plugins.append({"qms": {"today": TODAY, "history_baseline": "2026-11-16"}})
    return {
        "site_name": site_name,
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False},
        "plugins": plugins,
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
    }


@dataclass(frozen=True)
class Project:
    """One buildable MkDocs project of the benchmark."""

    kind: str
    config_file: Path
    site_dir: Path


def make_projects(base: Path, n: int, seed: int) -> tuple[Project, Project, Manual]:
    """Generate the manual once and lay it out as a plain and as a qms project."""
    qms_root, plain_root = base / "qms", base / "plain"
    manual = generate_manual(n, seed, qms_root / "procedures")
    index = f"# Synthetic manual\n\n{n} controlled documents, generated for a benchmark.\n"
    for root, is_qms in ((qms_root, True), (plain_root, False)):
        (root / "docs").mkdir(parents=True, exist_ok=True)
        (root / "docs" / "index.md").write_text(index, "utf-8")
        config = mkdocs_config(f"Benchmark manual ({n} documents)", is_qms)
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    shutil.copytree(qms_root / "procedures", plain_root / "docs" / "procedures")
    # The plugin reads revision history from Git and refuses to build outside a repository.
    commit_all(qms_root, f"Add a synthetic manual of {n} documents")
    plain = Project("plain", plain_root / "mkdocs.yml", base / "site-plain")
    qms = Project("qms", qms_root / "mkdocs.yml", base / "site-qms")
    return plain, qms, manual


# Who commits the generated manual, and when: fixed, so the same seed gives the same commit.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ruth Okafor",
    "GIT_AUTHOR_EMAIL": "ruth.okafor@kestrel.example",
    "GIT_AUTHOR_DATE": "2026-11-16T10:00:00+01:00",
    "GIT_COMMITTER_NAME": "Ruth Okafor",
    "GIT_COMMITTER_EMAIL": "ruth.okafor@kestrel.example",
    "GIT_COMMITTER_DATE": "2026-11-16T10:00:00+01:00",
}


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for git: no user or system configuration (hooks, signing, default branch)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    env.update(extra or {})
    return env


def git(root: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> str:
    """Run git in ``root``; stop with git's message if it fails."""
    result = subprocess.run(
        ["git", *args], cwd=root, env=env or git_env(), input=stdin, capture_output=True
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise SystemExit(f"bench: git {' '.join(args[:2])} failed in {root}:\n{message}")
    return result.stdout.decode("utf-8", "replace")


def commit_all(root: Path, message: str) -> None:
    """Make ``root`` a Git repository with everything in it committed once."""
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--no-verify", "-m", message, env=git_env(GIT_IDENTITY))


def _env() -> dict[str, str]:
    """The environment of every build. Python's bytecode cache is left on, as it is by default:
    pip compiles an installed package's bytecode when it installs it, and a checkout's is written
    on its first import (the untimed strict build). With PYTHONDONTWRITEBYTECODE set, as on some
    CI images, every build would compile the plugin's source again (about 0.06 s) while MkDocs
    and Material, compiled by pip, would not."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _mkdocs(*args: str) -> list[str]:
    """The mkdocs command of the running interpreter's environment."""
    return [sys.executable, "-m", "mkdocs", *args]


def verify(project: Project) -> None:
    """Build strictly once (untimed; also warms caches); stop if MkDocs logs any warning."""
    shutil.rmtree(project.site_dir, ignore_errors=True)
    cmd = _mkdocs("build", "--strict", "-f", str(project.config_file), "-d", str(project.site_dir))
    result = subprocess.run(
        cmd, env=_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
    if result.returncode != 0 or warnings:
        shown = "\n".join(warnings[:20]) or output[-4000:]
        raise SystemExit(
            f"bench: the {project.kind} build of {project.config_file} is not clean "
            f"(exit code {result.returncode}, {len(warnings)} warning/error lines):\n{shown}"
        )


def timed_build(project: Project) -> float:
    """Wall-clock seconds of one ``mkdocs build -q`` in a fresh process."""
    return timed_build_cpu(project)[0]


def timed_build_cpu(project: Project) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, the build and the git it runs) of one
    ``mkdocs build -q`` in a fresh process. CPU time leaves out waiting for a core; where it
    moves with the wall clock, the noise is the machine's speed, not other jobs' turns."""
    shutil.rmtree(project.site_dir, ignore_errors=True)
    cmd = _mkdocs("build", "-q", "-f", str(project.config_file), "-d", str(project.site_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        cmd, env=_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(
            f"bench: the {project.kind} build failed (exit code {result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-4000:]}"
        )
    return elapsed, cpu


def core_load_times(root: Path, repeat: int) -> list[float]:
    """Seconds of ``DocumentSet.load`` in this process; stop if it reports any finding."""
    settings = Settings(root=root, today=TODAY)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        docset = DocumentSet.load(settings)
        times.append(time.perf_counter() - start)
        if docset.findings:
            shown = "\n".join(str(f) for f in docset.findings[:20])
            raise SystemExit(
                f"bench: the generated manual has {len(docset.findings)} findings:\n{shown}"
            )
    return times


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    """Timings for one manual size (seconds)."""

    documents: int
    words: int
    plain_runs: list[float]
    qms_runs: list[float]
    core_load_runs: list[float]

    @property
    def plain_median(self) -> float:
        return statistics.median(self.plain_runs)

    @property
    def qms_median(self) -> float:
        return statistics.median(self.qms_runs)

    @property
    def overhead(self) -> float:
        return self.qms_median - self.plain_median

    @property
    def ratio(self) -> float:
        return self.qms_median / self.plain_median

    @property
    def overhead_percent(self) -> float:
        return 100.0 * self.overhead / self.plain_median

    @property
    def core_load_median(self) -> float:
        return statistics.median(self.core_load_runs)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            plain_median_s=round(self.plain_median, 4),
            qms_median_s=round(self.qms_median, 4),
            overhead_s=round(self.overhead, 4),
            ratio=round(self.ratio, 4),
            overhead_percent=round(self.overhead_percent, 2),
            core_load_median_s=round(self.core_load_median, 4),
        )
        return data


def format_table(results: Sequence[Result]) -> str:
    """The results as a fixed-width text table."""
    header = (
        f"{'documents':>9}  {'plain s':>8}  {'qms s':>8}  {'overhead s':>10}  "
        f"{'ratio':>6}  {'overhead %':>10}  {'core load s':>11}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.documents:>9}  {r.plain_median:>8.2f}  {r.qms_median:>8.2f}  "
            f"{r.overhead:>10.2f}  {r.ratio:>6.2f}  {r.overhead_percent:>9.1f}%  "
            f"{r.core_load_median:>11.3f}"
        )
    return "\n".join(lines)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_size(n: int, repeat: int, seed: int, base: Path) -> Result:
    """Generate, verify and time one size."""
    _log(f"[{n}] generating {n} documents in {base}")
    plain, qms, manual = make_projects(base, n, seed)
    _log(f"[{n}] {manual.words:,} words in {len(manual.folders)} folders; checking strict builds")
    core = core_load_times(qms.config_file.parent, repeat)
    verify(plain)
    verify(qms)
    runs: dict[str, list[float]] = {"plain": [], "qms": []}
    for index in range(repeat):
        order = (plain, qms) if index % 2 == 0 else (qms, plain)
        for project in order:
            seconds = timed_build(project)
            runs[project.kind].append(seconds)
            _log(f"[{n}] run {index + 1}/{repeat} {project.kind:<5} {seconds:7.2f} s")
    return Result(n, manual.words, runs["plain"], runs["qms"], core)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time MkDocs builds of a synthetic controlled manual with and without qms."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="numbers of controlled documents to generate (default: 100 1000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="timed builds per variant and size; the median is reported (default: 3)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated manuals"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder with the generated projects (its path is printed)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for size in args.sizes:
        if not 10 <= size <= MAX_SIZE:
            parser.error(f"--sizes: {size} is outside 10..{MAX_SIZE}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="qms-bench-"))
    results: list[Result] = []
    try:
        for n in args.sizes:
            results.append(run_size(n, args.repeat, args.seed, workdir / f"n{n}"))
    finally:
        if args.keep:
            _log(f"generated projects kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"qms plugin benchmark: median of {args.repeat} fresh-process builds per cell; "
        f"seed {args.seed}; Python {platform.python_version()}; MkDocs {mkdocs.__version__}; "
        f"{os.cpu_count()} CPUs"
    )
    print(format_table(results))
    print(
        "core load s = DocumentSet.load in-process (read, parse, validate, check), median; "
        "it is part of the qms build time"
    )
    if args.json:
        payload = {
            "benchmark": "mkdocs-qms build overhead",
            "today": TODAY.isoformat(),
            "seed": args.seed,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "mkdocs": mkdocs.__version__,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "results": [r.as_dict() for r in results],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
