"""The hash chain of the review record: canonical JSON, entry hashes and chain verification.

Each entry's hash covers the previous entry's hash, its seq, kind, time and
canonical-JSON payload::

    entry_hash = sha256(prev_hash + "\\n" + seq + "\\n" + kind + "\\n" + created_at + "\\n" + payload)

(the first entry's prev_hash is 64 zeros; created_at is UTC ISO 8601 with
microseconds), so :func:`check_entry` finds an edited, removed or reordered entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from claimcheck.errors import ConflictError, InputError, NotFoundError

UTC = dt.UTC
GENESIS_HASH = "0" * 64
RECORD_KINDS = ("screening", "audit")
#: every kind an entry may have: records, decisions on their findings, and approvals of products
#: (the product's status in the 选品审核台账, see :mod:`claimcheck.ledger.approvals`)
KINDS = (*RECORD_KINDS, "decision", "approval")


class LedgerError(InputError):
    """A review-record request that cannot be carried out; the message says why."""


class EntryNotFound(LedgerError, NotFoundError):
    """No entry has the given seq."""

    http_status = NotFoundError.http_status
    code = NotFoundError.code


class DecisionConflict(LedgerError, ConflictError):
    """A decision on a finding that already has one, without naming the decision it supersedes."""

    http_status = ConflictError.http_status
    code = ConflictError.code


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str | None = None  # hash of the newest entry when ok: anchor it elsewhere to detect truncation
    head_seq: int | None = None
    signed: int = 0  # entries with a valid signature
    unsigned: int = 0  # entries written before signing existed (a prefix of the chain)
    key_id: str | None = None  # the key signatures were checked with
    checkpoint_seq: int | None = None  # the latest checkpoint the chain was compared with
    checkpoint_time: str | None = None
    truncated: bool = False

    def summary(self) -> str:
        """One line for people: what was checked and, when damaged, the first bad seq or the truncation."""
        if not self.ok:
            if self.truncated:
                return f"台账被截断 review record truncated: {self.problem}"
            where = f" at entry {self.first_bad_seq}" if self.first_bad_seq is not None else ""
            return f"台账受损 review record damaged{where}: {self.problem}"
        parts = [f"OK 台账完好: {self.entries} {'entry' if self.entries == 1 else 'entries'}, chain intact"]
        if self.signed:
            parts.append(f"{self.signed} signed by key {self.key_id}")
        if self.unsigned:
            parts.append(f"entries 1..{self.unsigned} unsigned (legacy, written before signing)")
        if self.checkpoint_seq is not None:
            parts.append(f"matches checkpoint at entry {self.checkpoint_seq} ({self.checkpoint_time})")
        elif self.entries:
            parts.append("no checkpoint yet, so deleting the newest entries cannot be detected")
        return "; ".join(parts)


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def iso_utc(ts: dt.datetime) -> str:
    """The timestamp as hashed and shown: UTC, ISO 8601, microseconds (naive values are UTC, as SQLite returns them)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(prev_hash: str, seq: int, kind: str, created_at: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{kind}\n{created_at}\n{payload}".encode()).hexdigest()


def check_entry(row: Row, expected: int, prev_hash: str) -> tuple[int, str] | None:
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
