"""The review queue and a product's records: what needs review, most severe and most uncertain first.

The review record is append-only, so a record's summary (its verdict, SKUs, findings with their
severity and score, and the current decision on each) changes only when a decision on it is
appended. :class:`RecordIndex` keeps those summaries in memory, one index per database and
process, and follows the record: each call reads only the entries appended since the last one
(and starts over when the entry it stopped at is no longer the same, e.g. a database replaced).

Order of the queue (:func:`priority`), explainable to a reviewer:

1. records with an open ``block`` finding, then records with an open ``review`` finding, then
   the rest ("open": block or review, no decision yet);
2. within each, the most uncertain open finding first: an ``unclassified`` finding (the model
   saw a violation but cannot say which), then classifier findings by how near their score is to
   0.5; records whose open findings are all rule hits (lexicon, patterns, spec checks) come after;
3. newest first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from claimcheck.clock import to_local
from claimcheck.ledger.chain import RECORD_KINDS
from claimcheck.service import products
from claimcheck.service.app import Services

OPEN_SEVERITIES = ("block", "review")
PAGE_SIZE = 50
_BATCH = 2000


@dataclass(frozen=True)
class FindingState:
    """One finding of a record as the queue needs it, with its current decision."""

    index: int
    severity: str
    score: float
    category: str
    rule_id: str
    sku: str | None
    product_name: str | None
    decision: str | None = None
    reviewer: str | None = None

    @property
    def open(self) -> bool:
        return self.severity in OPEN_SEVERITIES and self.decision is None

    @property
    def uncertainty(self) -> float | None:
        """How far from a coin toss the classifier was (0 = most uncertain); None for rule hits."""
        if self.category == "unclassified":
            return 0.0
        if self.rule_id.startswith("classifier."):
            return abs(self.score - 0.5)
        return None


@dataclass(frozen=True)
class RecordSummary:
    """A screening or audit record as the queue and the product page show it (derived counts are
    computed once: a decision makes a new summary)."""

    seq: int
    kind: str
    created_at: str  # UTC ISO 8601, as stored
    sku: str | None
    subject: str | None
    verdict: str | None
    findings: tuple[FindingState, ...]
    reviewers: frozenset[str] = frozenset()  # everyone who decided on a finding of it
    uploaded_by: str | None = None

    @cached_property
    def skus(self) -> set[str]:
        found = {f.sku for f in self.findings if f.sku}
        return found | ({self.sku} if self.sku else set())

    def about(self, sku: str) -> tuple[FindingState, ...]:
        """The findings about ``sku``: in its section, or in a record of that SKU outside any section."""
        return tuple(f for f in self.findings if f.sku == sku or (f.sku is None and self.sku == sku))

    @cached_property
    def open(self) -> int:
        return sum(1 for f in self.findings if f.open)

    @cached_property
    def open_block(self) -> int:
        return sum(1 for f in self.findings if f.open and f.severity == "block")

    @cached_property
    def decided(self) -> int:
        return sum(1 for f in self.findings if f.decision is not None)

    @cached_property
    def uncertainty(self) -> float | None:
        values = [u for f in self.findings if f.open and (u := f.uncertainty) is not None]
        return min(values) if values else None

    @cached_property
    def local_date(self) -> dt.date:
        return to_local(self.created_at).date()


def priority(record: RecordSummary) -> tuple[int, int, float, int]:
    """The queue's sort key (smaller first); see the module's docstring."""
    tier = 0 if record.open_block else 1 if record.open else 2
    uncertainty = record.uncertainty
    return tier, int(uncertainty is None), uncertainty if uncertainty is not None else 1.0, -record.seq


def _summary(entry: dict[str, Any]) -> RecordSummary:
    payload = entry.get("payload") or {}
    findings = []
    for i, f in enumerate(payload.get("findings") or ()):
        if not isinstance(f, dict):
            continue
        score = f.get("score")
        findings.append(
            FindingState(
                index=i,
                severity=str(f.get("severity") or ""),
                score=float(score) if isinstance(score, int | float) else 1.0,
                category=str(f.get("category") or ""),
                rule_id=str(f.get("rule_id") or ""),
                sku=f.get("sku") if isinstance(f.get("sku"), str) else None,
                product_name=f.get("product_name") if isinstance(f.get("product_name"), str) else None,
            )
        )
    meta = payload.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return RecordSummary(
        seq=entry["seq"],
        kind=entry["kind"],
        created_at=entry["created_at"],
        sku=entry.get("sku"),
        subject=entry.get("subject"),
        verdict=payload.get("verdict"),
        findings=tuple(findings),
        uploaded_by=meta.get("uploaded_by") if isinstance(meta.get("uploaded_by"), str) else None,
    )


def _decided(record: RecordSummary, payload: dict[str, Any]) -> RecordSummary:
    index, reviewer = payload.get("finding_index"), payload.get("reviewer")
    findings = tuple(
        dataclasses.replace(f, decision=payload.get("decision"), reviewer=reviewer) if f.index == index else f
        for f in record.findings
    )
    reviewers = record.reviewers | ({reviewer} if isinstance(reviewer, str) else set())
    return dataclasses.replace(record, findings=findings, reviewers=frozenset(reviewers))


@dataclass
class RecordIndex:
    """Summaries of every record of one database, brought up to date on each :meth:`records` call."""

    _records: dict[int, RecordSummary] = field(default_factory=dict)
    _last_seq: int = 0
    _last_hash: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def records(self, services: Services) -> list[RecordSummary]:
        ledger = services.ledger
        with self._lock:
            if self._last_seq and ledger.hash_at(self._last_seq) != self._last_hash:
                self._records, self._last_seq, self._last_hash = {}, 0, None  # not the record we followed
            while True:
                batch = ledger.since(self._last_seq, limit=_BATCH)
                for entry in batch:
                    self._apply(entry)
                    self._last_seq, self._last_hash = entry["seq"], entry["entry_hash"]
                if len(batch) < _BATCH:
                    break
            return list(self._records.values())

    def _apply(self, entry: dict[str, Any]) -> None:
        kind = entry["kind"]
        if kind in RECORD_KINDS:
            self._records[entry["seq"]] = _summary(entry)
        elif kind == "decision":
            record = self._records.get(entry.get("record_seq") or 0)
            if record is not None:
                self._records[record.seq] = _decided(record, entry.get("payload") or {})


_INDEXES: dict[str, RecordIndex] = {}
_INDEXES_LOCK = threading.Lock()


def record_index(services: Services) -> RecordIndex:
    url = services.settings.database_url
    with _INDEXES_LOCK:
        return _INDEXES.setdefault(url, RecordIndex())


def all_records(services: Services) -> list[RecordSummary]:
    """Every screening and audit record of the review record, summarised (in no particular order)."""
    return record_index(services).records(services)


# ------------------------------------------------------------------ the queue
@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: every field optional; dates are whole local days, inclusive."""

    verdict: str | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sku: str | None = None
    product: str | None = None  # a part of the product's name
    reviewer: str | None = None  # who decided on a finding of the record
    state: str | None = None  # "open": with open findings; "done": none open

    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "") for f in dataclasses.fields(self))


@dataclass(frozen=True)
class QueueRow:
    record: RecordSummary
    product_names: tuple[str, ...]


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    per_page: int


def _names(record: RecordSummary, store_names: dict[str, str]) -> tuple[str, ...]:
    names = [store_names[s] for s in sorted(record.skus) if s in store_names]
    names += [f.product_name for f in record.findings if f.product_name]
    return tuple(dict.fromkeys(names))


def _matches(record: RecordSummary, names: tuple[str, ...], flt: QueueFilters) -> bool:
    if flt.verdict and record.verdict != flt.verdict:
        return False
    if flt.kind and record.kind != flt.kind:
        return False
    if flt.date_from and record.local_date < flt.date_from:
        return False
    if flt.date_to and record.local_date > flt.date_to:
        return False
    if flt.sku and flt.sku not in record.skus:
        return False
    if flt.product:
        wanted = flt.product.casefold()
        if not any(wanted in name.casefold() for name in names):
            return False
    if flt.reviewer and flt.reviewer not in record.reviewers:
        return False
    if flt.state == "open" and not record.open:
        return False
    return not (flt.state == "done" and record.open)


def queue(services: Services, filters: QueueFilters, page: int = 1, per_page: int = PAGE_SIZE) -> QueuePage:
    """One page of the records that match ``filters``, in :func:`priority` order."""
    store_names = {p["sku"]: p["name"] for p in products.product_summaries(services) if p["sku"] and p["name"]}
    rows = []
    for record in all_records(services):
        names = _names(record, store_names)
        if _matches(record, names, filters):
            rows.append(QueueRow(record, names))
    rows.sort(key=lambda r: priority(r.record))
    total = len(rows)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    return QueuePage(rows[(page - 1) * per_page : page * per_page], total, page, pages, per_page)


def reviewers(services: Services) -> list[str]:
    """Everyone who has decided on a finding, by name (for the queue's reviewer filter)."""
    return sorted({name for record in all_records(services) for name in record.reviewers})


# ------------------------------------------------------------------ a product's records
@dataclass(frozen=True)
class ProductRecordRow:
    """A record that touched a product, with the counts of its findings about that product."""

    record: RecordSummary
    findings: int
    open: int
    decided: int


def records_for_sku(services: Services, sku: str) -> list[ProductRecordRow]:
    """Every screening and audit that touched ``sku`` (its own SKU, or a finding in that product's
    section of a script or run sheet), newest first, with the open and decided counts of its findings
    about the SKU."""
    rows = []
    for record in all_records(services):
        if sku not in record.skus:
            continue
        about = record.about(sku)
        rows.append(
            ProductRecordRow(
                record,
                findings=len(about),
                open=sum(1 for f in about if f.open),
                decided=sum(1 for f in about if f.decision is not None),
            )
        )
    rows.sort(key=lambda r: -r.record.seq)
    return rows


def summarise(records: Iterable[ProductRecordRow]) -> dict[str, int]:
    """Totals over a product's records: records, findings, open and decided findings."""
    rows = list(records)
    return {
        "records": len(rows),
        "findings": sum(r.findings for r in rows),
        "open": sum(r.open for r in rows),
        "decided": sum(r.decided for r in rows),
    }
