"""Decision entries: who decided (the authenticated identity) and which decision a new one supersedes.

A finding has at most one current decision. A second decision on it must name
the current one in ``supersedes``, so two reviewers who disagree cannot both
"win" silently (the last write used to); the check runs inside the append's
serialised transaction, so it holds under concurrent writers.
"""

from __future__ import annotations

import json
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, select

from claimcheck.ledger.chain import RECORD_KINDS, DecisionConflict, EntryNotFound, LedgerError
from claimcheck.store.models import LedgerEntry

DECISIONS = ("confirm", "dismiss")
#: ledger seqs are stored as 64-bit integers; larger numbers cannot name an entry
MAX_SEQ = 2**63 - 1

_T = cast(Table, LedgerEntry.__table__)


def check_request(
    record_seq: int, finding_index: int, decision: str, reason: str | None, reviewer: str | None, supersedes: int | None
) -> tuple[str, str]:
    """The cleaned reason and reviewer; LedgerError for a request that can never be valid."""
    if decision not in DECISIONS:
        raise LedgerError(f"decision must be 'confirm' or 'dismiss', not {decision!r}")
    reason = (reason or "").strip()
    reviewer = (reviewer or "").strip()
    if decision == "dismiss" and not reason:
        raise LedgerError("a reason is required to dismiss a finding")
    if not reviewer:
        raise LedgerError("the reviewer is required")
    for name, value in (("record_seq", record_seq), ("finding_index", finding_index), ("supersedes", supersedes)):
        if (value is not None or name != "supersedes") and (isinstance(value, bool) or not isinstance(value, int)):
            raise LedgerError(f"{name} must be an integer, not {value!r}")
    return reason, reviewer


def _current_decision(conn: Connection, record_seq: int, finding_index: int) -> tuple[int, dict[str, Any]] | None:
    query = select(_T.c.seq, _T.c.payload).where(_T.c.kind == "decision", _T.c.record_seq == record_seq)
    current = None
    for row in conn.execute(query.order_by(_T.c.seq)):
        payload = json.loads(row.payload)
        if payload.get("finding_index") == finding_index:
            current = (row.seq, payload)
    return current


def _check_supersedes(conn: Connection, record_seq: int, finding_index: int, supersedes: int | None) -> None:
    current = _current_decision(conn, record_seq, finding_index)
    what = f"finding {finding_index} of record {record_seq}"
    if current is None:
        if supersedes is not None:
            raise DecisionConflict(f"{what} has no decision yet, so this one cannot supersede entry {supersedes}")
        return
    seq, payload = current
    if supersedes is None:
        raise DecisionConflict(
            f"{what} already has a decision (entry {seq}: {payload.get('decision')} by {payload.get('reviewer')}); "
            f"a new decision must name the one it supersedes (supersedes {seq})"
        )
    if supersedes != seq:
        raise DecisionConflict(f"entry {supersedes} is not the current decision on {what}; the current one is {seq}")


def decision_payload(
    conn: Connection,
    record_seq: int,
    finding_index: int,
    decision: Literal["confirm", "dismiss"],
    reason: str,
    reviewer: str,
    via: str,
    supersedes: int | None,
) -> tuple[dict[str, Any], str | None, str | None]:
    """The decision entry's payload, with the record's sku and subject (run inside the append's transaction)."""
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
    _check_supersedes(conn, record_seq, finding_index, supersedes)
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
        "reviewer_via": via,
        "supersedes": supersedes,
        "sku": row.sku,
        "subject": row.subject,
    }
    return payload, row.sku, row.subject
