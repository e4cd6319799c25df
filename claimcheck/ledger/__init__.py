"""The selection review record (选品审核台账): append-only and hash-chained.

``chain`` hashes and checks entries, ``record`` appends and reads them, ``export``
writes them for the archive.
"""

from claimcheck.ledger.chain import (
    GENESIS_HASH,
    EntryNotFound,
    LedgerError,
    VerifyReport,
    canonical_json,
    compute_hash,
)
from claimcheck.ledger.record import Ledger

__all__ = [
    "GENESIS_HASH",
    "EntryNotFound",
    "Ledger",
    "LedgerError",
    "VerifyReport",
    "canonical_json",
    "compute_hash",
]
