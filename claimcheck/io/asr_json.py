"""ASR JSON: a list of ``{start, end, text}`` segments in milliseconds (or ``{"segments": [...]}``).

Read with :func:`claimcheck.safejson.loads`, so hostile JSON (nested 100,000 deep, numbers of
thousands of digits, NaN) is an InputError like any other malformed file.
"""

from __future__ import annotations

import math

from claimcheck.errors import InputError
from claimcheck.io.cues import MAX_TIME_MS, Cue, err, join_lines, lines
from claimcheck.safejson import JSONInputError, loads


def _ms_field(source: str, where: str, seg: dict, names: tuple[str, str]) -> int:
    key = next((k for k in names if k in seg), None)
    if key is None:
        raise err(source, where, f"missing '{names[0]}' (or '{names[1]}')")
    value = seg[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise err(source, where, f"'{key}' must be a number of milliseconds, got {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise err(source, where, f"'{key}' must be a number of milliseconds, got {value}")
    if value < 0:
        raise err(source, where, f"'{key}' is negative ({value:.0f})")
    if value > MAX_TIME_MS:
        raise err(source, where, f"'{key}' {value:.0f} is too large for a broadcast time (at most {MAX_TIME_MS} ms)")
    if isinstance(value, float) and not value.is_integer():
        raise err(source, where, f"'{key}' {value} is not whole milliseconds (times must be in ms, not seconds)")
    return int(value)


def _kind(value: object) -> str:
    """What a JSON value is, for a message (never the value itself: it may be huge or deeply nested)."""
    if isinstance(value, str):
        return f"a string ({len(value)} characters)" if len(value) > 20 else f"the string {value!r}"
    return {"NoneType": "null", "dict": "an object", "list": "an array", "bool": "true/false"}.get(
        type(value).__name__, type(value).__name__
    )


def parse(text: str, source: str) -> list[Cue]:
    try:
        data = loads(text)
    except JSONInputError as exc:
        if exc.lineno is not None:
            raise err(source, f"line {exc.lineno}", f"not valid JSON ({exc.reason}, column {exc.colno})") from None
        raise InputError(f"{source}: {exc}") from None
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
            raise err(source, where, f"must be an object with start, end and text, got {type(seg).__name__}")
        start = _ms_field(source, where, seg, ("start", "start_ms"))
        end = _ms_field(source, where, seg, ("end", "end_ms"))
        if "text" not in seg:
            raise err(source, where, "missing 'text'")
        if not isinstance(seg["text"], str):
            raise err(source, where, f"'text' must be a string, got {_kind(seg['text'])}")
        if end < start:
            raise err(source, where, f"end before start ({end} < {start} ms)")
        cue_text = join_lines(lines(seg["text"]))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues
