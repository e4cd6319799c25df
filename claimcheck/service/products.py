"""The product record store: import (all or nothing), export, look-up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from claimcheck.errors import InputError, NotFoundError
from claimcheck.lexicons import Lexicon, LexiconError, load_lexicon
from claimcheck.service.app import Services
from claimcheck.store.io import read_products, write_products
from claimcheck.store.schema import NO_RECORDS, ProductRecord


class UnknownProduct(NotFoundError):
    """No product with that SKU."""


def _lexicon(services: Services) -> Lexicon:
    engine = services._engine  # an engine already built has the lexicon; do not build one just for it
    return engine.lexicon if engine is not None else load_lexicon(services.settings.lexicon_dir)


def resolve_categories(lexicon: Lexicon, records: Sequence[ProductRecord]) -> list[ProductRecord]:
    """Product categories as ids (Chinese names and aliases accepted); InputError naming the record."""
    fixed = []
    for i, rec in enumerate(records, 1):
        try:
            category = lexicon.resolve_product_category(rec.category)
        except LexiconError as exc:
            raise InputError(f"record {i} (sku {rec.sku}): category: {exc}") from None
        fixed.append(rec.model_copy(update={"category": category}))
    return fixed


def import_records(services: Services, records: Sequence[ProductRecord]) -> int:
    """Insert or replace whole records in one transaction (nothing partial); the engine sees them at once.

    An empty list is refused (InputError, :data:`NO_RECORDS`), from the API as from a file."""
    return _store(services, resolve_categories(_lexicon(services), records))


def _store(services: Services, records: Sequence[ProductRecord]) -> int:
    if not records:
        raise InputError(NO_RECORDS)
    n = services.product_store.upsert(records)
    services.products_changed()
    return n


def import_file(services: Services, path: str | Path) -> int:
    """Validate every record of a .json, .xlsx or .csv file, then import them all (or nothing)."""
    lexicon = _lexicon(services)

    def resolve(value: str) -> str:
        try:
            resolved = lexicon.resolve_product_category(value)
        except LexiconError as exc:
            raise ValueError(str(exc)) from None
        assert resolved is not None
        return resolved

    return _store(services, read_products(path, resolve_category=resolve))


def get_product(services: Services, sku: str) -> ProductRecord:
    store = services.product_store
    record = store.get(sku) if store.exists() else None
    if record is None:
        raise UnknownProduct(f"SKU {sku!r} is not in the product store")
    return record


def list_products(services: Services) -> list[ProductRecord]:
    store = services.product_store
    return store.all() if store.exists() else []


def product_summaries(services: Services) -> list[dict[str, str | None]]:
    """Every product's sku, name, category, brand and supplier name, by SKU (no specs or reports)."""
    store = services.product_store
    return store.summaries() if store.exists() else []


def category_names(services: Services) -> dict[str, str]:
    """Product category ids and their Chinese names (``food`` → 食品), from the lexicon."""
    return {pc.id: pc.name for pc in _lexicon(services).product_categories}


def write_template(services: Services, path: str | Path) -> Path:
    from claimcheck.store.template import write_template as write

    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise InputError(f"{p.name}: the template is an Excel workbook; use a .xlsx name")
    categories = [pc.id for pc in _lexicon(services).product_categories]
    try:
        return write(p, categories)
    except OSError as exc:
        raise InputError(f"cannot write {p.name}: {_reason(exc)}") from None


def export_products(services: Services, path: str | Path) -> tuple[int, Path]:
    records = list_products(services)
    try:
        return len(records), write_products(records, path)
    except OSError as exc:
        raise InputError(f"cannot write {Path(path).name}: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    """Why a write failed: the system's reason, or the message (pandas raises OSError without an errno)."""
    return exc.strerror or str(exc).splitlines()[0][:200] or type(exc).__name__
