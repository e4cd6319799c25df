"""SQLAlchemy 2 ORM models of the product record.

Schema changes go through Alembic migrations (``claimcheck/store/migrations``);
``metadata.create_all`` is never used on a real database.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: column widths that input validation needs to know
SKU_LEN = 64
SUBJECT_LEN = 300
KEY_NAME_LEN = 200
ALLOWED_PHRASE_LEN = 200
ALLOWED_CONTEXT_LEN = 1000


class Base(DeclarativeBase):
    pass


class Supplier(Base):
    """A supplier, shared by the products it supplies; ``lookup_key`` is ``code:<credit code>`` or ``name:<name>``."""

    __tablename__ = "suppliers"
    __table_args__ = (UniqueConstraint("lookup_key", name="uq_suppliers_lookup_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup_key: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(200))
    products: Mapped[list[Product]] = relationship(back_populates="supplier")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(64))
    brand: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    supplier: Mapped[Supplier | None] = relationship(back_populates="products")
    specs: Mapped[list[SpecAttribute]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="SpecAttribute.position"
    )
    ingredients: Mapped[list[Ingredient]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Ingredient.position"
    )
    nutrition: Mapped[list[NutritionRow]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="NutritionRow.position"
    )
    test_reports: Mapped[list[TestReport]] = relationship(back_populates="product", cascade="all, delete-orphan")
    certificates: Mapped[list[Certificate]] = relationship(back_populates="product", cascade="all, delete-orphan")


class SpecAttribute(Base):
    """A spec attribute with its raw value and, where it has one, a normalised value."""

    __tablename__ = "spec_attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    raw_value: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(32))
    normalized_value: Mapped[str | None] = mapped_column(Text)  # canonical attribute and value, as JSON
    product: Mapped[Product] = relationship(back_populates="specs")


class Ingredient(Base):
    __tablename__ = "ingredients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    product: Mapped[Product] = relationship(back_populates="ingredients")


class NutritionRow(Base):
    """One row of the nutrition table: item, value and unit, per 100 g / 100 ml / serving, NRV%."""

    __tablename__ = "nutrition_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(32))
    per: Mapped[str | None] = mapped_column(String(32))
    nrv: Mapped[str | None] = mapped_column(String(32))
    product: Mapped[Product] = relationship(back_populates="nutrition")


class TestReport(Base):
    __tablename__ = "test_reports"
    __table_args__ = (UniqueConstraint("product_id", "report_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    report_no: Mapped[str] = mapped_column(String(100))
    laboratory: Mapped[str] = mapped_column(String(200))
    sampling_date: Mapped[dt.date | None] = mapped_column(Date)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(String(16))
    product: Mapped[Product] = relationship(back_populates="test_reports")
    items: Mapped[list[TestItem]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="TestItem.position"
    )


class TestItem(Base):
    __tablename__ = "test_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("test_reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    measured: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(32))
    limit: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(8))
    detection_limit: Mapped[str | None] = mapped_column(String(100))
    standard: Mapped[str | None] = mapped_column(String(200))
    report: Mapped[TestReport] = relationship(back_populates="items")


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)
    product: Mapped[Product] = relationship(back_populates="certificates")


class LedgerEntry(Base):
    """One entry of the selection review record (选品审核台账): append-only and hash-chained.

    ``payload`` is canonical JSON and, with seq, kind, created_at and prev_hash, is
    covered by ``entry_hash``; sku, subject and record_seq are copies of payload
    fields kept as columns for querying (``Ledger.verify`` checks they agree).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('screening', 'audit', 'decision', 'approval')", name="ck_ledger_entries_kind"),
        UniqueConstraint("entry_hash", name="uq_ledger_entries_entry_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(SKU_LEN), index=True)
    subject: Mapped[str | None] = mapped_column(String(SUBJECT_LEN), index=True)
    record_seq: Mapped[int | None] = mapped_column(Integer, index=True)
    # Ed25519 signature over entry_hash and the id of the key that made it (see claimcheck.ledger.signing);
    # NULL on entries written before signing existed
    signature: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(32))


class ApiKey(Base):
    """An API key: only a hash of the secret is stored; the secret is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(KEY_NAME_LEN))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # what the key may do: "read" and/or "write", space-separated (see claimcheck.store.keys.SCOPES)
    scopes: Mapped[str] = mapped_column(String(64), server_default="read write")


class AllowedContextRow(Base):
    """An allowed context (claimcheck.service.allowances): ``phrase`` is not a violation inside ``context``.

    Made by an admin from a dismissed finding; removing one sets ``active`` false (the row stays,
    with who removed it and when), so every screening that named it can still be explained."""

    __tablename__ = "allowed_contexts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phrase: Mapped[str] = mapped_column(String(ALLOWED_PHRASE_LEN))
    context: Mapped[str] = mapped_column(String(ALLOWED_CONTEXT_LEN))
    rule_id: Mapped[str | None] = mapped_column(String(200))  # None: any rule
    category: Mapped[str | None] = mapped_column(String(64))  # None: any category
    created_by: Mapped[str] = mapped_column(String(KEY_NAME_LEN))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    source_record_seq: Mapped[int | None] = mapped_column(Integer)
    source_finding_index: Mapped[int | None] = mapped_column(Integer)
    source_decision_seq: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, index=True, server_default=true())
    removed_by: Mapped[str | None] = mapped_column(String(KEY_NAME_LEN))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


USER_NAME_LEN = 64


class User(Base):
    """A person who signs in to the web workbench (claimcheck.service.users); never deleted, only disabled."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('reviewer', 'admin')", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(USER_NAME_LEN), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string format
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its random cookie value is stored; deleting the row signs it out."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
