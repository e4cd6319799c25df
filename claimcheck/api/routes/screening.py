"""``POST /v1/screen`` and ``POST /v1/audit``: screenings and audits written to the review record.

Coroutines: uploads are read on the event loop; decoding, screening and recording run on the
worker's bounded screening pool (:func:`~claimcheck.api.deps.run_screening`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from claimcheck.api.deps import ApiKeyDep, ServicesDep, resolve_category, run_screening
from claimcheck.api.schemas import (
    FORM_DATE_SCHEMA,
    FORM_SKU_PATTERN,
    MAX_CATEGORY_CHARS,
    MAX_SKU_CHARS,
    NO_NUL,
    IsoDate,
    RecordedResult,
    ScreenRequest,
    error_responses,
)
from claimcheck.context import DocContext
from claimcheck.errors import InputError
from claimcheck.io.scripts import script_from_bytes
from claimcheck.io.transcripts import Transcript, run_sheet_from_bytes, transcript_from_bytes
from claimcheck.service import Services
from claimcheck.service.auditing import AuditOutcome, audit_transcript
from claimcheck.service.screening import ScreenOutcome, screen_script

router = APIRouter(prefix="/v1", tags=["screen and audit"])


class TooLarge(InputError):
    http_status = 413
    code = "too_large"


@router.post(
    "/screen",
    response_model=RecordedResult,
    response_model_exclude_none=True,
    summary="Screen a script and record it",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def screen(body: ScreenRequest, services: ServicesDep, _key: ApiKeyDep, request: Request) -> RecordedResult:
    category = resolve_category(services.engine, body.category)
    context = DocContext(product_category=category, sku=body.sku, broadcast_date=body.broadcast_date)
    outcome = await run_screening(
        request,
        screen_script,
        services,
        body.script,
        source=body.subject or "api",
        context=context,
        meta={"source": "api"},
    )
    assert outcome.record_seq is not None
    return RecordedResult(record_seq=outcome.record_seq, result=outcome.result)


@router.post(
    "/screen/upload",
    response_model=RecordedResult,
    response_model_exclude_none=True,
    summary="Screen an uploaded script file (txt, md or docx) and record it",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def screen_upload(
    request: Request,
    services: ServicesDep,
    _key: ApiKeyDep,
    script: Annotated[
        UploadFile,
        File(
            description="Script: .txt/.md (UTF-8, UTF-16 or GB18030) or .docx",
            examples=["家人们，这件衬衫是纯棉的，全网最低价！"],
        ),
    ],
    sku: Annotated[str | None, Form(max_length=MAX_SKU_CHARS, pattern=FORM_SKU_PATTERN)] = None,
    category: Annotated[str | None, Form(max_length=MAX_CATEGORY_CHARS, pattern=NO_NUL)] = None,
    broadcast_date: Annotated[IsoDate | None, Form(json_schema_extra=FORM_DATE_SCHEMA)] = None,
) -> RecordedResult:
    name = upload_name(script, "script.txt")
    limit = services.settings.max_input_bytes
    data = await _read(script, limit)

    def decode_and_screen() -> ScreenOutcome:  # a .docx is unzipped and parsed: CPU work too
        text = script_from_bytes(data, name, limit)
        context = DocContext(
            product_category=resolve_category(services.engine, category), sku=sku, broadcast_date=broadcast_date
        )
        return screen_script(services, text.text, source=name, context=context, meta={"source": "api", "file": name})

    outcome = await run_screening(request, decode_and_screen)
    assert outcome.record_seq is not None
    return RecordedResult(record_seq=outcome.record_seq, result=outcome.result)


def upload_name(upload: UploadFile, default: str) -> str:
    """The uploaded file's base name, safe to show and to choose a format by (never a path)."""
    name = PurePath((upload.filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())  # no NUL or control characters in the record
    if name in ("", ".", ".."):
        name = default
    return name[-100:]


async def _read(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{upload_name(upload, 'upload')}: larger than {limit} bytes")
    return data


@router.post(
    "/audit",
    response_model=RecordedResult,
    response_model_exclude_none=True,
    summary="Audit a transcript with its run sheet",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def audit(
    request: Request,
    services: ServicesDep,
    _key: ApiKeyDep,
    transcript: Annotated[
        UploadFile,
        File(
            description="SRT, WebVTT, ASR JSON or [hh:mm:ss]-stamped text",
            examples=["1\n00:00:01,000 --> 00:00:04,000\n这件衬衫是纯棉的，全网最低价！\n"],
        ),
    ],
    run_sheet: Annotated[
        UploadFile | None,
        File(description="CSV start,end,sku", examples=["start,end,sku\n00:00:00,00:10:00,CC-APP-001\n"]),
    ] = None,
    broadcast_id: Annotated[str | None, Form(max_length=200, pattern=NO_NUL)] = None,
    broadcast_date: Annotated[IsoDate | None, Form(json_schema_extra=FORM_DATE_SCHEMA)] = None,
) -> RecordedResult:
    limit = services.settings.max_input_bytes
    raw = await _read(transcript, limit)
    t = await run_screening(request, transcript_from_bytes, raw, upload_name(transcript, "transcript.srt"), limit)
    sheet = None if run_sheet is None else (await _read(run_sheet, limit), upload_name(run_sheet, "run_sheet.csv"))
    outcome = await run_screening(
        request, _audit, services, t, sheet, raw=raw, broadcast_id=broadcast_id, broadcast_date=broadcast_date
    )
    assert outcome.record_seq is not None
    return RecordedResult(record_seq=outcome.record_seq, result=outcome.result)


def _audit(
    services: Services,
    t: Transcript,
    sheet: tuple[bytes, str] | None,
    *,
    raw: bytes,
    broadcast_id: str | None,
    broadcast_date: dt.date | None,
) -> AuditOutcome:
    """Parse the run sheet and audit the transcript against it (on the screening pool)."""
    rs = None if sheet is None else run_sheet_from_bytes(sheet[0], sheet[1], services.settings.max_input_bytes)
    return audit_transcript(
        services,
        t,
        rs,
        raw=raw,
        subject=broadcast_id or t.source,
        context=DocContext(broadcast_date=broadcast_date),
        meta={"source": "api"},
    )
