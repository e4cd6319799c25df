"""``POST /v1/screen`` and ``POST /v1/audit``: screenings and audits written to the review record."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from claimcheck.api.deps import ApiKeyDep, ServicesDep, resolve_category
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
from claimcheck.io.transcripts import run_sheet_from_bytes, transcript_from_bytes
from claimcheck.service.auditing import audit_transcript
from claimcheck.service.screening import screen_script

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
def screen(body: ScreenRequest, services: ServicesDep, _key: ApiKeyDep) -> RecordedResult:
    category = resolve_category(services.engine, body.category)
    context = DocContext(product_category=category, sku=body.sku, broadcast_date=body.broadcast_date)
    outcome = screen_script(
        services, body.script, source=body.subject or "api", context=context, meta={"source": "api"}
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
    text = script_from_bytes(
        await _read(script, services.settings.max_input_bytes), name, services.settings.max_input_bytes
    )
    context = DocContext(
        product_category=resolve_category(services.engine, category), sku=sku, broadcast_date=broadcast_date
    )
    outcome = await run_in_threadpool(
        screen_script, services, text.text, source=name, context=context, meta={"source": "api", "file": name}
    )
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
    t = transcript_from_bytes(raw, upload_name(transcript, "transcript.srt"), limit)
    rs = None
    if run_sheet is not None:
        rs = run_sheet_from_bytes(await _read(run_sheet, limit), upload_name(run_sheet, "run_sheet.csv"), limit)
    outcome = await run_in_threadpool(
        audit_transcript,
        services,
        t,
        rs,
        raw=raw,
        subject=broadcast_id or t.source,
        context=DocContext(broadcast_date=broadcast_date),
        meta={"source": "api"},
    )
    assert outcome.record_seq is not None
    return RecordedResult(record_seq=outcome.record_seq, result=outcome.result)
