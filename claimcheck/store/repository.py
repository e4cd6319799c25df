"""SpecStore: product records in and out of the database, one transaction per import."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimcheck.store.models import (
    Certificate,
    Ingredient,
    NutritionRow,
    Product,
    SpecAttribute,
    Supplier,
    TestItem,
    TestReport,
)
from claimcheck.store.schema import (
    CertificateIn,
    NutritionIn,
    ProductRecord,
    SpecIn,
    SupplierIn,
    TestReportIn,
)
from claimcheck.store.session import session_scope


class SpecStore:
    """Product records in a database given by URL (SQLite file by default)."""

    def __init__(self, url: str, normalizer=None) -> None:
        self.url = url
        # normalizer(spec) -> JSON-able canonical value, or None; stored beside the raw value
        self.normalizer = normalizer

    def exists(self) -> bool:
        """False for a SQLite file that was never created (nothing imported yet)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            from pathlib import Path

            return Path(url.database).exists()
        return True

    def upsert(self, records: Iterable[ProductRecord]) -> int:
        """Insert or replace whole records, all in one transaction (nothing partial)."""
        n = 0
        with session_scope(self.url) as s:
            for rec in records:
                existing = s.scalar(select(Product).where(Product.sku == rec.sku))
                if existing is not None:
                    s.delete(existing)
                    s.flush()
                s.add(self._to_row(s, rec))
                n += 1
        return n

    def get(self, sku: str) -> ProductRecord | None:
        with session_scope(self.url) as s:
            row = s.scalar(self._query().where(Product.sku == sku))
            return None if row is None else self._to_record(row)

    def all(self) -> list[ProductRecord]:
        with session_scope(self.url) as s:
            return [self._to_record(r) for r in s.scalars(self._query().order_by(Product.sku))]

    def skus(self) -> list[str]:
        with session_scope(self.url) as s:
            return list(s.scalars(select(Product.sku).order_by(Product.sku)))

    @staticmethod
    def _query():
        return select(Product).options(
            selectinload(Product.supplier),
            selectinload(Product.specs),
            selectinload(Product.ingredients),
            selectinload(Product.nutrition),
            selectinload(Product.test_reports).selectinload(TestReport.items),
            selectinload(Product.certificates),
        )

    def _to_row(self, s: Session, rec: ProductRecord) -> Product:
        supplier = None
        if rec.supplier is not None:
            supplier = s.scalar(select(Supplier).where(Supplier.name == rec.supplier.name))
            if supplier is None:
                supplier = Supplier(name=rec.supplier.name)
                s.add(supplier)
            supplier.credit_code = rec.supplier.credit_code
            supplier.contact = rec.supplier.contact
        specs = []
        for i, sp in enumerate(rec.specs):
            norm = self.normalizer(sp) if self.normalizer else None
            specs.append(
                SpecAttribute(
                    position=i,
                    name=sp.name,
                    raw_value=sp.value,
                    unit=sp.unit,
                    normalized_value=json.dumps(norm, ensure_ascii=False) if norm is not None else None,
                )
            )
        return Product(
            sku=rec.sku,
            name=rec.name,
            category=rec.category,
            brand=rec.brand,
            supplier=supplier,
            specs=specs,
            ingredients=[Ingredient(position=i, name=n) for i, n in enumerate(rec.ingredients)],
            nutrition=[NutritionRow(position=i, **n.model_dump()) for i, n in enumerate(rec.nutrition)],
            test_reports=[
                TestReport(
                    **r.model_dump(exclude={"items"}),
                    items=[TestItem(position=j, **t.model_dump()) for j, t in enumerate(r.items)],
                )
                for r in rec.test_reports
            ],
            certificates=[Certificate(**c.model_dump()) for c in rec.certificates],
        )

    @staticmethod
    def _to_record(p: Product) -> ProductRecord:
        return ProductRecord(
            sku=p.sku,
            name=p.name,
            category=p.category,
            brand=p.brand,
            supplier=None
            if p.supplier is None
            else SupplierIn(name=p.supplier.name, credit_code=p.supplier.credit_code, contact=p.supplier.contact),
            specs=[SpecIn(name=a.name, value=a.raw_value, unit=a.unit) for a in p.specs],
            ingredients=[i.name for i in p.ingredients],
            nutrition=[NutritionIn.model_validate(n, from_attributes=True) for n in p.nutrition],
            test_reports=[
                TestReportIn.model_validate(r, from_attributes=True)
                for r in sorted(p.test_reports, key=lambda r: (r.issue_date, r.report_no))
            ],
            certificates=[
                CertificateIn.model_validate(c, from_attributes=True)
                for c in sorted(p.certificates, key=lambda c: (c.type, c.number))
            ],
        )
