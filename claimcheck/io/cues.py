"""What the transcript readers share: cues, line splitting, error messages, clock times.

Readers are all-or-nothing: a malformed cue fails the whole file with an
:class:`~claimcheck.errors.InputError` whose one-line message names the source
and the line (or JSON segment) at fault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claimcheck.errors import InputError

#: digits beyond this in a time field cannot be a broadcast time (and would make int() slow)
MAX_TIME_DIGITS = 9
#: the latest time a cue or run-sheet slot may have, in ms (about 11.5 days)
MAX_TIME_MS = 10**MAX_TIME_DIGITS - 1


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


def lines(text: str) -> list[str]:
    """Physical lines, numbered from 1 by their list index + 1 (CRLF, CR and LF all end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def show(s: str, limit: int = 40) -> str:
    """A fragment of the input for an error message: one line, quoted, shortened."""
    s = s.strip()
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return repr(s)


def clock_ms(h: str | None, m: str, s: str, frac: str | None, *, minutes_capped: bool) -> int | None:
    """Milliseconds for h:m:s.frac, or None when minutes or seconds are out of range."""
    minutes, seconds = int(m), int(s)
    if seconds >= 60 or (minutes_capped and minutes >= 60):
        return None
    millis = int((frac or "0").ljust(3, "0")[:3])
    return ((int(h or 0) * 60 + minutes) * 60 + seconds) * 1000 + millis


TAGS = re.compile(r"</?[A-Za-z][^<>]*>|\{\\[^{}]*\}")  # <i>, <font …>, ASS overrides {\an8}
_WS = re.compile(r"[ \t\u3000]+")


def join_lines(lines: Sequence[str]) -> str:
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


def err(source: str, where: str, msg: str) -> InputError:
    return InputError(f"{source}: {where}: {msg}")


def check_timing(source: str, lineno: int, line: str, parse_ts, example: str) -> tuple[int, int]:
    """Validate a ``start --> end`` line; return (start_ms, end_ms) or raise naming the line."""
    where = f"line {lineno}"
    if "-->" not in line:
        raise err(source, where, f"expected a timing line '{example}', got {show(line)}")
    left, _, right = line.partition("-->")
    start_raw = left.strip()
    end_raw = right.strip().split()[0] if right.strip() else ""
    for raw in (start_raw, end_raw):
        if parse_ts(raw) is None:
            raise err(source, where, f"invalid timestamp {show(raw)}")
    start, end = parse_ts(start_raw), parse_ts(end_raw)
    if end < start:
        raise err(source, where, f"end {end_raw} before start {start_raw}")
    return start, end
