"""Word segmentation with a private ``jieba.Tokenizer`` (no spaCy needed).

spaCy's own Chinese segmenter uses the global ``jieba`` module, so words added for
one lexicon leak into every other user in the process. This segmenter owns its
``jieba.Tokenizer``; lexicon terms are added to it alone so segmentation never
splits a term the lexicon knows. The dictionary is loaded on first use, so a
screening that never needs tokens never pays for it. jieba caches its parsed dictionary
in claimcheck's cache folder (``CLAIMCHECK_CACHE_DIR``), not the system temp folder, where
a server's upload spool lives; with no cache folder it falls back to jieba's default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import jieba

from claimcheck.paths import default_cache_dir

logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its cache build at DEBUG


class JiebaSegmenter:
    def __init__(self, user_words: Iterable[str] = (), hmm: bool = True) -> None:
        self.hmm = hmm
        self._jieba = jieba.Tokenizer()
        cache = default_cache_dir()
        if cache is not None:
            try:
                cache.mkdir(parents=True, exist_ok=True)
                self._jieba.tmp_dir = str(cache)
            except OSError:  # a read-only home: jieba's default (the temp folder) still works
                pass
        self._pending = list(dict.fromkeys(w for w in user_words if w.strip()))
        self._ready = False

    def add_words(self, words: Iterable[str], freq: int | None = None) -> None:
        """Add words to this segmenter's dictionary only (never the global one)."""
        for w in words:
            if not w.strip():
                continue
            if self._ready:
                self._jieba.add_word(w, freq)
            else:
                self._pending.append(w)

    def _ensure_ready(self) -> None:
        if not self._ready:
            self._jieba.initialize()
            for w in self._pending:
                self._jieba.add_word(w)
            self._pending.clear()
            self._ready = True

    def segment(self, text: str) -> list[str]:
        self._ensure_ready()
        return list(self._jieba.cut(text, HMM=self.hmm))

    def token_starts(self, text: str, offset: int = 0) -> list[int]:
        """Start offsets of the tokens of ``text``, shifted by ``offset``."""
        starts: list[int] = []
        pos = offset
        for word in self.segment(text):
            starts.append(pos)
            pos += len(word)
        return starts
