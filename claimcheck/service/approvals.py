"""Products' approval status in the 选品审核台账: approved, rejected or needs changes, with who and when.

Each change is an ``approval`` entry of the review record (hash-chained and signed like every
entry, :mod:`claimcheck.ledger.approvals`); the newest one of a SKU is its status. Reviewers and
admins may both set it; the entry records the signed-in user's name and ``reviewer_via``
"web-session", never text from a form. A change must name the approval it replaces
(``supersedes``), so two people changing one product at once are told, not silently overwritten.
"""

from __future__ import annotations

from typing import Any

from claimcheck.ledger.approvals import APPROVAL_LABELS, APPROVAL_STATUSES, REASON_REQUIRED, ApprovalConflict
from claimcheck.service import products
from claimcheck.service.app import Services
from claimcheck.service.users import VIA_WEB, WebUser

__all__ = [
    "APPROVAL_STATUSES",
    "REASON_REQUIRED",
    "STATUS_LABELS",
    "ApprovalConflict",
    "approval_history",
    "current_approvals",
    "set_approval",
]

STATUS_LABELS = APPROVAL_LABELS


def set_approval(
    services: Services,
    user: WebUser,
    sku: str,
    status: str,
    reason: str,
    *,
    supersedes: int | None = None,
    via: str = VIA_WEB,
) -> int:
    """Record ``status`` for the product ``sku`` as ``user`` (reviewer or admin); returns the entry's seq.

    UnknownProduct (404) for a SKU not in the product store; LedgerError for a bad status or a missing
    reason (rejected and needs_changes need one); ApprovalConflict (409) when ``supersedes`` is not the
    product's current approval (None when it has none)."""
    record = products.get_product(services, (sku or "").strip())
    return services.ledger.add_approval(
        record.sku, status, reason, user.name, via=via, supersedes=supersedes, product_name=record.name
    )


def approval_history(services: Services, sku: str) -> list[dict[str, Any]]:
    """Every approval of ``sku``, newest first (the first is the current status); times are UTC ISO text."""
    return list(reversed(services.ledger.approvals(sku)))


def current_approvals(services: Services) -> dict[str, dict[str, Any]]:
    """The current approval of every SKU that has one."""
    current: dict[str, dict[str, Any]] = {}
    for approval in services.ledger.approvals():
        current[approval["sku"]] = approval  # oldest first: the last one wins
    return current
