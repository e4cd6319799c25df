"""spec_check: extract factual claims and check them against the product record.

Runs only where a SKU is known (``screen --sku`` or a per-product section of the
script). Contradicted, expired and failed claims are findings of category
``spec_mismatch``; unverifiable claims need a review; supported claims are kept
as info, with their evidence, for the review record. Legal bases and verdict
wording come from data (``specs/verdicts.yaml``, ``labels.yaml``).
"""

from __future__ import annotations

from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.labels import Labels, default_labels
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.specs.check import ClaimCheck, ClaimChecker
from claimcheck.specs.extract import ClaimExtractor
from claimcheck.specs.tables import SpecTables, load_spec_tables
from claimcheck.store.catalogue import ProductCatalogue
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity


class SpecCheckDetector:
    name = "spec_check"
    granularity = Granularity.SPAN
    precise = True
    context_sensitive = False
    decides = frozenset({Category.SPEC_MISMATCH.value})  # the record's verdict supersedes term hits

    def __init__(self, catalogue: ProductCatalogue, tables: SpecTables, labels: Labels | None = None) -> None:
        self.catalogue = catalogue
        self.tables = tables
        self.labels = labels or default_labels()
        self.extractor = ClaimExtractor(tables)
        self.checker = ClaimChecker(tables)

    @property
    def version(self) -> str:
        return f"spec-tables@{self.tables.version}"

    def checks(self, doc: ClaimDoc) -> list[tuple[ClaimCheck, int, int, str]]:
        """Every claim check of the doc, with its original span and SKU."""
        light = doc.norm.light
        out = []
        for claim in self.extractor.extract(light.text):
            s, e = light.to_original(claim.start, claim.end)
            sku = doc.sku_at(s)
            if sku is None:
                continue
            out.append((self.checker.check(claim, self.catalogue.record(sku), doc.broadcast_date), s, e, sku))
        return out

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
        return findings


@register_detector("spec_check")
def make_spec_check_detector(resources: DetectorResources) -> SpecCheckDetector:
    if resources.catalogue is None:
        from claimcheck.errors import ConfigError

        raise ConfigError("spec_check needs a product catalogue (a database URL)")
    tables = load_spec_tables(resources.settings.spec_tables_dir)
    return SpecCheckDetector(resources.catalogue, tables, resources.lexicon.labels)
