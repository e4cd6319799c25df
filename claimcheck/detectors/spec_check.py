"""spec_check: extract factual claims and check them against the product record.

Runs only where a SKU is known (``screen --sku`` or a per-product section of the
script). Contradicted, expired and failed claims are findings of category
``spec_mismatch``; unverifiable claims need a review; supported claims are kept
as info, with their evidence, for the review record.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from claimcheck.detectors.base import register_detector
from claimcheck.lexicons import Lexicon
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.specs.check import ClaimCheck, ClaimChecker
from claimcheck.specs.extract import ClaimExtractor
from claimcheck.specs.tables import SpecTables, load_spec_tables
from claimcheck.store.repository import SpecStore
from claimcheck.store.schema import ProductRecord
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity

_BASIS = {
    "certification": "《中华人民共和国广告法》第十一条、第二十八条第二款第三项",
    "test": "《中华人民共和国广告法》第十一条、第二十八条第二款第三项",
}
_DEFAULT_BASIS = "《中华人民共和国广告法》第二十八条第二款第二项"
_VERDICT_ZH = {
    "supported": "有据可查",
    "contradicted": "与产品资料不符",
    "unverifiable": "产品资料中无依据",
    "expired_evidence": "证明材料已过期",
    "failed_evidence": "检测项目不合格",
}
_SUGGESTION = {
    "contradicted": "按产品资料如实表述（如成分比例、净含量、产地）",
    "unverifiable": "补充检测报告或证书后再宣传，或删除该说法",
    "expired_evidence": "更新证书或检测报告后再宣传",
    "failed_evidence": "停止该宣传，复检合格前不得宣称",
    "supported": "",
}
_WEAK = ("material", "color")  # mentions, not explicit claims: a contradiction needs a look, not a block


class UnknownSKUError(LookupError):
    """A SKU named for screening is not in the product store."""


class SpecCheckDetector:
    name = "spec_check"

    def __init__(self, store: SpecStore, tables: SpecTables) -> None:
        self.store = store
        self.tables = tables
        self.extractor = ClaimExtractor(tables)
        self.checker = ClaimChecker(tables)
        self._record = lru_cache(maxsize=256)(self._load)

    @property
    def version(self) -> str:
        return f"spec-tables@{self.tables.version}"

    def store_exists(self) -> bool:
        return self.store.exists()

    def _load(self, sku: str) -> ProductRecord | None:
        if not self.store.exists():
            return None
        return self.store.get(sku)

    def record(self, sku: str) -> ProductRecord:
        rec = self._record(sku)
        if rec is None:
            raise UnknownSKUError(f"SKU {sku!r} is not in the product store ({self.store.url})")
        return rec

    def checks(self, doc: ClaimDoc) -> list[tuple[ClaimCheck, int, int, str]]:
        """Every claim check of the doc, with its original span and SKU."""
        light = doc.norm.light
        out = []
        for claim in self.extractor.extract(light.text):
            s, e = light.to_original(claim.start, claim.end)
            sku = doc.sku_at(s)
            if sku is None:
                continue
            out.append((self.checker.check(claim, self.record(sku), doc.broadcast_date), s, e, sku))
        return out

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        if doc.sku is None and not doc.sections:
            return []
        findings = []
        for chk, s, e, sku in self.checks(doc):
            verdict = chk.verdict
            if verdict == "supported":
                severity = Severity.INFO
            elif verdict in ("contradicted", "failed_evidence") and chk.claim.kind not in _WEAK:
                severity = Severity.BLOCK
            else:
                severity = Severity.REVIEW
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
                    legal_basis=_BASIS.get(chk.claim.kind, _DEFAULT_BASIS),
                    suggestion=_SUGGESTION[verdict],
                    explanation=f"{_VERDICT_ZH[verdict]}：{chk.explanation}",
                    sku=sku,
                    claim_verdict=verdict,
                    evidence=chk.evidence or None,
                )
            )
        return findings


@register_detector("spec_check")
def make_spec_check_detector(lexicon: Lexicon | None = None, settings: object = None, **_: object) -> SpecCheckDetector:
    from claimcheck.config import Settings
    from claimcheck.specs.check import SpecNormalizer

    s = settings if isinstance(settings, Settings) else Settings()
    tables = load_spec_tables(s.spec_tables_dir)
    return SpecCheckDetector(SpecStore(s.database_url, normalizer=SpecNormalizer(tables)), tables)


def today() -> dt.date:
    return dt.date.today()
