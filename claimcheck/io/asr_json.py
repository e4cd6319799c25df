"""ASR JSON: a list of ``{start, end, text}`` segments in milliseconds (or ``{"segments": [...]}``)."""

from __future__ import annotations

import json

from claimcheck.errors import InputError
from claimcheck.io.cues import Cue, err, join_lines, lines, show


def _ms_field(source: str, where: str, seg: dict, names: tuple[str, str]) -> int:
    key = next((k for k in names if k in seg), None)
    if key is None:
        raise err(source, where, f"missing '{names[0]}' (or '{names[1]}')")
    value = seg[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise err(source, where, f"'{key}' must be a number of milliseconds, got {show(json.dumps(value))}")
    if isinstance(value, float) and not value.is_integer():
        raise err(source, where, f"'{key}' {value} is not whole milliseconds (times must be in ms, not seconds)")
    if value < 0:
        raise err(source, where, f"'{key}' is negative ({value})")
    return int(value)


def parse(text: str, source: str) -> list[Cue]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise err(source, f"line {exc.lineno}", f"not valid JSON ({exc.msg}, column {exc.colno})") from None
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
            raise err(source, where, f"'text' must be a string, got {type(seg['text']).__name__}")
        if end < start:
            raise err(source, where, f"end before start ({end} < {start} ms)")
        cue_text = join_lines(lines(seg["text"]))
        if cue_text:
            cues.append(Cue(start, end, cue_text))
    return cues
