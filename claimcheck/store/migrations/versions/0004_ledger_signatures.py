"""signatures on review-record entries

Each ledger entry now carries an Ed25519 signature over its entry hash and the id
of the key that made it (claimcheck.ledger.signing), so the chain cannot be
re-hashed by someone without the key. Both are NULL on entries written before
this migration ("unsigned (legacy)" in ``ledger verify``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("signature")
