"""Interval look-ups that keep per-finding steps linear: sort once, then bisect.

Spans are half-open ``(start, end)``; a span overlaps ``[s, e)`` when ``start < e and s < end``,
the test callers used to run against every other span (findings × spans, quadratic on long
inputs). These indexes answer the same question in O(log n) with exactly the same result,
empty spans included.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import accumulate

_NONE = -1  # "no span yet": offsets are never negative, so no query start is below it


class OverlapIndex:
    """A fixed set of spans; does any of them overlap a query span?

    Sorted by start with a running maximum of ends: the spans that start before the query
    ends are a prefix, and one of them reaches past the query start iff the prefix maximum does.
    """

    __slots__ = ("_max_end", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end = list(accumulate((e for _, e in ordered), max))

    def __len__(self) -> int:
        return len(self._starts)

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self._starts, end)  # spans starting before ``end``
        return k > 0 and self._max_end[k - 1] > start


class GrowingOverlapIndex:
    """Spans added one by one, queried in between, for starts in ``[0, size)``.

    A Fenwick tree of maximum ends over start positions, kept in a dict so that it holds only
    the nodes touched (at most log2(size) per span, most of them shared), not one entry per
    position: ``add`` and ``overlaps`` are O(log size) whatever the order of the additions.
    """

    __slots__ = ("_size", "_tree")

    def __init__(self, size: int = 1 << 48) -> None:
        self._size = size
        self._tree: dict[int, int] = {}

    def add(self, start: int, end: int) -> None:
        if not 0 <= start < self._size:
            raise ValueError(f"start {start} outside [0, {self._size})")
        i, tree = start + 1, self._tree
        while i <= self._size:
            if tree.get(i, _NONE) < end:
                tree[i] = end
            i += i & -i

    def overlaps(self, start: int, end: int) -> bool:
        i = max(0, min(end, self._size))  # starts before ``end``: Fenwick positions 1..i
        best, tree = _NONE, self._tree
        while i > 0:
            best = max(best, tree.get(i, _NONE))
            i -= i & -i
        return best > start


class StartIndex:
    """Spans in their given order, found by where they start.

    ``starting_in(lo, hi)`` returns the spans with ``lo <= start < hi`` in their original order,
    at the cost of the answer (plus a sort of it), not of all spans.
    """

    __slots__ = ("_order", "_spans", "_starts")

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self._spans = list(spans)
        self._order = sorted(range(len(self._spans)), key=lambda i: self._spans[i][0])
        self._starts = [self._spans[i][0] for i in self._order]

    def starting_in(self, lo: int, hi: int) -> list[tuple[int, int]]:
        picked = sorted(self._order[bisect_left(self._starts, lo) : bisect_left(self._starts, hi)])
        return [self._spans[i] for i in picked]


class SpanList(list[tuple[int, int]]):
    """A list of spans, grown by ``append``/``extend``, that also answers ``overlaps`` in O(log n).

    A drop-in for the ``used`` lists the spec matchers pass around and test every candidate
    against (candidates × spans so far). A span with a negative start (never produced, but a
    list takes anything) turns the index off and ``overlaps`` back into the scan.
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        super().__init__()
        self._index: GrowingOverlapIndex | None = GrowingOverlapIndex()
        self.extend(spans)

    def append(self, span: tuple[int, int]) -> None:
        super().append(span)
        if self._index is not None:
            if span[0] < 0:
                self._index = None
            else:
                self._index.add(span[0], span[1])

    def extend(self, spans: Iterable[tuple[int, int]]) -> None:
        for span in spans:
            self.append(span)

    def __iadd__(self, spans: Iterable[tuple[int, int]]) -> SpanList:  # type: ignore[override, misc]
        self.extend(spans)
        return self

    def overlaps(self, start: int, end: int) -> bool:
        if self._index is None:
            return any(s < end and start < e for s, e in self)
        return self._index.overlaps(start, end)


def overlaps_any(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    """Does any span overlap ``[start, end)``? Indexed for a :class:`SpanList`, a scan otherwise."""
    if isinstance(spans, SpanList):
        return spans.overlaps(start, end)
    return any(s < end and start < e for s, e in spans)
