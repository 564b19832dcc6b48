"""The ``qms`` command: the same checks and registers as the site, from the command line."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any, NoReturn

import click

from .checking import SiteCheck
from .core.changes import SHALLOW_MESSAGE, Comparison, merge_trailers, working_tree_author
from .core.documents import DEFAULT_ID_PATTERNS, DOCUMENT_TYPES
from .core.errors import unexpected
from .core.git import GitError, Repository, find_repository
from .core.history import ids_ever_used
from .core.manual import DocumentSet, SettingsError
from .core.redline import Redline, fields_html, redline, to_html, to_markdown, to_text
from .core.register import (
    as_of_csv,
    as_of_entries,
    as_of_json,
    master_list,
    register_csv,
    register_json,
)
from .core.report import RENDERERS, CheckReport
from .core.reviews import due_within, reviews_csv, reviews_json, reviews_text
from .core.ruleset import EXIT_REVIEWS_DUE
from .core.scaffold import (
    TYPE_NAMES,
    IdTemplate,
    ScaffoldError,
    file_name,
    first_draft,
    folder_for,
    next_free_id,
    parent_numbers,
)
from .core.text import visible
from .core.today import TodayError, resolve_today
from .pdf import PAPERS, PdfError, PrintJob, find_browser, print_pdfs
from .publishing import SitePublishing


class QmsError(click.ClickException):
    """A problem with the configuration or the repository: exit code 2, like a usage error.

    Exit code 1 is kept for findings, so CI can tell "the change breaks document control" from
    "the check could not run".
    """

    exit_code = 2


CONFIG_META = "qms.config_file"


class _Qms(click.Group):
    """The ``qms`` group: an error nobody foresaw exits 2 ("the command could not run") with
    one line naming the file it was reading, never 1 ("findings") and never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from mkdocs.exceptions import Abort

        try:
            return super().invoke(ctx)
        except Abort as exc:  # MkDocs could not read its configuration (it logged why)
            config_file = ctx.meta.get(CONFIG_META, "mkdocs.yml")
            raise QmsError(f"{config_file}: {exc} (see the messages above)") from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            # Outside any one document, the error is reported against the configuration file
            # the command read (the contexts of all commands share ``meta``).
            config_file = ctx.meta.get(CONFIG_META, "mkdocs.yml")
            raise QmsError(visible(unexpected(exc, config_file))) from None


def _load(config_file: str) -> DocumentSet:
    """Read mkdocs.yml, the qms plugin's options in it, and every controlled document."""
    return _load_site(config_file)[0]


def _load_site(config_file: str, missing_folder_ok: bool = False) -> tuple[DocumentSet, Any, Any]:
    """The controlled documents, the qms plugin's options and MkDocs' configuration."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    from .plugin import QmsPlugin, build_settings, date_option

    click.get_current_context().meta[CONFIG_META] = config_file
    if not Path(config_file).is_file():
        raise QmsError(
            f"{config_file} not found; run qms in the folder that holds mkdocs.yml, or pass "
            "--config-file"
        )
    try:
        config = load_config(config_file)
    except ConfigurationError as exc:
        raise QmsError(f"{config_file}: {exc}") from None
    plugin = config.plugins.get("qms")
    if not isinstance(plugin, QmsPlugin):
        raise QmsError(
            f"{config_file} does not enable the qms plugin; add '- qms' under 'plugins:'"
        )
    try:
        settings = build_settings(
            config, plugin.config, resolve_today(date_option(plugin.config.today))
        )
        return (
            DocumentSet.load(settings, missing_folder_ok=missing_folder_ok),
            plugin.config,
            config,
        )
    except (SettingsError, TodayError) as exc:
        raise QmsError(str(exc)) from None


config_option = click.option(
    "-f",
    "--config-file",
    default="mkdocs.yml",
    show_default=True,
    help="The site's MkDocs configuration, with the qms plugin's options.",
)


@click.group(cls=_Qms)
@click.version_option(package_name="mkdocs-qms")
def main() -> None:
    """Document control for a quality manual kept as Markdown in Git."""


@main.command()
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format; the same data as qms/register.csv and register.json in the site.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    default=None,
    help="The manual on that day instead: each document's revision in force then (and the "
    "documents withdrawn by then), as the site's 'Manual on a date' page shows it.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
def register(config_file: str, fmt: str, as_of: str | None, output: str | None) -> None:
    """Print the master document list: each document's revision in force today."""
    docset, options, config = _load_site(config_file)
    site = _site_check(docset, options, config)
    publishing = site.publishing
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(
                f"{as_of!r} is not a date; write it as YYYY-MM-DD", param_hint="--as-of"
            ) from None
        rows = as_of_entries(publishing.publications.all(), day, publishing.revision_url)
        text = as_of_json(rows, day) if fmt == "json" else as_of_csv(rows)
    else:
        entries = master_list(
            docset,
            publications=publishing.publications,
            displayed=publishing.displayed_document,
            review_of=site.review_status,
        )
        text = register_json(entries) if fmt == "json" else register_csv(entries)
    if output:
        Path(output).write_bytes(text.encode("utf-8"))
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


def _site_check(
    docset: DocumentSet, options: Any, config: Any, base: str | None = None
) -> SiteCheck:
    """The gate as the site build runs it: history, the controlled state, every rule."""
    try:
        return SiteCheck.run(docset, options, config, base=base)
    except GitError as exc:
        raise QmsError(str(exc)) from None


def _publishing(docset: DocumentSet, options: Any, config: Any) -> SitePublishing:
    """The controlled state as the site publishes it: from Git when history is on."""
    return _site_check(docset, options, config).publishing


def _registers(config_file: str) -> Any:
    """The registers as the site builds them (``registers.SiteRegisters``)."""
    from .registers import SiteRegisters
    from .render import make_environment

    docset, options, config = _load_site(config_file)
    publishing = _publishing(docset, options, config)
    return SiteRegisters(docset, publishing, options, make_environment(config.theme.dirs))


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_bytes(text.encode("utf-8"))
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


def _format_option(default: str = "text") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "csv", "json"]),
        default=default,
        show_default=True,
        help="text: for reading; csv and json: the same data as the site's exports in qms/.",
    )


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)


@main.command()
@config_option
@click.option("--gaps", is_flag=True, help="Only the clauses nothing in force addresses (fully).")
@click.option(
    "--remap",
    is_flag=True,
    help="Only the documents whose clauses must be re-mapped for the next edition "
    "(needs the clauses_mapping option).",
)
@_format_option()
@output_option
def clauses(config_file: str, gaps: bool, remap: bool, fmt: str, output: str | None) -> None:
    """Print the ISO 9001 clause matrix: each clause, its status and the documents in force
    that address it (as the site's clause matrix page)."""
    from .core.clauses import (
        matrix_csv,
        matrix_data,
        matrix_json,
        matrix_text,
        remap_csv,
        remap_rows,
    )
    from .core.exports import json_text

    registers = _registers(config_file)
    matrix = registers.matrix
    today = registers.today
    if remap:
        if matrix.mapping is None:
            raise QmsError(
                "there is nothing to re-map: set the qms plugin's 'clauses_mapping' option to a "
                "mapping file (see records_schema/clause-mapping.schema.yaml)"
            )
        if fmt == "csv":
            text = remap_csv(matrix)
        elif fmt == "json":
            text = json_text({"transition": matrix_data(matrix, today)["transition"]})
        else:
            rows = remap_rows(matrix)
            target = matrix.mapping.target.standard
            lines = [
                f"{r['doc_id']}: {r['cited']} -> {r['maps_to'] or 'nothing'} ({r['change']})"
                + (f": {r['note']}" if r["note"] else "")
                for r in rows
            ]
            lines.append(f"{len(rows)} citations to re-map for {target}.")
            text = "\n".join(lines) + "\n"
    elif fmt == "csv":
        text = matrix_csv(matrix, gaps)
    elif fmt == "json":
        text = matrix_json(matrix, today, gaps)
    else:
        text = matrix_text(matrix, gaps)
    _emit(text, output)


@main.command()
@config_option
@_format_option()
@output_option
def records(config_file: str, fmt: str, output: str | None) -> None:
    """Print the records register: every record the documents in force declare, where it is
    kept, for how long, what happens to it then, and who owns it."""
    from .core.records import records_csv, records_json, records_text

    registers = _registers(config_file)
    entries = registers.records
    if fmt == "csv":
        text = records_csv(entries)
    elif fmt == "json":
        urls = {d.doc_id or "": registers.url(d) for d in registers.docset.documents}
        text = records_json(entries, urls)
    else:
        text = records_text(entries)
    _emit(text, output)


@main.command()
@config_option
@click.option("--overdue", is_flag=True, help="Only those whose currency check is overdue.")
@_format_option()
@output_option
def external(config_file: str, overdue: bool, fmt: str, output: str | None) -> None:
    """Print the register of external documents: edition in use, controlled copy, and when
    their currency was last checked."""
    from .core.external import external_csv, external_json, external_text

    registers = _registers(config_file)
    rows = registers.external_rows()
    if overdue:
        rows = [row for row in rows if row["overdue"]]
    months = registers.options.external_check_months
    if fmt == "csv":
        text = external_csv(rows)
    elif fmt == "json":
        text = external_json(rows, registers.today, months)
    else:
        text = external_text(rows)
    _emit(text, output)


@main.command()
@config_option
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Days before and after today (default: the training_days option).",
)
@_format_option()
@output_option
def training(config_file: str, days: int | None, fmt: str, output: str | None) -> None:
    """Print what's changing: revisions in force from a day within the last and next days,
    with the roles to train. --format csv gives one row per role to train (for an LMS)."""
    from .core.training import changes_csv, changes_json, changes_text

    registers = _registers(config_file)
    if days is not None:
        registers.options.training_days = days
    data = registers.training_data()
    if fmt == "csv":
        text = changes_csv(data)
    elif fmt == "json":
        text = changes_json(data)
    else:
        text = changes_text(data)
    _emit(text, output)


@main.command()
@config_option
@click.argument("doc_id", metavar="DOC_ID")
@click.argument("old", metavar="[FROM]", required=False)
@click.argument("new", metavar="[TO]", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "markdown"]),
    default="text",
    show_default=True,
    help="text: for a terminal ([-deleted-] {+inserted+}); html: the redline of the site's "
    "revision pages; markdown: for a pull-request comment.",
)
@click.option("--full", is_flag=True, help="Show every block, not only the changed ones.")
def diff(
    config_file: str, doc_id: str, old: str | None, new: str | None, fmt: str, full: bool
) -> None:
    """Show what changed in a document between two revisions, word by word.

    FROM and TO are revisions (C, D ...) as recorded in Git, or 'working' for the file as it is
    in the working tree. By default TO is the newest revision (a revision in review counts) and
    FROM the approved revision before it.
    """
    from .publishing import text_renderer

    docset, options, config = _load_site(config_file)
    doc = docset.by_id.get(doc_id)
    if doc is None:
        raise QmsError(f"no controlled document has the ID {doc_id}; see 'qms register'")
    if not options.history:
        raise QmsError("qms diff reads earlier revisions from Git; the site has 'history: false'")
    publishing = _publishing(docset, options, config)
    try:
        versions = publishing.versions(doc)
    except GitError as exc:
        raise QmsError(str(exc)) from None
    labels = [label for label, _ in versions]
    if not versions:
        raise QmsError(f"{doc_id} has no committed revision yet: commit it first")
    new = new or labels[-1]
    if new not in labels:
        raise click.BadParameter(
            f"{doc_id} has no revision {new!r}; it has {', '.join(labels)}", param_hint="TO"
        )
    if old is None:
        before = [label for label in labels[: labels.index(new)] if label != "working"]
        if not before:
            raise QmsError(f"{doc_id} revision {new} is its first: there is nothing to compare")
        old = before[-1]
    if old not in labels:
        raise click.BadParameter(
            f"{doc_id} has no revision {old!r}; it has {', '.join(labels)}", param_hint="FROM"
        )
    found = dict(versions)
    render = text_renderer(config)
    old_doc, new_doc = found[old], found[new]
    result = redline(
        render(old_doc.body),
        render(new_doc.body),
        old,
        new,
        old_doc.data,
        new_doc.data,
    )
    if fmt == "html":
        text = fields_html(result) + "\n" + to_html(result, compact=not full) + "\n"
    elif fmt == "markdown":
        text = to_markdown(result, compact=not full)
    else:  # for a terminal: control characters in the documents shown, not sent
        text = "\n".join(visible(line) for line in to_text(result, compact=not full).split("\n"))
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


@main.command()
@config_option
@click.option(
    "--base",
    metavar="REF",
    default=None,
    help="Also check the change from REF (the branch a pull request targets, such as "
    "origin/main) to the working tree: revisions, statuses, IDs, deletions and approvals.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text: one line per problem; json: for tools; markdown: for a pull-request comment, "
    "with the changed documents and their impact.",
)
@click.option(
    "--allow-overdue-reviews",
    "overdue_ok",
    is_flag=True,
    help="Exit with 0 instead of 3 when overdue periodic reviews are all that was found (for "
    "pull-request gates and commit hooks: a review due elsewhere in the manual is not the "
    "change's doing). They are still reported.",
)
def check(config_file: str, base: str | None, fmt: str, overdue_ok: bool) -> None:
    """Run every rule the site build runs, and with --base the change rules against REF.

    Exit code 0: no problems; 1: problems found; 2: the check could not run; 3: no problems,
    but periodic reviews are overdue (the site is still built and published).
    """
    from .glossary import terminology_findings

    docset, options, config = _load_site(config_file, missing_folder_ok=base is not None)
    site = _site_check(docset, options, config, base)
    terms = terminology_findings(options, docset.settings.root, docset.documents)
    report = CheckReport(docset, site.comparison, extra=terms + site.uncommitted)
    comparison = site.comparison
    if comparison is not None:
        report.merge_message = merge_trailers(
            comparison,
            docset.settings.approval.roles,
            (options.approval_trailers or ["Approved-by"])[0],
            options.editorial_trailer,
            options.periodic_review_trailer,
        )
        if fmt == "markdown":
            report.redlines = _change_redlines(comparison, config)
    sys.stdout.buffer.write(RENDERERS[fmt](report).encode("utf-8"))
    sys.stdout.flush()
    code = report.exit_code
    sys.exit(0 if overdue_ok and code == EXIT_REVIEWS_DUE else code)


@main.command()
@config_option
@click.option(
    "--due-within",
    "days",
    type=click.IntRange(min=0),
    default=None,
    metavar="DAYS",
    help="List the documents overdue for review and those due within DAYS "
    "(default: the plugin's review_due_soon_days, 60).",
)
@click.option("--all", "everything", is_flag=True, help="List every document in force.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
    help="text: a table for a terminal; csv or json: for a spreadsheet or another tool.",
)
def reviews(config_file: str, days: int | None, everything: bool, fmt: str) -> None:
    """List periodic reviews that are overdue or due soon, as the site's Reviews page does.

    Exit code 0 (2 if the list cannot be made): an overdue review never stops anything; CI
    that should warn about one can use `qms check`'s exit code 3.
    """
    docset, options, config = _load_site(config_file)
    site = _site_check(docset, options, config)
    window = options.review_due_soon_days if days is None else days
    statuses = site.review_statuses()
    chosen = statuses if everything else due_within(statuses, window)
    today = docset.settings.today
    if fmt == "json":
        text = reviews_json(chosen, today, window)
    elif fmt == "csv":
        text = reviews_csv(chosen)
    else:
        text = reviews_text(chosen, today, window, everything)
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _change_redlines(comparison: Comparison, config: Any) -> dict[str, Redline]:
    """What changed in the text of each changed document, rendered as the site renders it."""
    from .publishing import text_renderer

    render = text_renderer(config)
    redlines = {}
    for change in comparison.changes:
        old, new = change.old, change.new
        if old is None or new is None:
            continue
        redlines[change.path] = redline(
            render(old.body),
            render(new.body),
            old.revision or "—",
            new.revision or "—",
            old.data,
            new.data,
        )
    return redlines


@main.command()
@config_option
@click.argument("doc_type", metavar="TYPE", type=click.Choice(DOCUMENT_TYPES))
@click.option("--title", default=None, help="The document's title (default: 'New TYPE').")
@click.option("--owner", default=None, help="Who owns the content (default: your Git name).")
@click.option("--id", "doc_id", default=None, help="Use this ID instead of the next free one.")
@click.option(
    "--parent",
    default=None,
    metavar="DOC_ID",
    help="The procedure a work instruction or form is numbered under, such as QP-075.",
)
def new(
    config_file: str,
    doc_type: str,
    title: str | None,
    owner: str | None,
    doc_id: str | None,
    parent: str | None,
) -> None:
    """Create a draft document of TYPE with the next free ID, and print its path.

    The ID is one above the highest of its type ever used, in the documents and in the Git
    history (IDs of deleted documents are never reused). Exit code 1 if the ID is taken.
    """
    docset = _load(config_file)
    settings = docset.settings
    repo = _repository_or_none(docset)
    used = {
        **_ids_in_history(repo, docset),
        **{d.doc_id: d.path for d in docset.documents if d.doc_id},
    }
    pattern = settings.id_patterns.get(doc_type, DEFAULT_ID_PATTERNS[doc_type])
    if parent is not None and parent not in docset.by_id:
        raise click.BadParameter(f"no document has the ID {parent}", param_hint="--parent")
    try:
        if doc_id is None:
            template = IdTemplate.parse(pattern)
            doc_id = next_free_id(template, used, parent_numbers(template, parent, doc_type))
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    if not re.fullmatch(pattern, doc_id):
        raise click.BadParameter(
            f"{doc_id} does not fit the pattern for a {doc_type} ({pattern})", param_hint="--id"
        )
    if doc_id in used:
        where = "is used by" if doc_id in docset.by_id else "was used before by"
        _refuse(
            f"{doc_id} {where} {used[doc_id]}; IDs are never reused: leave out --id to get "
            "the next free one"
        )
    root = settings.root.resolve()
    folder = folder_for(doc_type, docset.documents, settings.folder.relative_to(root).as_posix())
    name = file_name(doc_id, docset.documents)
    if name != PurePath(name).name or "\\" in name or name[:1] == "." or not name.isprintable():
        raise click.BadParameter(
            f"{visible(doc_id)} cannot be a file name (it holds a path separator, starts with "
            "a dot or holds a control character); choose an ID of letters, digits and dashes",
            param_hint="--id",
        )
    target = root / folder / name
    if os.path.lexists(target):  # a link counts, even one that points nowhere
        _refuse(f"{target} already exists; choose another --id")
    # Every folder on the way is followed as the file system will: the file must land in the
    # procedures folder, whatever links there are.
    if not target.parent.resolve().is_relative_to(settings.folder):
        raise QmsError(
            f"{target} would be written outside the procedures folder {settings.folder} (a "
            "symbolic link on the way leads elsewhere); remove the link, or give the file's "
            "folder in the repository itself"
        )
    author = working_tree_author(repo) if repo is not None else None
    text = first_draft(
        doc_id,
        doc_type,
        title or f"New {TYPE_NAMES[doc_type]}",
        owner or (author.name if author else "Document owner"),
        settings.scheme(),
        related=[parent] if parent else [],
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as handle:  # never through a link that appeared meanwhile
            handle.write(text.encode("utf-8"))
    except FileExistsError:
        _refuse(f"{target} already exists; choose another --id")
    click.echo(visible(target.relative_to(root).as_posix()))


def _refuse(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _repository_or_none(docset: DocumentSet) -> Repository | None:
    """The manual's Git repository with at least one commit, or None outside Git."""
    settings = docset.settings
    try:
        repo = find_repository(settings.root, settings.folder)
    except GitError:
        return None
    return repo if repo.head() is not None else None


def _ids_in_history(repo: Repository | None, docset: DocumentSet) -> dict[str, str]:
    """Every doc_id the procedures folder's history has seen (none outside Git)."""
    if repo is None:
        return {}
    try:
        if repo.is_shallow():
            raise QmsError(SHALLOW_MESSAGE)
        folder = docset.settings.folder.relative_to(repo.root).as_posix()
        return ids_ever_used(repo, "HEAD", "" if folder == "." else folder)
    except GitError as exc:
        raise QmsError(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print qms/history.json's format.")
def history(paths: tuple[str, ...], config_file: str, as_json: bool) -> None:
    """Print the revision history of Markdown files tracked by Git.

    With no PATH, every controlled document; a PATH may be any tracked Markdown file, with or
    without front matter. Read from the first-parent history of the checked-out branch.
    """
    from .core.audit import HistoryOptions, history_json
    from .core.git import GitError, Repository, find_repository
    from .core.history import load_history
    from .core.register import page_url
    from .history_adapter import history_options, repo_relative

    try:
        docset = None
        options = HistoryOptions()
        if not paths or Path(config_file).is_file():
            docset, plugin_options, config = _load_site(config_file)
            settings = docset.settings
            repo = find_repository(settings.root, settings.folder)
            # The same options as the site's export, repository links included.
            options = history_options(plugin_options, config.repo_url)
        else:
            repo = Repository.discover(Path.cwd())
        wanted: list[tuple[str, str | None]] = []
        if paths:
            urls = {}
            if docset is not None:
                urls = {
                    repo_relative(repo, docset.settings.root / d.path): page_url(
                        d.src_uri, docset.settings.use_directory_urls
                    )
                    for d in docset.documents
                }
            for path in paths:
                rel = repo_relative(repo, Path(path))
                wanted.append((rel, urls.get(rel)))
        else:
            assert docset is not None
            for doc in docset.documents:
                rel = repo_relative(repo, docset.settings.root / doc.path)
                wanted.append((rel, page_url(doc.src_uri, docset.settings.use_directory_urls)))
        scope = tuple(dict.fromkeys(rel for rel, _ in wanted)) or ("",)
        record = load_history(repo, scope=scope)
    except GitError as exc:
        raise click.ClickException(str(exc)) from None
    records = []
    for rel, url in wanted:
        found = record.get(rel)
        if found is None:
            raise click.ClickException(
                f"{rel} has no committed history: it is not a Markdown file tracked by Git "
                "(commit it first, or check the path)"
            )
        records.append((found, url))
    if as_json:
        sys.stdout.buffer.write(history_json(record, records, options).encode("utf-8"))
        sys.stdout.flush()
        return
    # Paths, subjects and names are users' text: control characters are shown, not sent.
    for found, _ in records:
        click.echo(visible(found.path))
        for revision in reversed(found.revisions()):
            for change in reversed(revision.changes):
                commit = change.commit
                ref = f" {commit.change_ref}" if commit.change_ref else ""
                approvers = ", ".join(p.name for p in revision.approvers(options.approval_trailers))
                approval = f"  approved by {approvers}" if approvers else ""
                click.echo(
                    visible(
                        f"  {revision.revision or '-':>6}  {commit.day}  "
                        f"{commit.short}{ref}  {commit.subject}  ({commit.author.name})"
                        + (approval if change is revision.last else "")
                    )
                )
        click.echo("")


@main.command()
@click.argument("doc_ids", nargs=-1, metavar="[DOC_ID]...")
@config_option
@click.option(
    "-o",
    "--output-dir",
    default="pdf",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where to write the PDFs (DOC_ID-rev-REV.pdf).",
)
@click.option(
    "--site-dir",
    default=None,
    type=click.Path(file_okay=False, exists=True),
    help="Print from this built site instead of building one.",
)
@click.option("--browser", default=None, help="Chromium or Chrome to print with (or QMS_BROWSER).")
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)
def pdf(
    doc_ids: tuple[str, ...],
    config_file: str,
    output_dir: str,
    site_dir: str | None,
    browser: str | None,
    paper: str,
) -> None:
    """Print controlled PDFs of documents (default: all) through a local Chromium or Chrome.

    Each page carries the document's ID, revision and status, "Uncontrolled when printed —
    printed on DATE" and page X of Y, as a copy printed from the site does. Optional: it needs
    a Chromium-based browser on this machine, and nothing else.
    """
    import json
    import tempfile

    try:
        found = find_browser(browser)
    except PdfError as exc:
        raise QmsError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="qms-pdf-") as scratch:
        site = Path(site_dir) if site_dir else _build_site(config_file, Path(scratch) / "site")
        register = site / _exports_dir(config_file) / "register.json"
        try:
            rows = json.loads(register.read_text("utf-8"))["documents"]
        except (OSError, ValueError, KeyError) as exc:
            raise QmsError(f"{register}: no master document list to print from ({exc})") from None
        by_id = {str(row["id"]): row for row in rows if row.get("url")}
        unknown = [doc_id for doc_id in doc_ids if doc_id not in by_id]
        if unknown:
            raise QmsError(f"no published document with the ID {', '.join(unknown)}")
        jobs = [
            PrintJob(doc_id, str(by_id[doc_id].get("revision") or ""), str(by_id[doc_id]["url"]))
            for doc_id in (doc_ids or tuple(by_id))
        ]
        try:
            written = print_pdfs(site, jobs, Path(output_dir), found, paper=paper)
        except PdfError as exc:
            raise QmsError(str(exc)) from None
    for path in written:
        click.echo(str(path))


def _exports_dir(config_file: str) -> str:
    return str(_load_site(config_file)[1].exports_dir)


def _build_site(config_file: str, site_dir: Path) -> Path:
    """Build the site (as ``mkdocs build`` would) into ``site_dir``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    try:
        build(load_config(config_file, site_dir=str(site_dir)))
    except (Abort, ConfigurationError, PluginError) as exc:
        raise QmsError(f"the site did not build: {exc}") from None
    return site_dir
