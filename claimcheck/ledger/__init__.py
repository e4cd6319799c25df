"""The selection review record (选品审核台账): append-only, hash-chained and signed.

``chain`` hashes and checks entries, ``signing`` holds the Ed25519 ledger key,
``record`` appends and reads them, ``decisions`` builds decision entries,
``integrity`` walks the chain against the key and the checkpoints that
``checkpoint`` keeps outside the database, ``export`` writes them for the archive.
"""

from claimcheck.ledger.chain import (
    GENESIS_HASH,
    DecisionConflict,
    EntryNotFound,
    LedgerError,
    VerifyReport,
    canonical_json,
    compute_hash,
)
from claimcheck.ledger.checkpoint import Checkpoint, CheckpointError
from claimcheck.ledger.record import CheckpointRefused, Ledger
from claimcheck.ledger.signing import LedgerKey, LedgerKeyError, generate_key, load_key, public_key_path

__all__ = [
    "GENESIS_HASH",
    "Checkpoint",
    "CheckpointError",
    "CheckpointRefused",
    "DecisionConflict",
    "EntryNotFound",
    "Ledger",
    "LedgerError",
    "LedgerKey",
    "LedgerKeyError",
    "VerifyReport",
    "canonical_json",
    "compute_hash",
    "generate_key",
    "load_key",
    "public_key_path",
]
