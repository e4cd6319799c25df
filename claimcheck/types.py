"""The finding contract: what every detector returns and every front end prints.

Offsets are always character offsets into the ORIGINAL input text, so a reviewer's
screen, the JSON output and the review record all point at what the user wrote.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel

from claimcheck.taxonomy import Category


class Severity(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.REVIEW: 1, Severity.BLOCK: 2}


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Finding:
    """One flagged span. Field order and names follow the design contract.

    A slotted dataclass rather than a pydantic model: detectors create thousands
    per second and validation would dominate the lexicon stage; pydantic still
    serialises it (and FastAPI documents it) as part of ScreenResult.
    """

    start: int
    end: int
    text: str
    detector: str
    category: Category
    rule_id: str
    severity: Severity
    score: float
    legal_basis: str = ""
    suggestion: str = ""
    explanation: str = ""
    start_ms: int | None = None
    end_ms: int | None = None
    sku: str | None = None
    claim_verdict: str | None = None
    evidence: dict[str, Any] | None = None
    # Other rules that fired on an overlapping span and were merged here.
    merged_rule_ids: list[str] | None = None
    # Every detector that agrees on this finding, when more than one does.
    sources: list[str] | None = None
    # For an ``unclassified`` finding: the likely categories, most likely first (not asserted).
    category_hints: list[str] | None = None
    # The product's name beside its SKU, from the product store (reviewers know names, not SKUs).
    product_name: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span ({self.start}, {self.end})")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} outside [0, 1]")

    def replace(self, **changes: Any) -> Finding:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every field, as plain JSON-serialisable values (enums as their strings; lists and dicts copied)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, (list, dict)):
                value = json.loads(json.dumps(value, ensure_ascii=False, default=str))
            out[f.name] = value
        return out


#: the field names of a finding, in contract order (the columns of a findings table)
FINDING_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Finding))


class ScreenResult(BaseModel):
    """A document verdict with its findings and the versions that produced them."""

    verdict: Verdict
    findings: list[Finding]
    versions: dict[str, str]
    # Set only when more findings were found than the cap (Settings.max_findings): the most severe
    # are listed, ``findings_total`` says how many there were, ``notice`` says so in one line.
    truncated: bool | None = None
    findings_total: int | None = None
    notice: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    #: a successful screening (a :class:`RowError` says why a batch row could not be screened)
    error: ClassVar[None] = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable values (``model_dump(mode="json")``; unset optional fields left out)."""
        return self.to_json_dict()

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class RowError:
    """A batch row that could not be screened (no text, not a string, an unknown SKU): its place and why.

    Stands in a batch's results where that row's :class:`ScreenResult` would be, so one bad row
    never stops the others; ``verdict`` is None and ``findings`` empty."""

    index: int
    error: str
    verdict: ClassVar[None] = None

    @property
    def findings(self) -> list[Finding]:
        return []

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "error": self.error, "verdict": None, "findings": []}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def verdict_for(findings: list[Finding]) -> Verdict:
    """block if anything blocks, review if anything needs a look, else pass (info is advisory)."""
    worst = max((f.severity.rank for f in findings), default=-1)
    if worst >= Severity.BLOCK.rank:
        return Verdict.BLOCK
    if worst >= Severity.REVIEW.rank:
        return Verdict.REVIEW
    return Verdict.PASS
