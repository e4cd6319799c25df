"""Read broadcast transcripts (SRT, WebVTT, ASR JSON, stamped text) and run sheets.

A transcript is a list of timed cues. For screening, the cue texts are joined into
one document (:func:`transcript_document`) so that a claim the speaker split across
two cues ("全网" | "最低价") is still found; :func:`span_times` maps a finding's
character span back to broadcast time. A run sheet (CSV ``start,end,sku``) says
which SKU was on sale when.

Every reader is all-or-nothing: a malformed cue fails the whole file with an
:class:`~claimcheck.io.text.InputError` whose one-line message names the source
and the line (or JSON segment) at fault, and a file with no cues is an error.
The raw text is decoded and size-limited by :func:`~claimcheck.io.text.read_text`.
"""

from __future__ import annotations

import bisect
import csv
import html
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from claimcheck.io.text import InputError, read_text

FORMATS = ("srt", "vtt", "asr_json", "stamped_text")

#: a cue that does not end in one of these is continued by the next one without a separator
SENTENCE_END = "。！？!?；;…⋯"
_CLOSERS = "”’」』）)】]》\"'"

#: the last cue of stamped text has no following stamp; it is given this duration
LAST_STAMP_CUE_MS = 5000

_EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".json": "asr_json", ".txt": "stamped_text", ".md": "stamped_text"}


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Transcript:
    cues: list[Cue]
    source: str
    format: str  # "srt" | "vtt" | "asr_json" | "stamped_text"


# --------------------------------------------------------------------------- helpers


def _lines(text: str) -> list[str]:
    """Physical lines, numbered from 1 by their list index + 1 (CRLF, CR and LF all end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def _show(s: str, limit: int = 40) -> str:
    """A fragment of the input for an error message: one line, quoted, shortened."""
    s = s.strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def _clock_ms(h: str | None, m: str, s: str, frac: str | None, *, minutes_capped: bool) -> int | None:
    """Milliseconds for h:m:s.frac, or None when minutes or seconds are out of range."""
    minutes, seconds = int(m), int(s)
    if seconds >= 60 or (minutes_capped and minutes >= 60):
        return None
    millis = int((frac or "0").ljust(3, "0")[:3])
    return ((int(h or 0) * 60 + minutes) * 60 + seconds) * 1000 + millis


_TAGS = re.compile(r"</?[A-Za-z][^<>]*>|\{\\[^{}]*\}")  # <i>, <font …>, ASS overrides {\an8}
_WS = re.compile(r"[ \t\u3000]+")


def _join_lines(lines: Sequence[str]) -> str:
    """One cue's text lines as one string: Chinese subtitle lines are wrapped, not separate words."""
    out = ""
    for raw in lines:
        line = _WS.sub(" ", raw).strip()
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " "
        out += line
    return out


def _err(source: str, where: str, msg: str) -> InputError:
    return InputError(f"{source}: {where}: {msg}")


# --------------------------------------------------------------------------- SRT

_SRT_TS = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{3})$")  # 3-digit ms: the srt library reads ",5" as 5 ms
_SRT_INDEX = re.compile(r"^\s*\d+\s*$")


def _srt_ts(ts: str) -> int | None:
    m = _SRT_TS.match(ts)
    return _clock_ms(m[1], m[2], m[3], m[4], minutes_capped=True) if m else None


def _check_timing(source: str, lineno: int, line: str, parse_ts, example: str) -> tuple[int, int]:
    """Validate a ``start --> end`` line; return (start_ms, end_ms) or raise naming the line."""
    where = f"line {lineno}"
    if "-->" not in line:
        raise _err(source, where, f"expected a timing line '{example}', got {_show(line)}")
    left, _, right = line.partition("-->")
    start_raw = left.strip()
    end_raw = right.strip().split()[0] if right.strip() else ""
    for raw in (start_raw, end_raw):
        if parse_ts(raw) is None:
            raise _err(source, where, f"invalid timestamp {_show(raw)}")
    start, end = parse_ts(start_raw), parse_ts(end_raw)
    if end < start:
        raise _err(source, where, f"end {end_raw} before start {start_raw}")
    return start, end


def _srt_blocks(source: str, lines: list[str]) -> list[tuple[int, int, list[str]]]:
    """(first line number, timing line number, block lines) per cue, validating structure."""
    blocks: list[tuple[int, int, list[str]]] = []
    i, n = 0, len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        first = i
        # optional cue number, then the timing line
        timing = i + 1 if _SRT_INDEX.match(lines[i]) else i
        if _SRT_INDEX.match(lines[i]) and (i + 1 >= n or not lines[i + 1].strip()):
            raise _err(source, f"line {i + 1}", f"cue {lines[i].strip()} has no timing line")
        is_timing = "-->" in lines[timing]
        if not is_timing and blocks and timing == i:
            # a blank line inside the previous cue's text (tolerated, as by the srt library)
            j = i
            while j < n and lines[j].strip():
                j += 1
            blocks[-1][2].extend(["", *lines[i:j]])
            i = j
            continue
        if not is_timing:
            raise _err(
                source,
                f"line {timing + 1}",
                f"expected a timing line 'hh:mm:ss,mmm --> hh:mm:ss,mmm', got {_show(lines[timing])}",
            )
        j = timing + 1
        while j < n and lines[j].strip():
            if "-->" in lines[j]:
                raise _err(source, f"line {j + 1}", "timing line inside a cue (missing blank line before it?)")
            j += 1
        blocks.append((first + 1, timing + 1, lines[first:j]))
        i = j
    return blocks


def _parse_srt(text: str, source: str) -> list[Cue]:
    lines = _lines(text)
    cues: list[Cue] = []
    for _first, timing_no, block in _srt_blocks(source, lines):
        start, end = _check_timing(source, timing_no, lines[timing_no - 1], _srt_ts, "hh:mm:ss,mmm --> hh:mm:ss,mmm")
        where = f"line {timing_no}"
        try:
            subs = list(srt.parse("\n".join(block) + "\n\n"))
        except (srt.SRTParseError, srt.TimestampParseError, ValueError) as exc:
            raise _err(source, where, f"not a valid SRT cue ({exc})") from None
        if len(subs) != 1:
            raise _err(source, where, "not a valid SRT cue")
        sub = subs[0]
        lib_start = int(sub.start.total_seconds() * 1000 + 0.5)
        lib_end = int(sub.end.total_seconds() * 1000 + 0.5)
        if (lib_start, lib_end) != (start, end):  # pragma: no cover - both read the same timestamps
            raise _err(source, where, "timestamps could not be read consistently")
        cue_text = _join_lines(_TAGS.sub("", sub.content).split("\n"))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues


# --------------------------------------------------------------------------- WebVTT

_VTT_TS = re.compile(r"^(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})$")


def _vtt_ts(ts: str) -> int | None:
    m = _VTT_TS.match(ts)
    return _clock_ms(m[1], m[2], m[3], m[4], minutes_capped=True) if m else None


def _parse_vtt(text: str, source: str) -> list[Cue]:
    lines = _lines(text)
    header = lines[0]
    if not header.startswith("WEBVTT") or header[6:7] not in ("", " ", "\t"):
        raise _err(source, "line 1", f"missing 'WEBVTT' header, got {_show(header)}")
    n = len(lines)
    i = 1
    while i < n and lines[i].strip():  # header block (metadata lines)
        if "-->" in lines[i]:
            raise _err(source, f"line {i + 1}", "cue timing inside the WEBVTT header (missing blank line after it?)")
        i += 1
    cues: list[Cue] = []
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        first = i
        j = i
        while j < n and lines[j].strip():
            j += 1
        block = lines[first:j]
        i = j
        head = block[0].strip()
        keyword = head.split(None, 1)[0] if head else ""
        if keyword in ("NOTE", "STYLE", "REGION") and "-->" not in head:
            bad = next((k for k, b in enumerate(block[1:], start=first + 2) if "-->" in b), None)
            if bad is not None:
                raise _err(source, f"line {bad}", f"'-->' inside a {keyword} block (missing blank line before a cue?)")
            continue
        if "-->" in block[0]:
            timing_idx = 0
        elif len(block) > 1 and "-->" in block[1]:
            timing_idx = 1
        else:
            raise _err(
                source,
                f"line {first + 2 if len(block) > 1 else first + 1}",
                f"expected a timing line 'hh:mm:ss.mmm --> hh:mm:ss.mmm', got "
                f"{_show(block[1] if len(block) > 1 else block[0])}",
            )
        timing_no = first + timing_idx + 1
        for k, line in enumerate(block[timing_idx + 1 :], start=timing_no + 1):
            if "-->" in line:
                raise _err(source, f"line {k}", "timing line inside a cue (missing blank line before it?)")
        start, end = _check_timing(source, timing_no, block[timing_idx], _vtt_ts, "hh:mm:ss.mmm --> hh:mm:ss.mmm")
        where = f"line {timing_no}"
        try:
            parsed = webvtt.from_string("WEBVTT\n\n" + "\n".join(block) + "\n", strict=True)
        except (MalformedCaptionError, MalformedFileError, ValueError) as exc:
            raise _err(source, where, f"not a valid WebVTT cue ({exc})") from None
        if len(parsed.captions) != 1:
            raise _err(source, where, "not a valid WebVTT cue")
        caption = parsed.captions[0]
        if (caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()) != (start, end):
            raise _err(source, where, "timestamps could not be read consistently")  # pragma: no cover
        cue_text = _join_lines(html.unescape(caption.text).split("\n"))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues


# --------------------------------------------------------------------------- ASR JSON


def _ms_field(source: str, where: str, seg: dict, names: tuple[str, str]) -> int:
    key = next((k for k in names if k in seg), None)
    if key is None:
        raise _err(source, where, f"missing '{names[0]}' (or '{names[1]}')")
    value = seg[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(source, where, f"'{key}' must be a number of milliseconds, got {_show(json.dumps(value))}")
    if isinstance(value, float) and not value.is_integer():
        raise _err(source, where, f"'{key}' {value} is not whole milliseconds (times must be in ms, not seconds)")
    if value < 0:
        raise _err(source, where, f"'{key}' is negative ({value})")
    return int(value)


def _parse_asr_json(text: str, source: str) -> list[Cue]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _err(source, f"line {exc.lineno}", f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    if isinstance(data, dict):
        if "segments" not in data:
            raise InputError(f"{source}: ASR JSON must be a list of segments or an object with 'segments'")
        data = data["segments"]
    if not isinstance(data, list):
        raise InputError(f"{source}: 'segments' must be a list of segments")
    cues: list[Cue] = []
    for n, seg in enumerate(data, start=1):
        where = f"segment {n}"
        if not isinstance(seg, dict):
            raise _err(source, where, f"must be an object with start, end and text, got {type(seg).__name__}")
        start = _ms_field(source, where, seg, ("start", "start_ms"))
        end = _ms_field(source, where, seg, ("end", "end_ms"))
        if "text" not in seg:
            raise _err(source, where, "missing 'text'")
        if not isinstance(seg["text"], str):
            raise _err(source, where, f"'text' must be a string, got {type(seg['text']).__name__}")
        if end < start:
            raise _err(source, where, f"end before start ({end} < {start} ms)")
        cue_text = _join_lines(_lines(seg["text"]))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues


# --------------------------------------------------------------------------- stamped text

# a line starting with something that is meant as a time stamp: [00:01:05], 【01:05】, [1:02:03.500]
_STAMP_LIKE = re.compile(r"^\s*[\[【]\s*(\d[^\]】]*[:：][^\]】]*?)\s*[\]】]\s?(.*)$")
_STAMP = re.compile(r"^(?:(\d{1,2})[:：])?(\d{1,3})[:：](\d{1,2})(?:[.,](\d{1,3}))?$")


def _stamp_ms(raw: str) -> int | None:
    m = _STAMP.match(raw)
    if not m:
        return None
    return _clock_ms(m[1], m[2], m[3], m[4], minutes_capped=m[1] is not None)


def _has_stamps(text: str) -> bool:
    return any(_STAMP_LIKE.match(line) for line in _lines(text)[:200])


def _parse_stamped(text: str, source: str) -> list[Cue]:
    if not any(_STAMP_LIKE.match(line) for line in _lines(text)):
        raise InputError(f"{source}: no [hh:mm:ss] or [mm:ss] time stamps found at the start of any line")
    pending: list[tuple[int, int, str, list[str]]] = []  # (line no, start ms, stamp as written, text lines)
    for lineno, line in enumerate(_lines(text), start=1):
        m = _STAMP_LIKE.match(line)
        if m:
            start = _stamp_ms(m[1].strip())
            if start is None:
                raise _err(source, f"line {lineno}", f"invalid timestamp {_show('[' + m[1].strip() + ']')}")
            if pending and start < pending[-1][1]:
                prev_no, _, prev_raw, _ = pending[-1]
                raise _err(
                    source,
                    f"line {lineno}",
                    f"stamp [{m[1].strip()}] before the previous one [{prev_raw}] (line {prev_no})",
                )
            pending.append((lineno, start, m[1].strip(), [m[2]]))
        elif pending:
            pending[-1][3].append(line)
        elif line.strip():
            raise _err(source, f"line {lineno}", f"text before the first [hh:mm:ss] stamp: {_show(line)}")
    cues: list[Cue] = []
    for k, (_, start, _, body) in enumerate(pending):
        end = pending[k + 1][1] if k + 1 < len(pending) else start + LAST_STAMP_CUE_MS
        cue_text = _join_lines(body)
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues


# --------------------------------------------------------------------------- dispatch

_PARSERS = {"srt": _parse_srt, "vtt": _parse_vtt, "asr_json": _parse_asr_json, "stamped_text": _parse_stamped}
_SRT_TIMING = re.compile(r"^\s*\d+:\d+:\d+[,.]\d+\s*-->", re.MULTILINE)


def sniff_format(text: str) -> str | None:
    """The transcript format the text looks like, or None."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if _has_stamps(text):
        return "stamped_text"
    if head.startswith(("{", "[")):
        return "asr_json"
    if _SRT_TIMING.search(text[:4096]):
        return "srt"
    return None


def read_transcript(path: str | Path, max_bytes: int) -> Transcript:
    """Read a transcript, choosing the format by extension, else by content; raise InputError on any fault."""
    raw = read_text(path, max_bytes)
    text, source = raw.text, raw.source
    suffix = "" if str(path) == "-" else Path(path).suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt == "stamped_text" and not _has_stamps(text):
        fmt = sniff_format(text) or fmt  # an .srt/.vtt/.json saved as .txt is still read
    if fmt is None:
        fmt = sniff_format(text)
        if fmt is None:
            raise InputError(
                f"{source}: 无法识别字幕/转写格式 (not a transcript: expected SRT, WebVTT, ASR JSON "
                "or text with [hh:mm:ss] stamps)"
            )
    cues = _PARSERS[fmt](text, source)
    if not cues:
        raise InputError(f"{source}: 没有可检查的字幕内容 (transcript has no cues)")
    return Transcript(cues=cues, source=source, format=fmt)


# --------------------------------------------------------------------------- screening document


class CueSpans(list):
    """``[(doc_start, doc_end, cue_index), ...]`` that also carries the cues they index."""

    def __init__(self, items=(), cues: Sequence[Cue] = ()):
        super().__init__(items)
        self.cues = list(cues)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def transcript_document(t: Transcript) -> tuple[str, CueSpans]:
    """One text for screening and the span of each cue in it (end exclusive).

    A cue that does not end in sentence punctuation runs straight on into the next one, so
    "这件衬衫是纯" | "棉的" reads "这件衬衫是纯棉的"; after 。！？ etc. the next cue starts a new line.
    (Two Latin words meeting at a cue boundary get a space so they stay two words.)
    """
    parts: list[str] = []
    spans = CueSpans(cues=t.cues)
    pos = 0
    prev = ""
    for i, cue in enumerate(t.cues):
        sep = ""
        if prev:
            if _ends_sentence(prev):
                sep = "\n"
            elif prev[-1].isascii() and prev[-1].isalpha() and cue.text[:1].isascii() and cue.text[:1].isalpha():
                sep = " "
        parts.append(sep)
        pos += len(sep)
        parts.append(cue.text)
        spans.append((pos, pos + len(cue.text), i))
        pos += len(cue.text)
        prev = cue.text
    return "".join(parts), spans


def span_times(
    spans: Sequence[tuple[int, int, int]], start: int, end: int, cues: Sequence[Cue] | None = None
) -> tuple[int, int]:
    """Broadcast time (start_ms, end_ms) of the document span [start, end).

    The start of the first cue overlapping the span and the end of the last one. ``spans`` is
    what :func:`transcript_document` returns (it carries the cues); pass ``cues`` for a plain list.
    A span that falls only on a separator is given the time of the cue after it.
    """
    cue_list = cues if cues is not None else getattr(spans, "cues", None)
    if cue_list is None:
        raise TypeError("span_times needs the cues: pass the spans from transcript_document, or cues=")
    if not spans:
        raise ValueError("span_times: no cue spans")
    if end < start:
        raise ValueError(f"span_times: end {end} before start {start}")
    if end == start:
        hit = [s for s in spans if s[0] <= start < s[1]]
    else:
        hit = [s for s in spans if s[0] < end and start < s[1]]
    if not hit:
        after = [s for s in spans if s[0] >= start]
        hit = [after[0] if after else spans[-1]]
    # in a well-formed transcript these are the first and the last cue hit; min/max also covers overlapping cues
    return min(cue_list[s[2]].start_ms for s in hit), max(cue_list[s[2]].end_ms for s in hit)


# --------------------------------------------------------------------------- run sheet


@dataclass(frozen=True)
class Slot:
    start_ms: int
    end_ms: int
    sku: str


@dataclass(frozen=True)
class RunSheet:
    slots: list[Slot]  # sorted by start, non-overlapping
    source: str

    def sku_at(self, ms: int) -> str | None:
        """The SKU on sale at ``ms`` (slot start inclusive, end exclusive), or None between slots."""
        starts = [s.start_ms for s in self.slots]
        i = bisect.bisect_right(starts, ms) - 1
        if i >= 0 and ms < self.slots[i].end_ms:
            return self.slots[i].sku
        return None


_SHEET_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_sheet_time(raw: str) -> int | None:
    """hh:mm:ss, mm:ss (optionally .mmm) or plain milliseconds; None if not a time."""
    raw = raw.strip().replace("：", ":")
    if raw.isascii() and raw.isdigit():
        return int(raw)
    m = _SHEET_CLOCK.match(raw)
    if not m:
        return None
    return _clock_ms(m[1], m[2], m[3], m[4], minutes_capped=m[1] is not None)


def read_run_sheet(path: str | Path, max_bytes: int) -> RunSheet:
    """Read a CSV run sheet with header ``start,end,sku``; raise InputError naming the line on any fault."""
    raw = read_text(path, max_bytes)
    source = raw.source
    reader = csv.reader(raw.text.splitlines(keepends=True))
    header: list[str] | None = None
    header_line = 0
    for row in reader:
        if any(c.strip() for c in row):
            header = [c.strip().lower() for c in row]
            header_line = reader.line_num
            break
    if header is None:
        raise InputError(f"{source}: 文件为空 (run sheet has no header 'start,end,sku')")
    missing = [c for c in ("start", "end", "sku") if c not in header]
    if missing:
        raise _err(
            source,
            f"line {header_line}",
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
            f"(header must be start,end,sku; got {_show(','.join(header))})",
        )
    col = {c: header.index(c) for c in ("start", "end", "sku")}
    rows: list[tuple[int, Slot, str, str]] = []
    for row in reader:
        lineno = reader.line_num
        if not any(c.strip() for c in row):
            continue
        where = f"line {lineno}"
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        start_raw, end_raw, sku = row[col["start"]].strip(), row[col["end"]].strip(), row[col["sku"]].strip()
        start, end = parse_sheet_time(start_raw), parse_sheet_time(end_raw)
        if start is None:
            raise _err(source, where, f"invalid start time {_show(start_raw)} (use hh:mm:ss, mm:ss or milliseconds)")
        if end is None:
            raise _err(source, where, f"invalid end time {_show(end_raw)} (use hh:mm:ss, mm:ss or milliseconds)")
        if end < start:
            raise _err(source, where, f"end {end_raw} before start {start_raw}")
        if end == start:
            raise _err(source, where, f"end {end_raw} is not after start {start_raw}")
        if not sku:
            raise _err(source, where, "empty sku")
        rows.append((lineno, Slot(start, end, sku), start_raw, end_raw))
    if not rows:
        raise InputError(f"{source}: run sheet has no slots (only a header)")
    ordered = sorted(rows, key=lambda r: (r[1].start_ms, r[0]))
    for prev, cur in itertools.pairwise(ordered):
        if cur[1].start_ms < prev[1].end_ms:
            later, earlier = (cur, prev) if cur[0] > prev[0] else (prev, cur)
            raise _err(
                source,
                f"line {later[0]}",
                f"slot {later[2]}–{later[3]} ({later[1].sku}) overlaps line {earlier[0]} "
                f"({earlier[2]}–{earlier[3]}, {earlier[1].sku})",
            )
    return RunSheet(slots=[r[1] for r in ordered], source=source)
