"""Request and response models of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from claimcheck.types import ScreenResult

MAX_TEXT_CHARS = 200_000
MAX_BATCH = 100


class ScoreRequest(BaseModel):
    """One text, or a batch of texts, to score. Nothing is recorded."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS, description="One text to score.")
    texts: list[str] | None = Field(default=None, max_length=MAX_BATCH, description="A batch of texts.")
    category: str | None = Field(default=None, description="Product category id or Chinese name.")
    sku: str | None = Field(default=None, description="Cross-check claims against this product.")

    @model_validator(mode="after")
    def _one_of(self) -> ScoreRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        for t in [self.text] if self.text is not None else self.texts or []:
            if not t.strip():
                raise ValueError("a text is empty")
            if len(t) > MAX_TEXT_CHARS:
                raise ValueError(f"a text is longer than {MAX_TEXT_CHARS} characters")
        return self


class ScoreResponse(BaseModel):
    results: list[ScreenResult]


class ScreenRequest(BaseModel):
    """A pre-broadcast script; the screening is written to the review record."""

    model_config = ConfigDict(extra="forbid")

    script: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    sku: str | None = None
    category: str | None = None
    subject: str | None = Field(default=None, max_length=200, description="Script name or id for the record.")
    broadcast_date: dt.date | None = None


class RecordedResult(BaseModel):
    record_seq: int
    result: ScreenResult


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding_index: int = Field(ge=0)
    decision: Literal["confirm", "dismiss"]
    reason: str = Field(default="", max_length=2000)
    reviewer: str = Field(min_length=1, max_length=100)


class DecisionResponse(BaseModel):
    decision_seq: int


class ErrorResponse(BaseModel):
    error: str
    detail: Any | None = None
