"""The one place that decides what "today" is.

Overdue reviews and not-yet-effective revisions depend on the date. A build or a test can pin it
(config option ``today``, then the ``SOURCE_DATE_EPOCH`` environment variable), so a strict build
of a fixed commit does not start failing as the calendar moves on.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping


class TodayError(ValueError):
    """The configured date cannot be read."""


def resolve_today(
    configured: str | dt.date | None = None,
    environ: Mapping[str, str] | None = None,
) -> dt.date:
    """Return the date the build treats as today.

    Order: the ``configured`` value (``YYYY-MM-DD``), then ``SOURCE_DATE_EPOCH`` (seconds since
    1970, UTC, as reproducible-builds tools set it), then the system clock in UTC.
    """
    environ = os.environ if environ is None else environ
    if isinstance(configured, dt.datetime):
        return configured.date()
    if isinstance(configured, dt.date):
        return configured
    if configured:
        try:
            return dt.date.fromisoformat(str(configured).strip())
        except ValueError:
            raise TodayError(
                f"today: {configured!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31"
            ) from None
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise TodayError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970"
            ) from None
    return dt.datetime.now(tz=dt.timezone.utc).date()
