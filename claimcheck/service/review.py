"""The review record (选品审核台账): decisions, queries, verification, export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from claimcheck.errors import IntegrityError
from claimcheck.ledger import VerifyReport
from claimcheck.service.app import Services


class DamagedRecord(IntegrityError):
    """The review record's chain does not verify."""


def record_decision(
    services: Services,
    record_seq: int,
    finding_index: int,
    decision: Literal["confirm", "dismiss"],
    reason: str,
    reviewer: str,
) -> int:
    return services.ledger.add_decision(record_seq, finding_index, decision, reason, reviewer)


def list_entries(
    services: Services,
    *,
    sku: str | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    return services.ledger.entries(from_date=date_from, to_date=date_to, sku=sku, kind=kind)


def get_entry(services: Services, seq: int) -> dict[str, Any]:
    return services.ledger.get(seq)


def verify(services: Services) -> VerifyReport:
    return services.ledger.verify()


def require_intact(services: Services) -> VerifyReport:
    report = services.ledger.verify()
    if not report.ok:
        raise DamagedRecord(f"review record damaged at entry {report.first_bad_seq}: {report.problem}")
    return report


def export(
    services: Services,
    path: Path,
    fmt: Literal["xlsx", "csv", "json"] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sku: str | None = None,
) -> Path:
    return services.ledger.export(path, fmt, from_date=date_from, to_date=date_to, sku=sku)
