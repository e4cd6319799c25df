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

With a key file (``key_file``) every appended entry is signed (see
:mod:`claimcheck.ledger.signing`) and :meth:`Ledger.checkpoint` writes the signed
head to ``checkpoint_file`` (see :mod:`claimcheck.ledger.checkpoint`); without
one, entries are written unsigned, as before signing existed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Connection, Table, func, insert, select

from claimcheck.errors import IntegrityError
from claimcheck.ledger.approvals import approval_payload, approval_view, check_approval
from claimcheck.ledger.chain import (
    GENESIS_HASH,
    KINDS,
    RECORD_KINDS,
    UTC,
    EntryNotFound,
    LedgerError,
    VerifyReport,
    canonical_json,
    compute_hash,
    iso_utc,
)
from claimcheck.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    append_checkpoint,
    make_checkpoint,
    read_checkpoints,
)
from claimcheck.ledger.decisions import DECISIONS, MAX_SEQ, check_request, decision_payload
from claimcheck.ledger.export import EXPORT_FORMATS, write_export
from claimcheck.ledger.integrity import verify_rows
from claimcheck.ledger.rows import select_entries
from claimcheck.ledger.signing import LedgerKey, load_key, load_or_create_key
from claimcheck.ledger.views import as_dict, bound, with_decisions
from claimcheck.store.locking import LEDGER_LOCK, locked_transaction, read_transaction
from claimcheck.store.migrate import ensure_schema
from claimcheck.store.models import SKU_LEN, SUBJECT_LEN, LedgerEntry
from claimcheck.types import ScreenResult

__all__ = ["DECISIONS", "MAX_SEQ", "Ledger"]

_T = cast(Table, LedgerEntry.__table__)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_SKU = SKU_LEN
_MAX_SUBJECT = SUBJECT_LEN

#: called inside an append's transaction right after the insert, with the new seq (tests use it to
#: kill a writer there); the default does nothing
AfterInsert = Callable[[int], None]
#: called inside an append's transaction with the new seq, last before the commit: if it raises,
#: nothing is appended (screening writes its reports here, so an entry never exists without them)
BeforeCommit = Callable[[int], object]


class Ledger:
    """The review record in the database at ``url`` (migrated to the newest schema on first use).

    ``key_file`` signs appends (created on the first one when missing) and checks signatures;
    ``checkpoint_file`` is where :meth:`checkpoint` appends signed heads and :meth:`verify` reads them."""

    def __init__(
        self,
        url: str,
        *,
        key_file: Path | None = None,
        checkpoint_file: Path | None = None,
        after_insert: AfterInsert | None = None,
    ) -> None:
        self.url = url
        self.key_file = key_file
        self.checkpoint_file = checkpoint_file
        self.after_insert = after_insert
        self._key: LedgerKey | None = None
        ensure_schema(url)

    def signing_key(self) -> LedgerKey | None:
        """The key appends are signed with (created on first use); None without a key file."""
        if self.key_file is None:
            return None
        if self._key is None or not self._key.can_sign:
            self._key = load_or_create_key(self.key_file)
        return self._key

    def verifying_key(self) -> LedgerKey | None:
        """The key signatures are checked with; never creates one."""
        if self._key is not None or self.key_file is None:
            return self._key
        return load_key(self.key_file)

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
        before_commit: BeforeCommit | None = None,
    ) -> int:
        """Append a screening or audit result; returns the new entry's seq.

        ``before_commit(seq)`` runs last inside the transaction: when it raises, nothing is appended."""
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
        return self._append(kind, payload, sku=sku, subject=subject, record_seq=None, before_commit=before_commit)

    def add_decision(
        self,
        record_seq: int,
        finding_index: int,
        decision: Literal["confirm", "dismiss"],
        reason: str,
        reviewer: str,
        *,
        via: str = "direct",
        supersedes: int | None = None,
    ) -> int:
        """Append a decision on one finding of a record; returns the new entry's seq.

        ``reviewer`` is the identity the front end authenticated (``via`` says how: "api-key", "operator");
        a finding that already has a decision takes a new one only when ``supersedes`` names it
        (DecisionConflict otherwise)."""
        reason, reviewer = check_request(record_seq, finding_index, decision, reason, reviewer, supersedes)

        def build(conn: Connection) -> tuple[dict[str, Any], str | None, str | None]:
            return decision_payload(conn, record_seq, finding_index, decision, reason, reviewer, via, supersedes)

        return self._append("decision", build, sku=None, subject=None, record_seq=record_seq)

    def add_approval(
        self,
        sku: str,
        status: str,
        reason: str,
        reviewer: str,
        *,
        via: str = "direct",
        supersedes: int | None = None,
        product_name: str | None = None,
    ) -> int:
        """Append a product's approval status (approved, rejected, needs_changes); returns the new entry's seq.

        ``reviewer`` is the identity the front end authenticated (``via`` says how); a SKU that already
        has an approval takes a new one only when ``supersedes`` names the current one (ApprovalConflict
        otherwise). See :mod:`claimcheck.ledger.approvals`."""
        sku, reason, reviewer = check_approval(sku, status, reason, reviewer, supersedes)

        def build(conn: Connection) -> tuple[dict[str, Any], str | None, str | None]:
            payload = approval_payload(conn, sku, status, reason, reviewer, via, supersedes, product_name)
            return payload, sku, None

        return self._append("approval", build, sku=sku, subject=None, record_seq=None)

    def _append(
        self,
        kind: str,
        payload_or_builder,
        *,
        sku: str | None,
        subject: str | None,
        record_seq,
        before_commit: BeforeCommit | None = None,
    ) -> int:
        for name, value, limit in (("sku", sku, _MAX_SKU), ("subject", subject, _MAX_SUBJECT)):
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise LedgerError(f"{name} must be a string of at most {limit} characters, not {value!r}")
        key = self.signing_key()
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
            entry_hash = compute_hash(prev_hash, seq, kind, iso_utc(created_at), payload)
            conn.execute(
                insert(_T).values(
                    seq=seq,
                    kind=kind,
                    created_at=created_at,
                    payload=payload,
                    prev_hash=prev_hash,
                    entry_hash=entry_hash,
                    sku=sku,
                    subject=subject,
                    record_seq=record_seq,
                    signature=key.sign_entry(entry_hash) if key is not None else None,
                    key_id=key.key_id if key is not None else None,
                )
            )
            if self.after_insert is not None:
                self.after_insert(seq)
            if before_commit is not None:
                before_commit(seq)
        return seq

    # ------------------------------------------------------------------ checking
    def verify(self) -> VerifyReport:
        """Re-walk the chain: links and hashes, signatures and checkpoints; report the first problem.

        A damaged chain, a forged or unreadable checkpoint file and truncation are reports with ok False;
        LedgerKeyError (a ConfigError) when the record or checkpoints are signed but no key is there to check them."""
        key = self.verifying_key()
        try:
            checkpoints = read_checkpoints(self.checkpoint_file, key) if self.checkpoint_file is not None else []
        except CheckpointError as exc:
            return VerifyReport(ok=False, entries=self.count(), problem=exc.message)
        key_name = f"the ledger key file {self.key_file.name}" if self.key_file is not None else "a ledger key"
        with read_transaction(self.url) as conn:
            rows = conn.execution_options(yield_per=1000).execute(select(_T).order_by(_T.c.seq, _T.c.id))
            return verify_rows(rows, key, checkpoints, key_name=key_name)

    def checkpoint(self) -> Checkpoint:
        """Verify the record and append its signed head to the checkpoint file.

        LedgerError when there is no key or checkpoint file, the record is empty, or it does not verify
        (a damaged record is never checkpointed: the report's summary says why)."""
        if self.checkpoint_file is None or self.key_file is None:
            raise LedgerError("checkpoints need a ledger key file and a checkpoint file")
        key = self.signing_key()
        assert key is not None
        report = self.verify()
        if not report.ok:
            raise CheckpointRefused(report)
        if report.head_seq is None or report.head_hash is None:
            raise LedgerError("the review record is empty: there is nothing to checkpoint yet")
        unsigned_upto = report.unsigned if report.signed else report.head_seq
        checkpoint = make_checkpoint(key, report.head_seq, report.head_hash, unsigned_upto)
        append_checkpoint(self.checkpoint_file, checkpoint)
        return checkpoint

    # ------------------------------------------------------------------ reading
    def get(self, seq: int) -> dict[str, Any]:
        if not 0 < seq <= MAX_SEQ:
            raise EntryNotFound(f"there is no entry {seq} in the review record")
        with read_transaction(self.url) as conn:
            row = conn.execute(select(_T).where(_T.c.seq == seq)).first()
            if row is None:
                raise EntryNotFound(f"there is no entry {seq} in the review record")
            return with_decisions(conn, [row])[0]

    def latest(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` screening and audit records, newest first, each with its decisions."""
        query = select(_T).where(_T.c.kind.in_(RECORD_KINDS)).order_by(_T.c.seq.desc()).limit(max(0, limit))
        with read_transaction(self.url) as conn:
            return with_decisions(conn, list(conn.execute(query)))

    def approvals(self, sku: str | None = None) -> list[dict[str, Any]]:
        """Approval entries (of one SKU, or all), oldest first: the last of a SKU is its current status."""
        query = select(_T).where(_T.c.kind == "approval").order_by(_T.c.seq)
        if sku is not None:
            query = query.where(_T.c.sku == sku)
        with read_transaction(self.url) as conn:
            return [approval_view(row) for row in conn.execute(query)]

    def since(self, after: int, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries of every kind after seq ``after``, in seq order, without their decisions attached
        (for indexes that follow the append-only record)."""
        query = select(_T).where(_T.c.seq > after).order_by(_T.c.seq)
        if limit is not None:
            query = query.limit(max(0, limit))
        with read_transaction(self.url) as conn:
            return [as_dict(row) for row in conn.execute(query)]

    def hash_at(self, seq: int) -> str | None:
        """The entry hash of entry ``seq``, or None when there is none."""
        if not 0 < seq <= MAX_SEQ:
            return None
        with read_transaction(self.url) as conn:
            return conn.execute(select(_T.c.entry_hash).where(_T.c.seq == seq)).scalar()

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
        lo, _ = bound(from_date, tz, end=False)
        hi, hi_exclusive = bound(to_date, tz, end=True)
        if lo is not None:
            query = query.where(_T.c.created_at >= lo)
        if hi is not None:
            query = query.where(_T.c.created_at < hi if hi_exclusive else _T.c.created_at <= hi)
        if sku is not None:
            query = query.where(_T.c.sku == sku)
        if kind is not None:
            query = query.where(_T.c.kind == kind)
        with read_transaction(self.url) as conn:
            return with_decisions(conn, list(conn.execute(query)))

    def export(
        self,
        path: str | Path,
        fmt: Literal["xlsx", "csv", "json"] | None = None,
        from_date: dt.date | dt.datetime | str | None = None,
        to_date: dt.date | dt.datetime | str | None = None,
        sku: str | None = None,
        *,
        reviewer: str | None = None,
        tz: dt.tzinfo = UTC,
    ) -> Path:
        """Write the (filtered) record; see :mod:`claimcheck.ledger.export` for the formats and
        :func:`~claimcheck.ledger.export.select_entries` for what ``sku`` and ``reviewer`` keep."""
        path = Path(path)
        chosen = fmt or path.suffix.lstrip(".").lower()
        if chosen not in EXPORT_FORMATS:
            raise LedgerError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {chosen!r}")
        return write_export(self.selected(from_date, to_date, sku=sku, reviewer=reviewer, tz=tz), path, chosen)

    def selected(
        self,
        from_date: dt.date | dt.datetime | str | None = None,
        to_date: dt.date | dt.datetime | str | None = None,
        sku: str | None = None,
        *,
        reviewer: str | None = None,
        tz: dt.tzinfo = UTC,
    ) -> list[dict[str, Any]]:
        """Entries in the date range about ``sku`` (records that touch it, even through a run sheet) and/or
        by ``reviewer`` (records they decided on, their decisions and approvals): what an export holds."""
        return select_entries(self.entries(from_date, to_date, tz=tz), sku=sku or None, reviewer=reviewer or None)

    def count(self) -> int:
        with read_transaction(self.url) as conn:
            return conn.execute(select(func.count()).select_from(_T)).scalar_one()


class CheckpointRefused(IntegrityError):
    """The record does not verify, so its head is not checkpointed."""

    def __init__(self, report: VerifyReport) -> None:
        super().__init__(f"not checkpointed: {report.summary()}")
        self.report = report
