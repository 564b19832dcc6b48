"""The ``qms`` command: the same checks and registers as the site, from the command line."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from .core.findings import Finding
from .core.manual import DocumentSet, SettingsError
from .core.register import master_list, register_csv, register_json
from .core.today import TodayError, resolve_today


def _load(config_file: str) -> DocumentSet:
    """Read mkdocs.yml, the qms plugin's options in it, and every controlled document."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    from .plugin import QmsPlugin, build_settings, date_option

    if not Path(config_file).is_file():
        raise click.ClickException(
            f"{config_file} not found; run qms in the folder that holds mkdocs.yml, or pass "
            "--config-file"
        )
    try:
        config = load_config(config_file)
    except ConfigurationError as exc:
        raise click.ClickException(f"{config_file}: {exc}") from None
    plugin = config.plugins.get("qms")
    if not isinstance(plugin, QmsPlugin):
        raise click.ClickException(
            f"{config_file} does not enable the qms plugin; add '- qms' under 'plugins:'"
        )
    try:
        settings = build_settings(
            config, plugin.config, resolve_today(date_option(plugin.config.today))
        )
        return DocumentSet.load(settings)
    except (SettingsError, TodayError) as exc:
        raise click.ClickException(str(exc)) from None


config_option = click.option(
    "-f",
    "--config-file",
    default="mkdocs.yml",
    show_default=True,
    help="The site's MkDocs configuration, with the qms plugin's options.",
)


@click.group()
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
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
def register(config_file: str, fmt: str, output: str | None) -> None:
    """Print the master document list."""
    entries = master_list(_load(config_file))
    text = register_json(entries) if fmt == "json" else register_csv(entries)
    if output:
        Path(output).write_bytes(text.encode("utf-8"))
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


def summary(docset: DocumentSet, findings: list[Finding]) -> str:
    """A Markdown summary a person can paste into a pull request."""
    count = len(docset.documents)
    if not findings:
        return f"**Document control check passed**: {count} controlled documents, no problems.\n"
    files = len({f.path for f in findings})
    lines = [
        f"**Document control check failed**: {len(findings)} problem"
        f"{'s' if len(findings) != 1 else ''} in {files} of {count} documents.",
        "",
        "| Document | Where | Rule | Problem |",
        "|---|---|---|---|",
    ]
    for f in findings:
        message = f.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {f.doc_id or '—'} | `{f.location()}` | `{f.rule}` | {message} |")
    by_rule = Counter(f.rule for f in findings)
    lines += ["", "By rule: " + ", ".join(f"`{rule}` {n}" for rule, n in sorted(by_rule.items()))]
    return "\n".join(lines) + "\n"


@main.command()
@config_option
def check(config_file: str) -> None:
    """Check every controlled document; exit 1 if any breaks document control."""
    docset = _load(config_file)
    for finding in docset.findings:
        click.echo(str(finding), err=True)
    click.echo(summary(docset, docset.findings))
    sys.exit(1 if docset.findings else 0)
