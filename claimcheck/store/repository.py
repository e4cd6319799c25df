"""SpecStore: product records in and out of the database, one transaction per import.

Suppliers are shared between products and identified by credit code (or by name
when there is none, :attr:`SupplierIn.key`). An import may change a supplier's
details only when every product that shows that supplier is in the same import;
otherwise it would silently change another product's record, so it is refused
with :class:`SupplierConflict` (see docs/PRODUCTS.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimcheck.errors import ConflictError, IntegrityError, describe_validation_errors
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


def _fields(sup: SupplierIn) -> tuple[str, str | None, str | None]:
    return sup.name, sup.credit_code, sup.contact


class SupplierConflict(ConflictError):
    """An import would change the supplier details that another product's record shows."""


def _details(name: str, credit_code: str | None, contact: str | None) -> tuple[str, str, str]:
    return name, (credit_code or "").upper(), contact or ""


def _describe(name: str, credit_code: str | None, contact: str | None) -> str:
    return f"{name!r}" + (f", credit code {credit_code}" if credit_code else "") + f", contact {contact or '—'}"


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
        """Insert or replace whole records, all in one transaction (nothing partial).

        :class:`SupplierConflict` (nothing written) when a supplier's details would change
        for a product that is not in this import."""
        records = list(records)
        with session_scope(self.url) as s:
            suppliers = self._suppliers(s, records)
            for rec in records:
                existing = s.scalar(select(Product).where(Product.sku == rec.sku))
                if existing is not None:
                    s.delete(existing)
                    s.flush()
                s.add(self._to_row(rec, suppliers.get(rec.supplier.key) if rec.supplier else None))
        return len(records)

    @staticmethod
    def _suppliers(s: Session, records: Sequence[ProductRecord]) -> dict[str, Supplier]:
        """The supplier row of every supplier key in ``records``: found, created, or updated when that is safe."""
        wanted: dict[str, tuple[SupplierIn, str]] = {}
        for rec in records:
            sup = rec.supplier
            if sup is None:
                continue
            first = wanted.setdefault(sup.key, (sup, rec.sku))
            if _details(first[0].name, first[0].credit_code, first[0].contact) != _details(
                sup.name, sup.credit_code, sup.contact
            ):
                raise SupplierConflict(
                    f"sku {rec.sku}: supplier {_describe(sup.name, sup.credit_code, sup.contact)} differs from the "
                    f"same supplier in this import for sku {first[1]} ({_describe(*_fields(first[0]))}); "
                    "give one supplier the same details everywhere"
                )
        importing = {rec.sku for rec in records}
        rows: dict[str, Supplier] = {}
        for key, (sup, sku) in wanted.items():
            row = s.scalar(select(Supplier).where(Supplier.lookup_key == key))
            if row is None:
                row = Supplier(lookup_key=key, name=sup.name, credit_code=sup.credit_code, contact=sup.contact)
                s.add(row)
            elif _details(row.name, row.credit_code, row.contact) != _details(sup.name, sup.credit_code, sup.contact):
                others = [
                    o for o in s.scalars(select(Product.sku).where(Product.supplier_id == row.id)) if o not in importing
                ]
                if others:
                    shown = ", ".join(sorted(others)[:3]) + (" …" if len(others) > 3 else "")
                    raise SupplierConflict(
                        f"sku {sku}: supplier {_describe(sup.name, sup.credit_code, sup.contact)} would change the "
                        f"supplier of sku {shown} (stored as {_describe(row.name, row.credit_code, row.contact)}); "
                        "import it with the stored details, or re-import every product of this supplier together"
                    )
                row.name, row.credit_code, row.contact = sup.name, sup.credit_code, sup.contact
            rows[key] = row
        return rows

    def get(self, sku: str) -> ProductRecord | None:
        with session_scope(self.url) as s:
            row = s.scalar(self._query().where(Product.sku == sku))
            return None if row is None else self._to_record(row)

    def all(self) -> list[ProductRecord]:
        with session_scope(self.url) as s:
            return [self._to_record(r) for r in s.scalars(self._query().order_by(Product.sku))]

    def summaries(self) -> list[dict[str, str | None]]:
        """Every product's sku, name, category, brand and supplier name, by SKU (one query, no details)."""
        query = (
            select(Product.sku, Product.name, Product.category, Product.brand, Supplier.name)
            .outerjoin(Supplier, Product.supplier_id == Supplier.id)
            .order_by(Product.sku)
        )
        keys = ("sku", "name", "category", "brand", "supplier")
        with session_scope(self.url) as s:
            return [dict(zip(keys, row, strict=True)) for row in s.execute(query)]

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

    def _to_row(self, rec: ProductRecord, supplier: Supplier | None) -> Product:
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
        """The stored product as a record; a row that no longer validates (stored before a check existed) is named."""
        try:
            return SpecStore._record(p)
        except ValidationError as exc:
            raise IntegrityError(
                f"the stored record of sku {p.sku!r} is not valid ({describe_validation_errors(exc.errors())}); "
                "re-import it"
            ) from None

    @staticmethod
    def _record(p: Product) -> ProductRecord:
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
