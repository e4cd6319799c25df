"""The Engine: the one object the CLI, the HTTP API and batch jobs share.

It owns the lexicon, the text pipeline, the detectors and the post-processing
steps, and turns a text into a ScreenResult. Building one is the expensive part
(lexicon compilation, model loading); screening with it is cheap, so callers
build it once and reuse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from claimcheck import __version__
from claimcheck.config import Settings
from claimcheck.detectors.base import Detector, create_detector
from claimcheck.detectors.lexicon import LexiconDetector, LexiconMatcher
from claimcheck.io.sections import Section, split_sections
from claimcheck.lexicons import Lexicon, load_lexicon
from claimcheck.nlp.doc import ClaimDoc, TextPipeline
from claimcheck.nlp.units import UnitConfig
from claimcheck.postprocess import (
    ContextAdjuster,
    Step,
    classifier_veto,
    fold_unit_findings,
    merge_overlaps,
    run_steps,
)
from claimcheck.types import Finding, ScreenResult, verdict_for


class Engine:
    def __init__(
        self,
        lexicon: Lexicon,
        detectors: Sequence[Detector],
        steps: Sequence[Step],
        pipeline: TextPipeline,
    ) -> None:
        self.lexicon = lexicon
        self.detectors = list(detectors)
        self.steps = list(steps)
        self.pipeline = pipeline

    @classmethod
    def from_settings(cls, settings: Settings | None = None, lexicon: Lexicon | None = None) -> Engine:
        settings = settings or Settings()
        lexicon = lexicon or load_lexicon(settings.lexicon_dir)
        matcher = LexiconMatcher(lexicon)
        detectors: list[Detector] = []
        for name in settings.detectors:
            if name == "lexicon":
                detectors.append(LexiconDetector(matcher=matcher))
            else:
                detectors.append(create_detector(name, lexicon=lexicon, settings=settings))
        ctx = lexicon.context
        unit_cfg = UnitConfig(
            min_chars=settings.unit_min_chars,
            target_chars=settings.unit_target_chars,
            max_chars=settings.unit_max_chars,
            break_markers=tuple(ctx.unit_break_markers),
        )
        pipeline = TextPipeline(
            user_words=[*ctx.segmenter_words, *matcher.user_words()],
            unit_config=unit_cfg,
            protect=matcher.raw_spans,
        )
        steps: list[Step] = [ContextAdjuster(ctx), classifier_veto, fold_unit_findings, merge_overlaps]
        return cls(lexicon, detectors, steps, pipeline)

    @property
    def versions(self) -> dict[str, str]:
        v = {"claimcheck": __version__, "lexicon": self.lexicon.version_tag}
        models = [d.version for d in self.detectors if d.name == "exaggeration"]
        v["model"] = ",".join(models) if models else "none"
        spec = self.spec_detector
        if spec is not None:
            v["spec_tables"] = spec.version
        return v

    def make_doc(
        self,
        text: str,
        *,
        product_category: str | None = None,
        sku: str | None = None,
        broadcast_date: dt.date | None = None,
        sections: list[Section] | None = None,
    ) -> ClaimDoc:
        category = self.lexicon.resolve_product_category(product_category)
        spec = self.spec_detector
        if sku is not None and spec is not None:
            record = spec.record(sku)  # raises UnknownSKUError
            category = category or record.category
        return self.pipeline.make_doc(
            text, product_category=category, sku=sku, broadcast_date=broadcast_date, sections=sections
        )

    @property
    def spec_detector(self):
        return next((d for d in self.detectors if d.name == "spec_check"), None)

    def sections(self, text: str) -> list[Section]:
        """Per-product sections of a script, using the SKUs in the product store."""
        spec = self.spec_detector
        known = spec.store.skus() if spec is not None and spec.store_exists() else []
        return split_sections(text, known)

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        findings: list[Finding] = []
        for det in self.detectors:
            findings.extend(det.analyze(doc))
        findings = run_steps(doc, findings, self.steps)
        return sorted(findings, key=lambda f: (f.start, f.end))

    def screen(
        self,
        text: str,
        *,
        product_category: str | None = None,
        sku: str | None = None,
        broadcast_date: dt.date | None = None,
        sections: list[Section] | None = None,
    ) -> ScreenResult:
        doc = self.make_doc(
            text, product_category=product_category, sku=sku, broadcast_date=broadcast_date, sections=sections
        )
        findings = self.analyze(doc)
        return ScreenResult.model_construct(verdict=verdict_for(findings), findings=findings, versions=self.versions)
