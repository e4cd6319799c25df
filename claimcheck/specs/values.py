"""Categorical values: 内胆是304不锈钢的, 测的是手腕, 油皮闭眼入, 日本Akoya海水珍珠.

A record holds such values as words (内胆材质 铝合金, 测量部位 上臂). The claim names the
attribute in its own words (内胆, 大底, 表壳) - the record's name, a synonym, or the name
without its 材质/适用 affixes - and a value word of a known class near it. Two different words
of one class are two different values; a broader word (真皮) covers a narrower one (头层牛皮).
For some classes the value word alone is enough when exactly one spec holds that class.
The words are data (``lexicons/specs/value_terms.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from claimcheck.intervals import overlaps_any
from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.check import ClaimCheck
from claimcheck.specs.extract import Claim
from claimcheck.specs.facts import Fact, RecordIndex, Synonyms

_CLAUSE = re.compile(r"[^。！？!?；;，,\n ]+")
_NEGATED = re.compile(r"(?:不是|不用|没有|并非|而非|非|不含|没用|不要)(?:那种|这种|用的)?$")
Span = tuple[int, int]


@dataclass(frozen=True)
class Term:
    canon: str
    cls: str
    parent: str | None = None
    any: bool = False


class ValueTerms:
    def __init__(self, classes: dict, version: str) -> None:
        self.version = version
        self.implicit = {c for c, v in classes.items() if v.get("implicit")}
        self.by_word: dict[str, Term] = {}
        self.by_canon: dict[tuple[str, str], Term] = {}
        for cls, spec in classes.items():
            for canon, t in spec["terms"].items():
                term = Term(str(canon), cls, t.get("parent"), bool(t.get("any", False)))
                self.by_canon[(cls, term.canon)] = term
                for w in [canon, *t.get("synonyms", [])]:
                    self.by_word.setdefault(str(w).lower(), term)
        words = sorted(self.by_word, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(w) for w in words))

    def find(self, text: str) -> list[tuple[int, int, Term]]:
        return [(m.start(), m.end(), self.by_word[m.group(0)]) for m in self.pattern.finditer(text.lower())]

    def covers(self, said: Term, stored: Term) -> bool:
        """Does the claimed word fit the stored one? (真皮 fits 头层牛皮; 羊皮 does not.)"""
        if said.any or stored.any:
            return True
        node: Term | None = stored
        while node is not None:
            if node.canon == said.canon:
                return True
            node = self.by_canon.get((node.cls, node.parent)) if node.parent else None
        return False


@cache
def load_value_terms(spec_dir: Path = DEFAULT_SPEC_DIR) -> ValueTerms:
    data = yaml.safe_load((spec_dir / "value_terms.yaml").read_text(encoding="utf-8"))
    return ValueTerms(data["classes"], str(data["version"]))


def _overlaps(a: Span, taken: list[Span]) -> bool:
    return overlaps_any(taken, a[0], a[1])  # indexed when ``taken`` is a SpanList (no scan per candidate)


class ValueMatcher:
    def __init__(self, terms: ValueTerms, synonyms: Synonyms) -> None:
        self.terms = terms
        self.synonyms = synonyms

    def names(self, attribute: str) -> set[str]:
        return {n for n in self.synonyms.names_with_parts(attribute) if len(n) >= 2}

    def match(self, text: str, index: RecordIndex, used: list[Span]) -> list[tuple[ClaimCheck, int, int]]:
        held: list[tuple[Fact, list[Term]]] | None = index.derived.get("values.held")
        if held is None:
            found_terms = [(f, self.terms.find(f.value)) for f in index.facts if f.source == "spec"]
            held = [(f, [t for _, _, t in ts]) for f, ts in found_terms if ts]
            index.derived["values.held"] = held
        if not held:
            return []
        out: list[tuple[ClaimCheck, int, int]] = []
        low = text.lower()
        for clause in _CLAUSE.finditer(low):
            c0, chunk = clause.start(), clause.group(0)
            found = [
                (c0 + s, c0 + e, t)
                for s, e, t in self.terms.find(chunk)
                if not _NEGATED.search(chunk[max(0, s - 5) : s])
            ]
            if not found:
                continue
            decided: set[str] = set()
            for f, stored in held:
                for n in self.names(f.attribute):
                    i = chunk.find(n)
                    if i < 0:
                        continue
                    ms, me = c0 + i, c0 + i + len(n)
                    near = [
                        x for x in found if x[2].cls in {t.cls for t in stored} and ms - 8 <= x[0] and x[1] <= me + 12
                    ]
                    near = [x for x in near if not (ms <= x[0] and x[1] <= me)]  # not the name itself
                    if not near or near[0][2].cls in decided:
                        continue
                    s, e, said = near[0]
                    span = (min(ms, s), max(me, e))
                    if _overlaps(span, used):
                        continue
                    out.append((self._verdict(said, f, stored, text[s:e]), *span))
                    used.append(span)
                    decided.add(said.cls)
                    break
            for s, e, said in found:
                if said.cls in decided or said.cls not in self.terms.implicit or _overlaps((s, e), used):
                    continue
                holders = [(f, st) for f, st in held if any(t.cls == said.cls for t in st)]
                if len(holders) != 1:
                    continue
                f, stored = holders[0]
                out.append((self._verdict(said, f, stored, text[s:e]), s, e))
                used.append((s, e))
                decided.add(said.cls)
        return out

    def _verdict(self, said: Term, f: Fact, stored: list[Term], surface: str) -> ClaimCheck:
        same_class = [t for t in stored if t.cls == said.cls]
        claim = Claim("attribute", 0, 0, surface, f.attribute, {"value": said.canon})
        if any(self.terms.covers(said, t) for t in same_class):
            return ClaimCheck(claim, "supported", dict(f.evidence), f"资料中{f.attribute}为“{f.value}”")
        return ClaimCheck(
            claim, "contradicted", dict(f.evidence), f"宣称“{surface}”，产品资料中{f.attribute}为“{f.value}”"
        )


_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z0-9+]{2,}|[a-z]+\d+[a-z0-9]*")
_GENERIC = frozenset(
    {"产品", "支持", "可以", "适用", "使用", "以上", "以下", "左右", "约为", "包括", "含有", "不含", "其他"}
)


def value_mentions(
    text: str, index: RecordIndex, used: list[Span], stop: Iterable[str] = ()
) -> list[tuple[ClaimCheck, int, int]]:
    """A clause that repeats a spec's own words (牛奶味的咀嚼片, 无刷电机, IPX7) is backed by it.

    Run last, on clauses nothing else has read: the record's literal words support, never
    contradict - a different word is not evidence of a different value.
    """
    out: list[tuple[ClaimCheck, int, int]] = []
    low = text.lower()
    tokens: list[tuple[str, Fact]] | None = index.derived.get("values.tokens")
    if tokens is None:
        stopped = set(stop)  # unit words (小时, 个月) are nobody's own words
        tokens = []
        for f in index.facts:
            if f.source == "spec":
                for t in _TOKEN.findall(f.value.lower()):
                    if t not in _GENERIC and t not in stopped and not t.startswith(("不", "无", "没")):
                        tokens.append((t, f))
        tokens.sort(key=lambda p: -len(p[0]))
        index.derived["values.tokens"] = tokens
    for clause in _CLAUSE.finditer(low):
        c0, chunk = clause.start(), clause.group(0)
        if _overlaps((c0, clause.end()), used):
            continue
        for t, f in tokens:
            i = chunk.find(t)
            if i < 0 or _NEGATED.search(chunk[max(0, i - 5) : i]):
                continue
            span = (c0 + i, c0 + i + len(t))
            claim = Claim("attribute", span[0], span[1], text[span[0] : span[1]], f.attribute, {"value": t})
            out.append((ClaimCheck(claim, "supported", dict(f.evidence), f"资料中{f.attribute}为“{f.value}”"), *span))
            used.append(span)
            break
    return out
