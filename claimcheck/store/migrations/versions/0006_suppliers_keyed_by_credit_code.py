"""suppliers keyed by credit code (or name when there is none), not by name

A supplier was found by name, so importing one product overwrote the credit code
and contact that another product's record showed for "the same" supplier. Now
``lookup_key`` identifies a supplier: ``code:<统一社会信用代码>``, or ``name:<name>``
when there is no code; names need no longer be unique. Existing rows get their
key; should two rows share a credit code (possible under the old rule), the later
ones keep their details under ``legacy:<id>`` so that no product's supplier changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key(row_id: int, name: str, credit_code: str | None, seen: set[str]) -> str:
    key = f"code:{credit_code.strip().upper()}" if credit_code and credit_code.strip() else f"name:{name}"
    return f"legacy:{row_id}" if key in seen else key


def _keys(rows: list[tuple[int, str, str | None]]) -> dict[int, str]:
    seen: set[str] = set()
    keys: dict[int, str] = {}
    for row_id, name, credit_code in rows:
        keys[row_id] = _key(row_id, name, credit_code, seen)
        seen.add(keys[row_id])
    return keys


def _columns(with_key: bool) -> list[SchemaItem]:
    items: list[SchemaItem] = [sa.Column("id", sa.Integer(), nullable=False)]
    if with_key:
        items.append(sa.Column("lookup_key", sa.String(length=300), nullable=False))
    items += [
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=64), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    ]
    items.append(
        sa.UniqueConstraint("lookup_key", name="uq_suppliers_lookup_key") if with_key else sa.UniqueConstraint("name")
    )
    return items


def _rebuild_sqlite(with_key: bool) -> None:
    """Recreate ``suppliers`` on SQLite, which cannot drop a constraint, in one transaction.

    ``products`` references the table, and foreign keys cannot be switched off inside a
    transaction; deferred, the drop counts violations that re-inserting the same ids clears
    before the commit (the rows go through a holding table that nothing references)."""
    bind = op.get_bind()
    if not bind.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # pysqlite's legacy mode begins transactions only before DML: begin one, so this is atomic
        # and the deferral holds (engine.begin() around the migration commits it)
        bind.exec_driver_sql("BEGIN")
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _suppliers_hold AS SELECT id, name, credit_code, contact FROM suppliers")
    op.drop_table("suppliers")
    table = op.create_table("suppliers", *_columns(with_key))
    rows = [
        tuple(r)
        for r in bind.execute(sa.text("SELECT id, name, credit_code, contact FROM _suppliers_hold ORDER BY id"))
    ]
    keys = _keys([(r[0], r[1], r[2]) for r in rows])
    values = [dict(zip(("id", "name", "credit_code", "contact"), r, strict=True)) for r in rows]
    if with_key:
        values = [v | {"lookup_key": keys[v["id"]]} for v in values]
    if values:
        op.bulk_insert(table, values)
    op.drop_table("_suppliers_hold")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(with_key=True)
        return
    uniques = sa.inspect(bind).get_unique_constraints("suppliers")
    on_name = next((u for u in uniques if u["column_names"] == ["name"]), None)
    op.add_column("suppliers", sa.Column("lookup_key", sa.String(length=300), nullable=True))
    if on_name is not None and on_name["name"]:
        op.drop_constraint(on_name["name"], "suppliers", type_="unique")
    rows = [
        (r[0], r[1], r[2]) for r in bind.execute(sa.text("SELECT id, name, credit_code FROM suppliers ORDER BY id"))
    ]
    for row_id, key in _keys(rows).items():
        bind.execute(sa.text("UPDATE suppliers SET lookup_key = :key WHERE id = :id"), {"key": key, "id": row_id})
    op.alter_column("suppliers", "lookup_key", existing_type=sa.String(length=300), nullable=False)
    op.create_unique_constraint("uq_suppliers_lookup_key", "suppliers", ["lookup_key"])


def downgrade() -> None:
    # fails where two suppliers now share a name: merge them by hand first
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_key=False)
        return
    op.drop_constraint("uq_suppliers_lookup_key", "suppliers", type_="unique")
    op.drop_column("suppliers", "lookup_key")
    op.create_unique_constraint("suppliers_name_key", "suppliers", ["name"])
