"""Text with ``[hh:mm:ss]`` (or ``[mm:ss]``) stamps at the start of lines."""

from __future__ import annotations

import re

from claimcheck.errors import InputError
from claimcheck.io.cues import Cue, clock_ms, err, join_lines, lines, show

#: the last cue of stamped text has no following stamp; it is given this duration
LAST_STAMP_CUE_MS = 5000

# a line starting with something that is meant as a time stamp: [00:01:05], 【01:05】, [1:02:03.500]
_STAMP_LIKE = re.compile(r"^\s*[\[【]\s*(\d[^\]】]*[:：][^\]】]*?)\s*[\]】]\s?(.*)$")
_STAMP = re.compile(r"^(?:(\d{1,2})[:：])?(\d{1,3})[:：](\d{1,2})(?:[.,](\d{1,3}))?$")


def _stamp_ms(raw: str) -> int | None:
    m = _STAMP.match(raw)
    if not m:
        return None
    return clock_ms(m[1], m[2], m[3], m[4], minutes_capped=m[1] is not None)


def has_stamps(text: str) -> bool:
    return any(_STAMP_LIKE.match(line) for line in lines(text)[:200])


def parse(text: str, source: str) -> list[Cue]:
    if not any(_STAMP_LIKE.match(line) for line in lines(text)):
        raise InputError(f"{source}: no [hh:mm:ss] or [mm:ss] time stamps found at the start of any line")
    pending: list[tuple[int, int, str, list[str]]] = []  # (line no, start ms, stamp as written, text lines)
    for lineno, line in enumerate(lines(text), start=1):
        m = _STAMP_LIKE.match(line)
        if m:
            start = _stamp_ms(m[1].strip())
            if start is None:
                raise err(source, f"line {lineno}", f"invalid timestamp {show('[' + m[1].strip() + ']')}")
            if pending and start < pending[-1][1]:
                prev_no, _, prev_raw, _ = pending[-1]
                raise err(
                    source,
                    f"line {lineno}",
                    f"stamp [{m[1].strip()}] before the previous one [{prev_raw}] (line {prev_no})",
                )
            pending.append((lineno, start, m[1].strip(), [m[2]]))
        elif pending:
            pending[-1][3].append(line)
        elif line.strip():
            raise err(source, f"line {lineno}", f"text before the first [hh:mm:ss] stamp: {show(line)}")
    cues: list[Cue] = []
    for k, (_, start, _, body) in enumerate(pending):
        end = pending[k + 1][1] if k + 1 < len(pending) else start + LAST_STAMP_CUE_MS
        cue_text = join_lines(body)
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues
