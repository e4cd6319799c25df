"""Typed facts from a product record: what the cross-check compares claims with.

Every spec, ingredient (with its share), nutrition row, test item and certificate becomes a
:class:`Fact` with its typed values: quantities of any dimension (pint), percentages, counts,
pack structures (规格 15g×20袋: per unit 15 g, 20 bags, 300 g in all), places, absences
(未检出 below a detection limit) and validity dates. Attribute names are whatever the record
uses; groups of synonyms (``attribute_synonyms.yaml``) let a claim name them its own way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.places import Gazetteer, Place, load_gazetteer
from claimcheck.specs.quantities import Quantity, UnitTable, load_units
from claimcheck.store.schema import ProductRecord

_SHARE = re.compile(r"[（(]\s*(?:[^()（）]*?)(\d+(?:\.\d+)?)\s*%\s*[)）]")
_NAMED_SHARE = re.compile(r"([a-z\u4e00-\u9fff]{1,8})\s*(\d+(?:\.\d+)?)\s*%")
_BRACKETS = re.compile(r"[（(][^()（）]*[)）]")
_PACK = re.compile(r"[×x*／/]")
_MASS = "[mass]"
_VOLUME = "[length] ** 3"
_PER_100 = re.compile(r"100|一百|百")
_SUFFIXES = (
    "材质",
    "材料",
    "类型",
    "种类",
    "方式",
    "工艺",
    "版本",
    "等级",
    "部位",
    "说明",
    "组数",
    "数量",
    "次数",
    "长度",
    "重量",
    "容量",
    "直径",
    "尺寸",
    "时间",
    "温度",
)
_PREFIXES = ("适用", "单只", "单次", "分码", "额定", "最大", "产品", "芯材", "是否")
ABSENT_WORDS = ("未检出", "未检测出", "不得检出", "nd", "n.d.", "阴性")


@dataclass
class Fact:
    source: str  # spec | nutrition | ingredient | test | certificate
    attribute: str  # the record's own name for it
    value: str  # as printed
    quantities: list[Quantity] = field(default_factory=list)
    per_unit: list[Quantity] = field(default_factory=list)  # pack structures: one item
    totals: list[Quantity] = field(default_factory=list)  # pack structures: the whole pack
    places: list[Place] = field(default_factory=list)
    absent: bool = False  # a test item measured below its detection limit (未检出)
    failed: bool = False
    valid_until: dt.date | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    position: int | None = None  # ingredients: position on the label
    basis: str | None = None  # nutrition: "100" (per 100 g/ml) or "serving" (每份, 每袋 …)

    def all_quantities(self) -> list[Quantity]:
        return [*self.quantities, *self.per_unit, *self.totals]


class Synonyms:
    def __init__(self, groups: list[list[str]]) -> None:
        self.group_of: dict[str, int] = {}
        self.groups = [[str(w).lower() for w in g] for g in groups]
        for i, g in enumerate(self.groups):
            for w in g:
                self.group_of.setdefault(w, i)

    def names_like(self, name: str) -> set[str]:
        return set(self._names_like(name))

    @lru_cache(maxsize=4096)  # noqa: B019 - one Synonyms per process, loaded once
    def _names_like(self, name: str) -> frozenset[str]:
        """Every name meaning the same attribute as ``name`` (itself included)."""
        key = _BRACKETS.sub("", name).strip(" —-－_").lower()
        i = self.group_of.get(key)
        return frozenset({key} if i is None else {key, *self.groups[i]})

    def names_with_parts(self, name: str) -> set[str]:
        """:meth:`names_like`, plus the name without its affixes (内胆材质 -> 内胆, 适用臂围 -> 臂围)."""
        return set(self._names_with_parts(name))

    @lru_cache(maxsize=4096)  # noqa: B019
    def _names_with_parts(self, name: str) -> frozenset[str]:
        out = set(self.names_like(name))
        for n in list(out):
            for s in _SUFFIXES:
                if n.endswith(s) and len(n) - len(s) >= 2:
                    out |= self.names_like(n[: -len(s)])
            for p in _PREFIXES:
                if n.startswith(p) and len(n) - len(p) >= 2:
                    out |= self.names_like(n[len(p) :])
        return frozenset(out)

    def same(self, a: str, b: str) -> bool:
        return bool(self.names_like(a) & self.names_like(b))


@cache
def load_synonyms(spec_dir: Path = DEFAULT_SPEC_DIR) -> Synonyms:
    data = yaml.safe_load((spec_dir / "attribute_synonyms.yaml").read_text(encoding="utf-8"))
    return Synonyms(data.get("groups", []))


@dataclass
class RecordIndex:
    record: ProductRecord
    facts: list[Fact]
    # Structures the matchers derive from the facts once per record (names, automata, tokens).
    derived: dict[str, Any] = field(default_factory=dict)

    def named(self, synonyms: Synonyms, name: str) -> list[Fact]:
        wanted = synonyms.names_like(name)
        return [f for f in self.facts if synonyms.names_like(f.attribute) & wanted]

    def attribute_names(self) -> set[str]:
        return {
            _BRACKETS.sub("", f.attribute).strip(" —-－_").lower()
            for f in self.facts
            if f.source in ("spec", "nutrition")
        }

    def serving_masses(self) -> list[Quantity]:
        """What one item weighs or holds, from pack structures (规格 25g×9袋 -> 25 g)."""
        return [q for f in self.facts if f.source == "spec" for q in f.per_unit if q.dim in (_MASS, _VOLUME)]


def _quantities(units: UnitTable, text: str) -> tuple[list[Quantity], list[Quantity], list[Quantity]]:
    """(plain, per-unit, totals) quantities of a value as printed.

    In a pack structure the measure written just before ``×`` is one item's (700g（25g×28条）:
    25 g per item, 28 items, 700 g in all); every other value stays plain.
    """
    found = units.find(text.lower())
    per: list[Quantity] = []
    totals: list[Quantity] = []
    for i, q in enumerate(found):
        if q.dim.startswith("count:") or i + 1 >= len(found):
            continue
        nxt = found[i + 1]
        between = text.lower()[q.end : nxt.start]
        if nxt.dim.startswith("count:") and _PACK.search(between) and len(between.strip()) <= 3:
            per.append(q)
            totals.append(Quantity(q.low * nxt.low, q.high * nxt.high, q.dim, surface=f"{q.surface}×{nxt.surface}"))
    plain = [q for q in found if q not in per]
    return plain, per, totals


def _basis(per: str | None) -> str | None:
    if not per:
        return None
    return "100" if _PER_100.search(per) and not re.search(r"份|袋|片|粒|条|杯|包|支", per) else "serving"


_LISTED = re.compile(r"^\s*([a-z\u4e00-\u9fff][a-z\u4e00-\u9fff0-9]{0,11}?)\s*(\d.*)$")


def _listed_amounts(specs: list[Fact], units: UnitTable) -> list[Fact]:
    """每片含量 = 胶原蛋白300mg、维生素C 40mg: each named amount is a fact of its own."""
    out = []
    for f in specs:
        pieces = [p for p in re.split(r"[、，,;；：:]", f.value.lower()) if p.strip()]
        for piece in pieces:
            m = _LISTED.match(piece)
            found = units.find(m.group(2)) if m else []
            if m and found and not m.group(1).startswith("每") and m.group(1) != f.attribute.lower():
                facts_value = piece.strip()
                out.append(Fact("spec", m.group(1), facts_value, found, evidence=dict(f.evidence)))
    return out


def build_index(
    record: ProductRecord, gazetteer: Gazetteer | None = None, units: UnitTable | None = None
) -> RecordIndex:
    gazetteer = gazetteer or load_gazetteer()
    units = units or load_units()
    facts: list[Fact] = []
    for sp in record.specs:
        value = sp.value + (sp.unit or "")
        plain, per, totals = _quantities(units, value)
        facts.append(
            Fact(
                "spec",
                sp.name,
                sp.value + (f" {sp.unit}" if sp.unit else ""),
                plain,
                per,
                totals,
                gazetteer.most_specific(sp.value),
                evidence={"attribute": sp.name, "value": sp.value + (f" {sp.unit}" if sp.unit else "")},
            )
        )
    facts.extend(_listed_amounts(facts, units))
    for pos, ing in enumerate(record.ingredients, 1):
        share = _SHARE.search(ing) if len(_NAMED_SHARE.findall(ing.lower())) < 2 else None
        q = (
            [Quantity(float(share.group(1)), float(share.group(1)), "percent", surface=f"{share.group(1)}%")]
            if share
            else []
        )
        inner = [
            Quantity(float(m.group(2)), float(m.group(2)), "percent", surface=m.group(0))
            for m in _NAMED_SHARE.finditer(ing.lower())
        ]
        name = _BRACKETS.sub("", ing).strip()
        if share is None:  # 鱼油（EPA 18%、DHA 12%）: each named share is a fact of its own
            for m in _NAMED_SHARE.finditer(ing.lower()):
                pct = float(m.group(2))
                facts.append(
                    Fact(
                        "ingredient",
                        m.group(1),
                        m.group(0),
                        [Quantity(pct, pct, "percent", surface=f"{m.group(2)}%")],
                        evidence={"attribute": "配料表", "ingredient": ing, "position": pos},
                        position=pos,
                    )
                )
        facts.append(
            Fact(
                "ingredient",
                name,
                ing,
                q or inner,
                evidence={"attribute": "配料表", "ingredient": ing, "position": pos},
                position=pos,
            )
        )
    for n in record.nutrition:
        q = units.find(f"{n.value}{n.unit or ''}".lower())
        facts.append(
            Fact(
                "nutrition",
                n.item,
                f"{n.value}{n.unit or ''}" + (f"/{n.per}" if n.per else ""),
                q,
                evidence={"attribute": f"营养成分表 {n.item}", "value": f"{n.value}{n.unit or ''}", "per": n.per},
                basis=_basis(n.per),
            )
        )
    for rep in record.test_reports:
        for it in rep.items:
            measured = (it.measured or "").strip()
            absent = any(w in measured.lower() for w in ABSENT_WORDS)
            q = [] if absent else units.find(f"{measured}{it.unit or ''}".lower())
            facts.append(
                Fact(
                    "test",
                    it.item,
                    measured,
                    q,
                    absent=absent,
                    failed=it.result == "fail" or (rep.conclusion == "fail" and it.result != "pass"),
                    valid_until=rep.valid_until,
                    evidence={
                        "report_no": rep.report_no,
                        "laboratory": rep.laboratory,
                        "item": it.item,
                        "measured": it.measured,
                        "unit": it.unit,
                        "limit": it.limit,
                        "detection_limit": it.detection_limit,
                        "valid_until": rep.valid_until.isoformat() if rep.valid_until else None,
                    },
                )
            )
    for cert in record.certificates:
        facts.append(
            Fact(
                "certificate",
                cert.type,
                cert.number,
                valid_until=cert.valid_until,
                evidence={
                    "certificate_type": cert.type,
                    "number": cert.number,
                    "issuer": cert.issuer,
                    "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
                },
            )
        )
    return RecordIndex(record, facts)
