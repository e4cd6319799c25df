"""Request and response models of the HTTP API, and its one error model.

The documented schema must say what the handlers accept: a request the schema
allows is processed (or refused only for what a schema cannot know, such as an
unknown SKU), and one it forbids is refused with 422. schemathesis checks both in CI.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from claimcheck.types import ScreenResult

MAX_TEXT_CHARS = 200_000
MAX_BATCH = 100
MAX_SKU_CHARS = 64  # the product store's SKU column
MAX_CATEGORY_CHARS = 64
#: White space as Python's str.isspace() (and so str.strip()) has it, spelled out: "\s" means a
#: different set in JSON Schema's ECMA regexes (no U+0085, no U+001C-U+001F) and in Rust's (pydantic).
WHITE_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: a SKU as the product store keeps it: no white space, no NUL (PostgreSQL cannot store one)
SKU_PATTERN = rf"^[^\x00{WHITE_SPACE}]+$"
#: free text that goes to a database column
NO_NUL = r"^[^\x00]*$"
# A form field sent empty counts as not sent (FastAPI's form parsing), so the form schemas allow "".
FORM_SKU_PATTERN = rf"^[^\x00{WHITE_SPACE}]*$"
FORM_DATE_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}],
    "description": "YYYY-MM-DD (empty: today).",
}
#: a text with something to screen: one character that is not white space
NOT_BLANK = rf"[^{WHITE_SPACE}]"
_NOT_BLANK = re.compile(NOT_BLANK)

#: review-record entries are numbered from 1 in an INTEGER column, 32 bits on PostgreSQL: a larger
#: number names no entry (and must never reach the database, which would refuse it with an error)
MAX_SEQ = 2**31 - 1
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS, pattern=NOT_BLANK)]


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD, as the schema's ``format: date`` says: pydantic alone also reads 0 or "0" as 1970-01-01."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _one_of_text_or_texts(schema: dict[str, Any]) -> None:
    """Document the rule the validator enforces: exactly one of ``text`` and ``texts`` (never null)."""
    props = schema.pop("properties")
    schema.pop("required", None)
    schema.pop("additionalProperties", None)
    text = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS, "pattern": NOT_BLANK}
    common = {k: v for k, v in props.items() if k not in ("text", "texts")}
    variants = (
        ("text", {**text, "description": "One text to score."}),
        ("texts", {"type": "array", "items": text, "maxItems": MAX_BATCH, "description": "A batch of texts."}),
    )
    schema["anyOf"] = [
        {"type": "object", "properties": {name: prop, **common}, "required": [name], "additionalProperties": False}
        for name, prop in variants
    ]


class ScoreRequest(BaseModel):
    """One text, or a batch of texts, to score. Nothing is recorded."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re", json_schema_extra=_one_of_text_or_texts)

    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS, description="One text to score.")
    texts: list[str] | None = Field(default=None, max_length=MAX_BATCH, description="A batch of texts.")
    category: str | None = Field(
        default=None, max_length=MAX_CATEGORY_CHARS, pattern=NO_NUL, description="Product category id or Chinese name."
    )
    sku: str | None = Field(
        default=None,
        max_length=MAX_SKU_CHARS,
        pattern=SKU_PATTERN,
        description="Cross-check claims against this product.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_null_text(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in ("text", "texts"):
                if name in data and data[name] is None:
                    raise ValueError(f"'{name}' must not be null; give exactly one of 'text' or 'texts'")
        return data

    @model_validator(mode="after")
    def _one_of(self) -> ScoreRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        for t in [self.text] if self.text is not None else self.texts or []:
            if not _NOT_BLANK.search(t):
                raise ValueError("a text is empty")
            if len(t) > MAX_TEXT_CHARS:
                raise ValueError(f"a text is longer than {MAX_TEXT_CHARS} characters")
        return self


class ScoreResponse(BaseModel):
    results: list[ScreenResult]


class ScreenRequest(BaseModel):
    """A pre-broadcast script; the screening is written to the review record."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # NOT_BLANK as Python reads it

    script: Text = Field(min_length=1)
    sku: str | None = Field(default=None, max_length=MAX_SKU_CHARS, pattern=SKU_PATTERN)
    category: str | None = Field(default=None, max_length=MAX_CATEGORY_CHARS, pattern=NO_NUL)
    subject: str | None = Field(
        default=None, max_length=200, pattern=NO_NUL, description="Script name or id for the record."
    )
    broadcast_date: IsoDate | None = None


class RecordedResult(BaseModel):
    record_seq: int
    result: ScreenResult


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding_index: int = Field(ge=0, le=1_000_000)
    decision: Literal["confirm", "dismiss"]
    reason: str = Field(default="", max_length=2000)
    reviewer: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Optional: decisions are recorded as the API key's name; when given, it must be that name.",
    )
    supersedes: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SEQ,
        description="The decision entry this one replaces; required once the finding has a decision (409 otherwise).",
    )


class DecisionResponse(BaseModel):
    decision_seq: int


class ProductSummary(BaseModel):
    sku: str
    name: str
    category: str


class ErrorDetail(BaseModel):
    field: str = Field(description="Where: a dotted path into the body, or a parameter's name ('' for the whole body).")
    message: str


class ErrorResponse(BaseModel):
    """Every error answer of the API, whatever its status."""

    error: str = Field(description="One line for people; never a stack trace or a server path.")
    code: str = Field(
        description="Stable machine code: invalid_input, bad_request, unauthorized, forbidden, not_found, "
        "method_not_allowed, too_large, conflict, integrity, unavailable, internal, …"
    )
    detail: list[ErrorDetail] | None = Field(default=None, description="Each invalid field (request validation only).")


_ERROR_MEANINGS = {
    400: "The body cannot be parsed (not UTF-8 JSON, or a malformed multipart form).",
    401: "No API key, or an invalid or revoked one.",
    403: "The API key lacks the scope this route needs.",
    404: "A named SKU, review-record entry or key does not exist.",
    409: "The request contradicts the review record's state, or the record is damaged.",
    413: "The request body is larger than the configured limit.",
    422: "The request or an uploaded file is invalid; `detail` names each invalid field.",
    503: "The database cannot be reached or used right now.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, all with :class:`ErrorResponse`."""
    return {s: {"model": ErrorResponse, "description": _ERROR_MEANINGS[s]} for s in statuses}


PAGE_HEADERS = {
    "X-Total-Count": {"description": "Items matching the query, on every page.", "schema": {"type": "integer"}},
    "Link": {
        "description": 'RFC 8288 link to the next page (rel="next"), when there is one.',
        "schema": {"type": "string"},
    },
}
