"""Places: Chinese administrative divisions, well-known producing areas and foreign countries.

The divisions (province, prefecture, county) are a data file generated from a maintained
gazetteer (``lexicons/specs/places.tsv``, source named in its header); producing areas
(赣南, 长白山, 东北 …) and countries are ``producing_areas.yaml``. A place found in a claim is
compared with the record's origin by lineage: the same division, or one inside the other,
supports it (云南 vs 云南省普洱市); two divisions with no common lineage contradict it.
County short names are matched only with their suffix (县/区/市), since many are ordinary
words (和平, 新华).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick
import yaml

from claimcheck.paths import DEFAULT_SPEC_DIR


@dataclass(frozen=True)
class Place:
    name: str  # as found
    codes: tuple[str, ...]  # adcodes (6 digits) it may be; several for areas spanning divisions
    country: str = "中国"

    @property
    def specific(self) -> bool:
        """A prefecture or county (青岛, 栖霞市), not a province or a country."""
        return any(not c.endswith("0000") for c in self.codes)

    def lineage(self) -> set[str]:
        """Every code this place is or lies in: the province and prefecture codes of each code."""
        out: set[str] = set()
        for c in self.codes:
            out |= {c, c[:2] + "0000", c[:4] + "00"}
        return out


class Gazetteer:
    def __init__(
        self,
        rows: list[tuple[str, str, str, str]],
        areas: dict[str, list[str]],
        countries: list[str],
        component_cues: list[str] | None = None,
        country_aliases: dict[str, str] | None = None,
    ):
        self.component_cues = tuple(component_cues or ())
        self.names: dict[str, tuple[str, ...]] = {}
        for code, full, short, level in rows:
            self._add(full, code)
            if level != "county" or len(short) >= 3:
                self._add(short, code)
            if level == "county" and short != full:  # 宁洱哈尼族彝族自治县 is also written 宁洱县
                suffix = "县" if full.endswith("县") else full[-1]
                self._add(short + suffix, code)
        for name, codes in areas.items():
            for c in codes:
                self._add(name, c)
        self.country_of = {c: c for c in countries} | dict(country_aliases or {})  # 澳洲 -> 澳大利亚
        self.countries = set(self.country_of)
        automaton = ahocorasick.Automaton()
        for name in [*self.names, *self.countries]:
            automaton.add_word(name, name)
        automaton.make_automaton()
        self._automaton = automaton

    def _add(self, name: str, code: str) -> None:
        if len(name) >= 2:
            self.names[name] = tuple(dict.fromkeys((*self.names.get(name, ()), code)))

    def find(self, text: str) -> list[tuple[int, int, Place]]:
        """Places in ``text``, longest first where they overlap: (start, end, place)."""
        hits = []
        for end, name in self._automaton.iter(text):
            start = end - len(name) + 1
            if name in self.countries:
                hits.append((start, end + 1, Place(name, (), country=self.country_of[name])))
            else:
                hits.append((start, end + 1, Place(name, self.names[name])))
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, Place]] = []
        covered = -1
        for s, e, p in hits:
            if s >= covered:
                out.append((s, e, p))
                covered = e
        return out

    def most_specific(self, text: str) -> list[Place]:
        """The places a record's origin value names, dropping those a more specific one lies in."""
        found = [p for _, _, p in self.find(text)]
        return [
            p
            for p in found
            if not any(q is not p and set(p.codes) < q.lineage() and q.country == p.country for q in found)
        ]


def related(claimed: Place, recorded: Place) -> bool:
    """Same place, or one inside the other (a country only matches itself)."""
    if claimed.country != recorded.country:
        return False
    if claimed.country != "中国":
        return True
    return bool(set(claimed.codes) & recorded.lineage()) or bool(set(recorded.codes) & claimed.lineage())


@cache
def load_gazetteer(spec_dir: Path = DEFAULT_SPEC_DIR) -> Gazetteer:
    rows = []
    for line in (spec_dir / "places.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, full, short, level = line.split("\t")
            rows.append((code, full, short, level))
    data = yaml.safe_load((spec_dir / "producing_areas.yaml").read_text(encoding="utf-8"))
    areas = {name: list(v.get("within", [])) for name, v in (data.get("areas") or {}).items()}
    return Gazetteer(
        rows, areas, data.get("countries", []), data.get("component_cues", []), data.get("country_aliases", {})
    )
