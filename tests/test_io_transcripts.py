"""Transcript, run-sheet and script readers (claimcheck.io.transcripts / claimcheck.io.scripts)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from claimcheck.io.scripts import read_script
from claimcheck.io.text import InputError
from claimcheck.io.transcripts import (
    Cue,
    RunSheet,
    Slot,
    Transcript,
    read_run_sheet,
    read_transcript,
    span_times,
    transcript_document,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"
LIMIT = 1_000_000

SRT = """1
00:00:01,000 --> 00:00:03,500
家人们晚上好

2
00:00:03,500 --> 00:01:05,250
这件衬衫是<i>纯</i>

3
01:00:00,000 --> 01:00:02,000
棉的，
透气不闷。
"""

VTT = """WEBVTT - 回放

NOTE 这是注释

intro
00:00:01.000 --> 00:00:03.500 align:start
<v 主播>家人们晚上好</v>

00:03.500 --> 01:05.250
这件<c.red>衬衫</c>是纯

01:00:00.000 --> 01:00:02.000
棉的，
透气不闷。
"""

ASR_LIST = json.dumps(
    [
        {"start": 1000, "end": 3500, "text": "家人们晚上好"},
        {"start_ms": 3500, "end_ms": 65250, "text": "这件衬衫是纯"},
        {"start": 3600000, "end": 3602000.0, "text": "棉的，透气不闷。", "speaker": "A"},
    ],
    ensure_ascii=False,
)
ASR_OBJECT = json.dumps({"language": "zh", "segments": json.loads(ASR_LIST)}, ensure_ascii=False)

STAMPED = """[00:00:01] 家人们晚上好
[00:03.5] 这件衬衫是纯
【01:05.250】 棉的，
透气不闷。
[01:00:00.000]最后一句
"""

EXPECTED = [
    Cue(1000, 3500, "家人们晚上好"),
    Cue(3500, 65250, "这件衬衫是纯"),
    Cue(3600000, 3602000, "棉的，透气不闷。"),
]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- formats parse


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.srt", SRT, "srt"),
        ("a.vtt", VTT, "vtt"),
        ("a.json", ASR_LIST, "asr_json"),
        ("b.json", ASR_OBJECT, "asr_json"),
        # no known extension: chosen by content
        ("a.sub", SRT, "srt"),
        ("a.captions", VTT, "vtt"),
        ("a.asr", ASR_OBJECT, "asr_json"),
        # an SRT saved as .txt has no [stamps], so it is sniffed
        ("srt.txt", SRT, "srt"),
    ],
)
def test_formats_parse_to_cues(tmp_path, name, content, fmt):
    t = read_transcript(write(tmp_path, name, content), LIMIT)
    assert isinstance(t, Transcript)
    assert t.format == fmt
    assert t.cues == EXPECTED
    assert t.source.endswith(name)


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.stamps"])
def test_stamped_text(tmp_path, name):
    t = read_transcript(write(tmp_path, name, STAMPED), LIMIT)
    assert t.format == "stamped_text"
    assert t.cues == [
        Cue(1000, 3500, "家人们晚上好"),
        Cue(3500, 65250, "这件衬衫是纯"),
        Cue(65250, 3600000, "棉的，透气不闷。"),
        Cue(3600000, 3605000, "最后一句"),  # the last cue: start + 5000 ms
    ]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("utf-16", b"")],
)
def test_encodings_via_read_text(tmp_path, encoding, bom):
    t = read_transcript(write(tmp_path, "enc.srt", bom + SRT.encode(encoding)), LIMIT)
    assert t.cues == EXPECTED


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("m.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v 主播>满&amp;减 &lt;限时&gt;</v>\n", "满&减 <限时>"),
        ("m.srt", "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color=red>全网</font>最低价\n", "全网最低价"),
        ("m.srt", "1\n00:00:01,000 --> 00:00:02,000\nbuy one\nget one\n", "buy one get one"),
    ],
)
def test_markup_is_removed(tmp_path, name, content, text):
    assert read_transcript(write(tmp_path, name, content), LIMIT).cues[0].text == text


def test_srt_blank_line_inside_cue_text(tmp_path):
    content = "1\n00:00:01,000 --> 00:00:02,000\n第一段\n\n第二段\n\n2\n00:00:02,000 --> 00:00:03,000\n下一条\n"
    t = read_transcript(write(tmp_path, "blank.srt", content), LIMIT)
    assert t.cues == [Cue(1000, 2000, "第一段第二段"), Cue(2000, 3000, "下一条")]


def test_crlf_line_endings(tmp_path):
    t = read_transcript(write(tmp_path, "crlf.vtt", VTT.replace("\n", "\r\n").encode()), LIMIT)
    assert t.cues == EXPECTED


def test_size_limit_applies(tmp_path):
    with pytest.raises(InputError, match="too large"):
        read_transcript(write(tmp_path, "big.srt", SRT), 50)


@pytest.mark.parametrize("ext", ["srt", "vtt", "json"])
def test_example_broadcast_parses(ext):
    t = read_transcript(EXAMPLES / f"broadcast_example.{ext}", LIMIT)
    assert len(t.cues) == 31
    assert t.cues[0].start_ms == 0 and t.cues[-1].end_ms == 600_000
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(t.cues))
    text, _ = transcript_document(t)
    for claim in ("全网最低价", "销量第一", "降血糖", "纯棉", "0蔗糖", "有机认证", "甲醛检测合格"):
        assert claim in text


def test_example_formats_agree():
    cues = [read_transcript(EXAMPLES / f"broadcast_example.{ext}", LIMIT).cues for ext in ("srt", "vtt", "json")]
    assert cues[0] == cues[1] == cues[2]


def test_example_run_sheet():
    sheet = read_run_sheet(EXAMPLES / "broadcast_runsheet.csv", LIMIT)
    assert [s.sku for s in sheet.slots] == ["CC-APP-001", "CC-FOOD-001", "CC-AGRI-003", "CC-HOME-001"]
    t = read_transcript(EXAMPLES / "broadcast_example.srt", LIMIT)
    text, spans = transcript_document(t)
    for claim, sku in [
        ("纯棉", "CC-APP-001"),
        ("全网最低价", "CC-APP-001"),
        ("0蔗糖", "CC-FOOD-001"),
        ("有机认证", "CC-AGRI-003"),
        ("甲醛检测合格", "CC-HOME-001"),
    ]:
        i = text.index(claim)
        start, _ = span_times(spans, i, i + len(claim))
        assert sheet.sku_at(start) == sku, claim


# --------------------------------------------------------------------------- errors name the line


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # SRT
        (
            "b.srt",
            SRT.replace("00:00:03,500 --> 00:01:05,250", "00:00:03,500 --> 00:01:xx,250"),
            "b.srt: line 6: invalid timestamp '00:01:xx,250'",
        ),
        (
            "b.srt",
            SRT.replace("00:00:01,000 -->", "00:00:61,000 -->"),
            "b.srt: line 2: invalid timestamp '00:00:61,000'",
        ),
        ("b.srt", SRT.replace("00:00:01,000 -->", "00:00:01,5 -->"), "b.srt: line 2: invalid timestamp '00:00:01,5'"),
        (
            "b.srt",
            SRT.replace("00:00:03,500 --> 00:01:05,250", "00:01:05,250 --> 00:00:03,500"),
            "b.srt: line 6: end 00:00:03,500 before start 00:01:05,250",
        ),
        (
            "b.srt",
            SRT.replace("00:00:03,500 --> 00:01:05,250", "00:00:03,500 00:01:05,250"),
            "b.srt: line 6: expected a timing line",
        ),
        ("b.srt", SRT.replace("\n\n3\n", "\n3\n"), "b.srt: line 9: timing line inside a cue"),
        ("b.srt", "1\n", "b.srt: line 1: cue 1 has no timing line"),
        (
            "b.srt",
            SRT.replace("2\n00:00:03,500 --> 00:01:05,250\n", "2\n\n"),
            "b.srt: line 5: cue 2 has no timing line",
        ),
        ("b.srt", "只是一段文字\n没有时间轴\n", "b.srt: line 1: expected a timing line"),
        # WebVTT
        ("b.vtt", VTT.replace("WEBVTT - 回放", "WEBVTX"), "b.vtt: line 1: missing 'WEBVTT' header"),
        ("b.vtt", "\n" + VTT, "b.vtt: line 1: missing 'WEBVTT' header"),
        (
            "b.vtt",
            VTT.replace("00:03.500 --> 01:05.250", "00:03.500 --> 01:05.2x0"),
            "b.vtt: line 9: invalid timestamp '01:05.2x0'",
        ),
        (
            "b.vtt",
            VTT.replace("00:03.500 --> 01:05.250", "00:03,500 --> 01:05.250"),
            "b.vtt: line 9: invalid timestamp '00:03,500'",
        ),
        (
            "b.vtt",
            VTT.replace("00:03.500 --> 01:05.250", "01:05.250 --> 00:03.500"),
            "b.vtt: line 9: end 00:03.500 before start 01:05.250",
        ),
        ("b.vtt", VTT.replace("intro\n", "intro\nextra\n"), "b.vtt: line 6: expected a timing line"),
        ("b.vtt", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nhi\n", "b.vtt: line 2: cue timing inside the WEBVTT header"),
        # ASR JSON
        (
            "b.json",
            json.dumps([{"start": 0, "end": 10, "text": "a"}, {"start": 10, "end": 20}]),
            "b.json: segment 2: missing 'text'",
        ),
        (
            "b.json",
            json.dumps(
                {"segments": [{"start": 0, "end": 1, "text": "a"}] * 2 + [{"start": 50, "end": 40, "text": "c"}]}
            ),
            "b.json: segment 3: end before start",
        ),
        ("b.json", json.dumps([{"end": 10, "text": "a"}]), "b.json: segment 1: missing 'start' (or 'start_ms')"),
        ("b.json", json.dumps([{"start": "0", "end": 10, "text": "a"}]), "b.json: segment 1: 'start' must be a number"),
        (
            "b.json",
            json.dumps([{"start": 0.5, "end": 2.5, "text": "a"}]),
            "b.json: segment 1: 'start' 0.5 is not whole",
        ),
        ("b.json", json.dumps([{"start": -5, "end": 10, "text": "a"}]), "b.json: segment 1: 'start' is negative"),
        ("b.json", json.dumps([{"start": 0, "end": 10, "text": 5}]), "b.json: segment 1: 'text' must be a string"),
        ("b.json", json.dumps(["text only"]), "b.json: segment 1: must be an object"),
        (
            "b.json",
            '[\n  {"start": 0, "end": 10, "text": "a"},\n  {"start": 10 "end": 20}\n]',
            "b.json: line 3: not valid JSON",
        ),
        ("b.json", "家人们好", "b.json: line 1: not valid JSON"),
        ("b.json", json.dumps({"results": []}), "b.json: ASR JSON must be a list of segments"),
        # stamped text
        ("b.txt", "家人们好\n这里没有时间戳\n", "b.txt: no [hh:mm:ss] or [mm:ss] time stamps"),
        ("b.txt", "[00:00:01] 开场\n[00:1x:05] 衬衫\n", "b.txt: line 2: invalid timestamp '[00:1x:05]'"),
        (
            "b.txt",
            "[00:00:01] 开场\n[00:02:00] 衬衫\n[00:01:00] 果汁\n",
            "b.txt: line 3: stamp [00:01:00] before the previous one [00:02:00] (line 2)",
        ),
        ("b.md", "# 标题\n[00:00:01] 开场\n", "b.md: line 1: text before the first [hh:mm:ss] stamp"),
        # unknown format
        ("b.dat", "随便一段文字\n", "b.dat: 无法识别字幕/转写格式"),
    ],
)
def test_errors_name_the_line(tmp_path, name, content, message):
    with pytest.raises(InputError) as exc:
        read_transcript(write(tmp_path, name, content), LIMIT)
    text = str(exc.value)
    assert "\n" not in text
    assert str(tmp_path / name) + text.split(str(tmp_path / name), 1)[1] == text  # starts with the path
    assert text.removeprefix(str(tmp_path) + "/").startswith(message), text


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("e.srt", "\n\n"),
        ("e.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n"),  # a cue with no text
        ("e.vtt", "WEBVTT\n\nNOTE only a comment\n"),
        ("e.json", "[]"),
        ("e.json", json.dumps({"segments": [{"start": 0, "end": 1, "text": "  "}]})),
        ("e.txt", "[00:01] \n"),
    ],
)
def test_empty_transcripts_are_errors(tmp_path, name, content):
    with pytest.raises(InputError, match=r"empty|no cues"):
        read_transcript(write(tmp_path, name, content), LIMIT)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # one bad cue at the end of otherwise good files: nothing comes back
        ("p.srt", SRT + "\n4\n01:00:03,000 --> 01:00:0x,000\n坏的\n"),
        ("p.vtt", VTT + "\n01:00:03.000 --> 01:00:02.000\n倒序\n"),
        ("p.json", json.dumps([*json.loads(ASR_LIST), {"start": 1, "end": 0, "text": "x"}])),
        ("p.txt", STAMPED + "[99:99:99] 坏的\n"),
    ],
)
def test_nothing_partial_is_returned(tmp_path, name, content):
    with pytest.raises(InputError, match=r"line \d+|segment \d+"):
        read_transcript(write(tmp_path, name, content), LIMIT)


# --------------------------------------------------------------------------- document and times


def _t(*cues: tuple[int, int, str]) -> Transcript:
    return Transcript([Cue(*c) for c in cues], "x", "srt")


@pytest.mark.parametrize(
    ("texts", "document"),
    [
        (["这件衬衫是纯", "棉的，很透气。", "下一件"], "这件衬衫是纯棉的，很透气。\n下一件"),
        (["今天是全网", "最低价！", "快拍"], "今天是全网最低价！\n快拍"),
        (["家人们，", "看这里"], "家人们，看这里"),  # a comma does not end a sentence
        (["真的吗？", "真的"], "真的吗？\n真的"),
        (["他说“好。”", "然后"], "他说“好。”\n然后"),  # punctuation inside closing quotes
        (["这款……", "太好了"], "这款……\n太好了"),
        (["buy", "now"], "buy now"),  # Latin words keep a space
        (["99", "元"], "99元"),
    ],
)
def test_transcript_document_joins(texts, document):
    t = _t(*((i * 1000, i * 1000 + 1000, s) for i, s in enumerate(texts)))
    text, spans = transcript_document(t)
    assert text == document
    assert [text[s:e] for s, e, _ in spans] == texts
    assert [i for _, _, i in spans] == list(range(len(texts)))


T = _t((1000, 2000, "这件衬衫是纯"), (2000, 3500, "棉的。"), (4000, 6000, "全网最低价"))
# document: "这件衬衫是纯棉的。\n全网最低价"  spans (0,6,0) (6,9,1) (10,15,2)


@pytest.mark.parametrize(
    ("claim_or_span", "times"),
    [
        ("纯棉", (1000, 3500)),  # split across two cues
        ("衬衫", (1000, 2000)),
        ("棉的", (2000, 3500)),
        ("最低价", (4000, 6000)),
        ("这件衬衫是纯棉的。\n全网最低价", (1000, 6000)),
        ((9, 10), (4000, 6000)),  # only the separator: the cue after it
        ((3, 3), (1000, 2000)),  # an empty span at a position
    ],
)
def test_span_times(claim_or_span, times):
    text, spans = transcript_document(T)
    assert text == "这件衬衫是纯棉的。\n全网最低价"
    if isinstance(claim_or_span, str):
        start = text.index(claim_or_span)
        end = start + len(claim_or_span)
    else:
        start, end = claim_or_span
    assert span_times(spans, start, end) == times
    assert span_times(list(spans), start, end, cues=T.cues) == times  # a plain list plus the cues


# --------------------------------------------------------------------------- run sheet


def test_run_sheet_times_and_sku_at(tmp_path):
    content = "SKU, Start ,End,note\nCC-B,00:10:00,00:20:00,\nCC-A,01:30,120000,开场后\n\nCC-C,1:00:00,1:00:30.5,\n"
    sheet = read_run_sheet(write(tmp_path, "r.csv", content), LIMIT)
    assert isinstance(sheet, RunSheet)
    assert sheet.slots == [
        Slot(90_000, 120_000, "CC-A"),
        Slot(600_000, 1_200_000, "CC-B"),
        Slot(3_600_000, 3_630_500, "CC-C"),
    ]
    for ms, sku in [
        (0, None),
        (90_000, "CC-A"),
        (119_999, "CC-A"),
        (120_000, None),
        (600_000, "CC-B"),
        (1_199_999, "CC-B"),
        (1_200_000, None),
        (3_630_000, "CC-C"),
        (10**9, None),
    ]:
        assert sheet.sku_at(ms) == sku, ms


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("start,end,sku\n00:00:00,00:10:00,A\n00:10:00,00:1x:00,B\n", "r.csv: line 3: invalid end time '00:1x:00'"),
        ("start,end,sku\nsoon,00:10:00,A\n", "r.csv: line 2: invalid start time 'soon'"),
        (
            "start,end,sku\n00:00:00,00:10:00,A\n00:10:00,00:15:00,B\n00:12:00,00:10:00,C\n",
            "r.csv: line 4: end 00:10:00 before start 00:12:00",
        ),
        ("start,end,sku\n00:05:00,00:05:00,A\n", "r.csv: line 2: end 00:05:00 is not after start 00:05:00"),
        (
            "start,end,sku\n00:00:00,00:10:00,A\n00:09:00,00:15:00,B\n",
            "r.csv: line 3: slot 00:09:00–00:15:00 (B) overlaps line 2",
        ),
        (
            "start,end,sku\n00:20:00,00:30:00,A\n00:00:00,00:25:00,B\n",
            "r.csv: line 3: slot 00:00:00–00:25:00 (B) overlaps line 2",
        ),
        ("start,end,sku\n00:00:00,00:10:00,  \n", "r.csv: line 2: empty sku"),
        ("start,end\n00:00:00,00:10:00\n", "r.csv: line 1: missing column 'sku'"),
        ("begin,finish,sku\n00:00:00,00:10:00,A\n", "r.csv: line 1: missing columns 'start', 'end'"),
        ("\n\nstart,end,product\n", "r.csv: line 3: missing column 'sku'"),
        ("start,end,sku\n", "r.csv: run sheet has no slots"),
    ],
)
def test_run_sheet_errors_name_the_line(tmp_path, content, message):
    with pytest.raises(InputError) as exc:
        read_run_sheet(write(tmp_path, "r.csv", content), LIMIT)
    assert str(exc.value).removeprefix(str(tmp_path) + "/").startswith(message), str(exc.value)


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    ("name", "content"),
    [("s.txt", "这是全网最低价！\n第二行"), ("s.md", "## SKU: CC-APP-001\n这件衬衫是纯棉的。")],
)
def test_read_script_text(tmp_path, name, content):
    result = read_script(write(tmp_path, name, content), LIMIT)
    assert result.text == content
    assert result.encoding == "utf-8"


def test_read_script_gb18030(tmp_path):
    result = read_script(write(tmp_path, "s.txt", "全网最低价".encode("gb18030")), LIMIT)
    assert result.text == "全网最低价" and result.encoding == "gb18030"


def test_read_script_docx(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("【一号链接 SKU: CC-APP-001】", level=2)
    document.add_paragraph("这件衬衫是纯棉的，")
    document.add_paragraph("今天全网最低价！")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "话术"
    table.cell(0, 1).text = "0蔗糖"
    document.add_paragraph("结束")
    path = tmp_path / "s.docx"
    document.save(str(path))
    result = read_script(path, LIMIT)
    assert result.text == "【一号链接 SKU: CC-APP-001】\n这件衬衫是纯棉的，\n今天全网最低价！\n话术\n0蔗糖\n结束"
    assert result.source == str(path)
    assert result.note is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a zip file at all", r"not a readable \.docx file"),
        (b"PK\x03\x04" + b"\x00" * 40, r"not a readable \.docx file"),
    ],
)
def test_read_script_damaged_docx(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_script(write(tmp_path, "bad.docx", content), LIMIT)


def test_read_script_zip_without_document(tmp_path):
    import zipfile

    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not word")
    with pytest.raises(InputError, match=r"bad\.docx: not a readable \.docx file"):
        read_script(path, LIMIT)


def test_read_script_truncated_docx(tmp_path):
    docx = pytest.importorskip("docx")
    good = tmp_path / "good.docx"
    document = docx.Document()
    document.add_paragraph("全网最低价")
    document.save(str(good))
    data = good.read_bytes()
    with pytest.raises(InputError, match=r"not a readable \.docx file"):
        read_script(write(tmp_path, "cut.docx", data[: len(data) // 2]), LIMIT)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.docx", None, "file not found"),
        ("old.doc", b"\xd0\xcf\x11\xe0", "legacy .doc"),
        ("empty.txt", "  \n", "empty input"),
    ],
)
def test_read_script_errors(tmp_path, name, content, message):
    path = tmp_path / name if content is None else write(tmp_path, name, content)
    with pytest.raises(InputError, match=message):
        read_script(path, LIMIT)


def test_read_script_empty_docx(tmp_path):
    docx = pytest.importorskip("docx")
    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    with pytest.raises(InputError, match="empty input"):
        read_script(path, LIMIT)
