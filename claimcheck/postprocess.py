"""Steps that run on (doc, findings) after the detectors.

Each step is a callable ``(doc, findings) -> findings``, testable alone, and the
Engine is configured with a list of them (spaCy's pipeline idea, without the
ceremony). Steps decide from detector *traits* (granularity, precision, context
sensitivity), never from detector names, so a new detector is post-processed by
what it is. Every step is linear in the number of findings and units (sort and
sweep), never findings × units.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from claimcheck.context import AllowedContext
from claimcheck.detectors.base import Granularity, Traits
from claimcheck.intervals import OverlapIndex
from claimcheck.lexicons import ContextRules
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import compact, light
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
        # one regex pass instead of a substring test per marker (dense texts have a finding per 60 chars)
        self._negation_re = re.compile("|".join(map(re.escape, self.negation))) if self.negation else None

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
        has_negation = self._negation_re is not None and self._negation_re.search(text) is not None
        if not meta and not has_negation:
            return findings
        lowered = doc.notes.context_lowered
        negation = self._negation_re if has_negation else None
        # compact-view starts of every finding at once (one numpy call, not one per finding)
        starts = np.searchsorted(view.src, [f.start for f in findings], side="left").tolist()
        out: list[Finding] = []
        for f, cs in zip(findings, starts, strict=True):
            if f.severity is Severity.INFO or not _is(self.traits, f.detector, "context_sensitive"):
                out.append(f)
                continue
            note = ""
            if meta:
                lo, hi = _sentence_bounds(text, cs)
                i = bisect_left(meta, lo)
                if i < len(meta) and meta[i] < hi:
                    note = "（所在句引用或讨论广告规则，降为人工复核）"
            if not note and negation is not None:
                window = text[max(0, cs - self.window) : cs]
                if negation.search(window):  # cheap test first; most hits have none
                    clause_start = max(window.rfind(ch) for ch in _CLAUSE_END)
                    if negation.search(window, clause_start + 1):
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


_light = lru_cache(maxsize=4096)(light)


class ApplyAllowances:
    """Lower findings an institution has allowed in their context to info, saying who allowed them and why.

    The allowed contexts come with the document (``DocContext.allowances``, loaded by the service
    layer for each screening, so a new one applies at once). A finding is lowered when an allowed
    context occurs in the text (compared in the light view: width, case and Traditional forms do
    not matter), the finding overlaps the allowed phrase inside that occurrence, and the finding's
    rule or category is the one allowed (when one is named). The same phrase elsewhere is untouched.
    """

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        allowed = doc.context.allowances
        if allowed is None or not allowed.items or not findings:
            return findings
        spans = self._phrase_spans(doc, allowed.items)
        if not spans:
            return findings
        spans.sort(key=lambda s: s[0])
        starts = [s[0] for s in spans]
        reach = max(e - s for s, e, _ in spans)
        out: list[Finding] = []
        for f in findings:
            if f.severity is not Severity.INFO:
                lo = bisect_left(starts, f.start - reach + 1)
                hi = bisect_left(starts, max(f.end, f.start + 1))
                item = next((a for s, e, a in spans[lo:hi] if e > f.start and _applies(a, f)), None)
                if item is not None:
                    doc.notes.allowances_applied.add(item.id)
                    f = f.replace(
                        severity=Severity.INFO,
                        explanation=f"{f.explanation}（本机构允许语境 #{item.id}：{item.created_by} 于 "
                        f"{item.created_on} 认定“{item.context}”中的“{item.phrase}”不违规：{item.reason}）",
                    )
            out.append(f)
        return out

    @staticmethod
    def _phrase_spans(doc: ClaimDoc, items: Sequence[AllowedContext]) -> list[tuple[int, int, AllowedContext]]:
        """(start, end) in the original text of the allowed phrase inside every occurrence of its context."""
        view = doc.norm.light
        text = view.text
        spans: list[tuple[int, int, AllowedContext]] = []
        for item in items:
            context, phrase = _light(item.context), _light(item.phrase)
            if not context or not phrase:
                continue
            offsets = [i for i in range(len(context) - len(phrase) + 1) if context.startswith(phrase, i)]
            at = text.find(context) if offsets else -1
            while at >= 0:
                for o in offsets:
                    start, end = view.to_original(at + o, at + o + len(phrase))
                    spans.append((start, end, item))
                at = text.find(context, at + 1)
        return spans


def _applies(item: AllowedContext, f: Finding) -> bool:
    return (item.rule_id is None or item.rule_id == f.rule_id) and (
        item.category is None or item.category == f.category.value
    )


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
    return [
        ContextAdjuster(rules, traits),
        ClassifierVeto(traits),
        FoldUnitFindings(traits),
        MergeOverlaps(traits),
        ApplyAllowances(),
    ]


def run_steps(doc: ClaimDoc, findings: list[Finding], steps: Sequence[Step]) -> list[Finding]:
    for step in steps:
        findings = step(doc, findings)
    return findings
