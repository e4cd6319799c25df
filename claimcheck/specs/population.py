"""Who may use it: 孕期也能吃, 小宝宝都能涂, 一岁以上就可以喝 against the record's people.

A record says who a product is not for (不适宜人群 孕妇、乳母) and who it is for (适用人群
成人, 适用月龄 6月龄以上). A claim that a group may use it is contradicted by an exclusion of
that group, or by a list of intended users that leaves it out, or by a younger starting age
than the record's. The words are data (``lexicons/specs/population_terms.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from claimcheck.intervals import overlaps_any
from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.check import ClaimCheck
from claimcheck.specs.extract import Claim, parse_number
from claimcheck.specs.facts import Fact, RecordIndex

_CLAUSE = re.compile(r"[^。！？!?；;\n]+")
_AGE = re.compile(r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)\s*(岁半|周岁|岁|个半月|个月|月龄|月)")
Span = tuple[int, int]


@dataclass(frozen=True)
class PopulationTerms:
    words: dict[str, str]  # word -> group
    within: dict[str, str]
    everyone: tuple[str, ...]
    permission: tuple[str, ...]
    negation: tuple[str, ...]
    excluded_names: tuple[str, ...]
    allowed_names: tuple[str, ...]

    def groups_in(self, text: str) -> set[str]:
        found: set[str] = set()
        rest = text
        for w in sorted(self.words, key=len, reverse=True):
            if w in rest:
                found.add(self.words[w])
                rest = rest.replace(w, " ")
        return found

    def covered(self, group: str, groups: set[str]) -> bool:
        return group in groups or self.within.get(group) in groups


@cache
def load_population_terms(spec_dir: Path = DEFAULT_SPEC_DIR) -> PopulationTerms:
    data = yaml.safe_load((spec_dir / "population_terms.yaml").read_text(encoding="utf-8"))
    words = {str(w): g for g, v in data["groups"].items() for w in v["words"]}
    within = {g: v["within"] for g, v in data["groups"].items() if v.get("within")}
    return PopulationTerms(
        words,
        within,
        tuple(data["everyone"]),
        tuple(data["permission_cues"]),
        tuple(data["negation_cues"]),
        tuple(data["excluded_names"]),
        tuple(data["allowed_names"]),
    )


_RANGE = re.compile(
    r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)\s*[-–~到至]\s*(?=(?:\d|[零〇一二两三四五六七八九十])+\s*(岁|周岁|个月|月龄|月))"
)


def _months(text: str) -> float | None:
    """The youngest age a text names, in months (3-15岁 -> 36; 6月龄以上 -> 6)."""
    ages = []
    for m in _RANGE.finditer(text):  # the low end of 3-15岁 takes the unit of the high end
        n = parse_number(m.group(1))
        if n is not None:
            ages.append(n * 12 if "岁" in m.group(2) else n)
    for m in _AGE.finditer(text):
        n = parse_number(m.group(1))
        if n is not None:
            n += 0.5 if "半" in m.group(2) else 0  # 一岁半, 两个半月
            ages.append(n * 12 if "岁" in m.group(2) else n)
    return min(ages) if ages else None


class PopulationMatcher:
    def __init__(self, terms: PopulationTerms) -> None:
        self.t = terms

    def match(self, text: str, index: RecordIndex, used: list[Span]) -> list[tuple[ClaimCheck, int, int]]:
        specs = [f for f in index.facts if f.source == "spec"]
        excluded = [f for f in specs if any(n in f.attribute for n in self.t.excluded_names)]
        allowed = [f for f in specs if f not in excluded and any(n in f.attribute for n in self.t.allowed_names)]
        if not excluded and not allowed:
            return []
        out = []
        for m in _CLAUSE.finditer(text):
            s, chunk = m.start(), m.group(0)
            if overlaps_any(used, s, m.end()):  # indexed when ``used`` is a SpanList
                continue
            if not any(c in chunk for c in self.t.permission) or any(c in chunk for c in self.t.negation):
                continue
            everyone = any(w in chunk for w in self.t.everyone)
            groups = self.t.groups_in(chunk)
            age = _months(chunk)
            if not groups and not everyone and age is None:
                continue
            result = self._judge(groups, everyone, age, excluded, allowed)
            if result is None:
                continue
            verdict, fact, why = result
            claim = Claim("attribute", s, m.end(), chunk, fact.attribute, {"people": sorted(groups)})
            out.append((ClaimCheck(claim, verdict, dict(fact.evidence), why), s, m.end()))  # type: ignore[arg-type]
            used.append((s, m.end()))
        return out

    def _judge(
        self, groups: set[str], everyone: bool, age: float | None, excluded: list[Fact], allowed: list[Fact]
    ) -> tuple[str, Fact, str] | None:
        for f in excluded:
            barred = self.t.groups_in(f.value)
            hit = sorted(g for g in groups if self.t.covered(g, barred)) or (sorted(barred) if everyone else [])
            if hit:
                return "contradicted", f, f"宣称{hit[0]}可用，但产品资料{f.attribute}为“{f.value}”"
        for f in allowed:
            intended = self.t.groups_in(f.value)
            floor = _months(f.value)
            if age is not None and floor is not None:
                if age < floor:
                    return "contradicted", f, f"宣称的适用年龄低于产品资料{f.attribute}“{f.value}”"
                return "supported", f, f"产品资料{f.attribute}为“{f.value}”"
            if not intended:
                continue
            outside = sorted(g for g in groups if not self.t.covered(g, intended))
            if outside or everyone:
                who = outside[0] if outside else "所有人"
                return "contradicted", f, f"宣称{who}可用，但产品资料{f.attribute}为“{f.value}”"
            if groups:
                return "supported", f, f"产品资料{f.attribute}为“{f.value}”"
        return None
