"""Read broadcast transcripts (SRT, WebVTT, ASR JSON, stamped text) and join them for screening.

A transcript is a list of timed cues. For screening, the cue texts are joined into
one document (:func:`transcript_document`) so that a claim the speaker split across
two cues ("全网" | "最低价") is still found; :func:`span_times` maps a finding's
character span back to broadcast time. Each format has its own module; this one
chooses the format (by extension, else by content) and decodes and size-limits the
file with :func:`~claimcheck.io.text.read_text`. Every reader is all-or-nothing and
a file with no cues is an error.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path

from claimcheck.errors import InputError
from claimcheck.io import asr_json, srt, stamped, vtt
from claimcheck.io.cues import Cue, Transcript
from claimcheck.io.runsheet import RunSheet, Slot, read_run_sheet, run_sheet_from_bytes
from claimcheck.io.text import decode_bytes, human_size, read_text, upload_source

__all__ = [
    "FORMATS",
    "Cue",
    "CueSpans",
    "RunSheet",
    "Slot",
    "Transcript",
    "parse_transcript",
    "read_run_sheet",
    "read_transcript",
    "run_sheet_from_bytes",
    "sniff_format",
    "span_times",
    "transcript_document",
    "transcript_from_bytes",
]

FORMATS = ("srt", "vtt", "asr_json", "stamped_text")

#: a cue that does not end in one of these is continued by the next one without a separator
SENTENCE_END = "。！？!?；;…⋯"
_CLOSERS = "”’」』）)】]》\"'"

_EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".json": "asr_json", ".txt": "stamped_text", ".md": "stamped_text"}
_PARSERS: dict[str, Callable[[str, str], list[Cue]]] = {
    "srt": srt.parse,
    "vtt": vtt.parse,
    "asr_json": asr_json.parse,
    "stamped_text": stamped.parse,
}
_SRT_TIMING = re.compile(r"^\s*\d+:\d+:\d+[,.]\d+\s*-->", re.MULTILINE)


def sniff_format(text: str) -> str | None:
    """The transcript format the text looks like, or None."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if stamped.has_stamps(text):
        return "stamped_text"
    if head.startswith(("{", "[")):
        return "asr_json"
    if _SRT_TIMING.search(text[:4096]):
        return "srt"
    return None


def read_transcript(path: str | Path, max_bytes: int, encoding: str | None = None) -> Transcript:
    """Read a transcript, choosing the format by extension, else by content; raise InputError on any fault."""
    raw = read_text(path, max_bytes, encoding)
    suffix = "" if str(path) == "-" else Path(path).suffix.lower()
    return parse_transcript(raw.text, raw.source, suffix)


def transcript_from_bytes(data: bytes, name: str, max_bytes: int, encoding: str | None = None) -> Transcript:
    """A transcript uploaded as bytes; ``name`` (its file name) gives the source and the format hint."""
    name = upload_source(name, "transcript")
    if len(data) > max_bytes:
        raise InputError(f"{name}: 输入超过 {human_size(max_bytes)} 上限，请拆分后再检查 (input too large)")
    raw = decode_bytes(data, name, encoding)
    if not raw.text.strip():
        raise InputError(f"{name}: 文件为空，没有可检查的内容 (empty input)")
    return parse_transcript(raw.text, name, Path(name).suffix.lower())


def parse_transcript(text: str, source: str, suffix: str = "") -> Transcript:
    """Parse transcript text; the format by ``suffix`` (e.g. ``.srt``), else by content."""
    fmt = _EXTENSIONS.get(suffix)
    if fmt == "stamped_text" and not stamped.has_stamps(text):
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
    """``[(doc_start, doc_end, cue_index), ...]`` that also carries the cues they index.

    Spans are in document order and do not overlap, so their starts and ends are
    both sorted: looking up the cues under a span is two binary searches.
    """

    def __init__(self, items=(), cues: Sequence[Cue] = ()):
        super().__init__(items)
        self.cues = list(cues)

    def bounds(self) -> tuple[list[int], list[int]]:
        return [s[0] for s in self], [s[1] for s in self]


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
    spans: Sequence[tuple[int, int, int]],
    start: int,
    end: int,
    cues: Sequence[Cue] | None = None,
    bounds: tuple[list[int], list[int]] | None = None,
) -> tuple[int, int]:
    """Broadcast time (start_ms, end_ms) of the document span [start, end).

    The start of the first cue overlapping the span and the end of the last one. ``spans`` is
    what :func:`transcript_document` returns (it carries the cues); pass ``cues`` for a plain list.
    A span that falls only on a separator is given the time of the cue after it. Pass ``bounds``
    (``spans.bounds()``) when timing many findings, so each costs two binary searches.
    """
    cue_list = cues if cues is not None else getattr(spans, "cues", None)
    if cue_list is None:
        raise TypeError("span_times needs the cues: pass the spans from transcript_document, or cues=")
    if not spans:
        raise ValueError("span_times: no cue spans")
    if end < start:
        raise ValueError(f"span_times: end {end} before start {start}")
    starts, ends = bounds if bounds is not None else ([s[0] for s in spans], [s[1] for s in spans])
    first = bisect_right(ends, start)  # the first span ending after start
    last = bisect_left(starts, end) - 1 if end > start else bisect_right(starts, start) - 1
    if first > last:
        after = bisect_left(starts, start)
        first = last = after if after < len(spans) else len(spans) - 1
    hit = spans[first : last + 1]
    # in a well-formed transcript these are the first and the last cue hit; min/max also covers overlapping cues
    return min(cue_list[s[2]].start_ms for s in hit), max(cue_list[s[2]].end_ms for s in hit)
