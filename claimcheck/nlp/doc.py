"""ClaimDoc: one normalised, segmented document shared by every detector.

Presidio's NlpArtifacts idea: the text is normalised once, segmented once (and
only if some detector asks for tokens or claim units), and every detector reads
the same object. Offsets handed out by a ClaimDoc are offsets into the original.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from claimcheck.io.sections import Section
from claimcheck.nlp.normalize import Normalized, normalize
from claimcheck.nlp.units import Span, UnitConfig, split_units

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

ProtectFn = Callable[[Normalized], list[tuple[int, int]]]


class TextPipeline:
    """Builds ClaimDocs; holds the spaCy pipeline (created on first use)."""

    def __init__(
        self,
        user_words: Iterable[str] = (),
        unit_config: UnitConfig | None = None,
        protect: ProtectFn | None = None,
    ) -> None:
        self._user_words = list(user_words)
        self.unit_config = unit_config or UnitConfig()
        self.protect = protect
        self._nlp: Language | None = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            from claimcheck.nlp.tokenizer import make_pipeline  # spaCy import is slow; defer

            self._nlp = make_pipeline(self._user_words)
        return self._nlp

    def token_starts(self, text: str) -> list[int]:
        """Start offsets of the segmenter's tokens (jieba alone: no spaCy Doc is built)."""
        starts: list[int] = []
        pos = 0
        for word in self.nlp.tokenizer.segment(text):  # type: ignore[attr-defined]
            starts.append(pos)
            pos += len(word)
        return starts

    def make_doc(
        self,
        text: str,
        *,
        product_category: str | None = None,
        sku: str | None = None,
        broadcast_date: dt.date | None = None,
        sections: list[Section] | None = None,
    ) -> ClaimDoc:
        return ClaimDoc(
            text,
            normalize(text),
            self,
            product_category=product_category,
            sku=sku,
            broadcast_date=broadcast_date,
            sections=sections,
        )


class ClaimDoc:
    def __init__(
        self,
        text: str,
        norm: Normalized,
        pipeline: TextPipeline,
        *,
        product_category: str | None = None,
        sku: str | None = None,
        broadcast_date: dt.date | None = None,
        sections: list[Section] | None = None,
    ) -> None:
        self.text = text
        self.norm = norm
        self.pipeline = pipeline
        self.product_category = product_category
        self.sku = sku
        # the day the claims are made: evidence must be valid then (default: today)
        self.broadcast_date = broadcast_date or dt.date.today()
        # per-product sections of a script (a heading naming a SKU starts one)
        self.sections = [s for s in (sections or []) if s.sku]
        self._section_starts = [s.start for s in self.sections]
        # What detectors leave for later steps (e.g. every unit's classifier score).
        self.annotations: dict[str, object] = {}

    @cached_property
    def spacy_doc(self) -> Doc:
        """spaCy Doc over the light view (tokens by the private jieba tokenizer)."""
        return self.pipeline.nlp(self.norm.light.text)

    @cached_property
    def units(self) -> list[Span]:
        """Claim units as spans of the ORIGINAL text."""
        return self._units()

    def unit_compact_texts(self) -> list[str]:
        """Each unit's slice of the compact view (what the classifiers read)."""
        view = self.norm.compact
        if not self.units:
            return []
        bounds = np.searchsorted(view.src, [b for u in self.units for b in (u.start, u.end)], side="left")
        return [view.text[bounds[2 * i] : bounds[2 * i + 1]] for i in range(len(self.units))]

    def _units(self) -> list[Span]:
        light = self.norm.light
        token_starts = self.pipeline.token_starts(light.text)
        protected: list[tuple[int, int]] = []
        if self.pipeline.protect is not None:
            for s, e in self.pipeline.protect(self.norm):
                ls = int(np.searchsorted(light.src, s, side="left"))
                le = int(np.searchsorted(light.src, e - 1, side="right"))
                if le > ls:
                    protected.append((ls, le))
        spans = split_units(light.text, token_starts, protected, self.pipeline.unit_config)
        return [Span(*light.to_original(sp.start, sp.end)) for sp in spans if sp.end > sp.start]

    def sku_at(self, offset: int) -> str | None:
        """The SKU on sale at an offset: its section's SKU, else the document's."""
        if self.sections:
            i = bisect_right(self._section_starts, offset) - 1
            if i >= 0 and self.sections[i].start <= offset < self.sections[i].end:
                return self.sections[i].sku
            return self.sku
        return self.sku

    def unit_texts(self) -> list[str]:
        return [self.text[u.start : u.end] for u in self.units]
