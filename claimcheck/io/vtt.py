"""WebVTT subtitles: parsed by ``webvtt-py``; only what it lacks is checked here (line numbers)."""

from __future__ import annotations

import html
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from claimcheck.errors import InputError
from claimcheck.io.cues import Cue, check_timing, clock_ms, err, join_lines, lines, show

_VTT_TS = re.compile(r"^(?:(\d{2,5}):)?(\d{2}):(\d{2})\.(\d{3})$")  # hours bounded: int() of 5,000 digits


def _vtt_ts(ts: str) -> int | None:
    m = _VTT_TS.match(ts)
    return clock_ms(m[1], m[2], m[3], m[4], minutes_capped=True) if m else None


def parse(text: str, source: str) -> list[Cue]:
    """Cues of a WebVTT text; InputError naming the line at fault."""
    rows = lines(text)
    header = rows[0]
    if not header.startswith("WEBVTT") or header[6:7] not in ("", " ", "\t"):
        raise err(source, "line 1", f"missing 'WEBVTT' header, got {show(header)}")
    n = len(rows)
    i = 1
    while i < n and rows[i].strip():  # header block (metadata lines)
        if "-->" in rows[i]:
            raise err(source, f"line {i + 1}", "cue timing inside the WEBVTT header (missing blank line after it?)")
        i += 1
    timings: list[tuple[int, int, int]] = []  # (timing line, start, end) per cue
    while i < n:
        if not rows[i].strip():
            i += 1
            continue
        first = i
        j = i
        while j < n and rows[j].strip():
            j += 1
        block = rows[first:j]
        i = j
        head = block[0].strip()
        keyword = head.split(None, 1)[0] if head else ""
        if keyword in ("NOTE", "STYLE", "REGION") and "-->" not in head:
            bad = next((k for k, b in enumerate(block[1:], start=first + 2) if "-->" in b), None)
            if bad is not None:
                raise err(source, f"line {bad}", f"'-->' inside a {keyword} block (missing blank line before a cue?)")
            continue
        if "-->" in block[0]:
            timing_idx = 0
        elif len(block) > 1 and "-->" in block[1]:
            timing_idx = 1
        else:
            raise err(
                source,
                f"line {first + 2 if len(block) > 1 else first + 1}",
                f"expected a timing line 'hh:mm:ss.mmm --> hh:mm:ss.mmm', got "
                f"{show(block[1] if len(block) > 1 else block[0])}",
            )
        timing_no = first + timing_idx + 1
        for k, line in enumerate(block[timing_idx + 1 :], start=timing_no + 1):
            if "-->" in line:
                raise err(source, f"line {k}", "timing line inside a cue (missing blank line before it?)")
        start, end = check_timing(source, timing_no, block[timing_idx], _vtt_ts, "hh:mm:ss.mmm --> hh:mm:ss.mmm")
        timings.append((timing_no, start, end))
    try:
        captions = webvtt.from_string(text, strict=True).captions
    except (MalformedCaptionError, MalformedFileError, ValueError) as exc:
        raise InputError(f"{source}: not a valid WebVTT file ({exc.__class__.__name__})") from None
    if len(captions) != len(timings):  # pragma: no cover - the structure check above accepts what the library parses
        raise InputError(f"{source}: not a valid WebVTT file (found {len(captions)} cues, expected {len(timings)})")
    cues: list[Cue] = []
    for (_no, start, end), caption in zip(timings, captions, strict=True):
        cue_text = join_lines(html.unescape(caption.text).split("\n"))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues
