"""A spaCy tokenizer backed by a private ``jieba.Tokenizer``.

spaCy's own Chinese jieba segmenter uses the global ``jieba`` module, so words
added for one lexicon leak into every other user in the process (tests, API
requests with another lexicon). This tokenizer owns its ``jieba.Tokenizer``;
lexicon terms are added to it alone so segmentation never splits a term the
lexicon knows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

TOKENIZER_NAME = "claimcheck.jieba_tokenizer.v1"
logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its cache build at DEBUG


class JiebaTokenizer:
    """Callable ``text -> Doc``; segmentation by a private jieba dictionary."""

    def __init__(self, vocab: Vocab, user_words: Iterable[str] = (), hmm: bool = True) -> None:
        self.vocab = vocab
        self.hmm = hmm
        self._jieba = jieba.Tokenizer()
        self._pending = list(dict.fromkeys(w for w in user_words if w.strip()))
        self._ready = False

    def add_words(self, words: Iterable[str], freq: int | None = None) -> None:
        """Add words to this tokenizer's dictionary only (never the global one)."""
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

    def __call__(self, text: str) -> Doc:
        words = self.segment(text)
        return Doc(self.vocab, words=words, spaces=[False] * len(words))

    # spaCy serialisation hooks: the dictionary is rebuilt from the lexicon, not pickled.
    def to_bytes(self, **_: object) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_: object) -> JiebaTokenizer:
        return self

    def to_disk(self, _path: object, **_: object) -> None:
        return None

    def from_disk(self, _path: object, **_: object) -> JiebaTokenizer:
        return self


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_jieba_tokenizer(hmm: bool = True) -> Callable[[Language], JiebaTokenizer]:
    def make(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, hmm=hmm)

    return make


def make_pipeline(user_words: Iterable[str] = ()) -> Language:
    """A blank spaCy Chinese pipeline whose tokenizer is a private jieba tokenizer."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    tok = nlp.tokenizer
    assert isinstance(tok, JiebaTokenizer)
    tok.add_words(user_words)
    return nlp
