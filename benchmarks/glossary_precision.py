"""Glossary precision: the term links the linker makes on a folder of real pages, judged by hand.

Converts every Markdown page named on the command line (files, or folders searched for ``*.md``;
front matter is dropped) with Python-Markdown and the glossary's linker, as a site build would,
and lists every term link with the words around it, so that a person can judge each one: the
right sense and worth a link (``ok``), the wrong sense (``wrong``), or right but only noise
(``noise``: a name, part of a longer phrase, a word every reader knows). Given a file of such
judgements it reports precision (``ok`` / judged) and links per page.

It fetches nothing and keeps nothing: bring the pages (they are usually someone else's text,
so keep them and the judgements out of this repository). Run from the repository root::

    python benchmarks/glossary_precision.py PAGES... --links links.tsv
    python benchmarks/glossary_precision.py PAGES... --judgements judged.tsv
    python benchmarks/glossary_precision.py PAGES... --set glossary_table_cells=true

``--set`` takes the plugin's ``glossary_...`` options as in ``mkdocs.yml`` (checked the same way);
``--glossary`` an organisation's glossary file.

``links.tsv`` has one line per link: key, page, term, linked text, where (prose or table) and
context. Copy the lines to judge into ``judged.tsv`` as ``key<TAB>verdict`` (more columns and
lines starting with ``#`` are ignored). The key depends on the page, the term, the text and the
context only, so a judgement still applies to the same link after the linker changes.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import yaml

from qms_plugin.config import QmsConfig
from qms_plugin.core.glossary import Glossary, load_glossary
from qms_plugin.glossary import TERM_CLASS, GlossaryExtension, PageContext

# What the sample manual's mkdocs.yml enables, plus the usual extras of SOP repositories.
EXTENSIONS = ["admonition", "attr_list", "def_list", "tables", "fenced_code", "toc"]
VERDICTS = ("ok", "wrong", "noise")
CONTEXT = 45  # characters of visible text shown either side of a link
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*\r?\n", re.DOTALL)


@dataclass(frozen=True)
class Link:
    """One term link as a reader sees it."""

    page: str
    term: str  # the glossary anchor it points to
    text: str
    where: str  # "prose", "table cell" or "table header"
    context: str

    @property
    def key(self) -> str:
        digest = hashlib.sha1(f"{self.page}|{self.term}|{self.text}|{self.context}".encode())
        return digest.hexdigest()[:12]


class _Reader(HTMLParser):
    """The visible text of a page, with where each term link starts and ends in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.size = 0
        self.stack: list[str] = []
        self.links: list[tuple[int, int, str, str]] = []  # start, end, anchor, where
        self._open: tuple[int, str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("class") == TERM_CLASS:
            where = "prose"
            if "th" in self.stack:
                where = "table header"
            elif "td" in self.stack:
                where = "table cell"
            anchor = (found.get("href") or "").rpartition("#")[2]
            self._open = (self.size, anchor, where)
        if tag in ("p", "li", "td", "th", "tr", "br", "h1", "h2", "h3", "h4", "div"):
            self._add(" ")
        if tag not in ("br", "hr", "img", "input", "meta", "link", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            start, anchor, where = self._open
            self.links.append((start, self.size, anchor, where))
            self._open = None
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self._add(data)

    def _add(self, data: str) -> None:
        self.text.append(data)
        self.size += len(data)


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def page_links(page: str, html_text: str) -> list[Link]:
    reader = _Reader()
    reader.feed(html_text)
    reader.close()
    text = "".join(reader.text)
    return [
        Link(
            page,
            anchor,
            _squeeze(text[start:end]),
            where,
            _squeeze(text[max(0, start - CONTEXT) : start])
            + " [["
            + _squeeze(text[start:end])
            + "]] "
            + _squeeze(text[end : end + CONTEXT]),
        )
        for start, end, anchor, where in reader.links
    ]


def pages_in(paths: Iterable[Path]) -> list[tuple[str, Path]]:
    """(name shown, file) for every Markdown page named or inside a folder named."""
    found = []
    for path in paths:
        if path.is_dir():
            found += [(p.relative_to(path).as_posix(), p) for p in sorted(path.rglob("*.md"))]
        else:
            found.append((path.name, path))
    return found


def options(settings: Sequence[str]) -> QmsConfig:
    """The plugin's options from ``name=value`` pairs, validated as MkDocs validates them."""
    raw = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.startswith("glossary"):
            raise SystemExit(f"--set {setting}: give a glossary option as name=value")
        raw[name.strip()] = yaml.safe_load(value)
    config = QmsConfig()
    config.load_dict(raw)
    errors, _ = config.validate()
    if errors:
        raise SystemExit("; ".join(f"{name}: {error}" for name, error in errors))
    return config


def convert(glossary: Glossary, text: str, config: QmsConfig) -> str:
    extension = GlossaryExtension(html_tooltips=False)
    extension.glossary = glossary
    extension.page = PageContext(
        "page.md", "glossary/", config.glossary_links, table_cells=config.glossary_table_cells
    )
    body = _FRONT_MATTER.sub("", text, count=1)
    return markdown.markdown(body, extensions=[*EXTENSIONS, extension])


def read_judgements(path: Path) -> dict[str, str]:
    verdicts = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.partition("\t")
        verdict = rest.split("\t", 1)[0].strip()
        if verdict not in VERDICTS:
            raise SystemExit(f"{path}:{number}: verdict {verdict!r}; use one of {VERDICTS}")
        verdicts[key.strip()] = verdict
    return verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("pages", nargs="+", type=Path, help="Markdown files or folders")
    parser.add_argument("--glossary", type=Path, help="an organisation's glossary file")
    parser.add_argument(
        "--set", action="append", default=[], metavar="OPTION=VALUE", help="a glossary_ option"
    )
    parser.add_argument("--links", type=Path, help="write every link as TSV to this file")
    parser.add_argument("--judgements", type=Path, help="TSV of key and verdict: report precision")
    args = parser.parse_args(argv)

    config = options(args.set)
    glossary = load_glossary(
        config.glossary_edition,
        args.glossary.parent if args.glossary else Path(),
        args.glossary.name if args.glossary else None,
        house_style=config.glossary_house_style,
        generic_words=config.glossary_generic_words,
    )
    for finding in glossary.findings:
        print(f"{finding.path}:{finding.line}: {finding.message}", file=sys.stderr)
    pages = pages_in(args.pages)
    if not pages:
        parser.error("no Markdown pages found")
    links: list[Link] = []
    for name, path in pages:
        links += page_links(name, convert(glossary, path.read_text("utf-8"), config))

    if args.links:
        rows = ["key\tpage\tterm\ttext\twhere\tcontext"]
        rows += [f"{k.key}\t{k.page}\t{k.term}\t{k.text}\t{k.where}\t{k.context}" for k in links]
        args.links.write_text("\n".join(rows) + "\n", "utf-8")

    where = Counter(link.where for link in links)
    print(f"{len(pages)} pages, {len(links)} term links, {len(links) / len(pages):.1f} per page")
    for place, count in sorted(where.items()):
        print(f"  {place}: {count} ({count / max(1, len(links)):.0%})")
    terms = Counter(link.term for link in links)
    print("most linked terms: " + ", ".join(f"{t} {n}" for t, n in terms.most_common(12)))
    if args.judgements:
        verdicts = read_judgements(args.judgements)
        judged = Counter(verdicts[k.key] for k in links if k.key in verdicts)
        missing = [k for k in links if k.key not in verdicts]
        total = sum(judged.values())
        print(
            f"judged {total} of {len(links)}: ok {judged['ok']}, wrong sense {judged['wrong']}, "
            f"noise {judged['noise']}; precision {judged['ok'] / max(1, total):.1%}"
        )
        for link in missing:
            print(f"  not judged: {link.key}\t{link.page}\t{link.term}\t{link.context}")
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
