"""Split a text into claim units: sentences and clauses of reviewable length.

A sentence that fits the maximum length is one unit; a longer one is split into
its clauses, and short clauses are merged with the next one.

Speech-recognition transcripts often have no punctuation at all, so a clause
can run for hundreds of characters. Such runs are cut at token boundaries,
preferably just before a discourse marker (家人们, 然后, 所以 …), and never inside
a protected span (a lexicon term), so that no unit holds half a term.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: token start offsets of text[start:end] (in text offsets); called only for runs too long to keep whole
Segment = Callable[[int, int], Sequence[int]]

SENTENCE_END = frozenset("。!?;\n\r")
CLAUSE_END = frozenset(",、")


@dataclass(frozen=True)
class UnitConfig:
    min_chars: int = 6  # shorter clauses are merged with their neighbour
    target_chars: int = 16  # a long run is cut at a marker once this long
    max_chars: int = 40  # a long run is always cut by this length
    break_markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _raw_clauses(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, ends_sentence) for each clause, punctuation included in the clause."""
    out: list[tuple[int, int, bool]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_END or ch in CLAUSE_END:
            out.append((start, i + 1, ch in SENTENCE_END))
            start = i + 1
    if start < len(text):
        out.append((start, len(text), True))
    return out


def _sentences_or_clauses(text: str, max_chars: int) -> list[tuple[int, int, bool]]:
    """A sentence that fits in ``max_chars`` is one unit; a longer one splits into clauses.

    Whole sentences keep a claim and its qualifier together (用了以后皮肤更水润，上妆
    更服帖), which is also the unit the classifiers are trained on.
    """
    out: list[tuple[int, int, bool]] = []
    sentence: list[tuple[int, int, bool]] = []
    for clause in _raw_clauses(text):
        sentence.append(clause)
        if clause[2]:
            start, end = sentence[0][0], sentence[-1][1]
            if end - start <= max_chars:
                out.append((start, end, True))
            else:
                out.extend(sentence)
            sentence = []
    out.extend(sentence)
    return out


def _inside_protected(pos: int, protected: Sequence[tuple[int, int]], starts: list[int]) -> bool:
    """True if a cut at ``pos`` would fall strictly inside a protected span."""
    i = bisect_right(starts, pos - 1)
    # protected spans are few and short; check the ones starting before pos
    for j in range(i - 1, -1, -1):
        s, e = protected[j]
        if s < pos < e:
            return True
        if pos - s > 64:
            break
    return False


def _cut_long(
    start: int,
    end: int,
    text: str,
    token_starts: Sequence[int] | Segment,
    protected: Sequence[tuple[int, int]],
    pstarts: list[int],
    cfg: UnitConfig,
) -> list[tuple[int, int]]:
    """Cut the run [start, end) at token boundaries into pieces of <= max_chars.

    In each window of allowed cut points (min_chars..max_chars from the last cut)
    the first discourse marker past target_chars wins, then the last marker, then
    the last boundary. A run with no allowed boundary stays whole.
    """
    if callable(token_starts):
        inner = [b for b in token_starts(start, end) if start < b < end]
    else:
        inner = list(token_starts[bisect_right(token_starts, start) : bisect_right(token_starts, end - 1)])
    bounds = [b for b in inner if not _inside_protected(b, protected, pstarts)]
    is_marker = [any(text.startswith(m, b) for m in cfg.break_markers) for b in bounds]
    pieces: list[tuple[int, int]] = []
    cur = start
    while end - cur > cfg.max_chars:
        i = bisect_left(bounds, cur + cfg.min_chars)
        j = bisect_right(bounds, cur + cfg.max_chars)
        if i >= j:  # nothing in the window: take the next boundary, if any
            if i >= len(bounds):
                break
            cut = bounds[i]
        else:
            window = range(i, j)
            markers = [k for k in window if is_marker[k]]
            past_target = [k for k in markers if bounds[k] - cur >= cfg.target_chars]
            k = past_target[0] if past_target else (markers[-1] if markers else j - 1)
            cut = bounds[k]
        if end - cut < cfg.min_chars:
            break
        pieces.append((cur, cut))
        cur = cut
    pieces.append((cur, end))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _visible(text: str, a: int, b: int, enough: int) -> int:
    """Letters and digits in ``text[a:b]``, counted up to ``enough`` (all a caller compares with)."""
    n = 0
    for ch in text[a:b]:
        if ch.isalnum():
            n += 1
            if n >= enough:
                break
    return n


def split_units(
    text: str,
    token_starts: Sequence[int] | Segment,
    protected: Sequence[tuple[int, int]] = (),
    cfg: UnitConfig | None = None,
) -> list[Span]:
    """Claim units of ``text`` as spans of ``text``.

    ``token_starts`` are the sorted start offsets of the segmenter's tokens, or a
    function that segments one run on demand (most texts have no run long enough
    to need tokens, so segmenting everything up front is wasted work); cuts
    inside a clause happen only at token starts. ``protected`` spans are never cut.
    """
    cfg = cfg or UnitConfig()
    protected = sorted(protected)
    pstarts = [s for s, _ in protected]
    pieces: list[tuple[int, int, bool]] = []
    for s, e, sent_end in _sentences_or_clauses(text, cfg.max_chars):
        if e - s > cfg.max_chars:
            cut = _cut_long(s, e, text, token_starts, protected, pstarts, cfg)
            pieces.extend((a, b, sent_end and b == e) for a, b in cut)
        else:
            pieces.append((s, e, sent_end))
    # merge short clauses forward within a sentence, so 家人们， joins what follows
    units: list[Span] = []
    pend: tuple[int, int] | None = None
    for s, e, sent_end in pieces:
        if pend is not None:
            s = pend[0]
            pend = None
        a, b = _strip(text, s, e)
        visible = _visible(text, a, b, cfg.min_chars)
        if visible < cfg.min_chars and not sent_end and (e - s) < cfg.max_chars:
            pend = (s, e)
            continue
        if b > a and visible > 0:
            units.append(Span(a, b))
        elif units and b > a:
            units[-1] = Span(units[-1].start, b)
    if pend is not None:
        a, b = _strip(text, *pend)
        if b > a:
            if units and _visible(text, a, b, cfg.min_chars) < cfg.min_chars:
                units[-1] = Span(units[-1].start, b)
            else:
                units.append(Span(a, b))
    return units
