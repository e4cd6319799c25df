"""product approvals in the review record

The review record gains a fourth kind of entry, ``approval``: a product's status in the
选品审核台账 (approved, rejected, needs changes), who set it and why (claimcheck.ledger.approvals).
Only the CHECK constraint on ``ledger_entries.kind`` changes; existing entries and their hashes
are untouched (SQLite rebuilds the table, copying every row as it is).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NAME = "ck_ledger_entries_kind"
_WITH = "kind IN ('screening', 'audit', 'decision', 'approval')"
_WITHOUT = "kind IN ('screening', 'audit', 'decision')"


def _replace(condition: str) -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(_NAME, type_="check")
        batch_op.create_check_constraint(_NAME, condition)


def upgrade() -> None:
    _replace(_WITH)


def downgrade() -> None:
    # fails while approval entries exist: a record cannot lose entries (export it first)
    _replace(_WITHOUT)
