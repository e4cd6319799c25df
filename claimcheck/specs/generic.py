"""Claims matched to the record by the record's own vocabulary and by typed values.

Where the fixed claim tables (``extract.py``) know nothing, this matcher still finds what a
claim says about *this* product: the record's attribute names (and their synonyms) next to a
quantity of any dimension, ingredient and nutrient names with amounts or shares, places,
grades, absences (不含X, X未检出) and test items named in the claim. Each claim value is
compared with the fact of the same attribute or dimension: supported, contradicted, or
failed evidence; an attribute the claim names that the record lacks is unverifiable.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import ahocorasick

from claimcheck.intervals import SpanList, overlaps_any
from claimcheck.specs.check import ClaimCheck, ClaimVerdict
from claimcheck.specs.extract import Claim
from claimcheck.specs.facts import Fact, RecordIndex, Synonyms
from claimcheck.specs.ingredients import IngredientClaims
from claimcheck.specs.nutrition import load_nutrition_claims
from claimcheck.specs.origins import OriginClaims
from claimcheck.specs.places import Gazetteer
from claimcheck.specs.quantities import Quantity, UnitTable
from claimcheck.specs.reports import ReportClaims, load_test_vocabulary, status
from claimcheck.specs.values import value_mentions

GRADES = (
    "特级",
    "特等",
    "一级",
    "二级",
    "三级",
    "优级",
    "一等品",
    "二等品",
    "合格品",
    "优等品",
    "a类",
    "b类",
    "c类",
    "aa级",
    "aaa级",
)
_NEAR = 14  # an attribute name this close before a value is what the value is about
_HUNDRED = {"[mass]": 0.1, "[length] ** 3": 0.0001}  # 100 g and 100 ml in base units
_BASIS_100 = re.compile(r"(?:每|一)?(?:100|一百|百)(?:克|g|毫升|ml)(?:里面?|中|含有?|的)?")
_BASIS_SERVING = re.compile(r"(?:每|一)(?:份|杯|袋|条|片|粒|包|勺|支|瓶|罐|盒)")


_LIST_BREAK = re.compile(r"[、，,。;；!?！？\n]")
_SEPARATOR = re.compile(r"[、，,。;；!?！？\s]")


def _is_basis(text: str, q: Quantity) -> bool:
    """每100g, 每一百克里: the amount a label states its values per, not a claim."""
    per_100 = q.dim in _HUNDRED and abs(q.low - _HUNDRED[q.dim]) < 1e-12 and q.low == q.high
    return per_100 and (
        text[max(0, q.start - 1) : q.start] == "每" or text[q.end : q.end + 1] in ("里", "中", "含", "有")
    )


def _basis_before(text: str, q: Quantity) -> str | None:
    """Is the claimed amount per 100 g/ml or per serving? Read from the clause before it."""
    window = text[max(0, q.start - 12) : q.start]
    cut = max(window.rfind(ch) for ch in "。!?;\n ")
    window = window[cut + 1 :]
    if _BASIS_100.search(window):
        return "100"
    if q.per_unit is not None or _BASIS_SERVING.search(window):
        return "serving"
    return None


def _overlaps(a: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    return overlaps_any(taken, a[0], a[1])  # indexed when ``taken`` is a SpanList (no scan per candidate)


def _within_clause(text: str, start: int, end: int) -> bool:
    return not any(ch in "。!?;\n" for ch in text[start:end])


class GenericMatcher:
    def __init__(
        self, units: UnitTable, gazetteer: Gazetteer, synonyms: Synonyms, reports: ReportClaims | None = None
    ) -> None:
        self.units = units
        self.gazetteer = gazetteer
        self.synonyms = synonyms
        self.reports = reports or ReportClaims(load_test_vocabulary(), gazetteer)
        self.nutrition = load_nutrition_claims()
        self.origins = OriginClaims(gazetteer)
        self.ingredients = IngredientClaims(self.nutrition)

    def _names(self, index: RecordIndex) -> tuple[dict[str, str], frozenset[str], Any]:
        """Every name a claim may use for one of the record's attributes -> the record's name;
        the names that are only parts of one (充电 of 充电时间: weaker than the whole name);
        and an Aho-Corasick automaton over them. Built once per record."""
        cached = index.derived.get("generic.names")
        if cached is not None:
            return cached
        out: dict[str, str] = {}
        partial: set[str] = set()
        for f in index.facts:
            if f.source in ("spec", "nutrition", "ingredient", "test"):
                whole = self.synonyms.names_like(f.attribute)
                for n in self.synonyms.names_with_parts(f.attribute):
                    if n not in whole:
                        partial.add(n)
                    if len(n) >= 2 or (f.source == "nutrition" and "\u4e00" <= n <= "\u9fff"):  # 钙, 铁, 钠
                        out.setdefault(n, f.attribute)
        automaton = ahocorasick.Automaton()
        for n in out:
            automaton.add_word(n, n)
        if out:
            automaton.make_automaton()
        result = (out, frozenset(partial), automaton if out else None)
        index.derived["generic.names"] = result
        return result

    def match(
        self, text: str, index: RecordIndex, on: dt.date, taken: list[tuple[int, int]]
    ) -> list[tuple[ClaimCheck, int, int]]:
        out: list[tuple[ClaimCheck, int, int]] = []
        names, partial, automaton = self._names(index)
        low = text.lower()
        mentions = sorted((e - len(n) + 1, e + 1, n) for e, n in automaton.iter(low)) if automaton else []
        longest = max((len(n) for _, _, n in mentions), default=0)
        used: list[tuple[int, int]] = SpanList(taken)
        out.extend(self.reports.match(text, index, on, used))
        for q in self.units.find(text):
            span = (q.start, q.end)
            if _overlaps(span, used) or q.low <= 0 < q.high == 0 or _is_basis(text, q):
                continue
            attr = self._attribute_of(text, mentions, q, longest)
            if attr is None and q.dim == "[mass]" and "重" in text[max(0, q.start - 1) : q.end + 1] and "重量" in names:
                attr = (q.start, q.end, "重量")  # 五克重, 重2公斤: said of the weight
            result = self._check_quantity(
                q, attr, names, index, _basis_before(text, q), on, attr is not None and attr[2] in partial
            )
            if result is None:
                continue
            start = min(attr[0], q.start) if attr is not None else q.start
            end = max(attr[1], q.end) if attr is not None else q.end
            out.append((result, start, end))
            used.append((start, end))
        out.extend(self.origins.match(text, index, used))
        out.extend(self.ingredients.absences(text, index, used))
        out.extend(self.ingredients.additions(text, index, used))
        out.extend(self._grades(text, index, used))
        out.extend(value_mentions(text, index, used, stop=self.units.words.keys() | self.units.count_nouns))
        return out

    def supports(self, surface: str, index: RecordIndex) -> ClaimCheck | None:
        """A supported check when any value of the record matches the quantity in ``surface``.

        The fixed claim tables compare 净含量 with one spec; a host saying 每盒200g of a
        200g×12盒 pack is right, so their contradictions are confirmed here first.
        """
        for q in self.units.find(surface.lower()):
            specs = [f for f in self._pool(q, index) if f.source == "spec"]  # not a nutrient's 35g/100g
            hit = self._matching_fact(q, specs, None)
            if hit is not None:
                claim = Claim("quantity", q.start, q.end, q.surface, hit.attribute, {"claimed": q.surface})
                return ClaimCheck(claim, "supported", dict(hit.evidence), f"资料中{hit.attribute}为“{hit.value}”")
        return None

    # ------------------------------------------------------------------ quantities
    def _attribute_of(
        self, text: str, mentions: list[tuple[int, int, str]], q: Quantity, longest: int | None = None
    ) -> tuple[int, int, str] | None:
        """The attribute a value is said of: a name just before it (含绒量90%, 钙是一百毫克), a name
        just after it (三十五克蛋白质, 90%白鸭绒), or the nearest name earlier in the clause."""
        if longest is not None:  # sorted by start: only names starting near the value can qualify (not a scan)
            lo = bisect_left(mentions, q.start - _NEAR - longest, key=itemgetter(0))
            mentions = mentions[lo : bisect_right(mentions, q.end + 2, key=itemgetter(0))]
        before = [
            (s, e, n)
            for s, e, n in mentions
            if e <= q.start and q.start - e <= _NEAR and not _LIST_BREAK.search(text[e : q.start])
        ]
        after = [
            (s, e, n)
            for s, e, n in mentions
            if s >= q.end and s - q.end <= 2 and not _SEPARATOR.search(text[q.end : s])
        ]
        best_before = max(before, key=lambda m: (m[1], m[1] - m[0]), default=None)
        if best_before is not None and q.start - best_before[1] <= 4:
            return best_before
        if after:
            return min(after, key=lambda m: (m[0], -(m[1] - m[0])))
        return best_before

    def _pool(self, q: Quantity, index: RecordIndex) -> list[Fact]:
        return [
            f
            for f in index.facts
            if f.source in ("spec", "nutrition", "ingredient", "test")
            and any(x.dim == q.dim for x in f.all_quantities())
        ]

    def _check_quantity(
        self,
        q: Quantity,
        attr: tuple[int, int, str] | None,
        names: dict[str, str],
        index: RecordIndex,
        basis: str | None,
        on: dt.date,
        partial: bool = False,
    ) -> ClaimCheck | None:
        """Supported when a fact of the named attribute (or, unnamed, any fact) holds the value;
        contradicted only when the claim names the attribute and every value on file differs.

        A bare number (一天一袋, 吃50天) is never contradicted: it may be about anything.
        """
        label = names[attr[2]] if attr is not None else None
        claim = Claim("quantity", q.start, q.end, q.surface, label, {"claimed": q.surface})
        pool = self._pool(q, index)
        named = [f for f in pool if label is not None and self.synonyms.same(f.attribute, label)]
        if named:
            hit = self._matching_fact(q, named, basis, index)
            loose = attr is not None and (q.start - attr[1] > 4 or partial)
            if hit is None and loose:  # loosely said of it: any fact will do, and none contradicts
                hit = self._matching_fact(q, pool, basis, index)
                if hit is None:
                    return None
            if hit is not None:
                return self._backed(claim, hit, on)
            wanted = [f for f in named if basis is None or f.basis in (None, basis)] or named
            f = wanted[0]
            if status(f, on) == "failed_evidence":
                return ClaimCheck(
                    claim, "failed_evidence", dict(f.evidence), f"报告中{f.attribute}不合格，实测“{f.value}”"
                )
            shown = f"{f.value}" + (f"（{f.evidence.get('per')}）" if f.evidence.get("per") else "")
            return ClaimCheck(
                claim, "contradicted", dict(f.evidence), f"宣称“{q.surface}”，产品资料中{f.attribute}为“{shown}”"
            )
        hit = self._matching_fact(q, pool, basis, index)
        if hit is not None:
            return self._backed(claim, hit, on)
        if label is not None and not index.named(self.synonyms, label):
            return ClaimCheck(claim, "unverifiable", {"attribute": label}, f"产品资料未登记{label}")
        return self._pack_count(q, claim, pool) or self._only_one(q, claim, pool)

    @staticmethod
    def _backed(claim: Claim, hit: Fact, on: dt.date) -> ClaimCheck:
        """Supported by ``hit`` - unless ``hit`` is a failed or expired test."""
        bad = status(hit, on) if hit.source == "test" else None
        if bad == "failed_evidence":
            return ClaimCheck(
                claim, bad, dict(hit.evidence), f"报告{hit.evidence.get('report_no')}中{hit.attribute}不合格"
            )
        if bad == "expired_evidence":
            why = f"报告{hit.evidence.get('report_no')}已于{hit.valid_until}过期"
            return ClaimCheck(claim, bad, dict(hit.evidence), why)
        return ClaimCheck(claim, "supported", dict(hit.evidence), f"资料中{hit.attribute}为“{hit.value}”")

    def _pack_count(self, q: Quantity, claim: Claim, pool: list[Fact]) -> ClaimCheck | None:
        """一瓶一百片 against 规格 60片: a count said of the pack, of the noun the record counts."""
        if not q.dim.startswith("count:") or q.per_unit is None or q.per_unit == q.dim[6:]:
            return None
        facts = [f for f in pool if f.source == "spec"]
        if not facts:
            return None
        f = facts[0]
        return ClaimCheck(
            claim, "contradicted", dict(f.evidence), f"宣称“{q.surface}”，产品资料中{f.attribute}为“{f.value}”"
        )

    def _only_one(self, q: Quantity, claim: Claim, pool: list[Fact]) -> ClaimCheck | None:
        """A length, weight or volume said of the product where the record has one such value.

        Said of one item (一瓶是五百毫升) it is compared with the item's value in a pack
        structure, or with the net content where there is none; said plainly, with the net
        content if there is one, else with the only spec of that dimension.
        """
        if q.dim not in ("[length]", "[mass]", "[length] ** 3"):
            return None
        specs = [f for f in pool if f.source == "spec"]
        chosen = [f for f in specs if any(x.dim == q.dim for x in f.per_unit)] if q.per_unit is not None else []
        if not chosen:
            net = [
                f
                for f in specs
                if self.synonyms.same(f.attribute, "净含量") and any(x.dim == q.dim for x in f.quantities)
            ]
            plain = [f for f in specs if not f.per_unit and any(x.dim == q.dim for x in f.quantities)]
            chosen = net or plain
        if len({f.attribute for f in chosen}) != 1:
            return None
        f = chosen[0]
        return ClaimCheck(
            claim, "contradicted", dict(f.evidence), f"宣称“{q.surface}”，产品资料中{f.attribute}为“{f.value}”"
        )

    def _matching_fact(
        self, q: Quantity, facts: list[Fact], basis: str | None, index: RecordIndex | None = None
    ) -> Fact | None:
        tol = self.units.tolerance(q.dim)
        points = q.dim == "percent"
        servings = index.serving_masses() if index is not None else []
        for f in facts:
            if basis is not None and f.basis is not None and f.basis != basis:
                if not (basis == "serving" and f.basis == "100"):
                    continue
                candidates = [  # per 100 g on the label, per bag in the claim: 1100 mg/100g x 25 g
                    Quantity(x.low * s.low / _HUNDRED[s.dim], x.high * s.high / _HUNDRED[s.dim], x.dim)
                    for x in f.quantities
                    for s in servings
                    if x.dim == q.dim and s.dim in _HUNDRED
                ]
            else:
                candidates = self._comparable(q, f)
            if any(q.overlaps(c, tol, points) for c in candidates):
                return f
        return None

    @staticmethod
    def _comparable(q: Quantity, f: Fact) -> list[Quantity]:
        """A per-item claim is compared with per-item facts, a pack total with totals, others with any."""
        if q.per_unit is not None and f.per_unit:
            return [x for x in f.per_unit if x.dim == q.dim] + [x for x in f.quantities if x.dim == q.dim]
        if q.total and f.totals:
            return [x for x in f.totals if x.dim == q.dim]
        return [x for x in f.all_quantities() if x.dim == q.dim]

    # ------------------------------------------------------------------ places, absences, grades, tests
    def _grades(self, text: str, index: RecordIndex, used: list[tuple[int, int]]) -> list[tuple[ClaimCheck, int, int]]:
        grades = [f for f in index.facts if f.source == "spec" and self.synonyms.same(f.attribute, "等级")]
        out: list[tuple[ClaimCheck, int, int]] = []
        if not grades:
            return out
        for g in GRADES:
            for m in re.finditer(re.escape(g), text):
                if _overlaps((m.start(), m.end()), used):
                    continue
                claim = Claim("grade", m.start(), m.end(), g, "等级", {"grade": g})
                fact = grades[0]
                core = re.sub(r"[级等品]", "", fact.value.lower())
                said = text[max(0, m.start() - 2) : m.end()].lower()
                backed = g in fact.value.lower() or bool(core and core in said)
                verdict: ClaimVerdict = "supported" if backed else "contradicted"
                why = f"资料中等级为“{fact.value}”"
                out.append((ClaimCheck(claim, verdict, dict(fact.evidence), why), m.start(), m.end()))
                used.append((m.start(), m.end()))
        return out
