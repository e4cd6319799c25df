"""Origins in claims: 产自山东青岛, 新西兰原装进口, 奶源来自自有牧场.

Clause by clause, the most specific place decides (产自山东青岛 is not 山东威海). A place said
of a raw material or part (奶源来自新西兰, 德国进口马达) is compared with the record's
原料来源 / 原料产地 specs, not with the product's origin; with none on file it is unverifiable.
"""

from __future__ import annotations

import re

from claimcheck.intervals import overlaps_any
from claimcheck.specs.check import ClaimCheck
from claimcheck.specs.extract import Claim
from claimcheck.specs.facts import RecordIndex
from claimcheck.specs.places import Gazetteer, related

_ORIGIN_CUE = re.compile(r"产地|产自|原产|来自|出产|产区|出自|直发|进口|原装")
_AFTER_PLACE = re.compile(r"的|产|出来|进口|原装|直发|直采|那边")
_PART_ORIGIN = re.compile(r"原料|来源")
_CLAUSE = re.compile(r"[^。！？!?；;，,\n ]+")


def _overlaps(a: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return overlaps_any(taken, a[0], a[1])  # indexed when ``taken`` is a SpanList (no scan per candidate)


class OriginClaims:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def match(self, text: str, index: RecordIndex, used: list[tuple[int, int]]) -> list[tuple[ClaimCheck, int, int]]:
        """Origins, clause by clause: the most specific place decides (产自山东青岛 is not 山东威海).

        A place said of a raw material or part (奶源来自新西兰) is compared with the record's
        原料来源/原料产地 specs, not with the product's origin; with none on file it is unverifiable.
        """
        out = []
        origins = [f for f in index.facts if f.places and f.source == "spec"]
        parts = [f for f in origins if _PART_ORIGIN.search(f.attribute)]
        product = [f for f in origins if f not in parts]
        for clause in _CLAUSE.finditer(text):
            c0, chunk = clause.start(), clause.group(0)
            places = [
                (c0 + s, c0 + e, p) for s, e, p in self.gazetteer.find(chunk) if not _overlaps((c0 + s, c0 + e), used)
            ]
            if not places:
                continue
            part = any(w in chunk for w in self.gazetteer.component_cues)
            cue = (
                part
                or bool(_ORIGIN_CUE.search(chunk))
                or any(_AFTER_PLACE.match(text, e) is not None for _, e, _ in places)
            )
            facts = parts if part else product
            s, e = places[0][0], places[-1][1]
            claim = Claim("origin", s, e, text[s:e], "origin", {"place": places[-1][2].name})
            if not facts:
                if cue:
                    what = "原料产地" if part else "产地"
                    out.append((ClaimCheck(claim, "unverifiable", {"attribute": what}, f"产品资料未登记{what}"), s, e))
                    used.append((s, e))
                continue
            fact = facts[0]
            unrelated = [p for _, _, p in places if not any(related(p, q) for f in facts for q in f.places)]
            if not unrelated:
                out.append(
                    (ClaimCheck(claim, "supported", dict(fact.evidence), f"{fact.attribute}资料为“{fact.value}”"), s, e)
                )
            elif cue or any(p.specific for p in unrelated):
                why = f"宣称产地“{unrelated[0].name}”，产品资料中{fact.attribute}为“{fact.value}”"
                out.append((ClaimCheck(claim, "contradicted", dict(fact.evidence), why), s, e))
            else:
                continue
            used.append((s, e))
        return out
