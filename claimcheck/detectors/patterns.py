"""Pattern rules: spaCy's Matcher over jieba tokens, for claims a word list cannot hold.

Conditional guarantees (只要坚持…一定), safety guarantees (不会依赖), ageing signs said to
vanish (皱纹…没了), physiology promises (血管…干净), multipliers and rates without a
source, endorsements by doctors or celebrities, disparagement of other products. The
rules and their token classes are data (:mod:`claimcheck.rules`).

Cost is paid only where a rule can match: every pattern has anchor words, one
Aho-Corasick pass over the light view finds the sentences that contain any, and only
those are segmented and matched. spaCy itself is imported on the first such sentence.
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_right
from typing import TYPE_CHECKING, Any

import ahocorasick

from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.units import SENTENCE_END
from claimcheck.rules import MEASURES, NUMERALS, PatternRule, RuleSet, load_rules
from claimcheck.types import Finding

if TYPE_CHECKING:
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab


def import_matcher() -> tuple[Any, Any, Any]:
    """spaCy's Matcher, Vocab and Doc, imported without letting thinc pull in torch.

    thinc (under spaCy) tries ``import torch`` when it is first imported, only to offer torch
    model wrappers; the Matcher uses none of them. When neither torch nor thinc is loaded yet
    (and ``CLAIMCHECK_SPACY_TORCH`` is not set), torch is hidden during that one import, which
    keeps a screening from paying seconds and hundreds of MB for a library it never calls. A
    process that wants spaCy's torch models imports thinc or torch before claimcheck, or sets
    ``CLAIMCHECK_SPACY_TORCH=1``.
    """
    hide = "torch" not in sys.modules and "thinc" not in sys.modules and not os.environ.get("CLAIMCHECK_SPACY_TORCH")
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        from spacy.matcher import Matcher
        from spacy.tokens import Doc
        from spacy.vocab import Vocab
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return Matcher, Vocab, Doc


def split_numbers(words: list[str]) -> list[str]:
    """Split numbers from the measure word jieba glued them to: 三天 → 三 天, 顶七瓶 → 顶 七 瓶.

    Only a numeral run followed by a measure word is split, so 一定, 一样, 一起 stay whole;
    百分之九十 and plain numbers stay one token.
    """
    out: list[str] = []
    for w in words:
        if w.startswith("百分之") or not any(c in NUMERALS for c in w):
            out.append(w)
            continue
        i, n, piece = 0, len(w), ""
        while i < n:
            if w[i] in NUMERALS:
                j = i
                while j < n and w[j] in NUMERALS:
                    j += 1
                if j < n and w[j] in MEASURES:
                    if piece:
                        out.append(piece)
                        piece = ""
                    out.append(w[i:j])
                    piece = ""
                    i = j
                    continue
                piece += w[i:j]
                i = j
                continue
            piece += w[i]
            i += 1
        if piece:
            out.append(piece)
    return out


class PatternDetector:
    name = "patterns"
    granularity = Granularity.SPAN
    precise = True
    context_sensitive = True
    decides: frozenset[str] = frozenset()

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._by_id: dict[str, PatternRule] = {r.id: r for r in rules.rules}
        # every word of every required token spec -> the (pattern, spec) pairs it satisfies
        self._needs: list[int] = []  # per pattern: how many required specs it has
        self._rule_of: list[str] = []  # per pattern: its rule's id
        table: dict[str, list[tuple[int, int]]] = {}
        for rule_id, compiled in rules.compiled.items():
            for p in compiled:
                pi = len(self._needs)
                self._needs.append(len(p.required))
                self._rule_of.append(rule_id)
                for si, words in enumerate(p.required):
                    for word in words:
                        table.setdefault(word, []).append((pi, si))
        automaton = ahocorasick.Automaton()
        for word, pairs in table.items():
            automaton.add_word(word, tuple(pairs))
        automaton.make_automaton()
        self._anchors = automaton
        self._matcher: tuple[Vocab, Matcher] | None = None
        self._per_rule: dict[str, Matcher] | None = None

    @property
    def version(self) -> str:
        return self.rules.version_tag

    def user_words(self) -> list[str]:
        """Words the segmenter must keep whole for the patterns to see them as tokens."""
        return self.rules.words()

    def _spacy(self) -> tuple[Vocab, Matcher]:
        if self._matcher is None:
            Matcher, Vocab, _ = import_matcher()

            vocab = Vocab()
            matcher = Matcher(vocab)
            for rule_id, compiled in self.rules.compiled.items():
                matcher.add(rule_id, [p.spacy for p in compiled], greedy="LONGEST")
            self._matcher = (vocab, matcher)
        return self._matcher

    def _rule_matchers(self) -> dict[str, Matcher]:
        """One Matcher per rule, sharing the vocabulary: a sentence runs only its candidate rules."""
        if self._per_rule is None:
            Matcher = import_matcher()[0]
            vocab, _ = self._spacy()
            per_rule = {}
            for rule_id, compiled in self.rules.compiled.items():
                m = Matcher(vocab)
                m.add(rule_id, [p.spacy for p in compiled], greedy="LONGEST")
                per_rule[rule_id] = m
            self._per_rule = per_rule
        return self._per_rule

    def candidates(self, text: str) -> list[tuple[int, int, list[str]]]:
        """(start, end, rule ids) of each sentence in which some pattern of those rules finds every word it needs.

        A necessary condition checked with one automaton pass, so only these sentences are
        segmented, and only these rules matched on them (most sentences of real speech have none).
        """
        if not text:
            return []
        bounds: list[int] = [i + 1 for i, ch in enumerate(text) if ch in SENTENCE_END]
        seen: dict[int, dict[int, set[int]]] = {}
        for end, pairs in self._anchors.iter(text):
            k = bisect_right(bounds, end)  # the sentence holding this word
            per = seen.setdefault(k, {})
            for pi, si in pairs:
                per.setdefault(pi, set()).add(si)
        out = []
        for k, per in sorted(seen.items()):
            rules = {self._rule_of[pi] for pi, specs in per.items() if len(specs) == self._needs[pi]}
            if rules:
                start = bounds[k - 1] if k > 0 else 0
                ordered = [r for r in self.rules.compiled if r in rules]  # the rule file's order
                out.append((start, bounds[k] if k < len(bounds) else len(text), ordered))
        return out

    def candidate_sentences(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence of ``text`` that some pattern may match (see :meth:`candidates`)."""
        return [(s, e) for s, e, _ in self.candidates(text)]

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        light = doc.norm.light
        sentences = [
            (s, e, active)
            for s, e, rules in self.candidates(light.text)
            if (active := [r for r in rules if self._by_id[r].active(doc.product_category)])
        ]
        if not sentences:
            return []
        matchers = self._rule_matchers()
        vocab = self._spacy()[0]
        Doc = import_matcher()[2]
        segmenter = doc.pipeline.segmenter
        findings: list[Finding] = []
        for s_start, s_end, rule_ids in sentences:
            words = split_numbers(segmenter.segment(light.text[s_start:s_end]))
            starts, pos = [], s_start
            for w in words:
                starts.append(pos)
                pos += len(w)
            sdoc = Doc(vocab, words=words, spaces=[False] * len(words))
            matches = [
                (t_start, t_end, rule_id) for rule_id in rule_ids for _, t_start, t_end in matchers[rule_id](sdoc)
            ]
            for t_start, t_end, rule_id in sorted(matches, key=lambda m: (m[0], m[1])):
                rule = self._by_id[rule_id]
                l_start, l_end = starts[t_start], starts[t_end - 1] + len(words[t_end - 1])
                o_start, o_end = light.to_original(l_start, l_end)
                findings.append(self._finding(doc, rule, o_start, o_end))
        return findings

    def _finding(self, doc: ClaimDoc, rule: PatternRule, start: int, end: int) -> Finding:
        return Finding(
            start=start,
            end=end,
            text=doc.text[start:end],
            detector=self.name,
            category=rule.category,
            rule_id=rule.id,
            severity=rule.severity,
            score=1.0,
            legal_basis=rule.legal_basis,
            suggestion=rule.suggestion,
            explanation=f"{rule.explanation}（句式规则 {rule.id}）",
            sku=doc.sku_at(start),
        )


def match_examples(detector: PatternDetector, segmenter: Any, text: str) -> set[str]:
    """Rule ids matching ``text`` (for tests and the rule docs): segment, match, nothing else."""
    vocab, matcher = detector._spacy()
    Doc = import_matcher()[2]
    words = split_numbers(segmenter.segment(text))
    sdoc = Doc(vocab, words=words, spaces=[False] * len(words))
    return {vocab.strings[m] for m, _, _ in matcher(sdoc)}


@register_detector("patterns")
def make_pattern_detector(resources: DetectorResources) -> PatternDetector:
    return PatternDetector(load_rules(resources.settings.patterns_dir))
