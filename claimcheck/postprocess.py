"""Steps that run on (doc, findings) after the detectors.

Each step is a plain function, so it can be tested alone and the Engine can be
configured with a different list (spaCy's pipeline idea, without the ceremony).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from claimcheck.lexicons import ContextRules
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import compact
from claimcheck.types import Finding, Severity

Step = Callable[[ClaimDoc, list[Finding]], list[Finding]]
_SENTENCE_END = "。！？!?；;\n\r"


def _sentence_bounds(text: str, start: int, end: int, reach: int = 120) -> tuple[int, int]:
    lo = max(0, start - reach)
    left = max((text.rfind(ch, lo, start) for ch in _SENTENCE_END), default=-1)
    hi = min(len(text), end + reach)
    rights = [i for i in (text.find(ch, end, hi) for ch in _SENTENCE_END) if i >= 0]
    return (left + 1 if left >= 0 else lo), (min(rights) if rights else hi)


class ContextAdjuster:
    """Lower the severity of findings in a sentence that quotes or negates a rule.

    Hosts also use 广告法不让说最好，但是… as a dodge, so a quoted or negated term is
    never dismissed: a block becomes a review and the explanation says why.
    """

    def __init__(self, rules: ContextRules) -> None:
        self.meta = [compact(m) for m in rules.meta_markers if compact(m)]
        self.negation = [compact(m) for m in rules.negation_markers if compact(m)]

    def __call__(self, doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        for f in findings:
            if f.severity is not Severity.BLOCK or f.detector != "lexicon":
                out.append(f)
                continue
            s, e = _sentence_bounds(doc.text, f.start, f.end)
            sentence = compact(doc.text[s:e])
            before = compact(doc.text[max(s, f.start - 6) : f.start])
            note = ""
            if any(m in sentence for m in self.meta):
                note = "（所在句引用或讨论广告规则，降为人工复核）"
            elif any(before.endswith(m) for m in self.negation):
                note = "（前有否定词，降为人工复核）"
            if note:
                f = f.model_copy(update={"severity": Severity.REVIEW, "explanation": f.explanation + note})
            out.append(f)
        return out


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
        merged.append(
            primary.model_copy(
                update={
                    "start": start,
                    "end": end,
                    "text": doc.text[start:end],
                    "merged_rule_ids": others or None,
                }
            )
        )
    return merged


def run_steps(doc: ClaimDoc, findings: list[Finding], steps: Sequence[Step]) -> list[Finding]:
    for step in steps:
        findings = step(doc, findings)
    return findings
