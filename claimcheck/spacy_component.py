"""A spaCy pipeline component: ``nlp.add_pipe("claimcheck")`` screens each Doc's text.

Registered as the ``claimcheck`` factory (the ``spacy_factories`` entry point in pyproject.toml makes
it known to spaCy without an import; importing this module registers it too). Findings become spans
in ``doc.spans["claimcheck"]``, labelled with their category. The span group's ``attrs`` hold the
document's ``verdict`` and each finding's plain fields (``findings``, in span order). A finding whose
characters do not line up with the Doc's tokens gets the smallest span of tokens that covers it.

    nlp = spacy.blank("zh")
    nlp.add_pipe("claimcheck", config={"category": "food"})
    doc = nlp("全网最低价，能治失眠")
    [(s.text, s.label_) for s in doc.spans["claimcheck"]]
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.public import default_engine

SPAN_KEY = "claimcheck"


class ClaimcheckComponent:
    def __init__(self, engine: Engine | None = None, category: str | None = None, span_key: str = SPAN_KEY) -> None:
        self._engine = engine
        self.category = category
        self.span_key = span_key

    @property
    def engine(self) -> Engine:
        return self._engine or default_engine()

    def __call__(self, doc: Doc) -> Doc:
        result = self.engine.screen(doc.text, DocContext(product_category=self.category))
        spans: list[Span] = []
        findings: list[dict[str, Any]] = []
        for f in result.findings:
            span = doc.char_span(f.start, f.end, label=str(f.category), alignment_mode="expand")
            if span is None:
                continue
            spans.append(span)
            findings.append(f.to_dict())
        doc.spans[self.span_key] = spans
        doc.spans[self.span_key].attrs.update({"verdict": str(result.verdict), "findings": findings})
        return doc


@Language.factory(
    "claimcheck", default_config={"category": None, "span_key": SPAN_KEY}, requires=[], assigns=["doc.spans"]
)
def make_claimcheck(nlp: Language, name: str, category: str | None, span_key: str) -> ClaimcheckComponent:
    """The factory spaCy calls for ``nlp.add_pipe("claimcheck")``: screens with the default engine."""
    return ClaimcheckComponent(category=category, span_key=span_key)
