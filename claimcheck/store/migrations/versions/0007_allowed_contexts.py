"""allowed contexts made from dismissed false alarms

``allowed_contexts`` holds an institution's rulings that a flagged phrase is not a violation
inside a given context ("in this context, never flag this phrase"), with who made each, when
and why, and the dismissed finding it came from. Rows are deactivated, never deleted
(claimcheck.store.allowances, claimcheck.service.allowances).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allowed_contexts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("context", sa.String(length=1000), nullable=False),
        sa.Column("rule_id", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_record_seq", sa.Integer(), nullable=True),
        sa.Column("source_finding_index", sa.Integer(), nullable=True),
        sa.Column("source_decision_seq", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("allowed_contexts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allowed_contexts_active"), ["active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allowed_contexts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allowed_contexts_active"))
    op.drop_table("allowed_contexts")
