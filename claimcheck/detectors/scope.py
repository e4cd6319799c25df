"""efficacy_scope: an efficacy claim outside what the product may claim is ``efficacy_overclaim``.

With a SKU the product record decides (its approved health-food functions, its cosmetic
efficacy claims, a device's intended use); with only a product category the category's
scope decides (a health food may claim the catalogue's functions, an ordinary cosmetic
its non-special efficacies, an ordinary food none). Mentions are found with one
Aho-Corasick pass over the compact view.
"""

from __future__ import annotations

import ahocorasick

from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.labels import Labels, default_labels
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import compact
from claimcheck.specs.scope import ScopeChecker, ScopeTable, load_scope
from claimcheck.store.catalogue import ProductCatalogue
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity

_BASIS = (
    "《中华人民共和国广告法》第二十八条第二款第二项；《保健食品注册与备案管理办法》；《化妆品监督管理条例》第三十七条"
)


class ScopeDetector:
    name = "efficacy_scope"
    granularity = Granularity.SPAN
    precise = True
    context_sensitive = True
    decides: frozenset[str] = frozenset()

    def __init__(self, table: ScopeTable, catalogue: ProductCatalogue | None, labels: Labels | None = None) -> None:
        self.table = table
        self.checker = ScopeChecker(table)
        self.catalogue = catalogue
        self.labels = labels or default_labels()
        automaton = ahocorasick.Automaton()
        for eff_id, eff in table.efficacies.items():
            for w in eff.words:
                key = compact(w)
                if key:
                    automaton.add_word(key, (len(key), eff_id))
        automaton.make_automaton()
        self._automaton = automaton

    @property
    def version(self) -> str:
        return f"efficacy-scope@{self.table.version}+{self.table.content_hash[:12]}"

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        view = doc.norm.compact
        hits = []
        for end, (length, eff_id) in self._automaton.iter(view.text):
            hits.append((end - length + 1, end + 1, eff_id))
        if not hits:
            return []
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        findings: list[Finding] = []
        covered = -1
        for start, end, eff_id in hits:
            if start < covered:  # a longer mention already covers this one
                continue
            covered = end
            o_start, o_end = view.to_original(start, end)
            sku = doc.sku_at(o_start)
            record = self.catalogue.find(sku) if (sku and self.catalogue is not None) else None
            category = doc.product_category or (record.category if record is not None else None)
            verdict = self.checker.check(eff_id, category, record)
            if verdict is None or verdict.within:
                continue
            eff = self.table.efficacies[eff_id]
            if verdict.basis == "record":
                why = f"产品资料中批准/登记的功效为：{'、'.join(verdict.allowed) or '无'}；“{eff.label}”不在其中"
                severity = Severity.BLOCK
            else:
                kind = self.labels.category(Category.EFFICACY_OVERCLAIM)
                why = f"{category} 类产品可宣称的功效不含“{eff.label}”（{kind}）"
                severity = Severity.REVIEW
            findings.append(
                Finding(
                    start=o_start,
                    end=o_end,
                    text=doc.text[o_start:o_end],
                    detector=self.name,
                    category=Category.EFFICACY_OVERCLAIM,
                    rule_id=f"scope.{eff_id}",
                    severity=severity,
                    score=1.0,
                    legal_basis=_BASIS,
                    suggestion="只宣称产品已注册、备案或批准的功效，使用批准的表述",
                    explanation=f"功效超出产品可宣称范围：{why}",
                    sku=sku,
                    evidence={"efficacy": eff.label, "allowed": "、".join(verdict.allowed)[:300] or None},
                )
            )
        return findings


@register_detector("efficacy_scope")
def make_scope_detector(resources: DetectorResources) -> ScopeDetector:
    return ScopeDetector(load_scope(resources.settings.scope_file), resources.catalogue, resources.lexicon.labels)
