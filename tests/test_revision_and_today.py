"""Revision schemes and the one place that decides 'today'."""

from __future__ import annotations

import datetime as dt

import pytest

from qms_plugin.core.revision import LETTERS, get_scheme
from qms_plugin.core.today import TodayError, resolve_today


def test_letters_skip_easily_misread_ones() -> None:
    assert LETTERS == "ABCDEFGHJKLMNPRTUVWY"


@pytest.mark.parametrize(
    ("scheme", "revision", "valid"),
    [
        ("letters", "A", True),
        ("letters", "H", True),
        ("letters", "I", False),
        ("letters", "O", False),
        ("letters", "AB", True),
        ("letters", "b", False),
        ("letters", "1", False),
        ("integer", "12", True),
        ("integer", "012", False),
        ("integer", "A", False),
        ("major.minor", "1.10", True),
        ("major.minor", "1", False),
        ("major.minor", "1.1.1", False),
        ("dotted", "1", True),
        ("dotted", "1.0.3", True),
        ("dotted", "2.10.0.1", True),
        ("dotted", "1.03", False),
        ("dotted", "1.", False),
        ("dotted", "v2", False),
    ],
)
def test_valid_revisions(scheme: str, revision: str, valid: bool) -> None:
    assert get_scheme(scheme).is_valid(revision) is valid


@pytest.mark.parametrize(
    ("scheme", "revision", "following"),
    [
        ("letters", "A", "B"),
        ("letters", "H", "J"),
        ("letters", "N", "P"),
        ("letters", "Y", "AA"),
        ("letters", "AY", "BA"),
        ("integer", "9", "10"),
        ("major.minor", "1.9", "1.10"),
        ("dotted", "1.0.9", "1.0.10"),
        ("dotted", "3", "4"),
    ],
)
def test_next_revision(scheme: str, revision: str, following: str) -> None:
    chosen = get_scheme(scheme)
    assert chosen.next(revision) == following
    assert chosen.key(following) > chosen.key(revision)


def test_unknown_scheme_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"letters, integer, major\.minor, dotted, custom"):
        get_scheme("roman")


def test_dotted_revisions_step_at_any_level_and_keep_their_depth() -> None:
    dotted = get_scheme("dotted")
    assert dotted.successors("1.0.3") == ("1.0.4", "1.1.0", "2.0.0")
    assert dotted.key("1.0.10") > dotted.key("1.0.9") > dotted.key("1.0")
    assert dotted.first == "1.0" and dotted.sequenced


def test_a_custom_scheme_orders_by_its_groups_numbers_as_numbers() -> None:
    custom = get_scheme("custom", r"v([0-9]+)", "v1")
    assert custom.is_valid("v10") and not custom.is_valid("v") and not custom.is_valid("V2")
    assert custom.key("v10") > custom.key("v9") > custom.key("v1")
    assert custom.successors("v3") == () and not custom.sequenced and custom.first == "v1"
    issues = get_scheme("custom", r"([0-9]{4})-([A-Z])", "2024-A")
    assert issues.key("2025-A") > issues.key("2024-B") > issues.key("2024-A")
    whole = get_scheme("custom", r"[a-z]+", "alpha")  # no groups: the revision as text
    assert whole.key("beta") > whole.key("alpha")


@pytest.mark.parametrize(
    ("pattern", "first", "message"),
    [
        (None, "v1", "needs revision_pattern"),
        ("v([0-9]+", "v1", "not a valid regular expression"),
        ("v([0-9]+)", None, "needs revision_first"),
        ("v([0-9]+)", "1", "does not match revision_pattern"),
    ],
)
def test_a_custom_scheme_needs_a_valid_pattern_and_first_revision(
    pattern: str | None, first: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        get_scheme("custom", pattern, first)


def test_today_prefers_configuration_then_source_date_epoch() -> None:
    env = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01T00:00:00Z
    assert resolve_today("2025-05-05", env) == dt.date(2025, 5, 5)
    assert resolve_today(dt.date(2024, 2, 29), env) == dt.date(2024, 2, 29)
    assert resolve_today(None, env) == dt.date(2026, 1, 1)
    assert resolve_today(None, {}) == dt.datetime.now(dt.timezone.utc).date()


@pytest.mark.parametrize(
    ("configured", "env", "message"),
    [
        ("31/01/2026", {}, "YYYY-MM-DD"),
        (None, {"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH"),
    ],
)
def test_bad_dates_say_how_to_write_them(
    configured: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(TodayError, match=message):
        resolve_today(configured, env)


@pytest.mark.parametrize(
    ("src_uri", "directory_urls", "url"),
    [
        ("procedures/forms/f-001-01.md", True, "procedures/forms/f-001-01/"),
        ("procedures/forms/f-001-01.md", False, "procedures/forms/f-001-01.html"),
        ("procedures/index.md", True, "procedures/"),
        ("master-document-list.md", True, "master-document-list/"),
    ],
)
def test_page_urls_match_mkdocs(src_uri: str, directory_urls: bool, url: str) -> None:
    from mkdocs.structure.files import File

    from qms_plugin.core.register import page_url

    assert page_url(src_uri, directory_urls) == url
    assert File(src_uri, "/src", "/site", directory_urls).url == url
