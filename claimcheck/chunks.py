"""Where a long text can be cut so that its pieces screen exactly as the whole does.

Screening a whole document at once holds per-character arrays, every claim unit and the
classifier's feature matrix for all of it together (about 150 bytes per character: a 50 MB
script took GBs). Screened in pieces, memory is bounded by the piece. A cut is safe at a line
start whose line begins with a letter, digit or Chinese character:

* nothing the detectors match crosses a line break: lexicon terms, efficacy words and pattern
  rules work within sentences and ``\\n`` ends one in every view;
* claim units end at a line break, and the unit splitter attaches a following piece to the unit
  before it only when that piece has no letter or digit, which a line starting with one has not;
* the context step reads windows that stop at clause and sentence ends.

Spec cross-checks read across lines and per product section, so texts with products are never cut.
"""

from __future__ import annotations

import re

_SAFE_CUT = re.compile(r"\n(?=[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff])")


def chunk_bounds(text: str, target: int) -> list[tuple[int, int]]:
    """``(start, end)`` pieces covering ``text``, each cut at the first safe line start past ``target`` characters.

    A text no longer than ``target``, or with no safe cut, is one piece.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > target:
        m = _SAFE_CUT.search(text, start + target - 1)  # the "\n" may be the piece's last character
        if m is None:
            break
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds
