"""零糖, 0脂, 不含反式脂肪: content claims judged against the record's nutrition table.

A label may say 无/零 of a nutrient only below the GB 28050 threshold per 100 g or 100 ml;
the thresholds are data (``lexicons/specs/nutrition_claims.yaml``), compared in pint base
units so a table in mg or kJ compares with a threshold in g or kJ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.facts import Fact, RecordIndex
from claimcheck.specs.quantities import load_units

_BRACKETS = re.compile(r"[（(][^()（）]*[)）]")


@dataclass(frozen=True)
class Nutrient:
    key: str
    names: tuple[str, ...]
    unit: str
    zero: float


class NutritionClaims:
    def __init__(self, nutrients: list[Nutrient], version: str) -> None:
        self.nutrients = nutrients
        self.version = version
        self._by_name = sorted(((n, x) for x in nutrients for n in x.names), key=lambda p: -len(p[0]))

    def nutrient_of(self, what: str) -> Nutrient | None:
        """The nutrient a 零X / 不含X claim is about, by the longest name ``what`` starts with."""
        return next((x for n, x in self._by_name if what.startswith(n)), None)

    def judge_zero(self, what: str, index: RecordIndex) -> tuple[str, Fact, str] | None:
        nutrient = self.nutrient_of(what)
        if nutrient is None:
            return None
        names = set(nutrient.names) | {nutrient.key}
        rows = [
            f
            for f in index.facts
            if f.source == "nutrition"
            and _BRACKETS.sub("", f.attribute).strip(" —-－_") in names
            and f.basis != "serving"
        ]
        units = load_units()
        conv = units.to_base(nutrient.unit)
        if not rows or conv is None:
            return None
        limit = nutrient.zero * conv[0]
        f = rows[0]
        amounts = [q for q in f.quantities if q.dim == conv[1]]
        if not amounts:
            return None
        if amounts[0].low <= limit:
            return (
                "supported",
                f,
                f"营养成分表中{f.attribute}为{f.value}，不超过“零”的限值（{nutrient.zero:g}{nutrient.unit}/100g或100ml）",
            )
        return (
            "contradicted",
            f,
            f"宣称零{nutrient.key}，但营养成分表中{f.attribute}为{f.value}，超过“零”的限值{nutrient.zero:g}{nutrient.unit}",
        )


@cache
def load_nutrition_claims(spec_dir: Path = DEFAULT_SPEC_DIR) -> NutritionClaims:
    data = yaml.safe_load((spec_dir / "nutrition_claims.yaml").read_text(encoding="utf-8"))
    nutrients = [
        Nutrient(key, tuple(v["names"]), str(v["unit"]), float(v["zero"])) for key, v in data["nutrients"].items()
    ]
    return NutritionClaims(nutrients, str(data["version"]))
