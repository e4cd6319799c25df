"""nutrition table rows; detection limit and standard of test items

Product records now carry their nutrition table (per 100 g / 100 ml / serving) and, for
test items, the detection limit and the test standard, so the cross-check can read
"未检出" against a detection limit and nutrition claims against the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nutrition_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("per", sa.String(length=32), nullable=True),
        sa.Column("nrv", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_nutrition_rows_product_id", "nutrition_rows", ["product_id"])
    with op.batch_alter_table("test_items") as batch:
        batch.add_column(sa.Column("detection_limit", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("standard", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("test_items") as batch:
        batch.drop_column("standard")
        batch.drop_column("detection_limit")
    op.drop_index("ix_nutrition_rows_product_id", table_name="nutrition_rows")
    op.drop_table("nutrition_rows")
