"""spec_check: extract factual claims and check them against the product record.

Runs only where a SKU is known (``screen --sku`` or a per-product section of the
script). Contradicted, expired and failed claims are findings of category
``spec_mismatch``; unverifiable claims need a review; supported claims are kept
as info, with their evidence, for the review record. Legal bases and verdict
wording come from data (``specs/verdicts.yaml``, ``labels.yaml``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path
from typing import TYPE_CHECKING

from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.intervals import GrowingOverlapIndex, OverlapIndex, SpanList, StartIndex
from claimcheck.labels import Labels, default_labels
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.specs.check import ClaimCheck, ClaimChecker
from claimcheck.specs.extract import ClaimExtractor
from claimcheck.specs.facts import RecordIndex, build_index, load_synonyms
from claimcheck.specs.generic import GenericMatcher
from claimcheck.specs.places import load_gazetteer
from claimcheck.specs.population import PopulationMatcher, load_population_terms
from claimcheck.specs.quantities import load_units
from claimcheck.specs.tables import SpecTables, load_spec_tables
from claimcheck.specs.values import ValueMatcher, load_value_terms
from claimcheck.store.catalogue import ProductCatalogue
from claimcheck.store.schema import ProductRecord
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity

if TYPE_CHECKING:
    from claimcheck.classifier.factual import FactualModel

_ZERO_PREFIX = re.compile(r"^(?:零|无|0|不含|不添加|没有|未添加)")
_AMOUNT_KINDS = frozenset({"quantity", "shelf_life", "power"})


class SpecCheckDetector:
    name = "spec_check"
    granularity = Granularity.SPAN
    precise = True
    context_sensitive = False
    decides = frozenset({Category.SPEC_MISMATCH.value})  # the record's verdict supersedes term hits

    def __init__(
        self,
        catalogue: ProductCatalogue,
        tables: SpecTables,
        labels: Labels | None = None,
        factual: FactualModel | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.tables = tables
        self.labels = labels or default_labels()
        self.extractor = ClaimExtractor(tables)
        self.checker = ClaimChecker(tables)
        self.generic = GenericMatcher(load_units(), load_gazetteer(), load_synonyms())
        self.values = ValueMatcher(load_value_terms(), load_synonyms())
        self.people = PopulationMatcher(load_population_terms())
        self._indexes: dict[str, RecordIndex] = {}
        self.factual = factual

    @property
    def version(self) -> str:
        base = f"spec-tables@{self.tables.version}"
        return f"{base}+{self.factual.version}" if self.factual is not None else base

    def checks(self, doc: ClaimDoc) -> list[tuple[ClaimCheck, int, int, str]]:
        """Every claim check of the doc, with its original span and SKU.

        Per product section, values said of a named attribute (内胆是304不锈钢) come first: they
        are the most specific reading. Then the claim tables find the claims they know, and the
        generic matcher reads the rest of the section against that product's own facts.
        """
        light = doc.norm.light
        out = []
        sections = self._sections(doc)
        taken: dict[str, list[tuple[int, int]]] = {}
        for sku, l_start, l_end in sections:
            index = self._index(sku, self.catalogue.record(sku))
            used: list[tuple[int, int]] = SpanList()  # the matchers test each candidate against it
            section = light.text[l_start:l_end]
            for chk, a, b in [*self.values.match(section, index, used), *self.people.match(section, index, used)]:
                s, e = light.to_original(l_start + a, l_start + b)
                out.append((chk, s, e, sku))
                taken.setdefault(sku, []).append((l_start + a, l_start + b))
        size = len(light.text) + 1
        seen: dict[str, GrowingOverlapIndex] = {}  # taken, per SKU: claims × taken spans pairwise was quadratic
        for sku, spans in taken.items():
            seen[sku] = GrowingOverlapIndex(size)
            for a, b in spans:
                seen[sku].add(a, b)
        for claim in self.extractor.extract(light.text):
            s, e = light.to_original(claim.start, claim.end)
            claim_sku = doc.sku_at(s)
            if claim_sku is None:
                continue
            sku = claim_sku
            if sku in seen and seen[sku].overlaps(claim.start, claim.end):
                continue
            if claim.kind == "origin":
                continue  # places are read clause by clause by the generic matcher, most specific first
            record = self.catalogue.record(sku)
            chk = self.checker.check(claim, record, doc.broadcast_date)
            if chk.verdict == "contradicted" and claim.kind in _AMOUNT_KINDS:
                chk = self.generic.supports(claim.surface, self._index(sku, record)) or chk
            if claim.kind == "free_from":  # 零糖 is judged by the nutrition table where there is one
                chk = self._zero_claim(chk, self._index(sku, record)) or chk
            if chk.verdict == "unverifiable" and claim.kind in self.tables.verdicts.mention_kinds:
                continue  # a material named in passing, with no material on file, is no claim to check
            out.append((chk, s, e, sku))
            taken.setdefault(sku, []).append((claim.start, claim.end))
            seen.setdefault(sku, GrowingOverlapIndex(size)).add(claim.start, claim.end)
        by_start = {sku: StartIndex(spans) for sku, spans in taken.items()}
        for sku, l_start, l_end in sections:
            index = self._index(sku, self.catalogue.record(sku))
            text = light.text[l_start:l_end]
            here = by_start[sku].starting_in(l_start, l_end) if sku in by_start else []
            local = [(a - l_start, b - l_start) for a, b in here]
            for chk, a, b in self.generic.match(text, index, doc.broadcast_date, local):
                s, e = light.to_original(l_start + a, l_start + b)
                out.append((chk, s, e, sku))
        return out

    def _zero_claim(self, chk: ClaimCheck, index: RecordIndex) -> ClaimCheck | None:
        what = _ZERO_PREFIX.sub("", chk.claim.surface.lower())
        judged = self.generic.nutrition.judge_zero(what, index)
        if judged is None:
            return None
        verdict, fact, why = judged
        return ClaimCheck(chk.claim, verdict, dict(fact.evidence), why)  # type: ignore[arg-type]

    def _sections(self, doc: ClaimDoc) -> list[tuple[str, int, int]]:
        """(sku, light start, light end) of every stretch with a known product."""
        import numpy as np

        light = doc.norm.light
        ctx = doc.context
        spans = [(s.sku, s.start, s.end) for s in ctx.sections if s.sku] or (
            [(ctx.sku, 0, len(doc.text))] if ctx.sku else []
        )
        out = []
        for sku, start, end in spans:
            assert sku is not None
            ls = int(np.searchsorted(light.src, start, side="left"))
            le = int(np.searchsorted(light.src, end, side="left"))
            if le > ls:
                out.append((sku, ls, le))
        return out

    def _index(self, sku: str, record: ProductRecord) -> RecordIndex:
        cached = self._indexes.get(sku)
        if cached is None or cached.record is not record:
            cached = build_index(record)
            self._indexes[sku] = cached
        return cached

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        if not doc.context.has_products:
            return []
        policy = self.tables.verdicts
        findings = []
        for chk, s, e, sku in self.checks(doc):
            verdict = chk.verdict
            if verdict == "supported":
                severity = Severity.INFO
            elif verdict in ("contradicted", "failed_evidence") and chk.claim.kind not in policy.mention_kinds:
                severity = Severity.BLOCK
            else:
                severity = Severity.REVIEW
            wording = self.labels.claim_verdicts[verdict]
            findings.append(
                Finding(
                    start=s,
                    end=e,
                    text=doc.text[s:e],
                    detector=self.name,
                    category=Category.SPEC_MISMATCH,
                    rule_id=f"spec.{chk.claim.kind}.{verdict}",
                    severity=severity,
                    score=1.0,
                    legal_basis=policy.basis_for(chk.claim.kind),
                    suggestion=wording.suggestion,
                    explanation=f"{wording.label}：{chk.explanation}",
                    sku=sku,
                    claim_verdict=verdict,
                    evidence=chk.evidence or None,
                )
            )
        findings.extend(self._unverifiable(doc, [(f.start, f.end) for f in findings]))
        return findings

    def _unverifiable(self, doc: ClaimDoc, checked: list[tuple[int, int]]) -> list[Finding]:
        """Factual units the record has nothing on: a review, with what was looked through.

        Only sentences with no check at all are read: a sentence the record already speaks to
        (一盒五片, 泡得满满的) is not flagged again for its remaining words.
        """
        if self.factual is None:
            return []
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(doc.text)]
        sentence_starts = [s for s, _ in sentences]  # sorted, disjoint: a bisection finds a unit's sentence
        checked_index = OverlapIndex(checked)
        candidates = []
        for i, u in enumerate(doc.units):
            sku = doc.sku_at(u.start)
            if sku is None:
                continue
            k = bisect_right(sentence_starts, u.start) - 1
            sent = sentences[k] if k >= 0 and u.start < sentences[k][1] else (u.start, u.end)
            if checked_index.overlaps(*sent):
                continue
            candidates.append((i, u, sku))
        if not candidates:
            return []
        compact = doc.unit_compact_texts()
        flags = self.factual.factual([compact[i] for i, _, _ in candidates])
        wording = self.labels.claim_verdicts["unverifiable"]
        out = []
        for (_, u, sku), flagged in zip(candidates, flags, strict=True):
            if not flagged:
                continue
            looked = _looked_in(self.catalogue.record(sku))
            out.append(
                Finding(
                    start=u.start,
                    end=u.end,
                    text=doc.text[u.start : u.end],
                    detector=self.name,
                    category=Category.SPEC_MISMATCH,
                    rule_id="spec.factual.unverifiable",
                    severity=Severity.REVIEW,
                    score=1.0,
                    legal_basis=self.tables.verdicts.basis_for("attribute"),
                    suggestion=wording.suggestion,
                    explanation=f"{wording.label}：产品资料中没有可核对这一说法的记录（已查：{'、'.join(looked)}）",
                    sku=sku,
                    claim_verdict="unverifiable",
                    evidence={"looked_in": looked},
                )
            )
        return out


def _looked_in(record: ProductRecord) -> list[str]:
    parts = [("规格参数", record.specs), ("配料表", record.ingredients), ("营养成分表", record.nutrition)]
    parts += [("检测报告", record.test_reports), ("证书", record.certificates)]
    return [name for name, items in parts if items] or ["产品资料（空）"]


_SENTENCE = re.compile(r"[^。！？!?\n]+")


@register_detector("spec_check")
def make_spec_check_detector(resources: DetectorResources) -> SpecCheckDetector:
    if resources.catalogue is None:
        from claimcheck.errors import ConfigError

        raise ConfigError("spec_check needs a product catalogue (a database URL)")
    tables = load_spec_tables(resources.settings.spec_tables_dir)
    factual_dir = resources.settings.factual_dir
    factual = None
    if factual_dir is not None and (Path(factual_dir) / "metadata.json").is_file():
        from claimcheck.classifier.factual import load_factual

        factual = load_factual(factual_dir)
    return SpecCheckDetector(resources.catalogue, tables, resources.lexicon.labels, factual)
