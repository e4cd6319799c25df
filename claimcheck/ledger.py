"""The selection review record (选品审核台账): an append-only, hash-chained ledger.

Every screening or audit result is appended as a record (product/SKU, the
script name or broadcast id, the input's sha256, the engine/lexicon/model
versions, each finding and the verdict); a reviewer's confirm/dismiss of a
finding is appended as a decision entry that points at the record. Nothing is
updated or deleted in place.

Each entry's hash covers the previous entry's hash, its seq, kind, time and
canonical-JSON payload::

    entry_hash = sha256(prev_hash + "\\n" + seq + "\\n" + kind + "\\n" + created_at + "\\n" + payload)

(the first entry's prev_hash is 64 zeros; created_at is UTC ISO 8601 with
microseconds), so :meth:`Ledger.verify` finds an edited, removed or reordered
entry. Removing the newest entries leaves a shorter valid chain: keep
``VerifyReport.head_hash`` somewhere else (a signed export, a ticket) to notice that.

Appends are serialised across processes (see :mod:`claimcheck.store.locking`)
and are single transactions, so concurrent writers keep one gapless chain and
a writer killed mid-append leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Row, func, insert, select

from claimcheck.store.locking import LEDGER_LOCK, ensure_schema, locked_transaction, read_transaction
from claimcheck.store.models import LedgerEntry
from claimcheck.types import ScreenResult

UTC = dt.UTC
GENESIS_HASH = "0" * 64
RECORD_KINDS = ("screening", "audit")
KINDS = (*RECORD_KINDS, "decision")
DECISIONS = ("confirm", "dismiss")
EXPORT_FORMATS = ("xlsx", "csv", "json")

# Test hook: hold an append's transaction open after the insert (to kill the process there).
HOLD_ENV = "CLAIMCHECK_LEDGER_TEST_HOLD_S"
HOLD_MARKER_ENV = "CLAIMCHECK_LEDGER_TEST_HOLD_MARKER"

_T = LedgerEntry.__table__
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_SKU = LedgerEntry.__table__.c.sku.type.length
_MAX_SUBJECT = LedgerEntry.__table__.c.subject.type.length


class LedgerError(ValueError):
    """A review-record request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str | None = None  # hash of the newest entry when ok: anchor it elsewhere to detect truncation


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def iso_utc(ts: dt.datetime) -> str:
    """The timestamp as hashed and shown: UTC, ISO 8601, microseconds (naive values are UTC, as SQLite returns them)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(prev_hash: str, seq: int, kind: str, created_at: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{kind}\n{created_at}\n{payload}".encode()).hexdigest()


def _hold_for_tests(seq: int) -> None:
    hold = os.environ.get(HOLD_ENV)
    if not hold:
        return
    marker = os.environ.get(HOLD_MARKER_ENV)
    if marker:
        Path(marker).write_text(str(seq), encoding="utf-8")
    time.sleep(float(hold))


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

    def __init__(self, url: str) -> None:
        self.url = url
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
            row = conn.execute(select(_T).where(_T.c.seq == record_seq)).first()
            if row is None:
                raise LedgerError(f"there is no entry {record_seq} in the review record")
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
            _hold_for_tests(seq)
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
                    bad = _check(row, expected, prev_hash)
                    prev_hash, expected = row.entry_hash, row.seq + 1
        if bad is not None:
            return VerifyReport(ok=False, entries=count, first_bad_seq=bad[0], problem=bad[1])
        return VerifyReport(ok=True, entries=count, head_hash=prev_hash if count else None)

    # ------------------------------------------------------------------ reading
    def get(self, seq: int) -> dict[str, Any]:
        with read_transaction(self.url) as conn:
            row = conn.execute(select(_T).where(_T.c.seq == seq)).first()
            if row is None:
                raise LedgerError(f"there is no entry {seq} in the review record")
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

    def count(self) -> int:
        with read_transaction(self.url) as conn:
            return conn.execute(select(func.count()).select_from(_T)).scalar_one()

    # ------------------------------------------------------------------ exporting
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
        """Write the (filtered) record: xlsx = sheets "records" (one row per finding) and "entries" (the raw
        chain); csv = the records sheet (UTF-8 with BOM, for Excel); json = the full entries."""
        path = Path(path)
        fmt = fmt or path.suffix.lstrip(".").lower()
        if fmt not in EXPORT_FORMATS:
            raise LedgerError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
        items = self.entries(from_date, to_date, sku=sku, tz=tz)
        if fmt == "json":
            path.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            return path

        import pandas as pd

        records = pd.DataFrame(_record_rows(items), columns=RECORD_COLUMNS)
        if fmt == "csv":
            records.map(_csv_safe).to_csv(path, index=False, encoding="utf-8-sig")
            return path
        chain = pd.DataFrame(
            [{c: e[c] for c in ENTRY_COLUMNS} for e in items],
            columns=ENTRY_COLUMNS,
        )
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for name, frame in (("records", records), ("entries", chain)):
                frame.map(_xlsx_safe).to_excel(xw, sheet_name=name, index=False)
                sheet = xw.sheets[name]
                for cells in sheet.iter_rows():
                    for cell in cells:
                        if cell.data_type == "f":  # text that starts with "=" is data, never a formula
                            cell.data_type = "s"
                sheet.freeze_panes = "A2"
        return path


RECORD_COLUMNS = [
    "seq",
    "time",
    "kind",
    "subject",
    "sku",
    "verdict",
    "finding_index",
    "finding_text",
    "category",
    "rule_id",
    "severity",
    "score",
    "detector",
    "start",
    "end",
    "legal_basis",
    "claim_verdict",
    "evidence",
    "versions",
    "input_sha256",
    "decision",
    "decision_reason",
    "decision_reviewer",
    "decision_time",
    "decision_seq",
]
ENTRY_COLUMNS = ["seq", "kind", "created_at", "sku", "subject", "record_seq", "entry_hash", "prev_hash"]


def _check(row: Row, expected: int, prev_hash: str) -> tuple[int, str] | None:
    seq = row.seq
    if seq != expected:
        if seq > expected:
            gap = f"entry {expected}" if seq == expected + 1 else f"entries {expected}..{seq - 1}"
            return expected, f"{gap} missing (the next entry is {seq}): removed or renumbered"
        return seq, f"entry {seq} is out of sequence (expected {expected})"
    if row.prev_hash != prev_hash:
        what = "the chain start" if seq == 1 else f"entry {seq - 1}'s hash"
        return seq, (
            f"entry {seq} does not link to {what}: entries were reordered, removed or inserted here"
            + ("" if seq == 1 else f", or entry {seq - 1} was altered and re-hashed")
        )
    if row.kind not in KINDS:
        return seq, f"entry {seq} has an unknown kind {row.kind!r}"
    if compute_hash(row.prev_hash, seq, row.kind, iso_utc(row.created_at), row.payload) != row.entry_hash:
        return seq, f"entry {seq} was altered: its content does not match its hash"
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return seq, f"entry {seq}'s payload is not JSON"
    if not isinstance(payload, dict):
        return seq, f"entry {seq}'s payload is not a JSON object"
    copies = {"sku": payload.get("sku"), "subject": payload.get("subject"), "record_seq": payload.get("record_seq")}
    for column, value in copies.items():
        if getattr(row, column) != value:
            return seq, f"entry {seq}'s {column} column ({getattr(row, column)!r}) does not match its payload"
    return None


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


def _record_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for e in items:
        if e["kind"] not in RECORD_KINDS:
            continue
        p = e["payload"]
        latest: dict[int, dict[str, Any]] = {}
        for d in e.get("decisions", []):
            latest[d["finding_index"]] = d  # in seq order: the last one wins
        base = {
            "seq": e["seq"],
            "time": e["created_at"],
            "kind": e["kind"],
            "subject": e["subject"],
            "sku": e["sku"],
            "verdict": p.get("verdict"),
            "versions": canonical_json(p.get("versions", {})),
            "input_sha256": p.get("input_sha256"),
        }
        findings = p.get("findings") or [None]  # a record without findings still gets its row
        for index, f in enumerate(findings):
            row = dict(base)
            if f is not None:
                d = latest.get(index)
                row |= {
                    "finding_index": index,
                    "finding_text": f.get("text"),
                    "category": f.get("category"),
                    "rule_id": f.get("rule_id"),
                    "severity": f.get("severity"),
                    "score": f.get("score"),
                    "detector": f.get("detector"),
                    "start": f.get("start"),
                    "end": f.get("end"),
                    "legal_basis": f.get("legal_basis"),
                    "claim_verdict": f.get("claim_verdict"),
                    "evidence": canonical_json(f["evidence"]) if f.get("evidence") is not None else None,
                }
                if d is not None:
                    row |= {
                        "decision": d["decision"],
                        "decision_reason": d["reason"],
                        "decision_reviewer": d["reviewer"],
                        "decision_time": d["created_at"],
                        "decision_seq": d["seq"],
                    }
            rows.append(row)
    return rows


_EXCEL_CELL_MAX = 32_767


def _xlsx_safe(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > _EXCEL_CELL_MAX:
        value = value[: _EXCEL_CELL_MAX - 20] + "…[truncated]"
    return value


def _csv_safe(value: Any) -> Any:
    # Spreadsheet formula injection: text that Excel would evaluate is prefixed with an apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


__all__ = ["GENESIS_HASH", "Ledger", "LedgerError", "VerifyReport", "canonical_json", "compute_hash"]
