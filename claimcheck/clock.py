"""The one rule for times: stored in UTC, shown in the local time zone with its offset.

The database, the hash chain and machine-readable JSON (API answers, ``--json``,
JSON exports) keep the stored UTC instant as ISO 8601 with ``+00:00``; every
place a person reads a time (terminal tables, HTML reports, spreadsheet and CSV
exports) shows it with :func:`show_time`: local wall-clock time *and* its offset,
so a reader never has to guess which zone a time is in. The local zone is the
process's (the ``TZ`` environment variable on a server).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["local_zone", "now_utc", "show_time", "to_local"]


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_zone() -> dt.tzinfo:
    """The local time zone: dates a person types (``--from 2026-12-01``) are whole days in it."""
    return dt.datetime.now().astimezone().tzinfo or dt.UTC


def to_local(ts: dt.datetime | str) -> dt.datetime:
    """``ts`` in the local time zone; a naive time (SQLite hands stored UTC back without a zone) is UTC."""
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone()


def show_time(ts: dt.datetime | str | None, *, seconds: bool = True) -> str:
    """``2026-11-30 15:26:52 +08:00``: local time with its UTC offset ("" for None)."""
    if ts is None or ts == "":
        return ""
    local = to_local(ts)
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    clock = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{clock} {sign}{minutes // 60:02d}:{minutes % 60:02d}"
