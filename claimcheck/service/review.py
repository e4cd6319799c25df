"""The review record (选品审核台账): decisions, queries, verification, checkpoints, export.

Decisions are recorded as the identity the front end authenticated (the API key's
name, the configured operator on the command line), never as free text, and a
second decision on a finding must name the one it supersedes.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any, Literal

from claimcheck.clock import local_zone
from claimcheck.errors import ConfigError, IntegrityError
from claimcheck.ledger import Checkpoint, LedgerKey, VerifyReport, generate_key, public_key_path
from claimcheck.service.app import Services


class DamagedRecord(IntegrityError):
    """The review record's chain does not verify (edited, re-hashed, forged or truncated)."""


def operator_identity(services: Services) -> str:
    """Who decisions made on this machine's command line are recorded as: CLAIMCHECK_OPERATOR, else the login."""
    if services.settings.operator:
        return services.settings.operator.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ConfigError("set CLAIMCHECK_OPERATOR: the name decisions made here are recorded as") from None


def record_decision(
    services: Services,
    record_seq: int,
    finding_index: int,
    decision: Literal["confirm", "dismiss"],
    reason: str,
    reviewer: str,
    *,
    via: str,
    supersedes: int | None = None,
) -> int:
    """Append a decision made by ``reviewer``, the identity authenticated ``via`` "api-key" or "operator"."""
    return services.ledger.add_decision(
        record_seq, finding_index, decision, reason, reviewer, via=via, supersedes=supersedes
    )


def list_entries(
    services: Services,
    *,
    sku: str | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    # dates are whole local days, as every time is shown in local time (claimcheck.clock)
    return services.ledger.entries(from_date=date_from, to_date=date_to, sku=sku, kind=kind, tz=local_zone())


def recent_records(services: Services, limit: int = 50) -> list[dict[str, Any]]:
    """The newest screening and audit records, newest first, with their decisions (the review queue)."""
    return services.ledger.latest(limit)


def open_findings(entry: dict[str, Any]) -> int:
    """How many of a record's findings that block or need review have no decision yet."""
    decided = {d.get("finding_index") for d in entry.get("decisions", [])}
    findings = entry.get("payload", {}).get("findings", [])
    return sum(1 for i, f in enumerate(findings) if f.get("severity") in ("block", "review") and i not in decided)


def get_entry(services: Services, seq: int) -> dict[str, Any]:
    return services.ledger.get(seq)


def verify(services: Services) -> VerifyReport:
    return services.ledger.verify()


def require_intact(services: Services) -> VerifyReport:
    """The verification report; DamagedRecord (exit 3, one line naming the first bad seq) when damaged."""
    report = services.ledger.verify()
    if not report.ok:
        raise DamagedRecord(report.summary())
    return report


def checkpoint(services: Services) -> Checkpoint:
    """Verify the record and append its signed head to the checkpoint file."""
    return services.ledger.checkpoint()


def keygen(services: Services) -> tuple[LedgerKey, Path, Path]:
    """Create the ledger key file (never overwrites one); returns the key, its file and its public file."""
    path = services.settings.ledger_key_file
    return generate_key(path), path, public_key_path(path)


def export(
    services: Services,
    path: Path,
    fmt: Literal["xlsx", "csv", "json"] | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    sku: str | None = None,
    reviewer: str | None = None,
) -> Path:
    """Write the export (``sku``: records that touch it; ``reviewer``: what they decided or approved);
    when the record does not verify, the file is still written (for the investigation) and
    DamagedRecord says the export cannot be trusted."""
    report = services.ledger.verify()
    written = services.ledger.export(
        path, fmt, from_date=date_from, to_date=date_to, sku=sku, reviewer=reviewer, tz=local_zone()
    )
    if not report.ok:
        raise DamagedRecord(f"{written.name} was written but cannot be trusted: {report.summary()}")
    return written
