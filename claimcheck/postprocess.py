"""Steps that run on (doc, findings) after the detectors.

Each step is a callable ``(doc, findings) -> findings``, testable alone, and the
Engine is configured with a list of them (spaCy's pipeline idea, without the
ceremony). Steps decide from detector *traits* (granularity, precision, context
sensitivity), never from detector names, so a new detector is post-processed by
what it is. Every step is linear in the number of findings and units (sort and
sweep), never findings × units.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from claimcheck.detectors.base import Granularity, Traits
from claimcheck.intervals import OverlapIndex
from claimcheck.lexicons import ContextRules
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import compact
from claimcheck.types import Finding, Severity

Step = Callable[[ClaimDoc, list[Finding]], list[Finding]]
TraitMap = Mapping[str, Traits]
_SENTENCE_END = frozenset("。!?;\n\r")  # as they appear in the compact view
_CLAUSE_END = ",、。!?;\n"


def _is(traits: TraitMap, detector: str, attr: str) -> bool:
    t = traits.get(detector)
    return bool(t is not None and getattr(t, attr))


class ContextAdjuster:
    """Lower the severity of context-sensitive findings in a sentence that quotes or negates a rule.

    Hosts also use 广告法不让说最好，但是… as a dodge, so a quoted or negated term is
    never dismissed: a block becomes a review and the explanation says why.
    Works on the document's compact view (markers compacted once, here), so a
    finding costs a few index look-ups, not a re-normalisation.
    """

    def __init__(self, rules: ContextRules, traits: TraitMap) -> None:
        self.meta = [m for m in dict.fromkeys(compact(x) for x in rules.meta_markers) if m]
        self.negation = tuple(m for m in dict.fromkeys(compact(x) for x in rules.negation_markers) if m)
        self.window = 8  # a negation this close before a term, in the same clause, negates it
        self.traits = traits

    def _meta_positions(self, text: str) -> list[int]:
        out: list[int] = []
        for m in self.meta:
            i = text.find(m)
            while i >= 0:
                out.append(i)
                i = text.find(m, i + 1)
        return sorted(out)

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        if not findings:
            return findings
        view = doc.norm.compact
        text = view.text
        meta = self._meta_positions(text)
        has_negation = any(m in text for m in self.negation)
        if not meta and not has_negation:
            return findings
        lowered = doc.notes.context_lowered
        out: list[Finding] = []
        for f in findings:
            if f.severity is Severity.INFO or not _is(self.traits, f.detector, "context_sensitive"):
                out.append(f)
                continue
            cs = int(np.searchsorted(view.src, f.start, side="left"))
            note = ""
            if meta:
                lo, hi = _sentence_bounds(text, cs)
                i = bisect_left(meta, lo)
                if i < len(meta) and meta[i] < hi:
                    note = "（所在句引用或讨论广告规则，降为人工复核）"
            if not note and has_negation:
                window = text[max(0, cs - self.window) : cs]
                if any(m in window for m in self.negation):  # cheap test first; most hits have none
                    clause_start = max(window.rfind(ch) for ch in _CLAUSE_END)
                    if any(m in window[clause_start + 1 :] for m in self.negation):
                        note = "（前有否定词，降为人工复核）"
            if note:
                lowered.add((f.start, f.end, f.rule_id))
                if f.severity is Severity.BLOCK:
                    f = f.replace(severity=Severity.REVIEW, explanation=f.explanation + note)
            out.append(f)
        return out


def _sentence_bounds(text: str, pos: int, reach: int = 120) -> tuple[int, int]:
    """The sentence around ``pos`` in the compact view (bounded search)."""
    lo = max(0, pos - reach)
    start = pos
    while start > lo and text[start - 1] not in _SENTENCE_END:
        start -= 1
    hi = min(len(text), pos + reach)
    end = pos
    while end < hi and text[end] not in _SENTENCE_END:
        end += 1
    return start, end


class ClassifierVeto:
    """Lower context-sensitive hits in units a unit detector is confident are ordinary speech.

    A term can be lawful in context (广告法规定不能说最好, 孩子在治疗期间请遵医嘱);
    when the unit's score is below its ``veto`` cut-off (chosen on dev), a review
    hit (and a block hit when ``veto_block``) becomes info: still shown, no longer
    deciding the verdict. A hit the context step found negated or quoted is
    dismissed the same way whenever the unit detector does not flag its unit. Units
    the claim gate kept from the classifier have no score and veto nothing (measured
    on real speech, letting the gate lower term hits hid more violations than false
    alarms).
    """

    def __init__(self, traits: TraitMap) -> None:
        self.traits = traits

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        scores = doc.notes.unit_scores
        if not scores or not findings:
            return findings
        starts = [u.start for u in scores]  # units are sorted and do not overlap
        lowered = doc.notes.context_lowered
        out: list[Finding] = []
        for f in findings:
            if f.severity is not Severity.INFO and _is(self.traits, f.detector, "context_sensitive"):
                i = bisect_right(starts, f.start) - 1
                if i >= 0 and f.start < scores[i].end and not scores[i].gated:
                    u = scores[i]
                    if (f.start, f.end, f.rule_id) in lowered:  # negated or quoted, and the classifier agrees
                        allowed, limit = True, u.decision
                    else:
                        allowed = f.severity is Severity.REVIEW or (f.severity is Severity.BLOCK and u.veto_block)
                        limit = u.veto
                    if allowed and u.score < limit:
                        f = f.replace(
                            severity=Severity.INFO,
                            explanation=f"{f.explanation}（分类器判断所在句为正常表述，"
                            f"违规概率 {u.score:.2f}，降为提示）",
                        )
            out.append(f)
        return out


class FoldUnitFindings:
    """Fold a unit finding into the precise findings inside its unit.

    When a precise detector already pinpoints the words (review or block) inside
    a unit another detector flagged as a whole, the reviewer gets findings with
    the precise span that name both sources; a unit finding with no such hit
    stands on its own.
    """

    def __init__(self, traits: TraitMap) -> None:
        self.traits = traits

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        units = [f for f in findings if self._unit(f)]
        if not units:
            return findings
        others = [f for f in findings if not self._unit(f)]
        precise = sorted(
            (
                i
                for i, f in enumerate(others)
                if f.severity is not Severity.INFO and _is(self.traits, f.detector, "precise")
            ),
            key=lambda i: others[i].start,
        )
        starts = [others[i].start for i in precise]
        kept_units: list[Finding] = []
        for u in units:
            inside = [
                i for i in precise[bisect_left(starts, u.start) : bisect_left(starts, u.end)] if others[i].end <= u.end
            ]
            if not inside:
                kept_units.append(u)
                continue
            for i in inside:
                f = others[i]
                others[i] = f.replace(
                    sources=sorted({*(f.sources or [f.detector]), u.detector}),
                    score=max(f.score, u.score),
                    explanation=f"{f.explanation}；分类器亦判定所在句违规（违规概率 {u.score:.2f}）",
                )
        return others + kept_units

    def _unit(self, f: Finding) -> bool:
        t = self.traits.get(f.detector)
        return t is not None and t.granularity is Granularity.UNIT


def _primary_key(f: Finding) -> tuple[int, int, float]:
    return (f.severity.rank, f.end - f.start, f.score)


class MergeOverlaps:
    """Merge findings whose spans overlap into one, over the union of their spans.

    The most severe (then longest, the most specific, then highest-scoring) finding is kept as the
    primary; the others are listed in ``merged_rule_ids``. Where a detector decides a category
    with evidence (the spec check against the product record), its finding is primary over term
    hits of that category in the same group, whatever their severity: the record has spoken.
    """

    def __init__(self, traits: TraitMap) -> None:
        self.traits = traits

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        decided = {
            (f.start, f.end, f.category.value)
            for f in findings
            if f.category.value in (self.traits[f.detector].decides if f.detector in self.traits else ())
        }
        if decided:
            spans: dict[str, list[tuple[int, int]]] = {}
            for s, e, c in decided:
                spans.setdefault(c, []).append((s, e))
            by_category = {c: OverlapIndex(v) for c, v in spans.items()}  # a bisect per finding, not a scan
            findings = [
                f
                for f in findings
                if f.category.value not in by_category
                or (f.start, f.end, f.category.value) in decided
                or not by_category[f.category.value].overlaps(f.start, f.end)
                or _decides(self.traits, f)
            ]
        return merge_overlaps(doc, findings)


def _decides(traits: TraitMap, f: Finding) -> bool:
    t = traits.get(f.detector)
    return t is not None and f.category.value in t.decides


def merge_overlaps(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """Merge findings whose spans overlap (see :class:`MergeOverlaps`); no detector decides a category."""
    if not findings:
        return []
    ordered = sorted(findings, key=lambda f: (f.start, -f.end))
    groups: list[list[Finding]] = [[ordered[0]]]
    group_end = ordered[0].end
    for f in ordered[1:]:
        if f.start < group_end:
            groups[-1].append(f)
            group_end = max(group_end, f.end)
        else:
            groups.append([f])
            group_end = f.end
    merged: list[Finding] = []
    for g in groups:
        if len(g) == 1:
            merged.append(g[0])
            continue
        primary = max(g, key=_primary_key)
        start = min(f.start for f in g)
        end = max(f.end for f in g)
        others = list(dict.fromkeys(f.rule_id for f in g if f.rule_id != primary.rule_id))
        sources = sorted({s for f in g for s in (f.sources or [f.detector])})
        merged.append(
            primary.replace(
                start=start,
                end=end,
                text=doc.text[start:end],
                merged_rule_ids=others or None,
                sources=sources if len(sources) > 1 else None,
            )
        )
    return merged


def cap_findings(findings: list[Finding], limit: int | None) -> tuple[list[Finding], str | None]:
    """At most ``limit`` findings, the most severe first, kept in their order; and a notice when any were left out.

    A text of nothing but prohibited terms yields a finding every few characters; past a few
    thousand no reviewer reads them, and the response, reports and review record would only grow.
    Keeping the most severe keeps the verdict the same as the full list's.
    """
    if limit is None or len(findings) <= limit:
        return findings, None
    order = sorted(range(len(findings)), key=lambda i: -findings[i].severity.rank)  # stable: text order within a rank
    kept = [findings[i] for i in sorted(order[:limit])]
    notice = (
        f"共发现 {len(findings)} 处问题，仅列出最严重的 {limit} 处（上限 max_findings），请拆分文本后复核 "
        f"(findings truncated: {limit} of {len(findings)} shown)"
    )
    return kept, notice


def default_steps(rules: ContextRules, traits: TraitMap) -> list[Step]:
    """The engine's post-processing, in order."""
    return [ContextAdjuster(rules, traits), ClassifierVeto(traits), FoldUnitFindings(traits), MergeOverlaps(traits)]


def run_steps(doc: ClaimDoc, findings: list[Finding], steps: Sequence[Step]) -> list[Finding]:
    for step in steps:
        findings = step(doc, findings)
    return findings
