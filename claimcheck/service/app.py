"""Services: the objects a front end needs, built lazily and shared by every use case."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from claimcheck.config import Settings

if TYPE_CHECKING:
    from claimcheck.engine import Engine
    from claimcheck.ledger import Ledger
    from claimcheck.store.repository import SpecStore


class Services:
    """One per process (API worker) or per command (CLI).

    The engine is the expensive part and is built on first use; the ledger and
    the product store are cheap handles on the configured database.
    """

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None) -> None:
        self.settings = settings or Settings()
        self._engine = engine
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    from claimcheck.engine import Engine

                    self._engine = Engine.from_settings(self.settings)
        return self._engine

    @cached_property
    def ledger(self) -> Ledger:
        from claimcheck.ledger import Ledger

        return Ledger(
            self.settings.database_url,
            key_file=self.settings.ledger_key_file,
            checkpoint_file=self.settings.ledger_checkpoint_file,
        )

    @cached_property
    def product_store(self) -> SpecStore:
        """The product store, with the spec normaliser imports need."""
        from claimcheck.specs.check import SpecNormalizer
        from claimcheck.specs.tables import load_spec_tables
        from claimcheck.store.repository import SpecStore

        return SpecStore(
            self.settings.database_url, normalizer=SpecNormalizer(load_spec_tables(self.settings.spec_tables_dir))
        )

    def products_changed(self) -> None:
        """Tell the engine's product catalogue that records changed (the next screening sees them)."""
        if self._engine is not None and self._engine.catalogue is not None:
            self._engine.catalogue.invalidate()
