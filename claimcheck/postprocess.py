"""Steps that run on (doc, findings) after the detectors.

Each step is a plain function, so it can be tested alone and the Engine can be
configured with a different list (spaCy's pipeline idea, without the ceremony).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

import numpy as np

from claimcheck.lexicons import ContextRules
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import compact
from claimcheck.types import Finding, Severity

Step = Callable[[ClaimDoc, list[Finding]], list[Finding]]
_SENTENCE_END = frozenset("。!?;\n\r")  # as they appear in the compact view
_CLAUSE_END = ",、。!?;\n"


class ContextAdjuster:
    """Lower the severity of findings in a sentence that quotes or negates a rule.

    Hosts also use 广告法不让说最好，但是… as a dodge, so a quoted or negated term is
    never dismissed: a block becomes a review and the explanation says why.
    Works on the document's compact view (markers compacted once, here), so a
    finding costs a few index look-ups, not a re-normalisation.
    """

    def __init__(self, rules: ContextRules) -> None:
        self.meta = [m for m in dict.fromkeys(compact(x) for x in rules.meta_markers) if m]
        self.negation = tuple(m for m in dict.fromkeys(compact(x) for x in rules.negation_markers) if m)
        self.window = 8  # a negation this close before a term, in the same clause, negates it

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
        lowered: set[tuple[int, int, str]] = set()
        out: list[Finding] = []
        for f in findings:
            if f.severity is Severity.INFO or f.detector != "lexicon":
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
        # the classifier veto may dismiss these when it agrees the unit is ordinary
        doc.annotations["context_lowered"] = lowered
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


def classifier_veto(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """Lower lexicon hits in units the classifier is confident are ordinary speech.

    A term can be lawful in context (广告法规定不能说最好, 孩子在治疗期间请遵医嘱);
    when the unit's P(violation) is below the ``veto`` threshold chosen on dev, a
    review hit (and a block hit when ``veto_block``) becomes info: still shown,
    no longer deciding the verdict. A hit the context step found negated or
    quoted is dismissed the same way whenever the classifier does not flag its unit.
    """
    scores = doc.annotations.get("unit_scores")
    if not scores or not findings:
        return findings
    lowered = doc.annotations.get("context_lowered") or set()
    out: list[Finding] = []
    for f in findings:
        if f.detector == "lexicon" and f.severity is not Severity.INFO:
            for start, end, score, th in scores:  # type: ignore[attr-defined]
                if start <= f.start < end:
                    if (f.start, f.end, f.rule_id) in lowered:  # negated or quoted, and the classifier agrees
                        allowed, limit = True, th.decision
                    else:
                        allowed = f.severity is Severity.REVIEW or (f.severity is Severity.BLOCK and th.veto_block)
                        limit = th.veto
                    if allowed and score < limit:
                        f = f.replace(
                            severity=Severity.INFO,
                            explanation=f"{f.explanation}（分类器判断所在句为正常表述，"
                            f"违规概率 {score:.2f}，降为提示）",
                        )
                    break
        out.append(f)
    return out


_PRECISE = ("lexicon", "spec_check")  # detectors whose findings point at the exact words


def fold_unit_findings(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """Fold a classifier's unit-level finding into the precise findings inside it.

    When the lexicon or the spec check already pinpoints the words (review or
    block) inside a unit the classifier flagged, the reviewer gets findings with
    the precise span that name both sources; a unit finding with no such hit
    stands on its own.
    """
    units = [f for f in findings if f.detector == "exaggeration"]
    if not units:
        return findings
    others = [f for f in findings if f.detector != "exaggeration"]
    kept_units: list[Finding] = []
    for u in units:
        inside = [
            i
            for i, f in enumerate(others)
            if f.detector in _PRECISE and f.severity is not Severity.INFO and u.start <= f.start and f.end <= u.end
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


def _primary_key(f: Finding) -> tuple[int, int, float]:
    return (f.severity.rank, f.end - f.start, f.score)


def merge_overlaps(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """Merge findings whose spans overlap into one, over the union of their spans.

    The most severe (then longest, the most specific, then highest-scoring) finding is kept as the
    primary; the others are listed in ``merged_rule_ids``.
    """
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


def run_steps(doc: ClaimDoc, findings: list[Finding], steps: Sequence[Step]) -> list[Finding]:
    for step in steps:
        findings = step(doc, findings)
    return findings
