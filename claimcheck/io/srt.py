"""SRT subtitles: parsed by the ``srt`` library; only what it lacks is checked here.

The library parses cues (and tolerates a blank line inside a cue's text) but
reports problems as character offsets and accepts timestamps such as ``,5`` (5 ms);
the checks here name the line at fault and require hh:mm:ss,mmm.
"""

from __future__ import annotations

import re

import srt

from claimcheck.errors import InputError
from claimcheck.io.cues import TAGS, Cue, check_timing, clock_ms, err, join_lines, lines, show

_SRT_TS = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{3})$")  # 3-digit ms: the srt library reads ",5" as 5 ms
_SRT_INDEX = re.compile(r"^\s*\d+\s*$")


def _srt_ts(ts: str) -> int | None:
    m = _SRT_TS.match(ts)
    return clock_ms(m[1], m[2], m[3], m[4], minutes_capped=True) if m else None


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
            raise err(source, f"line {i + 1}", f"cue {lines[i].strip()} has no timing line")
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
            raise err(
                source,
                f"line {timing + 1}",
                f"expected a timing line 'hh:mm:ss,mmm --> hh:mm:ss,mmm', got {show(lines[timing])}",
            )
        j = timing + 1
        while j < n and lines[j].strip():
            if "-->" in lines[j]:
                raise err(source, f"line {j + 1}", "timing line inside a cue (missing blank line before it?)")
            j += 1
        blocks.append((first + 1, timing + 1, lines[first:j]))
        i = j
    return blocks


def parse(text: str, source: str) -> list[Cue]:
    """Cues of an SRT text; InputError naming the line at fault."""
    all_lines = lines(text)
    blocks = _srt_blocks(source, all_lines)
    timings = [
        check_timing(source, timing_no, all_lines[timing_no - 1], _srt_ts, "hh:mm:ss,mmm --> hh:mm:ss,mmm")
        for _first, timing_no, _block in blocks
    ]
    try:
        subs = list(srt.parse("\n".join(all_lines)))
    except (srt.SRTParseError, srt.TimestampParseError, ValueError) as exc:
        raise InputError(f"{source}: not a valid SRT file ({exc.__class__.__name__})") from None
    if len(subs) != len(blocks):  # pragma: no cover - the structure check above accepts what the library parses
        raise InputError(f"{source}: not a valid SRT file (found {len(subs)} cues, expected {len(blocks)})")
    cues: list[Cue] = []
    for (start, end), sub in zip(timings, subs, strict=True):
        cue_text = join_lines(TAGS.sub("", sub.content).split("\n"))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues
