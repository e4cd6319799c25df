"""Ingredient claims: 不含X / 零X / X未检出 and 添加了X, against the ingredient list and the
nutrition table (零糖 is judged by GB 28050 thresholds where the record has a nutrition table).
"""

from __future__ import annotations

import re

from claimcheck.intervals import overlaps_any
from claimcheck.specs.check import ClaimCheck
from claimcheck.specs.extract import Claim
from claimcheck.specs.facts import RecordIndex
from claimcheck.specs.nutrition import NutritionClaims

_ABSENCE = re.compile(
    r"(?:不含|无|零|没有|0|不添加|未添加)(?P<what>[\u4e00-\u9fffa-z]{1,6})|(?P<what2>[\u4e00-\u9fffa-z]{2,6})(?:未检出|零检出|0检出)"
)
_ADDED = re.compile(r"(?:额外添加了|添加了|添加(?![量剂物])|加了|含有|富含)(?P<what>[\u4e00-\u9fffa-z0-9]{2,10})")
_ADDED_STOP = r"还有|和|以及|及|的|等|呢|啊|更|帮助|能|可以|让|，|,"
_ADDED_PREFIX = re.compile(r"^(?:天然|进口|专利|高纯度?|大量|丰富的?|活性)")


def _overlaps(a: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return overlaps_any(taken, a[0], a[1])  # indexed when ``taken`` is a SpanList (no scan per candidate)


class IngredientClaims:
    def __init__(self, nutrition: NutritionClaims) -> None:
        self.nutrition = nutrition

    def absences(self, text: str, index: RecordIndex, used: list[tuple[int, int]]) -> list[tuple[ClaimCheck, int, int]]:
        """不含X / 零X / X未检出 against the ingredient list and the nutrition table."""
        out = []
        ingredients = [f for f in index.facts if f.source == "ingredient"]
        for m in _ABSENCE.finditer(text):
            what = m.group("what") or m.group("what2")
            if _overlaps((m.start(), m.end()), used):
                continue
            claim = Claim("free_from", m.start(), m.end(), m.group(0), None, {"what": what})
            hit = next((f for f in ingredients if _names_same(what, f.attribute)), None)
            if hit is not None:
                why = f"宣称“{m.group(0)}”，但配料表第{hit.position}位为“{hit.value}”"
                out.append((ClaimCheck(claim, "contradicted", dict(hit.evidence), why), m.start(), m.end()))
                used.append((m.start(), m.end()))
                continue
            about_label = "配料" in text[max(0, m.start() - 10) : m.start()]
            judged = (
                None
                if about_label or m.group(0)[:2] in ("没有", "未添", "不添")
                else self.nutrition.judge_zero(what, index)
            )
            if judged is not None:
                verdict, fact, why = judged
                out.append((ClaimCheck(claim, verdict, dict(fact.evidence), why), m.start(), m.end()))  # type: ignore[arg-type]
                used.append((m.start(), m.end()))
        return out

    def additions(
        self, text: str, index: RecordIndex, used: list[tuple[int, int]]
    ) -> list[tuple[ClaimCheck, int, int]]:
        """添加了益生菌, 含有透明质酸钠: an ingredient the list should show."""
        ingredients = [f for f in index.facts if f.source == "ingredient"]
        if len(index.record.ingredients) < 3:  # no real ingredient list on file
            return []
        out = []
        for m in _ADDED.finditer(text.lower()):
            head = re.split(_ADDED_STOP, m.group("what"))[0]
            what = _ADDED_PREFIX.sub("", head)
            span = (m.start(), m.start("what") + len(head))  # the whole name, prefix (天然) included
            if len(what) < 2 or _overlaps(span, used):
                continue
            claim = Claim("ingredient", span[0], span[1], text[span[0] : span[1]], "配料表", {"what": what})
            hit = next((f for f in ingredients if _core(f.attribute) in what or what in _core(f.attribute)), None)
            if hit is not None:
                why = f"配料表第{hit.position}位为“{hit.value}”"
                out.append((ClaimCheck(claim, "supported", dict(hit.evidence), why), *span))
            else:
                listed = "、".join(index.record.ingredients)
                why = f"宣称添加“{what}”，但配料表（{listed}）中没有"
                out.append((ClaimCheck(claim, "contradicted", {"attribute": "配料表", "value": listed}, why), *span))
            used.append(span)
        return out


def _core(name: str) -> str:
    return re.sub(r"[（(].*?[)）]|含量|检测|测定", "", name).strip().lower()


def _names_same(what: str, name: str) -> bool:
    """Does the thing a claim says is absent name this ingredient? (薄荷 -> 薄荷脑; 明胶 -> 明胶)"""
    core = _core(name)
    if len(core) < 2:
        return False
    if core in what:
        return True
    return any(what[:k] in core for k in range(len(what), 1, -1))
