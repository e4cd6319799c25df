"""Walking the review record: links and hashes, signatures, checkpoints.

One pass over the entries in seq order checks, for each entry, the hash chain
(:func:`claimcheck.ledger.chain.check_entry`), its signature against the ledger
key, and the hash any checkpoint recorded for its seq; after the walk, a head
below the latest checkpoint is truncation. The first problem found is reported.

Entries without a signature are accepted only as the chain's first entries
(written before signing existed) and, once a checkpoint exists, only up to the
seq it allows: an unsigned entry after a signed one is forged or stripped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from claimcheck.ledger.chain import GENESIS_HASH, VerifyReport, check_entry
from claimcheck.ledger.checkpoint import Checkpoint
from claimcheck.ledger.signing import LedgerKey, LedgerKeyError


@dataclass
class _Signatures:
    key: LedgerKey | None
    unsigned_upto: int | None  # from the checkpoints: unsigned entries beyond it are not legacy
    key_name: str = "the ledger key"
    first_signed: int | None = None
    signed: int = 0
    unsigned: int = 0

    def check(self, row: Row) -> tuple[int, str] | None:
        seq = row.seq
        if row.signature is None and row.key_id is None:
            if self.first_signed is not None:
                return seq, f"entry {seq} is not signed but entry {self.first_signed} before it is: forged or stripped"
            if self.unsigned_upto is not None and seq > self.unsigned_upto:
                return seq, (
                    f"entry {seq} is not signed, but the checkpoints allow unsigned entries only up to "
                    f"{self.unsigned_upto}: forged or stripped"
                )
            self.unsigned += 1
            return None
        if self.first_signed is None:
            self.first_signed = seq
        if self.key is None:
            raise LedgerKeyError(
                f"the review record is signed but {self.key_name} is missing, so its signatures cannot be checked"
            )
        if row.key_id != self.key.key_id:
            return seq, f"entry {seq} is signed by key {row.key_id}, not this ledger's key {self.key.key_id}: forged"
        if not isinstance(row.signature, str) or not self.key.verify_entry(row.entry_hash, row.signature):
            return seq, f"entry {seq}'s signature does not match: the entry was forged, or altered and re-hashed"
        self.signed += 1
        return None


def _pinned(row: Row, pins: dict[int, list[Checkpoint]]) -> tuple[int, str] | None:
    for cp in pins.get(row.seq, ()):
        if cp.entry_hash != row.entry_hash:
            return row.seq, (
                f"entry {row.seq} differs from the checkpoint of {cp.time}: "
                f"the chain was rewritten at or before entry {row.seq}"
            )
    return None


def verify_rows(
    rows: Iterable[Row], key: LedgerKey | None, checkpoints: list[Checkpoint], *, key_name: str = "the ledger key"
) -> VerifyReport:
    """Check every entry (rows in seq order) against the chain, ``key`` and ``checkpoints``."""
    pins: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        pins.setdefault(cp.seq, []).append(cp)
    signatures = _Signatures(key, min((cp.unsigned_upto for cp in checkpoints), default=None), key_name)
    expected, prev_hash, count, head_seq = 1, GENESIS_HASH, 0, 0
    bad: tuple[int, str] | None = None
    for row in rows:
        count += 1
        head_seq = max(head_seq, row.seq)
        if bad is None:
            bad = check_entry(row, expected, prev_hash) or signatures.check(row) or _pinned(row, pins)
            prev_hash, expected = row.entry_hash, row.seq + 1

    def report(**fields: Any) -> VerifyReport:
        return VerifyReport(
            entries=count,
            head_seq=head_seq or None,
            signed=signatures.signed,
            unsigned=signatures.unsigned,
            key_id=key.key_id if key is not None else None,
            **fields,
        )

    if bad is not None:
        return report(ok=False, first_bad_seq=bad[0], problem=bad[1])
    latest = checkpoints[-1] if checkpoints else None
    if latest is not None and head_seq < latest.seq:
        gone = f"entry {latest.seq} was" if head_seq + 1 == latest.seq else f"entries {head_seq + 1}..{latest.seq} were"
        ends = f"ends at entry {head_seq}" if head_seq else "is empty"
        return report(
            ok=False,
            first_bad_seq=head_seq + 1,
            problem=f"the checkpoint of {latest.time} records entry {latest.seq}, but the chain {ends}: {gone} deleted",
            truncated=True,
            checkpoint_seq=latest.seq,
            checkpoint_time=latest.time,
        )
    return report(
        ok=True,
        head_hash=prev_hash if count else None,
        checkpoint_seq=latest.seq if latest else None,
        checkpoint_time=latest.time if latest else None,
    )
