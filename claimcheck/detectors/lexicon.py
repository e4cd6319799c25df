"""Prohibited-term detector: one character-level Aho-Corasick automaton.

Why characters and not tokens: word-boundary regexes never fire inside running
Chinese, and token matchers miss a term that jieba glued to its neighbour
(人数最多 → 人 / 数最多). The automaton (pyahocorasick, C) runs over the compact
view, where evasion noise is already gone, and holds three kinds of keys:

* the lexicon's terms (and the literals its patterns expand to);
* pinyin spellings of short common terms (zui好, zuihao, qwdy);
* allowed phrases (最近, 第一次, 一号链接 …), globally or for one entry.

A term hit covered by a strictly longer allowed hit is ordinary speech and is
dropped, so a longer allowed phrase beats a shorter blocked term.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import numpy as np

from claimcheck.detectors.base import DetectorResources, Granularity, register_detector
from claimcheck.detectors.lexicon_table import (
    ALLOW,
    EXACT,
    GLOBAL,
    PINYIN,
    TERM,
    VARIANT,
    is_han,
    load_table,
)
from claimcheck.lexicons import Lexicon, TermEntry, load_lexicon
from claimcheck.nlp.doc import ClaimDoc
from claimcheck.nlp.normalize import Normalized
from claimcheck.types import Finding


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class TermHit:
    """A surviving term match, in compact-view and original offsets."""

    start: int
    end: int
    orig_start: int
    orig_end: int
    entry: TermEntry
    kind: int  # EXACT / VARIANT / PINYIN


class LexiconMatcher:
    """Compiles a Lexicon into one automaton and finds term hits in a Normalized text."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self.entries = lexicon.entries
        compiled = load_table(lexicon, cache_dir)
        table = compiled.keys
        self.terms = compiled.terms
        self.max_allow_len = max((len(k) for k, ps in table.items() if any(p[0] == ALLOW for p in ps)), default=0)
        self.pattern_count = len(table)
        automaton = ahocorasick.Automaton()
        for key, payloads in table.items():
            # term and allowed-phrase payloads apart, so the scan loop does not test each one's kind
            term_pays = tuple((idx, variant) for kind, idx, variant in payloads if kind == TERM)
            allow_pays = tuple(idx for kind, idx, _ in payloads if kind != TERM)
            automaton.add_word(key, (len(key), term_pays, allow_pays))
        automaton.make_automaton()
        self._automaton = automaton
        self._active_cache: dict[str | None, list[bool]] = {}

    def user_words(self) -> list[str]:
        """Terms for the segmenter's private dictionary (Chinese terms only)."""
        return [k for k in self.terms if any(is_han(c) for c in k)]

    def raw_spans(self, norm: Normalized) -> list[tuple[int, int]]:
        """Original spans of every term and allowed-phrase match (for claim-unit cuts)."""
        view = norm.compact
        out = []
        for end, (klen, _terms, _allows) in self._automaton.iter(view.text):
            out.append(view.to_original(end - klen + 1, end + 1))
        return out

    def _active(self, product_category: str | None) -> list[bool]:
        """Per entry: does it apply to this product category? (cached per category)"""
        cached = self._active_cache.get(product_category)
        if cached is None:
            cached = [
                product_category is None
                or (product_category not in e.exempt_for and (not e.applies_to or product_category in e.applies_to))
                for e in self.entries
            ]
            self._active_cache[product_category] = cached
        return cached

    def find(self, norm: Normalized, product_category: str | None = None) -> list[TermHit]:
        view = norm.compact
        text = view.text
        original = norm.original
        active = self._active(product_category)
        terms: list[tuple[int, int, int, int]] = []
        allows: list[tuple[int, int, int]] = []
        for end, (klen, term_pays, allow_pays) in self._automaton.iter(text):
            start = end - klen + 1
            for idx, variant in term_pays:
                if active[idx]:
                    terms.append((start, end + 1, idx, variant))
            for idx in allow_pays:
                allows.append((start, end + 1, idx))
        if not terms:
            return []
        if allows:
            allows.sort()
            allow_starts = [a[0] for a in allows]
            terms = [t for t in terms if not self._allowed(t[0], t[1], t[2], allows, allow_starts)]
            if not terms:
                return []
        # one vectorised look-up maps every surviving hit back to the original
        cols = np.array([(t[0], t[1] - 1) for t in terms], dtype=np.int64)
        mapped = view.src[cols].tolist()
        hits: list[TermHit] = []
        for (start, end, idx, variant), (o_start, o_last) in zip(terms, mapped, strict=True):
            o_end = o_last + 1
            if text[start].isascii() or text[end - 1].isascii():
                if _ascii_alnum(text[start]) and o_start > 0 and _ascii_alnum(original[o_start - 1].lower()):
                    continue
                if _ascii_alnum(text[end - 1]) and o_end < len(original) and _ascii_alnum(original[o_end].lower()):
                    continue
            kind = variant
            if kind == EXACT and original[o_start:o_end] != text[start:end]:
                kind = VARIANT
            hits.append(TermHit(start, end, o_start, o_end, self.entries[idx], kind))
        return hits

    def _allowed(
        self,
        start: int,
        end: int,
        idx: int,
        allows: list[tuple[int, int, int]],
        allow_starts: list[int],
    ) -> bool:
        lo = bisect_left(allow_starts, end - self.max_allow_len)
        hi = bisect_right(allow_starts, start)
        for a_start, a_end, owner in allows[lo:hi]:
            if a_end >= end and (a_end - a_start) > (end - start) and owner in (GLOBAL, idx):
                return True
        return False


_KIND_SCORE = {EXACT: 1.0, VARIANT: 0.95, PINYIN: 0.9}
_KIND_NOTE = {
    EXACT: "",
    VARIANT: "（检测到规避写法：插入符号、繁体、全角或重复字）",
    PINYIN: "（检测到拼音或缩写规避写法）",
}


class LexiconDetector:
    """Detector over a LexiconMatcher; turns term hits into findings."""

    name = "lexicon"
    granularity = Granularity.SPAN
    precise = True
    context_sensitive = True
    decides: frozenset[str] = frozenset()

    def __init__(self, lexicon: Lexicon | None = None, matcher: LexiconMatcher | None = None) -> None:
        if matcher is None:
            matcher = LexiconMatcher(lexicon if lexicon is not None else load_lexicon())
        self.matcher = matcher
        self.lexicon = matcher.lexicon

    @property
    def version(self) -> str:
        return self.lexicon.version_tag

    def analyze(self, doc: ClaimDoc) -> list[Finding]:
        findings = []
        for h in self.matcher.find(doc.norm, doc.product_category):
            e = h.entry
            findings.append(
                Finding(
                    start=h.orig_start,
                    end=h.orig_end,
                    text=doc.text[h.orig_start : h.orig_end],
                    detector=self.name,
                    category=e.category,
                    rule_id=e.id,
                    severity=e.severity,
                    score=_KIND_SCORE[h.kind],
                    legal_basis=e.legal_basis,
                    suggestion=e.suggestion,
                    explanation=(e.explanation or f"命中词条“{e.term or e.pattern}”") + _KIND_NOTE[h.kind],
                    sku=doc.sku_at(h.orig_start),
                )
            )
        return findings


def shared_matcher(resources: DetectorResources) -> LexiconMatcher:
    """The one compiled matcher of an engine (the text pipeline uses it too)."""
    return resources.shared("lexicon_matcher", lambda: LexiconMatcher(resources.lexicon))


@register_detector("lexicon")
def make_lexicon_detector(resources: DetectorResources) -> LexiconDetector:
    return LexiconDetector(matcher=shared_matcher(resources))
