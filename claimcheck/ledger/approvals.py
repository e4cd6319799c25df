"""Approval entries: a product's status in the 选品审核台账 (approved, rejected, needs changes).

An approval is an entry of its own (kind ``approval``), hash-chained and signed like every
other, naming the SKU, the status, the reason, who set it (the identity the front end
authenticated) and how (``reviewer_via``). The newest approval of a SKU is its current status;
nothing is edited. Like a decision, a new approval must name the current one it replaces
(``supersedes``), so two reviewers who change a product's status at once cannot both "win"
silently; the check runs inside the append's serialised transaction.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select

from claimcheck.errors import ConflictError
from claimcheck.ledger.chain import LedgerError, iso_utc
from claimcheck.store.models import SKU_LEN, LedgerEntry

#: approved: may be sold as recorded; rejected: may not be sold; needs_changes: the supplier or
#: the script must change something first
APPROVAL_STATUSES = ("approved", "rejected", "needs_changes")
APPROVAL_LABELS = {"approved": "通过", "rejected": "不通过", "needs_changes": "需修改"}
#: statuses that need a reason (an approval may have one)
REASON_REQUIRED = ("rejected", "needs_changes")
MAX_REASON = 2000
MAX_PRODUCT_NAME = 300

_T = cast(Table, LedgerEntry.__table__)


class ApprovalConflict(LedgerError, ConflictError):
    """A new approval that does not name the product's current one (someone changed it meanwhile)."""

    http_status = ConflictError.http_status
    code = ConflictError.code


def check_approval(
    sku: str, status: str, reason: str | None, reviewer: str | None, supersedes: int | None
) -> tuple[str, str, str]:
    """The cleaned sku, reason and reviewer; LedgerError for a request that can never be valid."""
    sku = (sku or "").strip() if isinstance(sku, str) else ""
    if not sku or len(sku) > SKU_LEN:
        raise LedgerError(f"the sku must be 1 to {SKU_LEN} characters")
    if status not in APPROVAL_STATUSES:
        raise LedgerError(f"status must be one of {', '.join(APPROVAL_STATUSES)}, not {status!r}")
    reason = (reason or "").strip()
    reviewer = (reviewer or "").strip()
    if status in REASON_REQUIRED and not reason:
        raise LedgerError(f"a reason is required for the status {status}")
    if len(reason) > MAX_REASON:
        raise LedgerError(f"the reason is longer than {MAX_REASON} characters")
    if not reviewer:
        raise LedgerError("the reviewer is required")
    if supersedes is not None and (isinstance(supersedes, bool) or not isinstance(supersedes, int)):
        raise LedgerError(f"supersedes must be an integer, not {supersedes!r}")
    return sku, reason, reviewer


def approval_view(row: Row) -> dict[str, Any]:
    """An approval entry as the front ends show it."""
    payload = json.loads(row.payload)
    return {
        "seq": row.seq,
        "created_at": iso_utc(row.created_at),
        "sku": payload.get("sku"),
        "product_name": payload.get("product_name"),
        "status": payload.get("status"),
        "reason": payload.get("reason"),
        "reviewer": payload.get("reviewer"),
        "reviewer_via": payload.get("reviewer_via"),
        "supersedes": payload.get("supersedes"),
    }


def current_approval(conn: Connection, sku: str) -> Row | None:
    query = select(_T).where(_T.c.kind == "approval", _T.c.sku == sku).order_by(_T.c.seq.desc()).limit(1)
    return conn.execute(query).first()


def approval_payload(
    conn: Connection,
    sku: str,
    status: str,
    reason: str,
    reviewer: str,
    via: str,
    supersedes: int | None,
    product_name: str | None,
) -> dict[str, Any]:
    """The approval entry's payload, after the supersedes check (run inside the append's transaction)."""
    current = current_approval(conn, sku)
    if current is None:
        if supersedes is not None:
            raise ApprovalConflict(f"sku {sku} has no approval yet, so this one cannot supersede entry {supersedes}")
    else:
        payload = json.loads(current.payload)
        if supersedes is None:
            raise ApprovalConflict(
                f"sku {sku} already has an approval (entry {current.seq}: {payload.get('status')} by "
                f"{payload.get('reviewer')}); a new one must name the one it supersedes (supersedes {current.seq})"
            )
        if supersedes != current.seq:
            raise ApprovalConflict(
                f"entry {supersedes} is not the current approval of sku {sku}; the current one is {current.seq} "
                f"({payload.get('status')} by {payload.get('reviewer')})"
            )
    return {
        "sku": sku,
        "subject": None,
        "record_seq": None,
        "product_name": (product_name or None) and product_name[:MAX_PRODUCT_NAME],
        "status": status,
        "reason": reason,
        "reviewer": reviewer,
        "reviewer_via": via,
        "supersedes": supersedes,
    }
