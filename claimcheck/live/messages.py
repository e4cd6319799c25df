"""The live messages (JSON objects), one format for the CLI and the WebSocket.

In: ``segment`` (recognised speech; ``final: false`` partials are replaced by the final one),
``product`` (the SKU on sale from ``at_ms``), ``runsheet`` (every slot at once), ``webhook`` (where
to POST alerts for blocking findings) and ``end``.
Out: ``finding`` (the finding contract plus ``seq``), ``error`` (the stream goes on) and ``recorded``.

:func:`parse_message` never raises: anything malformed becomes an :class:`ErrorMessage`.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from claimcheck import safejson
from claimcheck.errors import describe_validation_errors
from claimcheck.io.cues import MAX_TIME_MS

#: one segment's text; recognisers send a sentence or two at a time
MAX_SEGMENT_CHARS = 2000
MAX_SKU_CHARS = 100
MAX_MESSAGE_BYTES = 64 * 1024

TimeMs = Annotated[int, Field(ge=0, le=MAX_TIME_MS, strict=True)]
Sku = Annotated[str, Field(min_length=1, max_length=MAX_SKU_CHARS, pattern=r"^[^\x00-\x1f\x7f]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Segment(_In):
    type: Literal["segment"]
    start_ms: TimeMs
    end_ms: TimeMs
    text: Annotated[str, Field(max_length=MAX_SEGMENT_CHARS)]
    final: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Segment:
        if self.end_ms < self.start_ms:
            raise ValueError(f"end_ms {self.end_ms} before start_ms {self.start_ms}")
        return self


class Product(_In):
    type: Literal["product"]
    sku: Sku
    at_ms: TimeMs


class RunSheetRow(_In):
    start_ms: TimeMs
    end_ms: TimeMs
    sku: Sku

    @model_validator(mode="after")
    def _ordered(self) -> RunSheetRow:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"end_ms {self.end_ms} is not after start_ms {self.start_ms}")
        return self


class RunSheetMessage(_In):
    type: Literal["runsheet"]
    rows: Annotated[list[RunSheetRow], Field(min_length=1, max_length=10_000)]

    @model_validator(mode="after")
    def _no_overlap(self) -> RunSheetMessage:
        rows = sorted(self.rows, key=lambda r: r.start_ms)
        for prev, cur in itertools.pairwise(rows):
            if cur.start_ms < prev.end_ms:
                raise ValueError(f"slot {cur.start_ms}–{cur.end_ms} ({cur.sku}) overlaps {prev.start_ms}–{prev.end_ms}")
        return self


class End(_In):
    type: Literal["end"]


class Webhook(_In):
    """Where to POST alerts for this broadcast's blocking findings (docs/LIVE.md)."""

    type: Literal["webhook"]
    url: Annotated[str, Field(min_length=1, max_length=2000)]


Message = Segment | Product | RunSheetMessage | Webhook | End
_ADAPTER: TypeAdapter[Message] = TypeAdapter(Annotated[Message, Field(discriminator="type")])
TYPES = ("segment", "product", "runsheet", "webhook", "end")


class ErrorMessage(BaseModel):
    """``{"type": "error", "code", "message"}``: one bad message; the stream continues."""

    type: Literal["error"] = "error"
    code: str
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse_message(raw: str | bytes | dict[str, Any]) -> Message | ErrorMessage:
    """One message from a JSON text (or an already decoded object); an ErrorMessage for anything malformed."""
    if isinstance(raw, str | bytes):
        if len(raw) > MAX_MESSAGE_BYTES:
            return ErrorMessage(code="too_large", message=f"message larger than {MAX_MESSAGE_BYTES} bytes")
        try:
            obj = safejson.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            return ErrorMessage(code="invalid_json", message=f"not JSON: {exc}")
    else:
        obj = raw
    if not isinstance(obj, dict):
        return ErrorMessage(code="invalid_message", message='a message is a JSON object with a "type"')
    kind = obj.get("type")
    if kind not in TYPES:
        return ErrorMessage(
            code="invalid_message",
            message=f"unknown message type {str(kind)[:40]!r} (expected one of {', '.join(TYPES)})",
        )
    try:
        return _ADAPTER.validate_python(obj)
    except ValidationError as exc:
        detail = describe_validation_errors(exc.errors(include_url=False), skip=(str(kind),))
        return ErrorMessage(code="invalid_message", message=f"{kind}: {detail}")
