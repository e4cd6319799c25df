"""review record (ledger_entries) and api_keys

ledger_entries is the append-only, hash-chained selection review record
(选品审核台账) written by claimcheck.ledger; api_keys holds hashed API keys
(claimcheck.store.keys).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:02:26.355013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_key_id"), ["key_id"], unique=True)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("record_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('screening', 'audit', 'decision')", name="ck_ledger_entries_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_hash", name="uq_ledger_entries_entry_hash"),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_record_seq"), ["record_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_seq"), ["seq"], unique=True)
        batch_op.create_index(batch_op.f("ix_ledger_entries_sku"), ["sku"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_subject"), ["subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_subject"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_sku"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_seq"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_record_seq"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_kind"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_created_at"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_key_id"))

    op.drop_table("api_keys")
