"""Linear-cost replacements give the same answers as the pairwise code they replace; the findings cap.

Each index or sweep is compared with a straightforward reference (a scan over everything) on
seeded random inputs, empty spans and ties included. No timing here: that is
``benchmarks/bench_scaling.py``.
"""

from __future__ import annotations

import itertools
import json
import random
import re

import pytest

from claimcheck.context import DocContext, Section
from claimcheck.detectors.base import Granularity, Traits
from claimcheck.intervals import GrowingOverlapIndex, OverlapIndex, SpanList, StartIndex, overlaps_any
from claimcheck.io.cues import Cue, Transcript
from claimcheck.io.runsheet import RunSheet, Slot
from claimcheck.io.sections import _HEADING, _headings, split_sections
from claimcheck.io.transcripts import span_times, transcript_document
from claimcheck.nlp.doc import ClaimDoc, TextPipeline, UnitScore
from claimcheck.nlp.normalize import normalize
from claimcheck.postprocess import ClassifierVeto, FoldUnitFindings, MergeOverlaps, cap_findings
from claimcheck.service.auditing import run_sheet_sections
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, Severity, verdict_for

SEEDS = range(40)


def _spans(rng: random.Random, n: int, limit: int = 60, longest: int = 12) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        s = rng.randint(0, limit)
        out.append((s, s + rng.randint(0, longest)))  # empty spans too
    return out


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


# --------------------------------------------------------------------------- interval indexes


@pytest.mark.parametrize("seed", SEEDS)
def test_overlap_index_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    spans = _spans(rng, rng.randint(0, 30))
    index = OverlapIndex(spans)
    for s, e in _spans(rng, 200, limit=80):
        assert index.overlaps(s, e) == _overlaps(spans, s, e), (spans, s, e)


@pytest.mark.parametrize("seed", SEEDS)
def test_growing_overlap_index_matches_a_scan_between_additions(seed: int) -> None:
    rng = random.Random(seed)
    planned = _spans(rng, rng.randint(1, 40))
    index = GrowingOverlapIndex(61)  # starts are 0..60
    added: list[tuple[int, int]] = []
    for a, b in rng.sample(planned, len(planned)):  # any order of additions
        for s, e in _spans(rng, 10, limit=80):
            assert index.overlaps(s, e) == _overlaps(added, s, e)
        index.add(a, b)
        added.append((a, b))
    for s, e in _spans(rng, 50, limit=80):
        assert index.overlaps(s, e) == _overlaps(added, s, e)


def test_growing_overlap_index_refuses_a_start_outside_its_size() -> None:
    index = GrowingOverlapIndex(5)
    with pytest.raises(ValueError, match="start 5"):
        index.add(5, 6)
    assert not index.overlaps(0, 100)


@pytest.mark.parametrize("seed", SEEDS)
def test_span_list_is_a_list_that_answers_overlaps(seed: int) -> None:
    rng = random.Random(seed)
    spans = SpanList(_spans(rng, rng.randint(0, 5)))
    plain = list(spans)
    for a, b in _spans(rng, 30):
        for s, e in _spans(rng, 5, limit=80):
            assert (
                spans.overlaps(s, e) == overlaps_any(spans, s, e) == overlaps_any(plain, s, e) == _overlaps(plain, s, e)
            )
        if rng.random() < 0.5:
            spans.append((a, b))
            plain.append((a, b))
        else:
            spans += [(a, b)]
            plain += [(a, b)]
        assert spans == plain
    spans.append((-3, 2))  # a negative start: back to the scan, same answers
    assert spans.overlaps(-5, -2) and not spans.overlaps(-9, -3)


@pytest.mark.parametrize("seed", SEEDS)
def test_attribute_lookup_reads_only_nearby_names_with_the_same_result(seed: int) -> None:
    from types import SimpleNamespace

    from claimcheck.specs.generic import GenericMatcher

    rng = random.Random(seed)
    text = "".join(rng.choice("含量钙是，。、 x1") for _ in range(120))
    names = [(rng.randint(0, 110), "名" * rng.randint(1, 8)) for _ in range(rng.randint(0, 25))]
    mentions = sorted((s, s + len(n), n) for s, n in names)  # as the automaton finds them: end - start = len(name)
    longest = max((len(n) for _, n in names), default=0)
    for s, e in _spans(rng, 40, limit=110, longest=5):
        q = SimpleNamespace(start=s, end=max(e, s + 1))
        scan = GenericMatcher._attribute_of(None, text, mentions, q)  # type: ignore[arg-type]
        assert GenericMatcher._attribute_of(None, text, mentions, q, longest) == scan  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", SEEDS)
def test_start_index_keeps_the_given_order(seed: int) -> None:
    rng = random.Random(seed)
    spans = _spans(rng, rng.randint(0, 30))
    index = StartIndex(spans)
    for lo, hi in _spans(rng, 50, limit=70, longest=30):
        assert index.starting_in(lo, hi) == [sp for sp in spans if lo <= sp[0] < hi]


# --------------------------------------------------------------------------- script sections


@pytest.mark.parametrize("seed", range(300))
def test_heading_scan_finds_what_the_regex_finds(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["\n", "\n", " ", "\t", "\r", "\u3000", "#", "## ", "【", "】", "[", "]", "sku", "SKU", ":", "：", "x"]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
    assert [m.span() for m in _headings(text)] == [m.span() for m in _HEADING.finditer(text)]


def test_sections_after_many_blank_lines() -> None:
    """20,000 blank lines took the regex search 23 s (each line start rescanned the rest of the run)."""
    text = "\n" * 20_000 + "## SKU: A-1\n好\n" + " \n" * 20_000 + "【SKU: B-2】\n"
    second = 20_000 + len("## SKU: A-1\n好\n")  # a heading's match starts with the blank lines before it
    assert [(s.start, s.end, s.sku) for s in split_sections(text)] == [(0, second, "A-1"), (second, len(text), "B-2")]


# --------------------------------------------------------------------------- transcripts


def _transcript(rng: random.Random, n: int) -> Transcript:
    cues, t = [], 0
    for _ in range(n):
        t += rng.randint(0, 500)
        dur = rng.randint(0, 2000)
        text = rng.choice(["全网", "最低价。", "家人们", "好的！", "ok", "go", "这个", "真的"])
        cues.append(Cue(t, t + dur, text))
        t += rng.choice([dur, dur // 2])  # some cues overlap in time
    return Transcript(cues, "t.srt", "srt")


def _span_times_reference(spans, cues, start: int, end: int) -> tuple[int, int]:
    hit = [sp for sp in spans if sp[1] > start and (sp[0] < end if end > start else sp[0] <= start)] or [
        next((sp for sp in spans if sp[0] >= start), spans[-1])
    ]
    return min(cues[sp[2]].start_ms for sp in hit), max(cues[sp[2]].end_ms for sp in hit)


@pytest.mark.parametrize("seed", SEEDS)
def test_span_times_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    t = _transcript(rng, rng.randint(1, 25))
    text, spans = transcript_document(t)
    bounds = spans.bounds()
    for _ in range(100):
        a = rng.randint(0, len(text))
        b = rng.randint(a, min(len(text), a + 15))
        expected = _span_times_reference(spans, t.cues, a, b)
        assert span_times(spans, a, b) == expected
        assert span_times(spans, a, b, bounds=bounds) == expected


def _run_sheet(rng: random.Random) -> RunSheet:
    slots, t = [], rng.randint(0, 300)
    for i in range(rng.randint(1, 12)):
        length = rng.randint(1, 400)
        slots.append(Slot(t, t + length, f"SKU-{i % 4}"))
        t += length + rng.choice([0, 0, rng.randint(1, 200)])  # back to back, or a gap
    return RunSheet(slots, "s.csv")


@pytest.mark.parametrize("seed", SEEDS)
def test_run_sheet_lookup_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    sheet = _run_sheet(rng)
    for ms in range(-5, sheet.slots[-1].end_ms + 5):
        expected = next((s.sku for s in sheet.slots if s.start_ms <= ms < s.end_ms), None)
        assert sheet.sku_at(ms) == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_run_sheet_sections_match_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    t = _transcript(rng, rng.randint(1, 40))
    sheet = _run_sheet(rng)
    _, spans = transcript_document(t)
    expected: list[tuple[int, int, str | None]] = []
    for start, end, i in spans:
        ms = t.cues[i].start_ms
        sku = next((s.sku for s in sheet.slots if s.start_ms <= ms < s.end_ms), None)
        if expected and expected[-1][2] == sku and expected[-1][1] <= start + 1:
            expected[-1] = (expected[-1][0], end, sku)
        else:
            expected.append((start, end, sku))
    assert [(s.start, s.end, s.sku) for s in run_sheet_sections(spans, t, sheet)] == expected


# --------------------------------------------------------------------------- post-processing steps

TRAITS = {
    "terms": Traits(Granularity.SPAN, precise=True, context_sensitive=True),
    "loose": Traits(Granularity.SPAN, precise=False, context_sensitive=True),
    "units": Traits(Granularity.UNIT, precise=False, context_sensitive=False),
    "record": Traits(Granularity.SPAN, precise=True, context_sensitive=False, decides=frozenset({"spec_mismatch"})),
}
CATEGORIES = [Category.ABSOLUTE_TERM, Category.SPEC_MISMATCH, Category.GUARANTEE]
TEXT = "家人们这是全网最低价，效果最好的，国家级专家推荐。\n" * 4


def _doc() -> ClaimDoc:
    return ClaimDoc(TEXT, normalize(TEXT), TextPipeline(), DocContext())


def _findings(rng: random.Random, n: int) -> list[Finding]:
    out = []
    for i in range(n):
        start = rng.randint(0, len(TEXT) - 1)
        end = min(len(TEXT), start + rng.randint(0, 14))
        detector = rng.choice(list(TRAITS))
        out.append(
            Finding(
                start=start,
                end=end,
                text=TEXT[start:end],
                detector=detector,
                category=rng.choice(CATEGORIES),
                rule_id=f"r.{i % 7}",
                severity=rng.choice(list(Severity)),
                score=round(rng.random(), 3),
                sources=rng.choice([None, [detector]]),
            )
        )
    return out


def _unit_scores(rng: random.Random) -> list[UnitScore]:
    out, pos = [], rng.randint(0, 5)
    while pos < len(TEXT) - 2:
        end = min(len(TEXT), pos + rng.randint(1, 20))
        out.append(UnitScore(pos, end, rng.random(), 0.6, 0.3, rng.random() < 0.5, rng.random() < 0.2))
        pos = end + rng.choice([0, 0, 3])
    return out


def _veto_reference(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """ClassifierVeto as a scan over every unit for every finding."""
    out = []
    for f in findings:
        if f.severity is not Severity.INFO and TRAITS[f.detector].context_sensitive:
            u = next((u for u in doc.notes.unit_scores if u.start <= f.start < u.end), None)
            if u is not None and not u.gated:
                if (f.start, f.end, f.rule_id) in doc.notes.context_lowered:
                    allowed, limit = True, u.decision
                else:
                    allowed = f.severity is Severity.REVIEW or (f.severity is Severity.BLOCK and u.veto_block)
                    limit = u.veto
                if allowed and u.score < limit:
                    f = f.replace(
                        severity=Severity.INFO,
                        explanation=f"{f.explanation}（分类器判断所在句为正常表述，违规概率 {u.score:.2f}，降为提示）",
                    )
        out.append(f)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_classifier_veto_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    doc = _doc()
    doc.notes.unit_scores = _unit_scores(rng)
    findings = _findings(rng, rng.randint(0, 40))
    doc.notes.context_lowered = {(f.start, f.end, f.rule_id) for f in findings if rng.random() < 0.3}
    assert ClassifierVeto(TRAITS)(doc, list(findings)) == _veto_reference(doc, findings)


def _fold_reference(findings: list[Finding]) -> list[Finding]:
    """FoldUnitFindings as a scan over every finding for every unit finding."""
    units = [f for f in findings if TRAITS[f.detector].granularity is Granularity.UNIT]
    if not units:
        return findings
    others = [f for f in findings if TRAITS[f.detector].granularity is not Granularity.UNIT]
    precise = [f.severity is not Severity.INFO and TRAITS[f.detector].precise for f in others]
    kept = []
    for u in units:
        inside = [i for i, f in enumerate(others) if precise[i] and u.start <= f.start < u.end and f.end <= u.end]
        if not inside:
            kept.append(u)
        for i in inside:
            f = others[i]
            others[i] = f.replace(
                sources=sorted({*(f.sources or [f.detector]), u.detector}),
                score=max(f.score, u.score),
                explanation=f"{f.explanation}；分类器亦判定所在句违规（违规概率 {u.score:.2f}）",
            )
    return others + kept


@pytest.mark.parametrize("seed", SEEDS)
def test_fold_unit_findings_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    findings = _findings(rng, rng.randint(0, 40))
    assert FoldUnitFindings(TRAITS)(_doc(), list(findings)) == _fold_reference(findings)


def _merge_reference(doc: ClaimDoc, findings: list[Finding]) -> list[Finding]:
    """MergeOverlaps with the decided categories tested pairwise (the code before the index)."""
    from claimcheck.postprocess import merge_overlaps

    decided = {(f.start, f.end, f.category.value) for f in findings if f.category.value in TRAITS[f.detector].decides}
    spans: dict[str, list[tuple[int, int]]] = {}
    for s, e, c in decided:
        spans.setdefault(c, []).append((s, e))
    kept = [
        f
        for f in findings
        if f.category.value not in spans
        or (f.start, f.end, f.category.value) in decided
        or not _overlaps(spans[f.category.value], f.start, f.end)
        or f.category.value in TRAITS[f.detector].decides
    ]
    return merge_overlaps(doc, kept)


@pytest.mark.parametrize("seed", SEEDS)
def test_merge_overlaps_matches_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    doc = _doc()
    findings = _findings(rng, rng.randint(0, 40))
    assert MergeOverlaps(TRAITS)(doc, list(findings)) == _merge_reference(doc, findings)


# --------------------------------------------------------------------------- the findings cap


@pytest.mark.parametrize("seed", SEEDS)
def test_cap_keeps_the_most_severe_in_text_order(seed: int) -> None:
    rng = random.Random(seed)
    findings = sorted(_findings(rng, rng.randint(0, 40)), key=lambda f: (f.start, f.end))
    limit = rng.randint(1, 30)
    kept, notice = cap_findings(findings, limit)
    if len(findings) <= limit:
        assert kept == findings and notice is None
        return
    assert len(kept) == limit and notice is not None
    assert f"{limit} of {len(findings)}" in notice
    assert [f for f in findings if f in kept] == kept  # text order kept
    worst_left_out = max(f.severity.rank for f in findings if f not in kept)
    assert all(f.severity.rank >= worst_left_out for f in kept)
    assert verdict_for(kept) == verdict_for(findings)


def test_no_cap_when_none() -> None:
    findings = _findings(random.Random(1), 10)
    assert cap_findings(findings, None) == (findings, None)


MANY_TERMS = "全网第一，最好的，国家级，绝对有效，" * 40


def test_engine_marks_a_capped_result(lexicon_engine) -> None:
    full = lexicon_engine.screen(MANY_TERMS)
    assert full.truncated is None and full.notice is None and len(full.findings) > 5
    lexicon_engine.max_findings = 5
    try:
        capped = lexicon_engine.screen(MANY_TERMS)
    finally:
        lexicon_engine.max_findings = None
    assert capped.truncated is True and len(capped.findings) == 5
    assert capped.findings_total == len(full.findings)
    assert capped.verdict == full.verdict
    assert "truncated" in (capped.notice or "")
    data = capped.to_json_dict()
    assert data["truncated"] is True and data["findings_total"] == len(full.findings)
    assert "truncated" not in full.to_json_dict()  # absent unless the cap was hit


def test_cap_setting_reaches_the_api(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from claimcheck.api import create_app
    from claimcheck.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", report_dir=tmp_path / "r", max_findings=3)
    with TestClient(create_app(settings)) as client:
        res = client.post("/v1/score", json={"text": MANY_TERMS})
    assert res.status_code == 200
    result = res.json()["results"][0]
    assert result["truncated"] is True and len(result["findings"]) == 3
    assert result["findings_total"] > 3 and result["notice"]


def test_cli_warns_in_one_line_when_capped(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from claimcheck.cli import app

    script = tmp_path / "many.txt"
    script.write_text(MANY_TERMS, encoding="utf-8")
    monkeypatch.setenv("CLAIMCHECK_MAX_FINDINGS", "3")
    res = CliRunner().invoke(app, ["screen", str(script), "--no-record", "--format", "json", "--no-classifier"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.stdout)
    assert out["truncated"] is True and len(out["findings"]) == 3
    warning = [line for line in res.stderr.splitlines() if "truncated" in line]
    assert len(warning) == 1 and re.search(r"3 of \d+ shown", warning[0])


# --------------------------------------------------------------------------- long texts in pieces

LINES = [
    "家人们晚上好，欢迎来到直播间。",
    "这是全网第一的品牌，效果是最好的！",
    "国家级专家推荐，绝对有效。",
    "广告法不让说最好，但是大家用过都知道。",
    "只要坚持吃三个月一定有效果。",
    "长期吃也没有任何副作用",
    "OK的宝宝扣1",
    "！！！",  # a line with no letter or digit: never the start of a piece
    "   ",
    "",
    "百分之百纯天然，零添加，最安全的选择，",
    "用了它皱纹全都没了，比医美还管用",
    "9.9元包邮，全网最低价",
]


@pytest.mark.parametrize("seed", range(60))
def test_chunk_bounds_cut_only_at_safe_line_starts(seed: int) -> None:
    from claimcheck.chunks import chunk_bounds

    rng = random.Random(seed)
    text = "\n".join(rng.choice(LINES) for _ in range(rng.randint(0, 60)))
    target = rng.randint(1, 80)
    bounds = chunk_bounds(text, target)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    for start, end in bounds[:-1]:
        assert end - start >= target
        assert text[end - 1] == "\n" and (
            (text[end].isascii() and text[end].isalnum()) or "\u4e00" <= text[end] <= "\u9fff"
        )


@pytest.mark.parametrize("seed", range(6))
def test_a_long_text_screened_in_pieces_finds_what_the_whole_finds(engine, seed: int) -> None:
    """Every detector and step of the default engine, with and without cutting (spec checks need a product)."""
    rng = random.Random(seed)
    text = "\n".join(rng.choice(LINES) for _ in range(400)) + "\n" + "".join(rng.choice(LINES) for _ in range(30))
    saved = engine.chunk_chars
    try:
        engine.chunk_chars = None
        whole = engine.screen(text)
        engine.chunk_chars = rng.randint(1_000, 2_000)
        pieces = engine.screen(text)
    finally:
        engine.chunk_chars = saved
    assert len(whole.findings) > 50
    assert pieces.to_json_dict() == whole.to_json_dict()


def test_texts_with_products_are_not_cut(engine, monkeypatch) -> None:
    calls: list[int] = []
    real_make_doc = engine.make_doc

    def make_doc(text, context=None):
        calls.append(len(text))
        return real_make_doc(text, context)

    monkeypatch.setattr(engine, "make_doc", make_doc)
    monkeypatch.setattr(engine, "analyze", lambda doc: [])
    monkeypatch.setattr(engine, "chunk_chars", 1_000)
    text = "\n".join(LINES * 200)
    engine.screen(text, DocContext(sections=(Section(0, len(text), "SKU-1"),)))
    assert calls == [len(text)]
    calls.clear()
    engine.screen(text)
    assert len(calls) > 1 and sum(calls) == len(text)
