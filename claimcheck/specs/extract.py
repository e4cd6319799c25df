"""Extract checkable factual claims from selling-point text.

Works on the light view (Simplified, half width, lower case) so 純棉, ＳＧＳ and
三百毫升 all look alike; every claim keeps its span so findings point at the
original text. Chinese numerals (三百, 一斤, 二两, 百分之九十五) are read with cn2an;
what counts as a material, a unit, a free-from phrase or a certificate comes
from the tables in ``lexicons/specs/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from claimcheck.intervals import GrowingOverlapIndex
from claimcheck.specs.tables import SpecTables

ClaimKind = Literal[
    "composition",
    "material",
    "color",
    "quantity",
    "shelf_life",
    "power",
    "origin",
    "free_from",
    "certification",
    "test",
    "grade",
    "attribute",
    "ingredient",
]
_CN_NUM = "零〇一二两三四五六七八九十百千万点半"
NUM = rf"(?:\d+(?:\.\d+)?|[{_CN_NUM}]+)"


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    start: int  # offsets into the text the claim was extracted from
    end: int
    surface: str
    attribute: str | None = None
    value: dict[str, Any] = field(default_factory=dict)


def parse_number(s: str) -> float | None:
    """'400', '1.5', '三百', '一点五', '两', '半' -> float (None if unreadable)."""
    s = s.strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    if s == "半":
        return 0.5
    import cn2an

    try:
        return float(cn2an.cn2an(s.replace("〇", "零"), "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class ClaimExtractor:
    def __init__(self, tables: SpecTables) -> None:
        self.t = tables

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str]]:
        t = self.t
        attrs = t.attributes.attributes
        mats = {syn.lower(): canon for canon, v in attrs["material"].values.items() for syn in v.synonyms}
        self._materials = mats
        self._implied = {
            syn.lower(): pct for v in attrs["material"].values.values() for syn, pct in v.implies_percent.items()
        }
        colors = {syn.lower(): canon for canon, v in attrs["color"].values.items() for syn in v.synonyms}
        self._colors = colors
        mat = _alt(list(mats))
        qty_units = _alt(t.units.all_units(["mass", "volume"]))
        cues = _alt(t.claims.quantity_cues)
        self._free_from = {p.lower(): key for key, ff in t.claims.free_from.items() for p in ff.phrases}
        self._certs = {p.lower(): key for key, c in t.claims.certifications.items() for p in c.phrases}
        self._labs = {p.lower(): key for key, lab in t.claims.tests.labs.items() for p in lab.phrases}
        self._items = {p.lower(): key for key, it in t.claims.tests.items.items() for p in it.phrases}
        self._generic = [p.lower() for p in t.claims.tests.generic]
        return {
            "pct_first": re.compile(rf"(?P<pct>{NUM})\s*%\s*的?\s*(?P<mat>{mat})"),
            "pct_words": re.compile(rf"百分之(?P<pct>百|{NUM})\s*的?\s*(?P<mat>{mat})"),
            "mat_first": re.compile(rf"(?P<mat>{mat})\s*(?:含量)?\s*(?:达到|高达|占|是|为)?\s*(?P<pct>{NUM})\s*%"),
            "pure": re.compile(rf"(?P<pure>纯|全|百分百|百分之百)\s*(?P<mat>{mat})"),
            "mat": re.compile(mat),
            "color": re.compile(_alt([c for c in colors if len(c) >= 2])),
            "qty": re.compile(rf"(?P<cue>{cues})?\s*(?P<num>{NUM})\s*(?P<unit>{qty_units})(?P<zhuang>装)?"),
            "shelf": re.compile(
                rf"保质期\s*(?:是|为|有|长达|达|足足)?\s*(?P<num>{NUM})\s*(?P<unit>个月|天|日|月|年|周)"
            ),
            "power": re.compile(rf"功率\s*(?:是|为|有|高达|达到|达)?\s*(?P<num>{NUM})\s*(?P<unit>kw|千瓦|w|瓦)"),
            "origin": re.compile(rf"(?:{_alt(t.claims.origin_cues)})\s*[:：]?\s*(?P<place>[\u4e00-\u9fff]{{2,8}})"),
            "free_from": re.compile(_alt(list(self._free_from))),
            "cert": re.compile(_alt(list(self._certs))),
            "lab": re.compile(_alt(list(self._labs))),
            "item": re.compile(_alt(list(self._items))),
            "generic": re.compile(_alt(self._generic)),
        }

    def extract(self, text: str) -> list[Claim]:
        """All claims in ``text`` (light view), ordered by position; overlaps resolved."""
        p = self._patterns
        claims: list[Claim] = []
        taken = GrowingOverlapIndex(len(text) + 1)  # a scan of every claim so far made this quadratic

        def free(s: int, e: int) -> bool:
            return not taken.overlaps(s, e)

        def add(c: Claim) -> None:
            claims.append(c)
            taken.add(c.start, c.end)

        # compositions with an explicit share
        for key in ("pct_first", "pct_words", "mat_first"):
            for m in p[key].finditer(text):
                pct = 100.0 if m.group("pct") == "百" else parse_number(m.group("pct"))
                if pct is None or not 0 < pct <= 100 or not free(m.start(), m.end()):
                    continue
                canon = self._materials[m.group("mat")]
                add(
                    Claim(
                        "composition", m.start(), m.end(), m.group(0), "material", {"material": canon, "percent": pct}
                    )
                )
        for m in p["pure"].finditer(text):
            if free(m.start(), m.end()):
                canon = self._materials[m.group("mat")]
                add(
                    Claim(
                        "composition", m.start(), m.end(), m.group(0), "material", {"material": canon, "percent": 100.0}
                    )
                )
        self._quantities(text, claims, taken)
        timed: tuple[tuple[str, ClaimKind, str], ...] = (
            ("shelf", "shelf_life", "shelf_life"),
            ("power", "power", "power"),
        )
        for key, kind, attr in timed:
            for m in p[key].finditer(text):
                num = parse_number(m.group("num"))
                conv = self.t.units.lookup(m.group("unit"))
                if num is not None and conv and free(m.start(), m.end()):
                    add(
                        Claim(
                            kind,
                            m.start(),
                            m.end(),
                            m.group(0),
                            attr,
                            {"amount": num * conv[1], "dimension": conv[0], "as_said": m.group(0)},
                        )
                    )
        for m in p["origin"].finditer(text):
            place = re.split(r"[的产发直原进是在]", m.group("place"))[0]
            if len(place) >= 2 and free(m.start(), m.end()):
                add(
                    Claim(
                        "origin",
                        m.start(),
                        m.start() + m.group(0).index(place) + len(place),
                        m.group(0)[: m.group(0).index(place) + len(place)],
                        "origin",
                        {"place": place},
                    )
                )
        for m in p["free_from"].finditer(text):
            if free(m.start(), m.end()):
                add(Claim("free_from", m.start(), m.end(), m.group(0), None, {"group": self._free_from[m.group(0)]}))
        for m in p["cert"].finditer(text):
            if free(m.start(), m.end()):
                add(Claim("certification", m.start(), m.end(), m.group(0), None, {"type": self._certs[m.group(0)]}))
        for key, field_name, table in (("lab", "lab", self._labs), ("item", "item", self._items)):
            for m in p[key].finditer(text):
                if free(m.start(), m.end()):
                    add(Claim("test", m.start(), m.end(), m.group(0), None, {field_name: table[m.group(0)]}))
        for m in p["generic"].finditer(text):
            if free(m.start(), m.end()):
                add(Claim("test", m.start(), m.end(), m.group(0), None, {}))
        # weakest last: bare material and colour mentions (绿色 must not eat 绿色食品认证)
        for m in p["mat"].finditer(text):
            if not free(m.start(), m.end()):
                continue
            word = m.group(0)
            if word in self._implied:
                add(
                    Claim(
                        "composition",
                        m.start(),
                        m.end(),
                        word,
                        "material",
                        {"material": self._materials[word], "percent": self._implied[word]},
                    )
                )
            elif len(word) >= 2:  # one-character materials (棉) are too ambiguous alone
                add(Claim("material", m.start(), m.end(), word, "material", {"material": self._materials[word]}))
        for m in p["color"].finditer(text):
            if free(m.start(), m.end()):
                add(Claim("color", m.start(), m.end(), m.group(0), "color", {"color": self._colors[m.group(0)]}))
        return sorted(claims, key=lambda c: (c.start, c.end))

    def _quantities(self, text: str, claims: list[Claim], taken: GrowingOverlapIndex) -> None:
        for m in self._patterns["qty"].finditer(text):
            if not (m.group("cue") or m.group("zhuang")):
                continue  # "吃两克就够" is not a net-content claim; a cue or 装 makes it one
            num = parse_number(m.group("num"))
            conv = self.t.units.lookup(m.group("unit"))
            if num is None or conv is None or num <= 0:
                continue
            s, e = m.start("num"), m.end()
            if taken.overlaps(s, e):
                continue
            claims.append(
                Claim(
                    "quantity",
                    s,
                    e,
                    text[s:e],
                    "net_content",
                    {"amount": num * conv[1], "dimension": conv[0], "as_said": text[s:e]},
                )
            )
            taken.add(s, e)
