"""Reading the review record: entries as dicts, decisions attached to their records, date bounds.

Helpers of :class:`claimcheck.ledger.record.Ledger`'s read methods.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select

from claimcheck.ledger.chain import RECORD_KINDS, UTC, LedgerError, iso_utc
from claimcheck.store.models import LedgerEntry

_T = cast(Table, LedgerEntry.__table__)


def bound(value: dt.date | dt.datetime | str | None, tz: dt.tzinfo, *, end: bool) -> tuple[dt.datetime | None, bool]:
    """A filter bound as an aware UTC datetime, and whether it is exclusive.

    A date means that whole day in ``tz`` (so an end date is exclusive at the next midnight); a
    datetime is inclusive, in ``tz`` when naive. Strings are ISO 8601 dates or datetimes."""
    if value is None:
        return None, False
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
        except ValueError:
            raise LedgerError(f"not an ISO date or time: {value!r}") from None
    if not isinstance(value, dt.datetime):
        day = value + dt.timedelta(days=1) if end else value
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(UTC), end
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC), False


def as_dict(row: Row) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "kind": row.kind,
        "created_at": iso_utc(row.created_at),
        "sku": row.sku,
        "subject": row.subject,
        "record_seq": row.record_seq,
        "payload": json.loads(row.payload),
        "entry_hash": row.entry_hash,
        "prev_hash": row.prev_hash,
        "key_id": row.key_id,
        "signature": row.signature,
    }


def decision_view(row: Row) -> dict[str, Any]:
    payload = json.loads(row.payload)
    return {
        "seq": row.seq,
        "created_at": iso_utc(row.created_at),
        "finding_index": payload.get("finding_index"),
        "decision": payload.get("decision"),
        "reason": payload.get("reason"),
        "reviewer": payload.get("reviewer"),
        "reviewer_via": payload.get("reviewer_via"),
        "supersedes": payload.get("supersedes"),
    }


def with_decisions(conn: Connection, rows: list[Row]) -> list[dict[str, Any]]:
    record_seqs = [r.seq for r in rows if r.kind in RECORD_KINDS]
    decisions: dict[int, list[dict[str, Any]]] = {s: [] for s in record_seqs}
    for i in range(0, len(record_seqs), 500):
        chunk = record_seqs[i : i + 500]
        query = (
            select(_T).where(_T.c.kind == "decision", _T.c.record_seq.in_(chunk)).order_by(_T.c.record_seq, _T.c.seq)
        )
        for d in conn.execute(query):
            decisions[d.record_seq].append(decision_view(d))
    out = []
    for row in rows:
        item = as_dict(row)
        if row.kind in RECORD_KINDS:
            item["decisions"] = decisions[row.seq]
        out.append(item)
    return out
