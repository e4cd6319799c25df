"""DocContext: what is known about a text besides its words.

The product category, the SKU on sale, the broadcast date the claims are made on,
and per-product sections of a script or transcript. One object travels from the
front end through the engine to every detector, instead of four keyword arguments
repeated on every signature.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Literal

#: how the text was made: a written script, or recognised speech (a transcript, a live stream)
Medium = Literal["script", "speech"]


@dataclass(frozen=True)
class Section:
    """A stretch [start, end) of the original text during which ``sku`` is on sale (None: unknown)."""

    start: int
    end: int
    sku: str | None


@dataclass(frozen=True)
class AllowedContext:
    """An institution's ruling that ``phrase`` is not a violation inside ``context`` (the phrase is in it).

    ``rule_id`` / ``category`` narrow it to findings of that rule or category (both None: any finding).
    Made from a dismissed false alarm (claimcheck.service.allowances); ``created_on`` is the local day."""

    id: int
    phrase: str
    context: str
    rule_id: str | None
    category: str | None
    created_by: str
    created_on: str
    reason: str


@dataclass(frozen=True)
class AllowanceSet:
    """The active allowed contexts at one moment; ``version`` is a hash of their content."""

    version: str
    items: tuple[AllowedContext, ...] = ()

    @property
    def tag(self) -> str:
        """How a screening result's versions name the set that produced it."""
        return f"allowances@{self.version}"


@dataclass(frozen=True)
class DocContext:
    """Context of one screening; every field optional.

    ``product_category`` is an id or a Chinese name/alias (the engine resolves it);
    ``broadcast_date`` defaults to today when evidence validity is checked.
    """

    product_category: str | None = None
    sku: str | None = None
    broadcast_date: dt.date | None = None
    sections: tuple[Section, ...] = ()
    # detectors calibrated on real speech apply their speech thresholds to transcripts only
    medium: Medium = "script"
    # the institution's allowed contexts, passed in by the service layer (None: none apply)
    allowances: AllowanceSet | None = None
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kept = tuple(s for s in self.sections if s.sku)
        object.__setattr__(self, "sections", kept)
        object.__setattr__(self, "_starts", tuple(s.start for s in kept))

    @property
    def on(self) -> dt.date:
        """The day claims are judged on: the broadcast date, else today."""
        return self.broadcast_date or dt.date.today()

    def with_(self, **changes: object) -> DocContext:
        return replace(self, **changes)  # type: ignore[arg-type]

    def sku_at(self, offset: int) -> str | None:
        """The SKU on sale at an original offset: its section's SKU, else the document's."""
        if self.sections:
            i = bisect_right(self._starts, offset) - 1
            if i >= 0 and self.sections[i].start <= offset < self.sections[i].end:
                return self.sections[i].sku
        return self.sku

    @property
    def has_products(self) -> bool:
        return self.sku is not None or bool(self.sections)
