"""Glossary benchmark: what term linking costs a build of a large manual.

Generates, in a temporary folder, a deterministic manual of N pages (default 1,000) of QMS prose
that uses the ISO 9000 terms (and plurals, synonyms, tables, lists, code and links), then builds
the same pages, each build in a fresh ``mkdocs`` process, as:

* ``off``: Material + search + qms with ``glossary_enabled: false`` (the build without glossary);
* ``none``: the glossary on with ``glossary_links: none`` (glossary page and "Used in", no links);
* ``linked``: the glossary on with the default ``glossary_links: first_per_page``;
* ``ezglossary``: ``off`` plus mkdocs-ezglossary-plugin, configured with the same 138 terms
  (definitions on a glossary page) and the same occurrences marked with its ``<iso:term|text>``
  syntax, since it links only what an author marks.

It also times the linker alone, in-process: Python-Markdown converting every page with and
without the glossary extension.

Run from the repository root with the project's virtual environment::

    pip install mkdocs-ezglossary-plugin      # benchmark only; without it that variant is skipped
    python benchmarks/glossary_bench.py --pages 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import markdown
import mkdocs
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import TODAY, Project, _log, timed_build_cpu, verify

from qms_plugin.config import QmsConfig
from qms_plugin.core.glossary import build_glossary, iso_vocabulary, mask_markup
from qms_plugin.glossary import GlossaryExtension, PageContext

VARIANTS = ("off", "none", "linked", "ezglossary")
EXTENSIONS: list[Any] = [
    "admonition",
    "attr_list",
    "def_list",
    "tables",
    {"toc": {"permalink": True}},
]
FOLDERS = ("production", "quality", "purchasing", "engineering", "sales", "people", "stores")

ROLES = (
    "The operator",
    "The cell leader",
    "The Quality Engineer",
    "The buyer",
    "Top management",
    "The auditor",
    "Each inspector",
    "The planner",
    "The document controller",
)
SENTENCES = (
    "{role} records every nonconformity found at the machine and raises a corrective action "
    "when the same fault comes back.",
    "Nonconformities are reviewed weekly; the review looks for trends across processes.",
    "{role} checks that the documented information in use is the current revision.",
    "Customer requirements are confirmed at contract review before the order is accepted.",
    "The quality management system covers every site, and its scope is stated in the manual.",
    "Interested parties, such as customers, suppliers and regulators, are listed with what "
    "they expect from us.",
    "{role} keeps records of each inspection so that traceability to the order is never lost.",
    "An internal audit of each process takes place at least once a year, and audit findings "
    "are discussed at the management review.",
    "Where a supplier delivers nonconforming material, the buyer asks the external provider "
    "for a corrective action and follows it up.",
    "Continual improvement is measured against the quality objectives set by top management.",
    "The calibration status of measuring equipment is checked before the first-off is measured.",
    "A concession is needed from the customer before a part outside its specification is "
    "delivered.",
    "Rework is inspected again against the original requirement; a repair needs the "
    "customer's written agreement.",
    "{role} explains the quality policy to every new starter during induction.",
    "Risk and opportunity are reviewed when the context of the organization changes.",
    "The competence of each operator is recorded in the training matrix.",
    "Scrap is labelled and cut so it cannot be used by mistake.",
    "Objective evidence is kept with the job, and the audit evidence is sampled from it.",
    "Design and development changes are reviewed, verified and validated before release.",
    "The parts are released only when every characteristic on the drawing conforms.",
    "Customer satisfaction is measured through on-time delivery and complaint counts.",
    "{role} reports each product defect found in the field to the Quality Engineer.",
    "The job card travels with the batch and is signed at each operation.",
    "The set-up sheet is stored with the program and changed only through change control.",
    "Parts waiting for a decision are kept in the locked cage with a red label.",
)
OPENINGS = ("Purpose", "Scope", "Responsibilities", "Method", "Records", "Improvement")


def _paragraph(rng: random.Random) -> str:
    sentences = [rng.choice(SENTENCES) for _ in range(rng.randint(3, 6))]
    return " ".join(s.format(role=rng.choice(ROLES)) for s in sentences)


def page_text(number: int, rng: random.Random) -> str:
    """One page of roughly 400 to 900 words with headings, a list, a table and some code."""
    parts = [f"# Procedure note {number:04d}"]
    for heading in rng.sample(OPENINGS, rng.randint(3, 5)):
        parts.append(f"## {heading}")
        parts.append(_paragraph(rng))
        if rng.random() < 0.5:
            parts.append("\n".join(f"{k}. {_paragraph(rng)}" for k in range(1, 4)))
        if rng.random() < 0.3:
            parts.append(
                "| Record | Kept by | Retention |\n|---|---|---|\n"
                "| Nonconformity report | Quality | 10 years |\n"
                "| Audit report | Quality | 6 years |"
            )
        if rng.random() < 0.2:
            parts.append("Run `qms check` before a change; the corrective action log is in `car/`.")
        if rng.random() < 0.2:
            parts.append(f"See [the audit plan](../{rng.choice(FOLDERS)}/index.md) for dates.")
    return "\n\n".join(parts) + "\n"


def ezglossary_markup(text: str, glossary: Any) -> str:
    """The same page with each term's first occurrence marked in ezglossary's syntax."""
    visible = mask_markup(text)
    lines = visible.splitlines(keepends=True)
    # headings and table rows are left alone, as the qms linker leaves headings
    offset, hidden = 0, []
    for line in lines:
        if line.startswith("#"):
            hidden.append((offset, offset + len(line)))
        offset += len(line)
    seen: set[str] = set()
    out, last = [], 0
    for match in glossary.matcher.finditer(visible):
        if match.term.key in seen or any(a <= match.start < b for a, b in hidden):
            continue
        seen.add(match.term.key)
        out.append(text[last : match.start])
        out.append(f"<iso:{match.term.name}|{match.text}>")
        last = match.end
    out.append(text[last:])
    return "".join(out)


def ezglossary_definitions(glossary: Any) -> str:
    lines = ["# Glossary", ""]
    for term in glossary.terms:
        lines += [f"iso:{term.name}", f":   {term.explanation}", ""]
    lines += ["<glossary::iso>", ""]
    return "\n".join(lines)


def has_ezglossary() -> bool:
    return importlib.util.find_spec("mkdocs_ezglossary_plugin") is not None


def make_projects(base: Path, pages: int, seed: int, variants: Sequence[str]) -> list[Project]:
    rng = random.Random(f"qms-glossary-bench-{seed}-{pages}")
    texts = {
        f"{FOLDERS[i % len(FOLDERS)]}/note-{i:04d}.md": page_text(i, rng) for i in range(pages)
    }
    glossary = build_glossary(iso_vocabulary("2015"))
    qms_options: dict[str, Any] = {"today": TODAY}
    if "history" in dict(QmsConfig._schema):  # revision history needs Git; not measured here
        qms_options["history"] = False
    projects = []
    for variant in variants:
        root = base / variant
        docs = root / "docs"
        (root / "procedures").mkdir(parents=True, exist_ok=True)
        for rel, text in texts.items():
            target = docs / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if variant == "ezglossary":
                text = ezglossary_markup(text, glossary)
            target.write_text(text, "utf-8")
        for folder in FOLDERS:
            (docs / folder / "index.md").write_text(f"# {folder.capitalize()}\n", "utf-8")
        (docs / "index.md").write_text(f"# Glossary benchmark\n\n{pages} pages.\n", "utf-8")
        options = dict(qms_options)
        plugins: list[Any] = ["search", {"qms": options}]
        if variant in ("off", "ezglossary"):
            options["glossary_enabled"] = False
        elif variant == "none":
            options["glossary_links"] = "none"
        if variant == "ezglossary":
            (docs / "glossary.md").write_text(ezglossary_definitions(glossary), "utf-8")
            plugins.append(
                {"ezglossary": {"sections": ["iso"], "tooltip": "short", "plurals": "none"}}
            )
        config = {
            "site_name": f"Glossary benchmark ({pages} pages, {variant})",
            "docs_dir": "docs",
            "theme": {"name": "material", "font": False, "features": ["content.tooltips"]},
            "plugins": plugins,
            "markdown_extensions": EXTENSIONS,
        }
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
        projects.append(Project(variant, root / "mkdocs.yml", base / f"site-{variant}"))
    return projects


def linker_times(docs: Path, repeat: int) -> tuple[list[float], list[float], int]:
    """In-process seconds to convert every page without and with the glossary extension."""
    glossary = build_glossary(iso_vocabulary("2015"))
    texts = [p.read_text("utf-8") for p in sorted(docs.rglob("*.md"))]
    plain_runs, linked_runs, links = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            markdown.markdown(text, extensions=[*EXTENSIONS[:4], "toc"])
        plain_runs.append(time.perf_counter() - start)
        extension = GlossaryExtension(html_tooltips=True)
        extension.glossary = glossary
        start = time.perf_counter()
        links = 0
        for text in texts:
            extension.page = PageContext("x/page.md", "../glossary.md", "first_per_page")
            html = markdown.markdown(text, extensions=[*EXTENSIONS[:4], "toc", extension])
            links += html.count('class="qms-term"')
        linked_runs.append(time.perf_counter() - start)
    return plain_runs, linked_runs, links


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to generate (1000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed builds per variant (3)")
    parser.add_argument("--seed", type=int, default=9000)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), help="what to build"
    )
    args = parser.parse_args(argv)
    if "off" not in args.variants:
        parser.error("--variants: 'off' is the baseline and must be included")
    variants = [v for v in args.variants if v != "ezglossary" or has_ezglossary()]
    if "ezglossary" not in variants:
        _log("mkdocs-ezglossary-plugin is not installed: that variant is skipped")
    workdir = Path(tempfile.mkdtemp(prefix="qms-glossary-bench-"))
    runs: dict[str, list[float]] = {v: [] for v in variants}
    cpu_runs: dict[str, list[float]] = {v: [] for v in variants}
    try:
        _log(f"generating {args.pages} pages x {len(variants)} variants in {workdir}")
        projects = make_projects(workdir, args.pages, args.seed, variants)
        plain_md, linked_md, links = linker_times(projects[0].config_file.parent / "docs", 3)
        _log(f"linker alone: {statistics.median(linked_md) - statistics.median(plain_md):.2f} s")
        for project in projects:
            _log(f"checking the {project.kind} build")
            verify(project)
        for index in range(args.repeat):
            order = projects if index % 2 == 0 else projects[::-1]
            for project in order:
                seconds, cpu = timed_build_cpu(project)
                runs[project.kind].append(seconds)
                cpu_runs[project.kind].append(cpu)
                _log(
                    f"run {index + 1}/{args.repeat} {project.kind:<10} {seconds:7.2f} s "
                    f"({cpu:.2f} s CPU)"
                )
        words = sum(
            len(p.read_text("utf-8").split())
            for p in (projects[0].config_file.parent / "docs").rglob("*.md")
        )
    finally:
        if args.keep:
            _log(f"generated projects kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    medians = {v: statistics.median(r) for v, r in runs.items()}
    cpu_medians = {v: statistics.median(r) for v, r in cpu_runs.items()}
    base, cpu_base = medians["off"], cpu_medians["off"]
    print(
        f"glossary benchmark: {args.pages} pages, {words:,} words, {links:,} term links; median "
        f"of {args.repeat} fresh-process builds; Python {platform.python_version()}; "
        f"MkDocs {mkdocs.__version__}; {os.cpu_count()} CPUs"
    )
    header = f"{'variant':<11} {'wall s':>8} {'vs off':>8} {'CPU s':>8} {'vs off':>8}  wall runs"
    print(header)
    print("-" * 72)
    for variant, median in medians.items():
        shown = " ".join(f"{r:.2f}" for r in runs[variant])
        cpu = cpu_medians[variant]
        print(
            f"{variant:<11} {median:>8.2f} {median / base:>7.3f}x {cpu:>8.2f} "
            f"{cpu / cpu_base:>7.3f}x  {shown}"
        )
    linker = statistics.median(linked_md) - statistics.median(plain_md)
    print(
        f"linker alone (in-process, Python-Markdown on every page): "
        f"{statistics.median(plain_md):.2f} s without, {statistics.median(linked_md):.2f} s "
        f"with the glossary extension: +{linker:.2f} s"
    )
    if args.json:
        payload = {
            "benchmark": "mkdocs-qms glossary linking",
            "pages": args.pages,
            "words": words,
            "term_links": links,
            "repeat": args.repeat,
            "seed": args.seed,
            "runs": runs,
            "medians_s": medians,
            "ratios_vs_off": {v: m / base for v, m in medians.items()},
            "cpu_runs": cpu_runs,
            "cpu_medians_s": cpu_medians,
            "cpu_ratios_vs_off": {v: m / cpu_base for v, m in cpu_medians.items()},
            "linker_in_process_s": {"without": plain_md, "with": linked_md},
            "python": platform.python_version(),
            "mkdocs": mkdocs.__version__,
            "cpus": os.cpu_count(),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
