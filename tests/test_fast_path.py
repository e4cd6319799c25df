"""The fast path gives exactly the findings of the reference path it replaces.

Fast: n-grams looked up once for all models (dict probing, then an automaton), TF-IDF counted
with numpy, pattern rules matched only on sentences whose anchor words are all present and only
for the rules those words belong to. Reference: scikit-learn's own vectorizer, and every sentence
segmented and run through one Matcher holding every rule. Compared on a sample of the corpus (its
own product category), the bundled examples (script and speech), and each unit alone.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from claimcheck.classifier import ngrams
from claimcheck.classifier.linear import LinearModel
from claimcheck.context import DocContext
from claimcheck.corpus import load_units
from claimcheck.detectors.patterns import PatternDetector, import_matcher, split_numbers
from claimcheck.nlp.units import SENTENCE_END
from claimcheck.paths import REPO_ROOT

EXAMPLES = REPO_ROOT / "data" / "examples"


def _reference_patterns(self: PatternDetector, doc) -> list:
    """Every sentence segmented and matched against every rule, then filtered by product scope."""
    light = doc.norm.light
    text = light.text
    vocab, matcher = self._spacy()
    Doc = import_matcher()[2]
    bounds = [0] + [i + 1 for i, ch in enumerate(text) if ch in SENTENCE_END] + [len(text)]
    findings = []
    for s_start, s_end in itertools.pairwise(bounds):
        if s_end <= s_start:
            continue
        words = split_numbers(doc.pipeline.segmenter.segment(text[s_start:s_end]))
        starts, pos = [], s_start
        for w in words:
            starts.append(pos)
            pos += len(w)
        for match_id, t_start, t_end in matcher(Doc(vocab, words=words, spaces=[False] * len(words))):
            rule = self._by_id[vocab.strings[match_id]]
            if rule.active(doc.product_category):
                o_start, o_end = light.to_original(starts[t_start], starts[t_end - 1] + len(words[t_end - 1]))
                findings.append(self._finding(doc, rule, o_start, o_end))
    return findings


def _cases() -> list[tuple[str, DocContext]]:
    units = load_units()
    sample = units.iloc[::12]  # about 1,100 units of every style and category
    cases = [(str(r.text), DocContext(product_category=r.product_category)) for r in sample.itertuples()]
    for name in ("script_example.txt", "script_products.txt"):
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        cases += [(text, DocContext()), (text, DocContext(medium="speech"))]
    return cases


def _screen_all(engine, cases) -> list[list[dict]]:
    return [[dataclasses.asdict(f) for f in engine.screen(t, c).findings] for t, c in cases]


@pytest.mark.parametrize("after", [0, 10**12], ids=["automaton", "probe"])
def test_fast_path_findings_equal_the_reference_path(engine, monkeypatch, after: int) -> None:
    cases = _cases()
    monkeypatch.setattr(ngrams, "AUTOMATON_AFTER", after)
    monkeypatch.setattr(ngrams, "_state", ngrams._State())
    ngrams.shared_ids.cache_clear()
    fast = _screen_all(engine, cases)
    with monkeypatch.context() as m:
        m.setattr(LinearModel, "transform", LinearModel.reference_transform)
        m.setattr(PatternDetector, "analyze", _reference_patterns)
        reference = _screen_all(engine, cases)
    assert sum(map(len, fast)) > 200  # the comparison covers many findings, of every detector
    assert {f["detector"] for fs in fast for f in fs} >= {"lexicon", "exaggeration", "patterns"}
    for (text, _), got, want in zip(cases, fast, reference, strict=True):
        assert got == want, text[:80]
