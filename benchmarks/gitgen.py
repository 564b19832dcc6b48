"""Deterministic generator of a QMS-like Git repository, for benchmarks of revision history.

``generate_repository(folder, docs=N, commits=M, seed=S)`` writes a Git repository of a controlled
manual with N documents (the documents of ``bench.py``'s generator) and exactly M commits, the
way a team that keeps its quality manual in Git would have made them:

* an initial commit (site configuration) and an import of the documents from the "old system",
  each at a revision between A and the one it has today;
* pull requests, each changing one to three documents: GitHub merges (``--no-ff``, "Merge pull
  request #N from kestrel/branch", 1 to 4 drafting commits on the branch, the branch sometimes
  started a few merges back), GitHub squash commits ("Title (#N)" with ``Co-authored-by:``) and
  GitLab merges ("Merge branch 'x' into 'main'" ... "See merge request kestrel/qms!N"), every one
  with ``Approved-by:`` and ``Reviewed-by:`` trailers;
* the changes a document goes through: new documents, revisions (the letter bumped, a new text,
  ``approved_by`` naming the Approved-by person of that pull request, new approval and effective
  dates and change summary), editorial corrections (text changed, revision kept, an
  ``Editorial-change:`` trailer), moves to another department's folder, and withdrawal
  (superseded or obsolete);
* direct commits to a few non-Markdown files (attachments, CODEOWNERS) by the document
  controller.

The final tree is ``bench.py``'s manual (below ``docs/procedures/``, with the site's
``mkdocs.yml`` using the qms plugin at a fixed ``today``) and builds with ``mkdocs build
--strict`` without a warning, history rules included.

Everything comes from one seeded random generator and fixed identities and dates, and the
history is written by one ``git fast-import`` process, so the same arguments give the same
commit shas, in seconds even for 10,000 commits. Command line::

    python benchmarks/gitgen.py /tmp/manual --docs 100 --commits 1000 --seed 9001
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import random
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from bench import (
    APPROVERS,
    CHANGE_SUMMARIES,
    DEFAULT_SEED,
    LETTERS,
    MAX_SIZE,
    OBJECTS,
    OWNERS,
    QUALIFIERS,
    SUBJECTS,
    TODAY,
    DocSpec,
    assign_front_matter,
    department_index,
    front_matter_text,
    git,
    paragraph,
    plan_documents,
    render_body,
)

PROCEDURES_DIR = "docs/procedures"
BRANCH = "main"
DRAFTS_REF = "refs/heads/qms-gitgen-drafts"  # where drafting commits are written; deleted after
ORG = "kestrel"
PROJECT = "kestrel/qms"
START = dt.datetime(2019, 1, 7, 9, 0)  # the import from the old document system
END = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(17, 0))

CONTROLLER = ("Ruth Okafor", "ruth.okafor@kestrel.example")
GITHUB = ("GitHub", "noreply@github.com")
# Everyone who drafts and reviews: the owners of bench.py's manual plus two more.
DRAFTERS = (*(o.split(" (")[0] for o in OWNERS if "(" in o), "Dev Patel", "Mei Lin")

# Shares of the pull-request styles; a merge style brings 1 to 4 drafting commits.
STYLE_WEIGHTS = {"github-merge": 45, "squash": 35, "gitlab-merge": 20}
EVENTS_PER_UNIT_WEIGHTS = (75, 18, 7)  # pull requests changing 1, 2 or 3 documents
MOVE_SHARE = 0.08  # documents moved to another department's folder once
ADDED_LATER_SHARE = 0.3  # documents created by a pull request rather than imported
EDITORIAL_RESERVE = 0.15  # share of document changes kept for editorial corrections

EDITORIAL_REASONS = (
    "typo",
    "corrected a form number",
    "clarified wording, no change in practice",
    "updated a job title",
    "fixed a table layout",
)
ATTACHMENTS = ("gauge-list.csv", "approved-suppliers.csv", "retention-schedule.csv")


def person(name: str) -> tuple[str, str]:
    """A member of staff's Git identity."""
    return name, f"{name.lower().replace(' ', '.')}@{ORG}.example"


def person_of(approver: str) -> tuple[str, str]:
    """The Git identity of someone named as in front matter, e.g. "Sarah Kerr (Managing ...)"."""
    return person(approver.split(" (")[0].strip())


def ident(person: tuple[str, str]) -> str:
    return f"{person[0]} <{person[1]}>"


# ---------------------------------------------------------------------------------------------
# The plan: what happens to each document, and when
# ---------------------------------------------------------------------------------------------


@dataclass
class Doc:
    """One controlled document's life in Git."""

    spec: DocSpec
    final_rev: int  # index in LETTERS of the revision it has today
    first_rev: int = 0  # the revision it enters Git with
    added_later: bool = False  # created by a pull request (at revision A), not imported
    move_from: str | None = None  # its path before it was moved, if it moves
    retire: bool = False  # set to superseded/obsolete by a change of its own
    # State while the history is written.
    rev: int = -1
    path: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""

    @property
    def final_path(self) -> str:
        return f"{PROCEDURES_DIR}/{self.spec.rel_path}"

    @property
    def doc_id(self) -> str:
        return self.spec.doc_id

    @property
    def final_status(self) -> str:
        return str(self.spec.fields["status"])

    def final_approvers(self) -> list[str]:
        value = self.spec.fields.get("approved_by")
        if value is None or self.final_status in ("draft", "in_review"):
            return []
        return [value] if isinstance(value, str) else list(value)

    def content(self) -> bytes:
        return (front_matter_text(self.fields) + "\n" + self.body).encode("utf-8")


@dataclass
class Event:
    """One change to one document: new (``rev`` 0), revise, editorial, move or retire."""

    when: dt.datetime
    doc: int
    kind: str
    rev: int = -1
    order: int = 0  # tie-break keeping a document's own changes in sequence


@dataclass
class Unit:
    """A pull request (or squash) that lands one to three document changes on main."""

    events: list[Event]
    when: dt.datetime = START
    style: str = "squash"
    drafts: int = 0  # drafting commits on the branch (merge styles only)
    number: int = 0


def _minutes(rng: random.Random, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """A moment between two others, on the minute."""
    span = max(0, int((high - low).total_seconds() // 60))
    return low + dt.timedelta(minutes=rng.randint(0, span))


def _working_time(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=rng.randint(0, 480))


def plan_events(docs: list[Doc], budget: int, rng: random.Random) -> list[Event]:
    """Decide every document's changes so that there are about ``budget`` of them in all."""
    retiring = [d for d in docs if d.final_status in ("superseded", "obsolete")]
    movable = [i for i, d in enumerate(docs) if d.spec.type not in ("manual", "policy")]
    n_moves = min(round(MOVE_SHARE * len(docs)), max(0, budget // 10), len(movable))
    n_retire = len(retiring) if budget > 4 * len(retiring) else 0
    for doc in retiring[:n_retire]:
        doc.retire = True
    for index in rng.sample(movable, n_moves):
        doc = docs[index]
        department, rest = doc.spec.folder.split("/", 1)
        others = sorted({d.spec.folder.split("/")[0] for d in docs if "/" in d.spec.folder})
        others = [o for o in others if o != department] or [department + "-old"]
        doc.move_from = f"{PROCEDURES_DIR}/{rng.choice(others)}/{rest}/{doc.doc_id.lower()}.md"

    # Revisions: as many as the budget allows, the same share of each document's full history.
    revisions_budget = max(0, int(budget * (1 - EDITORIAL_RESERVE)) - n_moves - n_retire)
    wanted = sum(d.final_rev + 1 for d in docs)
    share = min(1.0, revisions_budget / wanted) if wanted else 0.0
    for doc in docs:
        exact = (doc.final_rev + 1) * share
        count = int(exact) + (1 if rng.random() < exact - int(exact) else 0)
        if count >= doc.final_rev + 1 and rng.random() < ADDED_LATER_SHARE:
            doc.added_later, doc.first_rev = True, 0
        else:
            doc.first_rev = doc.final_rev - min(count, doc.final_rev)

    events: list[Event] = []
    births: list[dt.datetime] = []
    for index, doc in enumerate(docs):
        final_day = doc.spec.fields.get("approval_date")
        if not isinstance(final_day, dt.date) or doc.final_status in ("draft", "in_review"):
            final_day = TODAY - dt.timedelta(days=rng.randint(3, 200))
        final_when = _working_time(final_day, rng)
        revs = list(range(0 if doc.added_later else doc.first_rev + 1, doc.final_rev + 1))
        born = START
        if doc.added_later:
            born = _minutes(rng, START + dt.timedelta(days=7), final_when)
        moments = sorted(_minutes(rng, born, final_when) for _ in revs[:-1])
        if doc.added_later and revs:
            moments[:1] = [born] if moments else []
        if revs:
            moments.append(max([final_when, *moments]))
        if doc.added_later:
            born = moments[0]  # created by its first pull request
        mine = [Event(when, index, "revise", rev) for when, rev in zip(moments, revs, strict=True)]
        if doc.retire:
            low = (moments[-1] if moments else born) + dt.timedelta(days=60)
            mine.append(Event(_minutes(rng, min(low, END), END), index, "retire"))
        if doc.move_from:
            mine.append(Event(_minutes(rng, born + dt.timedelta(days=1), END), index, "move"))
        events.extend(mine)
        births.append(born)
    # The rest of the budget: editorial corrections of documents that exist at the time.
    for _ in range(max(0, budget - len(events))):
        index = rng.randrange(len(docs))
        low = births[index] + dt.timedelta(hours=1)
        events.append(Event(_minutes(rng, low, END), index, "editorial"))
    kind_order = {"revise": 0, "move": 1, "editorial": 2, "retire": 3}
    for event in events:
        event.order = kind_order[event.kind]
    # A document's changes keep their sequence; retire and move come after its last revision.
    by_doc: dict[int, list[Event]] = {}
    for event in sorted(events, key=lambda e: (e.when, e.order)):
        by_doc.setdefault(event.doc, []).append(event)
    for mine in by_doc.values():
        revisions = [e for e in mine if e.kind == "revise"]
        retire = [e for e in mine if e.kind == "retire"]
        if retire and revisions and retire[0].when <= revisions[-1].when:
            retire[0].when = revisions[-1].when + dt.timedelta(minutes=1)
    return sorted(events, key=lambda e: (e.when, e.doc, e.order, e.rev))


def group_units(events: list[Event], rng: random.Random) -> list[Unit]:
    """Pull requests of one to three changes to different documents, a document's order kept."""
    units: list[Unit] = []
    pending = deque(events)
    while pending:
        size = rng.choices((1, 2, 3), EVENTS_PER_UNIT_WEIGHTS)[0]
        taken: list[Event] = []
        waiting: list[Event] = []
        blocked: set[int] = set()
        while pending and len(taken) < size and len(waiting) < 16:
            event = pending.popleft()
            if event.doc in blocked:
                waiting.append(event)  # a later change of a document waits for the earlier one
            else:
                taken.append(event)
            blocked.add(event.doc)
        pending.extendleft(reversed(waiting))
        units.append(Unit(taken))
    return units


def assign_styles(units: list[Unit], extra: int, rng: random.Random) -> int:
    """Choose each pull request's style and drafting commits so that they add ``extra`` commits.

    Returns the commits still to be made (as direct commits) if the units could not take all.
    """
    styles = list(STYLE_WEIGHTS)
    weights = list(STYLE_WEIGHTS.values())
    for unit in units:
        unit.style = rng.choices(styles, weights)[0]
        unit.drafts = 0
        if unit.style != "squash":
            unit.drafts = min(rng.randint(1, 4), extra)
            extra -= unit.drafts
            if unit.drafts == 0:
                unit.style = "squash"
    for unit in units:  # more commits to place: longer pull requests
        if extra <= 0:
            break
        if unit.style == "squash":
            unit.style = "github-merge" if rng.random() < 0.7 else "gitlab-merge"
        more = min(4 - unit.drafts, extra)
        unit.drafts += more
        extra -= more
    return extra


# ---------------------------------------------------------------------------------------------
# Document versions
# ---------------------------------------------------------------------------------------------


def version_fields(
    doc: Doc, rev: int, when: dt.datetime, approvers: Sequence[str], rng: random.Random
) -> dict[str, Any]:
    """Front matter of revision ``rev``: today's for the last one, else an earlier approval."""
    final = doc.spec.fields
    if rev == doc.final_rev:
        data = dict(final)
        if doc.retire:  # effective until a later change withdraws it
            data["status"] = "effective"
            data.pop("superseded_by", None)
            data.pop("obsolete_reason", None)
        return data
    data = {}
    for key, value in final.items():
        if key in ("supersedes", "superseded_by", "obsolete_reason", "next_review"):
            continue
        data[key] = value
    day = when.date()
    data["revision"] = LETTERS[rev]
    data["status"] = "effective"
    data["approved_by"] = approvers[0]
    data["approval_date"] = day - dt.timedelta(days=rng.randint(1, 10))
    data["effective_date"] = day + dt.timedelta(days=rng.randint(3, 14))
    data["review_interval_months"] = final.get("review_interval_months", 24)
    data["change_summary"] = CHANGE_SUMMARIES[0] if rev == 0 else rng.choice(CHANGE_SUMMARIES[1:])
    return {k: data[k] for k in [*final, *data] if k in data}  # today's key order


def editorial_body(body: str, rng: random.Random) -> str:
    """The same text with one sentence reworded, as a wording correction would."""
    parts = body.split("\n\n")
    prose = [i for i, p in enumerate(parts) if p[:1].isalpha() and "\n" not in p]
    if not prose:
        return body + "\nThe document controller keeps this document up to date.\n"
    index = rng.choice(prose)
    sentence = (
        f"{rng.choice(SUBJECTS)} {rng.choice(('also', 'always', 'then'))} "
        f"{rng.choice(('checks', 'records', 'confirms'))} {rng.choice(OBJECTS)} "
        f"{rng.choice(QUALIFIERS)}."
    )
    parts[index] = f"{parts[index]} {sentence}"
    return "\n\n".join(parts)


def draft_body(body: str, rng: random.Random) -> str:
    """A drafting version of a text: its purpose paragraph not yet in its final words."""
    parts = body.split("\n\n")
    if len(parts) > 1:
        parts[1] = paragraph(rng, 2, 3)
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Writing the fast-import stream
# ---------------------------------------------------------------------------------------------


def _offset(when: dt.datetime) -> str:
    """Central European time: +0200 from April to October, else +0100 (close enough)."""
    return "+0200" if 4 <= when.month <= 10 else "+0100"


def _stamp(when: dt.datetime) -> str:
    zone = _offset(when)
    hours = int(zone[1:3])
    utc = when - dt.timedelta(hours=hours)
    seconds = int((utc - dt.datetime(1970, 1, 1)).total_seconds())
    return f"{seconds} {zone}"


class Stream:
    """A ``git fast-import`` stream: blobs (deduplicated) and commits with marks."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.next_mark = 1
        self.blobs: dict[bytes, int] = {}
        self.commits = 0

    def blob(self, data: bytes) -> int:
        key = hashlib.sha1(data).digest()
        mark = self.blobs.get(key)
        if mark is None:
            mark = self.blobs[key] = self._mark()
            self.parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return mark

    def _mark(self) -> int:
        self.next_mark += 1
        return self.next_mark - 1

    def commit(
        self,
        ref: str,
        author: tuple[str, str],
        committer: tuple[str, str],
        when: dt.datetime,
        message: str,
        parents: Sequence[int],
        ops: Sequence[tuple[str, ...]],
        author_when: dt.datetime | None = None,
    ) -> int:
        mark = self._mark()
        text = message.encode("utf-8")
        lines = [
            f"commit {ref}",
            f"mark :{mark}",
            f"author {ident(author)} {_stamp(author_when or when)}",
            f"committer {ident(committer)} {_stamp(when)}",
            f"data {len(text)}",
        ]
        head = "\n".join(lines).encode("utf-8") + b"\n" + text + b"\n"
        body = [f"from :{parents[0]}"] if parents else []
        body += [f"merge :{p}" for p in parents[1:]]
        for op in ops:
            if op[0] == "M":
                body.append(f"M 100644 :{op[2]} {op[1]}")
            elif op[0] == "R":
                body.append(f"R {op[1]} {op[2]}")
            else:
                body.append(f"D {op[1]}")
        self.parts.append(head + "".join(f"{line}\n" for line in body).encode("utf-8") + b"\n")
        self.commits += 1
        return mark

    def data(self) -> bytes:
        return b"".join(self.parts) + b"done\n"


@dataclass
class Summary:
    """What was generated."""

    folder: Path
    documents: int
    commits: int
    first_parent: int
    merges: int
    squashes: int
    renames: int
    revisions: int
    editorial: int
    head: str
    seconds: float


def site_config() -> dict[str, Any]:
    """The generated repository's own mkdocs.yml: the qms plugin over docs/procedures."""
    return {
        "site_name": "Kestrel Precision quality manual (generated)",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"qms": {"procedures_dir": PROCEDURES_DIR, "today": TODAY}}],
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
    }


class Writer:
    """Replays the planned units into a fast-import stream."""

    def __init__(self, docs: list[Doc], by_id: dict[str, DocSpec], rng: random.Random) -> None:
        self.docs = docs
        self.by_id = by_id
        self.rng = rng
        self.stream = Stream()
        self.main: list[tuple[int, dt.datetime, set[int]]] = []  # (mark, when, docs touched)
        self.tip = 0
        self.counts = {"merges": 0, "squashes": 0, "renames": 0, "revisions": 0, "editorial": 0}
        self.attachment_rows = {name: 3 for name in ATTACHMENTS}
        self.attachment_folder = ""

    # --- the first two commits -----------------------------------------------------------------

    def start(self, n: int) -> None:
        s = self.stream
        files = {
            "mkdocs.yml": yaml.safe_dump(site_config(), sort_keys=False),
            ".gitignore": "/site/\n",
            ".github/CODEOWNERS": f"{PROCEDURES_DIR}/ @{ORG}/document-control\n",
            "docs/index.md": (
                f"# Quality manual\n\nThe controlled documents of Kestrel Precision "
                f"({n} documents).\n"
            ),
        }
        ops = [("M", path, s.blob(text.encode())) for path, text in files.items()]
        self.tip = s.commit(
            f"refs/heads/{BRANCH}",
            CONTROLLER,
            CONTROLLER,
            START - dt.timedelta(days=3),
            "Start the quality manual repository",
            [],
            ops,
        )
        self.main.append((self.tip, START - dt.timedelta(days=3), set()))

        ops = []
        departments = sorted({d.spec.folder.split("/")[0] for d in self.docs})
        for department in departments:
            text = department_index(department).encode()
            ops.append(("M", f"{PROCEDURES_DIR}/{department}/index.md", s.blob(text)))
        self.attachment_folder = f"{PROCEDURES_DIR}/{departments[0]}/attachments"
        for name in ATTACHMENTS:
            ops.append(("M", f"{self.attachment_folder}/{name}", s.blob(self._attachment(name))))
        touched = set()
        for index, doc in enumerate(self.docs):
            if doc.added_later:
                continue
            when = START - dt.timedelta(days=30)
            approvers = [self.rng.choice(APPROVERS)]
            doc.fields = version_fields(doc, doc.first_rev, when, approvers, self.rng)
            doc.body = render_body(doc.spec, self.by_id, self.rng)
            doc.rev = doc.first_rev
            doc.path = doc.move_from or doc.final_path
            ops.append(("M", doc.path, s.blob(doc.content())))
            touched.add(index)
        self.tip = s.commit(
            f"refs/heads/{BRANCH}",
            CONTROLLER,
            CONTROLLER,
            START,
            "Import the controlled documents from the old document system\n\n"
            "Each document enters Git at the revision in force in the old system.",
            [self.tip],
            ops,
        )
        self.main.append((self.tip, START, touched))

    def _attachment(self, name: str) -> bytes:
        rows = self.attachment_rows[name]
        lines = ["id,description,owner,updated"]
        lines += [
            f"{k},Item {k} of {name[:-4]},{DRAFTERS[k % len(DRAFTERS)]},{k}" for k in range(rows)
        ]
        return ("\n".join(lines) + "\n").encode()

    # --- direct commits ------------------------------------------------------------------------

    def maintenance(self, when: dt.datetime) -> None:
        name = self.rng.choice(ATTACHMENTS)
        self.attachment_rows[name] += 1
        blob = self.stream.blob(self._attachment(name))
        self.tip = self.stream.commit(
            f"refs/heads/{BRANCH}",
            CONTROLLER,
            CONTROLLER,
            when,
            f"Update {name} (attachment, not a controlled document)",
            [self.tip],
            [("M", f"{self.attachment_folder}/{name}", blob)],
        )
        self.main.append((self.tip, when, set()))

    # --- pull requests -------------------------------------------------------------------------

    def _approvers(self, unit: Unit) -> list[str]:
        """Who approves: everyone named in approved_by of a document's revision in force."""
        names: dict[str, None] = {}
        for event in unit.events:
            doc = self.docs[event.doc]
            in_final = (event.kind == "revise" and event.rev == doc.final_rev) or (
                event.kind != "revise" and doc.rev == doc.final_rev
            )
            if in_final:
                names.update(dict.fromkeys(doc.final_approvers()))
        return list(names) or [self.rng.choice(APPROVERS)]

    def _apply(self, event: Event, when: dt.datetime, approvers: list[str]) -> tuple[str, ...]:
        """Change the document as the event says; the kind of change for the message."""
        doc = self.docs[event.doc]
        if event.kind == "revise":
            doc.rev = event.rev
            doc.fields = version_fields(doc, event.rev, when, approvers, self.rng)
            doc.body = render_body(doc.spec, self.by_id, self.rng)
            self.counts["revisions"] += 1
            if doc.path is None:
                doc.path = doc.move_from or doc.final_path
                return ("add", doc.doc_id, doc.spec.title)
            return ("revise", doc.doc_id, LETTERS[event.rev])
        if event.kind == "editorial":
            doc.body = editorial_body(doc.body, self.rng)
            self.counts["editorial"] += 1
            return ("editorial", doc.doc_id, self.rng.choice(EDITORIAL_REASONS))
        if event.kind == "move":
            doc.path = doc.final_path
            self.counts["renames"] += 1
            return ("move", doc.doc_id, doc.spec.folder)
        doc.fields = dict(doc.spec.fields)
        return ("retire", doc.doc_id, str(doc.fields["status"]))

    def unit(self, unit: Unit) -> None:
        s, rng = self.stream, self.rng
        approvers = self._approvers(unit)
        before = [(self.docs[e.doc].path, self.docs[e.doc].content()) for e in unit.events]
        what = [self._apply(e, unit.when, approvers) for e in unit.events]
        after = [(self.docs[e.doc].path, self.docs[e.doc].content()) for e in unit.events]
        final_ops: list[tuple[str, ...]] = []
        for (old_path, old_text), (new_path, new_text) in zip(before, after, strict=True):
            assert new_path is not None
            if old_path is not None and old_path != new_path:
                final_ops.append(("R", old_path, new_path))
            if old_path is None or old_text != new_text:
                final_ops.append(("M", new_path, s.blob(new_text)))

        title = self._title(what)
        branch = self._branch(what, unit.number)
        author = person(rng.choice(DRAFTERS))
        people = [person_of(a) for a in approvers]
        reviewer = person(rng.choice([d for d in DRAFTERS if d != author[0]]))
        trailers = [f"Approved-by: {ident(p)}" for p in people]
        trailers.append(f"Reviewed-by: {ident(reviewer)}")
        trailers += [f"Editorial-change: {w[2]}" for w in what if w[0] == "editorial"]

        if unit.style == "squash":
            co = person(rng.choice(DRAFTERS))
            lines = [f"Co-authored-by: {ident(co)}"] if co != author else []
            message = f"{title} (#{unit.number})\n\n" + "\n".join(lines + trailers)
            self.tip = s.commit(
                f"refs/heads/{BRANCH}",
                author,
                GITHUB,
                unit.when,
                message,
                [self.tip],
                final_ops,
                author_when=unit.when - dt.timedelta(minutes=rng.randint(20, 600)),
            )
            self.counts["squashes"] += 1
            self.main.append((self.tip, unit.when, {e.doc for e in unit.events}))
            return

        base_index = self._branch_base(unit)
        base_mark, base_when, _ = self.main[base_index]
        start = max(base_when + dt.timedelta(minutes=5), unit.when - dt.timedelta(days=10))
        start = min(start, unit.when - dt.timedelta(minutes=5 * (unit.drafts + 1)))
        moments = sorted(
            _minutes(rng, start, unit.when - dt.timedelta(minutes=1)) for _ in range(unit.drafts)
        )
        parent = base_mark
        for step, moment in enumerate(moments, 1):
            last = step == unit.drafts
            ops: list[tuple[str, ...]] = []
            changes = zip(before, after, unit.events, strict=True)
            for (old_path, _), (new_path, new_text), event in changes:
                assert new_path is not None
                if step == 1 and old_path is not None and old_path != new_path:
                    ops.append(("R", old_path, new_path))
                if event.kind == "move":
                    continue  # a move changes no text
                text = new_text
                if not last:
                    doc = self.docs[event.doc]
                    draft = front_matter_text(doc.fields) + "\n" + draft_body(doc.body, rng)
                    text = draft.encode("utf-8")
                ops.append(("M", new_path, s.blob(text)))
            subject = (
                f"Draft {what[0][1]} changes"
                if step == 1
                else ("Address review comments" if not last else "Final wording for approval")
            )
            drafter = author if step == 1 or rng.random() < 0.7 else reviewer
            parent = s.commit(DRAFTS_REF, drafter, drafter, moment, subject, [parent], ops)

        merger = people[0] if rng.random() < 0.5 else CONTROLLER
        if unit.style == "github-merge":
            message = (
                f"Merge pull request #{unit.number} from {ORG}/{branch}\n\n{title}\n\n"
                + "\n".join(trailers)
            )
            committer = GITHUB
        else:
            message = (
                f"Merge branch '{branch}' into '{BRANCH}'\n\n{title}\n\n"
                f"See merge request {PROJECT}!{unit.number}\n\n" + "\n".join(trailers)
            )
            committer = merger
        self.tip = s.commit(
            f"refs/heads/{BRANCH}",
            merger,
            committer,
            unit.when,
            message,
            [self.tip, parent],
            final_ops,
        )
        self.counts["merges"] += 1
        self.main.append((self.tip, unit.when, {e.doc for e in unit.events}))

    def _branch_base(self, unit: Unit) -> int:
        """Where the pull request branched off: the tip, or a few merges back if none of those
        touched its documents."""
        mine = {e.doc for e in unit.events}
        index = len(self.main) - 1
        for _ in range(self.rng.choice((0, 0, 1, 2, 3))):
            if index <= 1 or self.main[index][2] & mine:
                break
            index -= 1
        return index

    @staticmethod
    def _title(what: list[tuple[str, ...]]) -> str:
        kind, doc_id, detail = what[0]
        if kind == "add":
            title = f"Add {doc_id} {detail}"
        elif kind == "revise":
            title = f"Revise {doc_id} to revision {detail}"
        elif kind == "editorial":
            title = f"Correct wording in {doc_id}"
        elif kind == "move":
            title = f"Move {doc_id} to {detail}"
        else:
            title = f"Withdraw {doc_id} ({detail})"
        if len(what) > 1:
            title += " and update " + ", ".join(w[1] for w in what[1:])
        return title

    @staticmethod
    def _branch(what: list[tuple[str, ...]], number: int) -> str:
        kind, doc_id, _ = what[0]
        return f"{kind}/{doc_id.lower()}-{number}"


def generate_repository(folder: Path, docs: int, commits: int, seed: int = DEFAULT_SEED) -> Summary:
    """Create ``folder`` (which must not exist or be empty) as the generated repository."""
    started = time.perf_counter()
    rng = random.Random(f"qms-gitgen-{seed}-{docs}-{commits}")
    specs = plan_documents(docs, rng)
    assign_front_matter(specs, rng)
    by_id = {spec.doc_id: spec for spec in specs}
    plan = [Doc(spec, LETTERS.index(str(spec.fields["revision"]))) for spec in specs]

    fixed = 2  # the first commit and the import
    maintenance = max(2, commits // 250)
    available = commits - fixed - maintenance
    if available < 1:
        raise ValueError(f"{commits} commits are too few: make at least {fixed + maintenance + 1}")
    events = plan_events(plan, max(1, available // 2), rng)
    units = group_units(events, rng)
    extra = available - len(units)
    if extra < 0:
        raise ValueError(f"{commits} commits are too few for {docs} documents")
    maintenance += assign_styles(units, extra, rng)

    # Dates on main only move forward; pull requests are numbered as they land.
    last = START
    for number, unit in enumerate(units, 1):
        unit.when = max(max(e.when for e in unit.events), last + dt.timedelta(minutes=7))
        unit.number = number
        last = unit.when
    maintenance_days = sorted(_minutes(rng, START, END) for _ in range(maintenance))

    writer = Writer(plan, by_id, rng)
    writer.start(docs)
    unit_days = [u.when for u in units]
    slots = [bisect.bisect_left(unit_days, day) for day in maintenance_days]
    for index, unit in enumerate(units):
        while slots and slots[0] <= index:
            slots.pop(0)
            previous = writer.main[-1][1]
            writer.maintenance(min(previous + dt.timedelta(minutes=3), unit.when))
        writer.unit(unit)
    for _ in slots:
        writer.maintenance(writer.main[-1][1] + dt.timedelta(minutes=3))

    for doc in plan:
        if doc.path != doc.final_path or doc.fields != doc.spec.fields:
            raise AssertionError(f"{doc.doc_id}: the history does not end at today's version")

    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty")
    git(folder, "init", "--quiet", f"--initial-branch={BRANCH}")
    git(folder, "fast-import", "--quiet", "--done", stdin=writer.stream.data())
    if git(folder, "for-each-ref", DRAFTS_REF).strip():
        git(folder, "update-ref", "-d", DRAFTS_REF)
    # Fill the index and the working tree from the new branch (the folder was empty).
    git(folder, "read-tree", "--reset", "-u", "HEAD")
    git(folder, "gc", "--quiet")
    head = git(folder, "rev-parse", "HEAD").strip()
    total = int(git(folder, "rev-list", "--count", "HEAD"))
    first_parent = int(git(folder, "rev-list", "--count", "--first-parent", "HEAD"))
    if total != commits:
        raise AssertionError(f"made {total} commits instead of {commits}")
    c = writer.counts
    return Summary(
        folder,
        docs,
        total,
        first_parent,
        c["merges"],
        c["squashes"],
        c["renames"],
        c["revisions"],
        c["editorial"],
        head,
        time.perf_counter() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a QMS-like Git repository.")
    parser.add_argument("folder", type=Path, help="where to create it (must be new or empty)")
    parser.add_argument("--docs", type=int, default=100, help="controlled documents (default 100)")
    parser.add_argument("--commits", type=int, default=1000, help="commits (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if not 10 <= args.docs <= MAX_SIZE:
        parser.error(f"--docs must be between 10 and {MAX_SIZE}")
    try:
        summary = generate_repository(args.folder, args.docs, args.commits, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"{summary.folder}: {summary.documents} documents, {summary.commits} commits "
        f"({summary.first_parent} on the first-parent line: {summary.merges} merges, "
        f"{summary.squashes} squashes), {summary.revisions} revisions, {summary.editorial} "
        f"editorial changes, {summary.renames} moves; HEAD {summary.head}; "
        f"{summary.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
