"""Checkpoints: the signed head of the review record, kept outside the database.

Signatures stop anyone without the key from rewriting entries, but deleting the
newest entries leaves a shorter chain that still verifies. A checkpoint pins the
head: ``claimcheck ledger checkpoint`` appends one JSON line ::

    {"seq": 120, "entry_hash": "…", "time": "2026-11-29T02:00:00.000000+00:00",
     "key_id": "…", "unsigned_upto": 0, "signature": "…"}

to an append-only file the operator chooses (``CLAIMCHECK_LEDGER_CHECKPOINT_FILE``;
put it on other storage than the database, e.g. a WORM bucket or a file with
``chattr +a``). ``unsigned_upto`` is the last seq that may be unsigned (entries
written before signing existed), so stripping signatures later is found too.
Verification compares every checkpoint with the chain: a head below a
checkpoint's seq is truncation, another hash at a checkpoint's seq is a rewrite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from claimcheck.ledger.chain import LedgerError, canonical_json
from claimcheck.ledger.signing import CHECKPOINT_CONTEXT, LedgerKey, LedgerKeyError

_FIELDS = ("seq", "entry_hash", "time", "key_id", "unsigned_upto")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    time: str
    key_id: str
    unsigned_upto: int
    signature: str = ""

    def body(self) -> bytes:
        return canonical_json({f: getattr(self, f) for f in _FIELDS}).encode("utf-8")

    def to_line(self) -> str:
        return canonical_json({**{f: getattr(self, f) for f in _FIELDS}, "signature": self.signature})


class CheckpointError(LedgerError):
    """The checkpoint file cannot be read or holds a line that is not a valid signed checkpoint."""


def make_checkpoint(key: LedgerKey, seq: int, entry_hash: str, unsigned_upto: int) -> Checkpoint:
    time = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    cp = Checkpoint(seq, entry_hash, time, key.key_id, unsigned_upto)
    return Checkpoint(seq, entry_hash, time, key.key_id, unsigned_upto, key.sign(CHECKPOINT_CONTEXT, cp.body()))


def append_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line and flush it to disk (the file is only ever appended to)."""
    line = (checkpoint.to_line() + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise CheckpointError(f"cannot write the checkpoint file {path.name}: {exc.strerror or exc}") from None


def _parse(line: str, number: int, name: str) -> Checkpoint:
    try:
        raw = json.loads(line)
        if not isinstance(raw, dict) or set(raw) != {*_FIELDS, "signature"}:
            raise ValueError("unexpected fields")
        cp = Checkpoint(**raw)
        ok_types = (
            isinstance(cp.seq, int)
            and isinstance(cp.unsigned_upto, int)
            and all(isinstance(v, str) for v in (cp.entry_hash, cp.time, cp.key_id, cp.signature))
        )
        if not ok_types or isinstance(cp.seq, bool) or cp.seq < 1:
            raise ValueError("bad field types")
    except (ValueError, TypeError, RecursionError):
        raise CheckpointError(f"checkpoint file {name}, line {number}: not a checkpoint record") from None
    return cp


def read_checkpoints(path: Path, key: LedgerKey | None) -> list[Checkpoint]:
    """Every checkpoint in ``path``, each signature checked against ``key`` (none when the file is absent).

    A line that is not a checkpoint, is signed by another key or whose signature does not
    match, or a seq lower than the line before it, is a CheckpointError naming the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:  # a setting to fix (exit 2), not a damaged record
        raise LedgerError(f"cannot read the checkpoint file {path.name}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError(f"the checkpoint file {path.name} is not UTF-8 text: it was damaged") from None
    out: list[Checkpoint] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cp = _parse(line, number, path.name)
        where = f"checkpoint file {path.name}, line {number}"
        if key is None:
            raise LedgerKeyError(f"the checkpoint file {path.name} is signed but there is no ledger key to check it")
        if cp.key_id != key.key_id:
            raise CheckpointError(f"{where}: signed by key {cp.key_id}, not this ledger's key {key.key_id}")
        if not key.verify(CHECKPOINT_CONTEXT, cp.body(), cp.signature):
            raise CheckpointError(f"{where}: its signature does not match (forged or edited)")
        if out and cp.seq < out[-1].seq:
            raise CheckpointError(f"{where}: seq {cp.seq} is below the previous checkpoint's {out[-1].seq}")
        out.append(cp)
    return out
