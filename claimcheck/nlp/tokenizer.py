"""A spaCy tokenizer over the private jieba segmenter (for detectors that want spaCy Docs).

Importing this module imports spaCy, so only code paths that build spaCy Docs
import it; plain segmentation uses :mod:`claimcheck.nlp.segmenter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from claimcheck.nlp.segmenter import JiebaSegmenter

TOKENIZER_NAME = "claimcheck.jieba_tokenizer.v1"


class JiebaTokenizer:
    """Callable ``text -> Doc``; segmentation by a private jieba dictionary."""

    def __init__(self, vocab: Vocab, user_words: Iterable[str] = (), hmm: bool = True) -> None:
        self.vocab = vocab
        self.segmenter = JiebaSegmenter(user_words, hmm=hmm)

    def add_words(self, words: Iterable[str], freq: int | None = None) -> None:
        self.segmenter.add_words(words, freq)

    def segment(self, text: str) -> list[str]:
        return self.segmenter.segment(text)

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


def make_pipeline(user_words: Iterable[str] = (), segmenter: JiebaSegmenter | None = None) -> Language:
    """A blank spaCy Chinese pipeline whose tokenizer is a private jieba tokenizer.

    Pass ``segmenter`` to share an already loaded dictionary with the pipeline.
    """
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    tok = nlp.tokenizer
    assert isinstance(tok, JiebaTokenizer)
    if segmenter is not None:
        tok.segmenter = segmenter
    tok.add_words(user_words)
    return nlp
