"""Character n-grams cut once per text and looked up once for every loaded linear model.

Why: a screen runs two or three TF-IDF models (claim gate, classifier, factual-claim model)
over the same units. Cutting a unit into n-grams and looking each one up in a Python dict is
most of their cost, and it is the same work for each model. This module keeps one index over
the union of the models' vocabularies: a text's n-grams become an array of shared ids once
(cached), and each model turns shared ids into its own columns with one numpy take.

The index only grows (a model loaded later appends its new n-grams); a model's id map covers the
ids that existed when it registered, and later ids are simply not its features. When the index
grows, the per-text cache is cleared, since cached arrays would lack the new n-grams.

Past ``AUTOMATON_AFTER`` characters in a process, the lookup switches from cutting every n-gram
and probing the dict to one pyahocorasick pass over the text that reports only the vocabulary's
n-grams (about 4x faster on real speech). Building the automaton takes about 0.1 s, which a
three-line screen should not pay, hence the switch. Both give the same multiset of ids: every
n-gram of a model's vocabulary has a length inside that model's n-gram range, and an automaton
reports every occurrence of every key, overlapping ones included.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import repeat

import ahocorasick
import numpy as np

_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's char analyzer collapses runs of white space
_LOCK = threading.Lock()
_IDS: dict[str, int] = {}  # every registered n-gram → its shared id
AUTOMATON_AFTER = 20_000  # characters looked up by probing before the automaton is built


class _State:
    automaton: ahocorasick.Automaton | None = None
    chars = 0  # characters looked up so far


_state = _State()


def _analyzed(raw: str, lower: bool) -> str:
    return _WHITE_SPACES.sub(" ", raw.lower() if lower else raw)


def char_grams(raw: str, lo: int, hi: int, lower: bool) -> list[str]:
    """The character n-grams scikit-learn's ``analyzer="char"`` makes of ``raw``, in its order."""
    text = _analyzed(raw, lower)
    n_chars = len(text)
    return [text[i : i + n] for n in range(lo, min(hi, n_chars) + 1) for i in range(n_chars - n + 1)]


@lru_cache(maxsize=4096)
def shared_ids(raw: str, lo: int, hi: int, lower: bool) -> np.ndarray:
    """Shared ids of the n-grams of ``raw`` that some registered model knows (repeats kept)."""
    automaton = _automaton(len(raw))
    if automaton is not None:
        return np.array([v for _, v in automaton.iter(_analyzed(raw, lower))], dtype=np.int64)
    grams = char_grams(raw, lo, hi, lower)
    ids = np.fromiter(map(_IDS.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
    return ids[ids >= 0]


def register(terms: list[str]) -> np.ndarray:
    """Add a model's vocabulary to the index; its map from shared id to the model's column (-1: not one)."""
    with _LOCK:
        before = len(_IDS)
        for t in terms:
            if t not in _IDS:
                _IDS[t] = len(_IDS)
        if len(_IDS) != before:
            shared_ids.cache_clear()
            _state.automaton = None
        to_col = np.full(len(_IDS), -1, dtype=np.int64)
        to_col[np.fromiter((_IDS[t] for t in terms), dtype=np.int64, count=len(terms))] = np.arange(len(terms))
        return to_col


def columns(ids: np.ndarray, to_col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A model's columns for shared ids, and which of ``ids`` they come from (unknown ids are dropped)."""
    known = ids < len(to_col)
    cols = np.full(len(ids), -1, dtype=np.int64)
    cols[known] = to_col[ids[known]]
    keep = cols >= 0
    return cols[keep], keep


def _automaton(n_chars: int) -> ahocorasick.Automaton | None:
    """The automaton over every registered n-gram, once enough text has been looked up to pay for it."""
    if _state.automaton is not None or not _IDS:
        return _state.automaton
    _state.chars += n_chars
    if _state.chars < AUTOMATON_AFTER:
        return None
    with _LOCK:
        if _state.automaton is None:
            built = ahocorasick.Automaton()
            for gram, i in _IDS.items():
                built.add_word(gram, i)
            built.make_automaton()
            _state.automaton = built
    return _state.automaton
