"""ClaimDoc: one normalised document shared by every detector.

Presidio's NlpArtifacts idea: the text is normalised once, claim units are cut
once (and only if some detector asks for them), tokens are computed only where
they are needed, and every detector reads the same object. Offsets handed out by
a ClaimDoc are offsets into the original text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from claimcheck.context import DocContext
from claimcheck.nlp.normalize import Normalized, normalize
from claimcheck.nlp.segmenter import JiebaSegmenter
from claimcheck.nlp.units import Span, UnitConfig, split_units

if TYPE_CHECKING:
    import datetime as dt

    from spacy.language import Language
    from spacy.tokens import Doc

ProtectFn = Callable[[Normalized], list[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class UnitScore:
    """A unit detector's score for one claim unit, with the cut-offs that apply to it."""

    start: int
    end: int
    score: float
    decision: float  # at or above: the detector flags the unit
    veto: float  # below: the detector is confident the unit is ordinary speech
    veto_block: bool  # whether that confidence may lower a blocking term hit too
    gated: bool = False  # the claim gate kept the unit from the classifier: no score, no veto


@dataclass
class DocNotes:
    """What detectors and steps leave for later steps, typed."""

    # per claim unit, sorted by start: the unit detector's scores (empty when none ran)
    unit_scores: list[UnitScore] = field(default_factory=list)
    # (start, end, rule_id) of findings the context step lowered because they are negated or quoted
    context_lowered: set[tuple[int, int, str]] = field(default_factory=set)
    # ids of the allowed contexts (DocContext.allowances) that lowered a finding of this document
    allowances_applied: set[int] = field(default_factory=set)


class TextPipeline:
    """Builds ClaimDocs; holds the segmenter and, on first use, a spaCy pipeline."""

    def __init__(
        self,
        user_words: Iterable[str] = (),
        unit_config: UnitConfig | None = None,
        protect: ProtectFn | None = None,
    ) -> None:
        self._user_words = list(user_words)
        self.unit_config = unit_config or UnitConfig()
        self.protect = protect
        self.segmenter = JiebaSegmenter(self._user_words)
        self._nlp: Language | None = None

    @property
    def nlp(self) -> Language:
        """A spaCy pipeline sharing this pipeline's segmenter (spaCy is imported here only)."""
        if self._nlp is None:
            from claimcheck.nlp.tokenizer import make_pipeline

            self._nlp = make_pipeline(segmenter=self.segmenter)
        return self._nlp

    def token_starts(self, text: str) -> list[int]:
        """Start offsets of the segmenter's tokens over the whole text."""
        return self.segmenter.token_starts(text)

    def make_doc(self, text: str, context: DocContext | None = None) -> ClaimDoc:
        return ClaimDoc(text, normalize(text), self, context or DocContext())


class ClaimDoc:
    def __init__(self, text: str, norm: Normalized, pipeline: TextPipeline, context: DocContext) -> None:
        self.text = text
        self.norm = norm
        self.pipeline = pipeline
        self.context = context
        self.notes = DocNotes()

    # the context, for detectors
    @property
    def product_category(self) -> str | None:
        return self.context.product_category

    @property
    def sku(self) -> str | None:
        return self.context.sku

    @property
    def broadcast_date(self) -> dt.date:
        return self.context.on

    def sku_at(self, offset: int) -> str | None:
        return self.context.sku_at(offset)

    @cached_property
    def spacy_doc(self) -> Doc:
        """spaCy Doc over the light view (tokens by the private jieba segmenter)."""
        return self.pipeline.nlp(self.norm.light.text)

    @cached_property
    def units(self) -> list[Span]:
        """Claim units as spans of the ORIGINAL text."""
        light = self.norm.light
        protected: list[tuple[int, int]] = []
        if self.pipeline.protect is not None:
            for s, e in self.pipeline.protect(self.norm):
                ls = int(np.searchsorted(light.src, s, side="left"))
                le = int(np.searchsorted(light.src, e - 1, side="right"))
                if le > ls:
                    protected.append((ls, le))
        segmenter = self.pipeline.segmenter

        def segment(start: int, end: int) -> list[int]:
            return segmenter.token_starts(light.text[start:end], start)

        spans = split_units(light.text, segment, protected, self.pipeline.unit_config)
        return [Span(*light.to_original(sp.start, sp.end)) for sp in spans if sp.end > sp.start]

    def unit_compact_texts(self) -> list[str]:
        """Each unit's slice of the compact view (what the classifiers read)."""
        view = self.norm.compact
        if not self.units:
            return []
        bounds = np.searchsorted(view.src, [b for u in self.units for b in (u.start, u.end)], side="left")
        return [view.text[bounds[2 * i] : bounds[2 * i + 1]] for i in range(len(self.units))]

    def unit_texts(self) -> list[str]:
        return [self.text[u.start : u.end] for u in self.units]
