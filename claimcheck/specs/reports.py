"""Claims about tests, reports and certificates, read against the record's own documents.

A host names a test item the everyday way (黄曲霉素, 苯并芘, 铅) or as the recogniser heard it
(本并芘), and says it was not detected, passed, or was tested; or says the report passed, or
names a registration number's words (豫械注准). The record decides: an item measured above its
detection limit contradicts 未检出, a failed item or report is failed evidence whatever the
host says of it, and a document past its validity on the broadcast date is expired evidence.
The vocabulary is data (``lexicons/specs/test_items.yaml``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from claimcheck.intervals import overlaps_any
from claimcheck.paths import DEFAULT_SPEC_DIR
from claimcheck.specs.check import ClaimCheck, ClaimVerdict
from claimcheck.specs.extract import Claim
from claimcheck.specs.facts import Fact, RecordIndex
from claimcheck.specs.places import Gazetteer

_SENTENCE = re.compile(r"[^。！？!?\n]+")
_BRACKETS = re.compile(r"[（(][^()（）]*[)）]")
_CJK_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,6}")
Span = tuple[int, int]


@dataclass(frozen=True)
class TestVocabulary:
    elements: frozenset[str]
    strip_prefixes: tuple[str, ...]
    groups: tuple[frozenset[str], ...]
    absence_cues: tuple[str, ...]
    pass_cues: tuple[str, ...]
    report_cues: tuple[str, ...]
    version: str


@cache
def load_test_vocabulary(spec_dir: Path = DEFAULT_SPEC_DIR) -> TestVocabulary:
    data = yaml.safe_load((spec_dir / "test_items.yaml").read_text(encoding="utf-8"))
    return TestVocabulary(
        elements=frozenset(data["elements"]),
        strip_prefixes=tuple(data["strip_prefixes"]),
        groups=tuple(frozenset(str(w).lower() for w in g) for g in data["item_synonyms"]),
        absence_cues=tuple(data["absence_cues"]),
        pass_cues=tuple(data["pass_cues"]),
        report_cues=tuple(data["report_cues"]),
        version=str(data["version"]),
    )


@cache
def _pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # already a dependency of the lexicon compiler

    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)))  # type: ignore[arg-type,return-value]


def status(fact: Fact, on: dt.date) -> ClaimVerdict | None:
    """failed_evidence / expired_evidence when the document cannot back a claim, else None."""
    if fact.failed:
        return "failed_evidence"
    if fact.valid_until is not None and fact.valid_until < on:
        return "expired_evidence"
    return None


def _overlaps(a: Span, taken: list[Span]) -> bool:
    return overlaps_any(taken, a[0], a[1])  # indexed when ``taken`` is a SpanList (no scan per candidate)


class ReportClaims:
    def __init__(self, vocabulary: TestVocabulary, gazetteer: Gazetteer) -> None:
        self.v = vocabulary
        self.gazetteer = gazetteer
        self._names_cache: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------------ names
    def _item_names(self, item: str) -> frozenset[str]:
        found = self._names_cache.get(item)
        if found is None:
            found = self._names_cache[item] = frozenset(self.item_names(item))
        return found

    def item_names(self, item: str) -> set[str]:
        """Names a host may use for a record's test item (总汞（以Hg计） -> 总汞, 汞)."""
        core = re.sub(r"含量|检测|测定|的测定", "", _BRACKETS.sub("", item)).strip().lower()
        names = {core}
        if (core[:1] in self.v.elements and not "\u4e00" <= core[1:2] <= "\u9fff") or core[1:2] in ("的", "残"):
            names.add(core[:1])  # 铝的残留量 -> 铝
        for p in self.v.strip_prefixes:
            if core.startswith(p) and len(core) > len(p):
                names.add(core[len(p) :])
        for g in self.v.groups:
            if names & g:
                names |= g
        return {n for n in names if len(n) >= 2 or n in self.v.elements}

    def _mentions(self, text: str, names: Iterable[str]) -> list[Span]:
        """Where ``text`` names the item: exactly, or (3+ characters) by the same pinyin."""
        found = [(m.start(), m.end()) for n in names for m in re.finditer(re.escape(n), text)]
        long_names = [n for n in names if len(n) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in n)]
        if long_names and not found:
            syllables = _pinyin(text)
            if len(syllables) == len(text):
                spelled = " " + " ".join(syllables) + " "
                starts = {len(" ".join(syllables[:i])) + (1 if i else 0): i for i in range(len(syllables))}
                for n in long_names:
                    want = " " + " ".join(_pinyin(n)) + " "
                    at = spelled.find(want)
                    while at >= 0:
                        i = starts.get(at)
                        if i is not None:
                            found.append((i, i + len(n)))
                        at = spelled.find(want, at + 1)
        return sorted(found)

    # ------------------------------------------------------------------ matching
    def match(self, text: str, index: RecordIndex, on: dt.date, used: list[Span]) -> list[tuple[ClaimCheck, int, int]]:
        out: list[tuple[ClaimCheck, int, int]] = []
        tests = [f for f in index.facts if f.source == "test"]
        for sent in _SENTENCE.finditer(text):
            s0, chunk = sent.start(), sent.group(0)
            hits = self._items(chunk, s0, tests, on, used)
            certs = self._certificates(chunk, s0, index, on, used)
            out.extend(hits + certs)
            if not hits and not certs:
                out.extend(self._report_level(chunk, s0, index, on, used))
        return out

    def _items(
        self, chunk: str, s0: int, tests: list[Fact], on: dt.date, used: list[Span]
    ) -> list[tuple[ClaimCheck, int, int]]:
        out: list[tuple[ClaimCheck, int, int]] = []
        if not any(c in chunk for c in (*self.v.absence_cues, *self.v.pass_cues, *self.v.report_cues)):
            return out  # no word of a test: nothing to read
        for f in tests:
            for s, e in self._mentions(chunk, self._item_names(f.attribute)):
                if _overlaps((s0 + s, s0 + e), used):
                    continue
                after = re.split(r"[，,。；;\d]", chunk[e : e + 20], maxsplit=1)[0]  # 铅实测0.12，汞未检出
                before = chunk[max(0, s - 8) : s]
                absent = any(c in after or before.endswith(c) for c in self.v.absence_cues)
                cue = any(c in chunk[max(0, s - 15) : e + 20] for c in (*self.v.pass_cues, *self.v.report_cues))
                if not absent and not cue:
                    continue
                verdict, why = self._item_verdict(f, absent, on)
                claim = Claim("test", s0 + s, s0 + e, chunk[s:e], None, {"item": f.attribute})
                out.append((ClaimCheck(claim, verdict, dict(f.evidence), why), s0 + s, s0 + e))  # type: ignore[arg-type]
                used.append((s0 + s, s0 + e))
                break
        return out

    @staticmethod
    def _item_verdict(f: Fact, absent: bool, on: dt.date) -> tuple[str, str]:
        report = f.evidence.get("report_no")
        if f.failed:
            return "failed_evidence", f"报告{report}中“{f.attribute}”不合格（实测 {f.value}）"
        if absent and not f.absent and any(q.high > 0 for q in f.quantities):
            limit = f.evidence.get("detection_limit")
            shown = f"{f.value}" + (f"，检出限 {limit}" if limit else "")
            return "contradicted", f"宣称未检出，但报告{report}中{f.attribute}检出 {shown}"
        if status(f, on) == "expired_evidence":
            return "expired_evidence", f"报告{report}已于{f.valid_until}过期（播出日期 {on}）"
        if absent and f.absent:
            return "supported", f"报告{report}中{f.attribute}未检出"
        return "supported", f"报告{report}中“{f.attribute}”合格"

    def _certificates(
        self, chunk: str, s0: int, index: RecordIndex, on: dt.date, used: list[Span]
    ) -> list[tuple[ClaimCheck, int, int]]:
        out = []
        for f in index.facts:
            if f.source != "certificate":
                continue
            names = {_BRACKETS.sub("", f.attribute).strip().lower()}
            prefix = _CJK_PREFIX.match(f.value)
            if prefix:
                names.add(prefix.group(0))
            for n in sorted(names, key=len, reverse=True):
                i = chunk.find(n) if len(n) >= 3 else -1
                if i < 0 or _overlaps((s0 + i, s0 + i + len(n)), used):
                    continue
                claim = Claim("certification", s0 + i, s0 + i + len(n), n, None, {"type": f.attribute})
                if status(f, on) == "expired_evidence":
                    verdict, why = (
                        "expired_evidence",
                        f"{f.attribute} {f.value} 已于 {f.valid_until} 过期（播出日期 {on}）",
                    )
                else:
                    until = f.valid_until.isoformat() if f.valid_until else "长期"
                    verdict, why = "supported", f"{f.attribute} {f.value}，有效期至{until}"
                out.append((ClaimCheck(claim, verdict, dict(f.evidence), why), s0 + i, s0 + i + len(n)))  # type: ignore[arg-type]
                used.append((s0 + i, s0 + i + len(n)))
                break
        return out

    def _report_level(
        self, chunk: str, s0: int, index: RecordIndex, on: dt.date, used: list[Span]
    ) -> list[tuple[ClaimCheck, int, int]]:
        """检测结论合格, 报告都通过: the report(s) the sentence can mean decide it."""
        report_at = min((chunk.find(c) for c in self.v.report_cues if c in chunk), default=-1)
        passed = any(c in chunk for c in self.v.pass_cues)
        reports = index.record.test_reports
        if report_at < 0 or not passed or not reports or _overlaps((s0, s0 + len(chunk)), used):
            return []
        places = {p.name for _, _, p in self.gazetteer.find(chunk)}
        named = [r for r in reports if places and any(p in r.laboratory for p in places)]
        chosen = named or list(reports)
        failed = [r for r in chosen if r.conclusion == "fail"]
        valid = [r for r in chosen if r.valid_until is None or r.valid_until >= on]
        pick = failed[0] if failed else (valid[0] if valid else chosen[0])
        ev = {
            "report_no": pick.report_no,
            "laboratory": pick.laboratory,
            "conclusion": pick.conclusion,
            "valid_until": pick.valid_until.isoformat() if pick.valid_until else None,
        }
        if failed:
            bad = next((it for it in pick.items if it.result == "fail"), None)
            detail = f"“{bad.item}”实测 {bad.measured or '?'}{bad.unit or ''}" if bad else "结论不合格"
            verdict, why = "failed_evidence", f"报告{pick.report_no}（{pick.laboratory}）{detail}"
        elif not valid:
            verdict, why = "expired_evidence", f"报告{pick.report_no}已于{pick.valid_until}过期（播出日期 {on}）"
        else:
            verdict, why = "supported", f"报告{pick.report_no}（{pick.laboratory}）结论合格"
        cue = next(c for c in self.v.report_cues if c in chunk)
        s, e = s0 + report_at, s0 + report_at + len(cue)
        claim = Claim("test", s, e, cue, None, {"report": pick.report_no})
        used.append((s, e))
        return [(ClaimCheck(claim, verdict, ev, why), s, e)]  # type: ignore[arg-type]
