"""The Engine: the one object the service layer (CLI, HTTP API, batch jobs) screens with.

It owns the lexicon, the text pipeline, the detectors and the post-processing
steps, and turns a text and its :class:`DocContext` into a ScreenResult.
Building one is the expensive part (lexicon compilation, model loading);
screening with it is cheap, so callers build it once and reuse it.
"""

from __future__ import annotations

from collections.abc import Sequence

from claimcheck import __version__
from claimcheck.chunks import chunk_bounds
from claimcheck.config import Settings
from claimcheck.context import DocContext, Section
from claimcheck.detectors import Detector, DetectorResources, Traits, create_detector
from claimcheck.detectors.lexicon import shared_matcher
from claimcheck.errors import ClaimcheckError
from claimcheck.io.sections import split_sections
from claimcheck.lexicons import Lexicon, load_lexicon
from claimcheck.nlp.doc import ClaimDoc, TextPipeline
from claimcheck.nlp.units import UnitConfig
from claimcheck.postprocess import Step, cap_findings, default_steps, run_steps
from claimcheck.store.catalogue import ProductCatalogue
from claimcheck.store.repository import SpecStore
from claimcheck.types import Finding, ScreenResult, verdict_for


class Engine:
    def __init__(
        self,
        lexicon: Lexicon,
        detectors: Sequence[Detector],
        steps: Sequence[Step],
        pipeline: TextPipeline,
        catalogue: ProductCatalogue | None = None,
        max_findings: int | None = None,
        chunk_chars: int | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.detectors = list(detectors)
        self.steps = list(steps)
        self.pipeline = pipeline
        self.catalogue = catalogue
        self.max_findings = max_findings  # per screened text (Settings.max_findings); None: no cap
        self.chunk_chars = chunk_chars  # screen longer texts in pieces (Settings.screen_chunk_chars)
        self._versions = {"claimcheck": __version__, "lexicon": lexicon.version_tag}
        self._versions.update({d.name: d.version for d in self.detectors})

    @classmethod
    def from_settings(cls, settings: Settings | None = None, lexicon: Lexicon | None = None) -> Engine:
        settings = settings or Settings()
        lexicon = lexicon or load_lexicon(settings.lexicon_dir)
        catalogue = ProductCatalogue(SpecStore(settings.database_url)) if settings.database_url else None
        resources = DetectorResources(settings=settings, lexicon=lexicon, catalogue=catalogue)
        detectors = [create_detector(name, resources) for name in settings.detectors]
        matcher = shared_matcher(resources)  # segmentation keeps lexicon terms whole, detector or not
        ctx = lexicon.context
        unit_cfg = UnitConfig(
            min_chars=settings.unit_min_chars,
            target_chars=settings.unit_target_chars,
            max_chars=settings.unit_max_chars,
            break_markers=tuple(ctx.unit_break_markers),
        )
        # detectors that match on tokens say which words the segmenter must keep whole
        extra_words = [w for d in detectors for w in (getattr(d, "user_words", None) or list)()]
        pipeline = TextPipeline(
            user_words=[*ctx.segmenter_words, *matcher.user_words(), *extra_words],
            unit_config=unit_cfg,
            protect=matcher.raw_spans,
        )
        traits = {d.name: Traits.of(d) for d in detectors}
        steps = default_steps(ctx, traits)
        return cls(lexicon, detectors, steps, pipeline, catalogue, settings.max_findings, settings.screen_chunk_chars)

    @property
    def versions(self) -> dict[str, str]:
        """claimcheck, the lexicon, and every detector's version (each finding's provenance)."""
        return dict(self._versions)

    def resolve(self, context: DocContext | None) -> DocContext:
        """The context with its product category resolved to an id (from the SKU's record if not given)."""
        context = context or DocContext()
        category = self.lexicon.resolve_product_category(context.product_category)
        if context.sku is not None and self.catalogue is not None:
            record = self.catalogue.record(context.sku)  # raises UnknownSKUError
            category = category or record.category
        if category != context.product_category:
            context = context.with_(product_category=category)
        return context

    def make_doc(self, text: str, context: DocContext | None = None) -> ClaimDoc:
        return self.pipeline.make_doc(text, self.resolve(context))

    def sections(self, text: str) -> list[Section]:
        """Per-product sections of a script, using the SKUs in the product store."""
        known = self.catalogue.skus() if self.catalogue is not None else []
        return split_sections(text, known)

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        findings: list[Finding] = []
        for det in self.detectors:
            findings.extend(det.analyze(doc))
        findings = run_steps(doc, findings, self.steps)
        return sorted(self._with_product_names(findings), key=lambda f: (f.start, f.end))

    def _with_product_names(self, findings: list[Finding]) -> list[Finding]:
        if self.catalogue is None:
            return findings
        names: dict[str, str | None] = {}
        out = []
        for f in findings:
            if f.sku is not None and f.product_name is None:
                if f.sku not in names:
                    try:
                        names[f.sku] = self.catalogue.record(f.sku).name
                    except ClaimcheckError:  # a run-sheet SKU with no record: keep the SKU alone
                        names[f.sku] = None
                f = f.replace(product_name=names[f.sku]) if names[f.sku] else f
            out.append(f)
        return out

    def _findings(self, text: str, context: DocContext | None) -> list[Finding]:
        """Every finding of ``text``: a long text with no product in pieces, which find the same (claimcheck.chunks)."""
        if self.chunk_chars is None or len(text) <= self.chunk_chars or (context or DocContext()).has_products:
            return self.analyze(self.make_doc(text, context))
        findings: list[Finding] = []
        for start, end in chunk_bounds(text, self.chunk_chars):
            for f in self.analyze(self.make_doc(text[start:end], context)):
                findings.append(f.replace(start=f.start + start, end=f.end + start) if start else f)
        return findings

    def screen(self, text: str, context: DocContext | None = None) -> ScreenResult:
        findings = self._findings(text, context)
        verdict = verdict_for(findings)  # of every finding, listed or not
        kept, notice = cap_findings(findings, self.max_findings)
        if notice is None:
            return ScreenResult.model_construct(verdict=verdict, findings=findings, versions=self.versions)
        return ScreenResult.model_construct(
            verdict=verdict,
            findings=kept,
            versions=self.versions,
            truncated=True,
            findings_total=len(findings),
            notice=notice,
        )
