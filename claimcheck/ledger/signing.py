"""The ledger key: an Ed25519 key pair that signs every entry and every checkpoint.

The hash chain alone finds an edit, but anyone who can write to the database can
re-hash the chain from the edit onward. A signature over each entry's hash needs
the private key, which lives in a file outside the database
(``CLAIMCHECK_LEDGER_KEY_FILE``, created with mode 0600 by ``claimcheck ledger
keygen`` or on the first signed append), so rewriting the record also needs that
file. Ed25519 rather than HMAC so a verifier can hold only the public key
(``<key file>.pub``): verifying never lets anyone sign.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from claimcheck.errors import ConfigError

ENTRY_CONTEXT = b"claimcheck-ledger-entry-v1\n"
CHECKPOINT_CONTEXT = b"claimcheck-ledger-checkpoint-v1\n"


class LedgerKeyError(ConfigError):
    """The ledger key file is missing, unreadable or not an Ed25519 key; the message says which."""


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class LedgerKey:
    """A public key, with its private half when this process may sign."""

    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None = None

    @property
    def key_id(self) -> str:
        """The first 16 hex digits of the public key's sha256: stored with each signature."""
        return hashlib.sha256(_raw_public(self.public)).hexdigest()[:16]

    @property
    def can_sign(self) -> bool:
        return self.private is not None

    def sign(self, context: bytes, message: bytes) -> str:
        if self.private is None:
            raise LedgerKeyError("the ledger key file holds only a public key: it can verify but not sign")
        return base64.b64encode(self.private.sign(context + message)).decode("ascii")

    def verify(self, context: bytes, message: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature.encode("ascii"), validate=True)
            self.public.verify(raw, context + message)
        except (InvalidSignature, ValueError, UnicodeEncodeError):
            return False
        return True

    def sign_entry(self, entry_hash: str) -> str:
        return self.sign(ENTRY_CONTEXT, entry_hash.encode("ascii"))

    def verify_entry(self, entry_hash: str, signature: str) -> bool:
        return self.verify(ENTRY_CONTEXT, entry_hash.encode("ascii", "replace"), signature)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``, complete or not at all, never over an existing file.

    The data goes to a temporary file that is then hard-linked into place, so a
    concurrent reader never sees a half-written key (FileExistsError if ``path`` exists)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.link(tmp, path)
    finally:
        if fd >= 0:
            os.close(fd)
        os.unlink(tmp)


def public_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def generate_key(path: Path) -> LedgerKey:
    """Create a new key file (mode 0600) and its public half beside it (``.pub``); never overwrites."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new(path, pem, 0o600)
    except FileExistsError:
        raise LedgerKeyError(f"the ledger key file {path.name} already exists; it is never overwritten") from None
    except OSError as exc:
        raise LedgerKeyError(f"cannot create the ledger key file {path.name}: {exc.strerror or exc}") from None
    pub = public_key_path(path)
    try:
        pub.unlink(missing_ok=True)  # a stale .pub of an older key would mislead verifiers
        _write_new(pub, public_pem, 0o644)
    except OSError:
        pass  # the public half is a convenience; the private key file holds both
    return LedgerKey(private.public_key(), private)


def load_key(path: Path) -> LedgerKey | None:
    """The key in ``path`` (a private key, or a public key for verifying only); None when there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LedgerKeyError(f"cannot read the ledger key file {path.name}: {exc.strerror or exc}") from None
    try:
        if b"PRIVATE KEY" in data:
            private = serialization.load_pem_private_key(data, password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return LedgerKey(private.public_key(), private)
        public = serialization.load_pem_public_key(data)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        return LedgerKey(public)
    except (ValueError, TypeError) as exc:
        raise LedgerKeyError(f"the ledger key file {path.name} is not an Ed25519 PEM key ({exc})") from None


def load_or_create_key(path: Path) -> LedgerKey:
    """The signing key in ``path``, created on first use (two processes racing create it once)."""
    key = load_key(path)
    if key is None:
        try:
            key = generate_key(path)
        except LedgerKeyError:
            key = load_key(path)  # another process created it first
            if key is None:
                raise
    if not key.can_sign:
        raise LedgerKeyError(f"the ledger key file {path.name} holds only a public key: it can verify but not sign")
    return key
