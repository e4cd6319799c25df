"""The Engine: the one object the service layer (CLI, HTTP API, batch jobs) screens with.

It owns the lexicon, the text pipeline, the detectors and the post-processing
steps, and turns a text and its :class:`DocContext` into a ScreenResult.
Building one is the expensive part (lexicon compilation, model loading);
screening with it is cheap, so callers build it once and reuse it.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any

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
from claimcheck.store.db import make_engine
from claimcheck.store.repository import SpecStore
from claimcheck.types import Finding, RowError, ScreenResult, verdict_for

#: what a batch gives for each input row: its result, or why it could not be screened
RowResult = ScreenResult | RowError


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
        # what from_settings built it from: worker processes of screen_many(n_jobs > 1) build their own from it
        self.settings: Settings | None = None

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
        engine = cls(lexicon, detectors, steps, pipeline, catalogue, settings.max_findings, settings.screen_chunk_chars)
        engine.settings = settings
        return engine

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

    def _findings(self, text: str, context: DocContext | None) -> tuple[list[Finding], bool]:
        """Every finding of ``text``, and whether an allowed context lowered any: a long text with no
        product in pieces, which find the same (claimcheck.chunks)."""
        if self.chunk_chars is None or len(text) <= self.chunk_chars or (context or DocContext()).has_products:
            doc = self.make_doc(text, context)
            return self.analyze(doc), bool(doc.notes.allowances_applied)
        findings: list[Finding] = []
        allowed = False
        for start, end in chunk_bounds(text, self.chunk_chars):
            doc = self.make_doc(text[start:end], context)
            for f in self.analyze(doc):
                findings.append(f.replace(start=f.start + start, end=f.end + start) if start else f)
            allowed = allowed or bool(doc.notes.allowances_applied)
        return findings, allowed

    def screen(self, text: str, context: DocContext | None = None) -> ScreenResult:
        findings, allowed = self._findings(text, context)
        verdict = verdict_for(findings)  # of every finding, listed or not
        kept, notice = cap_findings(findings, self.max_findings)
        versions = self.versions
        if allowed and context is not None and context.allowances is not None:
            versions["allowances"] = context.allowances.tag  # the allowed contexts that lowered findings
        if notice is None:
            return ScreenResult.model_construct(verdict=verdict, findings=findings, versions=versions)
        return ScreenResult.model_construct(
            verdict=verdict,
            findings=kept,
            versions=versions,
            truncated=True,
            findings_total=len(findings),
            notice=notice,
        )

    def screen_row(self, index: int, text: object, category: object = None, sku: object = None) -> RowResult:
        """One batch row: its result, or a :class:`RowError` for a missing, empty or non-string text (None,
        NaN, ``""``) or a context the engine refuses (an unknown category or SKU). Never raises for the row."""
        problem = row_problem(text)
        if problem is not None:
            return RowError(index, problem)
        try:
            context = DocContext(product_category=_optional_str(category), sku=_optional_str(sku))
            return self.screen(str(text), context)
        except (ClaimcheckError, ValueError) as exc:
            return RowError(index, getattr(exc, "message", None) or str(exc))

    def screen_many(
        self,
        texts: Iterable[object],
        categories: Iterable[object] | None = None,
        skus: Iterable[object] | None = None,
        n_jobs: int = 1,
        *,
        executor: Executor | None = None,
        chunk_size: int | None = None,
    ) -> list[RowResult]:
        """Screen many texts with this one engine; results in input order, a :class:`RowError` for each row
        that cannot be screened (see :meth:`screen_row`).

        ``categories`` / ``skus`` give each row's product category and SKU (None or NaN: none).
        ``n_jobs > 1`` screens chunks of ``chunk_size`` rows (default: about four a process) in that many
        processes, each building its engine once from this engine's settings (:meth:`process_pool`);
        pass ``executor`` to reuse a pool across calls."""
        rows = _rows(texts, categories, skus)
        if executor is None and n_jobs <= 1:
            return [self.screen_row(i, *row) for i, row in enumerate(rows)]
        workers = max(n_jobs, getattr(executor, "_max_workers", 1))
        size = chunk_size or max(1, min(500, math.ceil(len(rows) / (4 * workers))))  # about 4 chunks a worker
        chunks = [(start, rows[start : start + size]) for start in range(0, len(rows), size)]
        if executor is not None:
            return [r for part in executor.map(_screen_chunk, chunks) for r in part]
        with self.process_pool(min(n_jobs, max(1, len(chunks)))) as pool:
            return [r for part in pool.map(_screen_chunk, chunks) for r in part]

    def process_pool(self, n_jobs: int, mp_context: BaseContext | None = None) -> ProcessPoolExecutor:
        """A pool of ``n_jobs`` processes, each with an engine like this one, made once by the initializer:
        inherited from this process where workers are forked (no second build), else built from its settings
        (``mp_context``: a multiprocessing context such as ``multiprocessing.get_context("spawn")``)."""
        if self.settings is None:
            raise ValueError("screen_many(n_jobs > 1) needs an engine made by Engine.from_settings")
        key = id(self)
        _PARENT_ENGINES[key] = self
        return ProcessPoolExecutor(
            max_workers=n_jobs, mp_context=mp_context, initializer=_init_worker, initargs=(self.settings, key)
        )


def row_problem(text: object) -> str | None:
    """Why ``text`` cannot be screened as a batch row (None: it can)."""
    if text is None:
        return "text is missing (None)"
    if isinstance(text, float) and math.isnan(text):
        return "text is missing (NaN)"
    if not isinstance(text, str):
        if type(text).__name__ in {"NAType", "NaTType"}:  # pandas' missing values
            return "text is missing (NA)"
        return f"text must be a string, not {type(text).__name__}"
    if not text.strip():
        return "text is empty"
    return None


def _optional_str(value: object) -> str | None:
    """A category or SKU cell: None for a missing one (None, NaN, NA, blank), else its string."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType":
        return None
    text = str(value).strip()
    return text or None


def _rows(
    texts: Iterable[object], categories: Iterable[object] | None, skus: Iterable[object] | None
) -> list[tuple[object, object, object]]:
    text_list = list(texts)
    n = len(text_list)
    columns: list[list[object]] = []
    for name, values in (("categories", categories), ("skus", skus)):
        column: list[object] = [None] * n if values is None else list(values)
        if len(column) != n:
            raise ValueError(f"{name} has {len(column)} values for {n} texts")
        columns.append(column)
    return list(zip(text_list, columns[0], columns[1], strict=True))


_WORKER_ENGINE: Engine | None = None
# engines that made a process pool, by id: a forked worker finds its engine here, already built
_PARENT_ENGINES: weakref.WeakValueDictionary[int, Engine] = weakref.WeakValueDictionary()


def _init_worker(settings: Settings, key: int) -> None:
    global _WORKER_ENGINE
    inherited = _PARENT_ENGINES.get(key)
    if inherited is not None and inherited.settings is settings:  # never true for a spawned worker
        # a forked worker must not share the parent's pooled database connections: new ones for it
        make_engine.cache_clear()
        _WORKER_ENGINE = inherited
    else:
        _WORKER_ENGINE = Engine.from_settings(settings)


def _screen_chunk(chunk: tuple[int, list[tuple[Any, Any, Any]]]) -> list[RowResult]:
    start, rows = chunk
    engine = _WORKER_ENGINE
    if engine is None:  # not started by process_pool's initializer
        raise RuntimeError("claimcheck worker process has no engine")
    return [engine.screen_row(start + i, *row) for i, row in enumerate(rows)]
