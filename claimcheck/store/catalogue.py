"""The product catalogue: SKU lookups for screening, cached, with a public ``invalidate()``.

Screening asks for the same few records and the SKU list over and over (every
script's sections, every claim's record); the catalogue answers from memory and
forgets on :meth:`ProductCatalogue.invalidate`, which product imports call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from claimcheck.errors import NotFoundError
from claimcheck.store.repository import SpecStore
from claimcheck.store.schema import ProductRecord


class UnknownSKUError(NotFoundError):
    """A SKU named for screening is not in the product store."""


class ProductCatalogue:
    """Read-through cache over a :class:`SpecStore` (records by SKU and the SKU list)."""

    def __init__(self, store: SpecStore, maxsize: int = 256) -> None:
        self.store = store
        self.maxsize = maxsize
        self._records: OrderedDict[str, ProductRecord | None] = OrderedDict()
        self._skus: list[str] | None = None
        self._lock = threading.Lock()

    def find(self, sku: str) -> ProductRecord | None:
        with self._lock:
            if sku in self._records:
                self._records.move_to_end(sku)
                return self._records[sku]
        record = self.store.get(sku) if self.store.exists() else None
        with self._lock:
            self._records[sku] = record
            while len(self._records) > self.maxsize:
                self._records.popitem(last=False)
        return record

    def record(self, sku: str) -> ProductRecord:
        """The record of ``sku``, or :class:`UnknownSKUError`."""
        record = self.find(sku)
        if record is None:
            raise UnknownSKUError(f"SKU {sku!r} is not in the product store")
        return record

    def skus(self) -> list[str]:
        with self._lock:
            if self._skus is not None:
                return self._skus
        skus = self.store.skus() if self.store.exists() else []
        with self._lock:
            self._skus = skus
        return skus

    def invalidate(self) -> None:
        """Forget everything cached (call after records change)."""
        with self._lock:
            self._records.clear()
            self._skus = None
