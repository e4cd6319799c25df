"""Typed quantities: numbers with units of any dimension, percentages, counts, and the ranges
that qualifiers make of them (将近两千瓦, 超过九成, 不到三百克, 一百克左右).

pint knows the dimensions and converts every unit to base units, so 1.5千瓦 and 1500瓦
compare, and so do 一斤 and 500克; the Chinese unit words are data
(``lexicons/specs/unit_words.yaml``); cn2an reads Chinese numerals. A quantity also records
whether it is said of one item (每袋十五克, 单粒) or of the whole pack (一共, 整盒), so a
per-unit claim is compared with a per-unit fact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.extract import parse_number

_CN = "零〇一二两三四五六七八九十百千万亿点半"
NUMBER = rf"(?:\d+(?:\.\d+)?万?|[{_CN}]+)"  # 15万转 is 150000
_BEFORE = {
    "将近": (0.85, 1.0),
    "接近": (0.85, 1.0),
    "近": (0.85, 1.0),
    "快": (0.85, 1.0),
    "差不多": (0.9, 1.1),
    "大约": (0.9, 1.1),
    "大概": (0.9, 1.1),
    "约": (0.9, 1.1),
    "超过": (1.0, math.inf),
    "超": (1.0, math.inf),
    "至少": (1.0, math.inf),
    "最少": (1.0, math.inf),
    "起码": (1.0, math.inf),
    "不低于": (1.0, math.inf),
    "不到": (0.0, 1.0),
    "不足": (0.0, 1.0),
    "不超过": (0.0, 1.0),
    "最多": (0.0, 1.0),
    "低于": (0.0, 1.0),
    "高于": (1.0, math.inf),
}
_AFTER = {
    "以上": (1.0, math.inf),
    "多": (1.0, 1.5),
    "出头": (1.0, 1.2),
    "以下": (0.0, 1.0),
    "以内": (0.0, 1.0),
    "左右": (0.9, 1.1),
    "上下": (0.9, 1.1),
}
_PER = re.compile(
    r"(?:每|单|一)(?P<noun>[粒片袋包瓶支盒罐条件双只个套块颗枚张根杯份听提箱节])?(?:的|里|中|含有|含|是|有|装|就是|就有)?$"
)
_TOTAL = re.compile(r"(?:一共|总共|总|共|整|合计|一整)(?:盒|箱|瓶|袋|包|罐)?(?:是|有)?$")


@dataclass(frozen=True)
class Quantity:
    low: float  # in base units (or percent, or a count)
    high: float
    dim: str  # pint dimensionality, "percent", or "count:<noun>"
    start: int = 0  # span in the text it was read from
    end: int = 0
    per_unit: str | None = None  # the item noun when said of one item (每袋 -> 袋; 单粒 -> 粒; 每 -> "")
    total: bool = False
    surface: str = ""

    def overlaps(self, other: Quantity, tolerance: float, points: bool = False) -> bool:
        """Do the two ranges meet, allowing ``tolerance`` (relative, or points for percentages)?"""
        if self.dim != other.dim:
            return False
        lo, hi = other.low, other.high
        if points:
            lo, hi = lo - tolerance, hi + tolerance
        else:
            lo, hi = lo * (1 - tolerance), hi * (1 + tolerance)
        return self.low <= hi and lo <= self.high

    def describe(self) -> str:
        return self.surface or f"{self.low:g}–{self.high:g}"


class UnitTable:
    def __init__(self, path: Path) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.words: dict[str, str] = {str(k).lower(): str(v) for k, v in data["units"].items()}
        self.count_nouns: set[str] = set(data.get("count_nouns", []))
        self.tolerances: dict[str, float] = {k: float(v) for k, v in (data.get("tolerances") or {}).items()}
        units = sorted(self.words, key=len, reverse=True)
        alternation = "|".join(re.escape(u) for u in units)
        nouns = "".join(sorted(self.count_nouns))
        self.pattern = re.compile(
            rf"(?P<pre>{'|'.join(sorted(_BEFORE, key=len, reverse=True))})?\s*"
            rf"(?:(?P<pct_words>百分之)(?P<pct_num>{NUMBER})|(?P<num>{NUMBER})\s*"
            rf"(?:(?P<pct>%|％)|(?P<cheng>成)|(?P<gehalf>个半)?(?P<unit>{alternation})(?P<half>半)?(?P<tail>(?<=米)[一二三四五六七八九〇零]{{1,2}})?|(?P<noun>[{nouns}])))"
            rf"(?P<post>{'|'.join(sorted(_AFTER, key=len, reverse=True))})?",
            re.IGNORECASE,
        )
        self._ureg: Any = None
        self._cache: dict[str, tuple[float, str] | None] = {}

    def tolerance(self, dim: str) -> float:
        return self.tolerances.get(dim, self.tolerances.get("default", 0.02))

    def to_base(self, unit_word: str) -> tuple[float, str] | None:
        """(factor to base units, dimensionality) of a unit word, via pint (cached)."""
        key = unit_word.lower()
        if key not in self._cache:
            expr = self.words.get(key)
            if expr is None:
                self._cache[key] = None
            else:
                if self._ureg is None:
                    import pint

                    self._ureg = pint.UnitRegistry()
                q = self._ureg.Quantity(1, expr) if " " not in expr else self._ureg.Quantity(expr)
                if "degC" in expr:
                    self._cache[key] = (1.0, "temperature")
                else:
                    base = q.to_base_units()
                    self._cache[key] = (float(base.magnitude), str(base.dimensionality))
        return self._cache[key]

    def find(self, text: str) -> list[Quantity]:
        """Every quantity in ``text`` (light view), with its qualifier range and per-unit/total context."""
        out: list[Quantity] = []
        for m in self.pattern.finditer(text):
            raw = m.group("pct_num") or m.group("num")
            value = 100.0 if raw == "百" and m.group("pct_words") else parse_number(raw or "")
            if value is None:
                continue
            if m.group("pct_words") or m.group("pct"):
                dim = "percent"
            elif m.group("cheng"):
                dim, value = "percent", value * 10
            elif m.group("noun"):
                dim = f"count:{m.group('noun')}"
            else:
                conv = self.to_base(m.group("unit"))
                if conv is None:
                    continue
                value = value + 0.5 if m.group("half") or m.group("gehalf") else value  # 一年半, 二十一个半小时
                if m.group("tail"):  # 一米八 = 1.8 m, 一米一五 = 1.15 m
                    digits = "".join(
                        str("〇零一二三四五六七八九".index(ch) - 1 if ch not in "〇零" else 0) for ch in m.group("tail")
                    )
                    value = value + float(digits) / 10 ** len(digits)
                value, dim = value * conv[0], conv[1]
            lo_f, hi_f = _BEFORE.get(m.group("pre") or "", (1.0, 1.0))
            if m.group("post"):
                lo_f, hi_f = _AFTER[m.group("post")]
            low, high = value * lo_f, value * hi_f
            before = text[max(0, m.start() - 4) : m.start()]
            per = _PER.search(before)
            out.append(
                Quantity(
                    low=low,
                    high=high,
                    dim=dim,
                    start=m.start(),
                    end=m.end(),
                    per_unit=(per.group("noun") or "") if per else None,
                    total=bool(_TOTAL.search(before)),
                    surface=m.group(0),
                )
            )
        return out


@cache
def load_units(spec_dir: Path = DEFAULT_SPEC_DIR) -> UnitTable:
    return UnitTable(spec_dir / "unit_words.yaml")
