"""scopes on API keys

An API key now names what it may do: ``read`` (the read routes that show supplier
records and reviewers' names) and/or ``write`` (screenings, audits, imports,
decisions). Keys made before this migration keep doing everything they could.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=64), nullable=False, server_default="read write"))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scopes")
