"""The selection review record (选品审核台账): appending, reading and filtering entries.

Every screening or audit result is appended as a record (product/SKU, the
script name or broadcast id, the input's sha256, the engine/lexicon/detector
versions, each finding and the verdict); a reviewer's confirm/dismiss of a
finding is appended as a decision entry that points at the record. Nothing is
updated or deleted in place; :mod:`claimcheck.ledger.chain` hashes and checks
the chain.

Appends are serialised across processes (see :mod:`claimcheck.store.locking`)
and are single transactions, so concurrent writers keep one gapless chain and
a writer killed mid-append leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Connection, Row, Table, func, insert, select

from claimcheck.ledger.chain import (
    GENESIS_HASH,
    KINDS,
    RECORD_KINDS,
    UTC,
    EntryNotFound,
    LedgerError,
    VerifyReport,
    canonical_json,
    check_entry,
    compute_hash,
    iso_utc,
)
from claimcheck.ledger.export import EXPORT_FORMATS, write_export
from claimcheck.store.locking import LEDGER_LOCK, locked_transaction, read_transaction
from claimcheck.store.migrate import ensure_schema
from claimcheck.store.models import SKU_LEN, SUBJECT_LEN, LedgerEntry
from claimcheck.types import ScreenResult

DECISIONS = ("confirm", "dismiss")

_T = cast(Table, LedgerEntry.__table__)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_SKU = SKU_LEN
_MAX_SUBJECT = SUBJECT_LEN
#: ledger seqs are stored as 64-bit integers; larger numbers cannot name an entry
MAX_SEQ = 2**63 - 1

#: called inside an append's transaction right after the insert, with the new seq (tests use it to
#: kill a writer there); the default does nothing
AfterInsert = Callable[[int], None]


def _bound(value: dt.date | dt.datetime | str | None, tz: dt.tzinfo, *, end: bool) -> tuple[dt.datetime | None, bool]:
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


class Ledger:
    """The review record in the database at ``url`` (migrated to the newest schema on first use)."""

    def __init__(self, url: str, *, after_insert: AfterInsert | None = None) -> None:
        self.url = url
        self.after_insert = after_insert
        ensure_schema(url)

    # ------------------------------------------------------------------ writing
    def append_result(
        self,
        kind: Literal["screening", "audit"],
        result: ScreenResult,
        *,
        subject: str | None,
        sku: str | None,
        input_hash: str,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Append a screening or audit result; returns the new entry's seq."""
        if kind not in RECORD_KINDS:
            raise LedgerError(f"kind must be one of {', '.join(RECORD_KINDS)}, not {kind!r}")
        if not isinstance(input_hash, str) or not _SHA256.fullmatch(input_hash.lower()):
            raise LedgerError(f"input_hash must be a sha256 hex digest (64 hex characters), not {input_hash!r}")
        if meta is not None and not isinstance(meta, dict):
            raise LedgerError(f"meta must be a dict, not {type(meta).__name__}")
        data = result.to_json_dict()
        payload = {
            "sku": sku,
            "subject": subject,
            "input_sha256": input_hash.lower(),
            "verdict": data["verdict"],
            "versions": data.get("versions", {}),
            "findings": data.get("findings", []),
            "meta": meta or {},
        }
        return self._append(kind, payload, sku=sku, subject=subject, record_seq=None)

    def add_decision(
        self,
        record_seq: int,
        finding_index: int,
        decision: Literal["confirm", "dismiss"],
        reason: str,
        reviewer: str,
    ) -> int:
        """Append a reviewer's decision on one finding of a record; returns the new entry's seq."""
        if decision not in DECISIONS:
            raise LedgerError(f"decision must be 'confirm' or 'dismiss', not {decision!r}")
        reason = (reason or "").strip()
        reviewer = (reviewer or "").strip()
        if decision == "dismiss" and not reason:
            raise LedgerError("a reason is required to dismiss a finding")
        if not reviewer:
            raise LedgerError("the reviewer is required")
        if isinstance(record_seq, bool) or not isinstance(record_seq, int):
            raise LedgerError(f"record_seq must be an integer, not {record_seq!r}")
        if isinstance(finding_index, bool) or not isinstance(finding_index, int):
            raise LedgerError(f"finding_index must be an integer, not {finding_index!r}")

        def build(conn: Connection) -> tuple[dict[str, Any], str | None, str | None]:
            row = conn.execute(select(_T).where(_T.c.seq == record_seq)).first() if 0 < record_seq <= MAX_SEQ else None
            if row is None:
                raise EntryNotFound(f"there is no entry {record_seq} in the review record")
            if row.kind not in RECORD_KINDS:
                raise LedgerError(f"entry {record_seq} is a {row.kind}, not a screening or audit record")
            findings = json.loads(row.payload).get("findings", [])
            if not 0 <= finding_index < len(findings):
                raise LedgerError(
                    f"record {record_seq} has {len(findings)} finding(s); there is no finding {finding_index}"
                    + (f" (valid: 0..{len(findings) - 1})" if findings else "")
                )
            finding = findings[finding_index]
            payload = {
                "record_seq": record_seq,
                "record_hash": row.entry_hash,
                "finding_index": finding_index,
                "rule_id": finding.get("rule_id"),
                "finding_text": finding.get("text"),
                "decision": decision,
                "reason": reason,
                "reviewer": reviewer,
                "sku": row.sku,
                "subject": row.subject,
            }
            return payload, row.sku, row.subject

        return self._append("decision", build, sku=None, subject=None, record_seq=record_seq)

    def _append(self, kind: str, payload_or_builder, *, sku: str | None, subject: str | None, record_seq) -> int:
        for name, value, limit in (("sku", sku, _MAX_SKU), ("subject", subject, _MAX_SUBJECT)):
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise LedgerError(f"{name} must be a string of at most {limit} characters, not {value!r}")
        with locked_transaction(self.url, LEDGER_LOCK) as conn:
            if callable(payload_or_builder):
                payload_obj, sku, subject = payload_or_builder(conn)
            else:
                payload_obj = payload_or_builder
            try:
                payload = canonical_json(payload_obj)
            except (TypeError, ValueError) as exc:
                raise LedgerError(f"the entry cannot be stored as JSON (check meta): {exc}") from None
            last = conn.execute(select(_T.c.seq, _T.c.entry_hash).order_by(_T.c.seq.desc()).limit(1)).first()
            seq, prev_hash = (last.seq + 1, last.entry_hash) if last else (1, GENESIS_HASH)
            created_at = dt.datetime.now(UTC)
            conn.execute(
                insert(_T).values(
                    seq=seq,
                    kind=kind,
                    created_at=created_at,
                    payload=payload,
                    prev_hash=prev_hash,
                    entry_hash=compute_hash(prev_hash, seq, kind, iso_utc(created_at), payload),
                    sku=sku,
                    subject=subject,
                    record_seq=record_seq,
                )
            )
            if self.after_insert is not None:
                self.after_insert(seq)
        return seq

    # ------------------------------------------------------------------ checking
    def verify(self) -> VerifyReport:
        """Re-walk the chain; report the first entry that was edited, removed, inserted or moved."""
        expected, prev_hash, count = 1, GENESIS_HASH, 0
        bad: tuple[int, str] | None = None
        with read_transaction(self.url) as conn:
            rows = conn.execution_options(yield_per=1000).execute(select(_T).order_by(_T.c.seq, _T.c.id))
            for row in rows:
                count += 1
                if bad is None:
                    bad = check_entry(row, expected, prev_hash)
                    prev_hash, expected = row.entry_hash, row.seq + 1
        if bad is not None:
            return VerifyReport(ok=False, entries=count, first_bad_seq=bad[0], problem=bad[1])
        return VerifyReport(ok=True, entries=count, head_hash=prev_hash if count else None)

    # ------------------------------------------------------------------ reading
    def get(self, seq: int) -> dict[str, Any]:
        if not 0 < seq <= MAX_SEQ:
            raise EntryNotFound(f"there is no entry {seq} in the review record")
        with read_transaction(self.url) as conn:
            row = conn.execute(select(_T).where(_T.c.seq == seq)).first()
            if row is None:
                raise EntryNotFound(f"there is no entry {seq} in the review record")
            return _with_decisions(conn, [row])[0]

    def entries(
        self,
        from_date: dt.date | dt.datetime | str | None = None,
        to_date: dt.date | dt.datetime | str | None = None,
        sku: str | None = None,
        kind: str | None = None,
        *,
        tz: dt.tzinfo = UTC,
    ) -> list[dict[str, Any]]:
        """Entries in seq order. Dates are inclusive whole days in ``tz`` (UTC unless given); records carry
        every decision made on them, whenever it was made."""
        if kind is not None and kind not in KINDS:
            raise LedgerError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        query = select(_T).order_by(_T.c.seq)
        lo, _ = _bound(from_date, tz, end=False)
        hi, hi_exclusive = _bound(to_date, tz, end=True)
        if lo is not None:
            query = query.where(_T.c.created_at >= lo)
        if hi is not None:
            query = query.where(_T.c.created_at < hi if hi_exclusive else _T.c.created_at <= hi)
        if sku is not None:
            query = query.where(_T.c.sku == sku)
        if kind is not None:
            query = query.where(_T.c.kind == kind)
        with read_transaction(self.url) as conn:
            return _with_decisions(conn, list(conn.execute(query)))

    def export(
        self,
        path: str | Path,
        fmt: Literal["xlsx", "csv", "json"] | None = None,
        from_date: dt.date | dt.datetime | str | None = None,
        to_date: dt.date | dt.datetime | str | None = None,
        sku: str | None = None,
        *,
        tz: dt.tzinfo = UTC,
    ) -> Path:
        """Write the (filtered) record; see :mod:`claimcheck.ledger.export` for the formats."""
        path = Path(path)
        chosen = fmt or path.suffix.lstrip(".").lower()
        if chosen not in EXPORT_FORMATS:
            raise LedgerError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {chosen!r}")
        return write_export(self.entries(from_date, to_date, sku=sku, tz=tz), path, chosen)

    def count(self) -> int:
        with read_transaction(self.url) as conn:
            return conn.execute(select(func.count()).select_from(_T)).scalar_one()


def _as_dict(row: Row) -> dict[str, Any]:
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
    }


def _decision_view(row: Row) -> dict[str, Any]:
    payload = json.loads(row.payload)
    return {
        "seq": row.seq,
        "created_at": iso_utc(row.created_at),
        "finding_index": payload.get("finding_index"),
        "decision": payload.get("decision"),
        "reason": payload.get("reason"),
        "reviewer": payload.get("reviewer"),
    }


def _with_decisions(conn: Connection, rows: list[Row]) -> list[dict[str, Any]]:
    record_seqs = [r.seq for r in rows if r.kind in RECORD_KINDS]
    decisions: dict[int, list[dict[str, Any]]] = {s: [] for s in record_seqs}
    for i in range(0, len(record_seqs), 500):
        chunk = record_seqs[i : i + 500]
        query = (
            select(_T).where(_T.c.kind == "decision", _T.c.record_seq.in_(chunk)).order_by(_T.c.record_seq, _T.c.seq)
        )
        for d in conn.execute(query):
            decisions[d.record_seq].append(_decision_view(d))
    out = []
    for row in rows:
        item = _as_dict(row)
        if row.kind in RECORD_KINDS:
            item["decisions"] = decisions[row.seq]
        out.append(item)
    return out
