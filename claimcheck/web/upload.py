"""``/upload``: screen a script or audit a broadcast transcript, then open its result page.

Two forms on one page. A script (.txt, .md or .docx; UTF-8, UTF-16 or GB18030) with an optional
SKU, product category and broadcast date is screened by
:func:`claimcheck.service.screening.screen_script`; a transcript (.srt, .vtt, ASR .json or
``[hh:mm:ss]`` text) with an optional run sheet (CSV ``start,end,sku``), broadcast id and date is
audited by :func:`claimcheck.service.auditing.audit_transcript`: the same readers
(:mod:`claimcheck.io`) and service functions the HTTP API uses. The entry records the signed-in
user in its meta (``uploaded_by``, ``uploaded_via`` "web-session"); the browser is then sent to
``/screenings/{seq}`` or ``/audits/{seq}``.

Decoding and screening run on the worker's bounded screening pool (as the API's do), so the
event loop keeps answering while a long script is screened. A file that is too large, empty,
binary, of the wrong kind or unreadable, an unknown SKU or category, and a bad run sheet all
answer the form again with the reason in Chinese (status 413 or 422), never a 500. A request
body larger than the service's limit is refused by the API's body limit before it reaches the
page; ``upload.js`` checks the size in the browser first so that a person sees the form's message.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import functools
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from claimcheck.context import DocContext
from claimcheck.errors import ClaimcheckError, ConfigError, InputError, NotFoundError, UnavailableError
from claimcheck.io.scripts import script_from_bytes
from claimcheck.io.text import human_size, upload_source
from claimcheck.io.transcripts import Transcript, run_sheet_from_bytes, transcript_from_bytes
from claimcheck.lexicons import LexiconError
from claimcheck.service import Services, products
from claimcheck.service.auditing import audit_transcript
from claimcheck.service.screening import screen_script
from claimcheck.service.users import VIA_WEB, WebUser
from claimcheck.web.auth import CurrentUser, services_of
from claimcheck.web.render import flash, render
from claimcheck.web.routing import web_router

router = web_router()

T = TypeVar("T")

SCRIPT_SUFFIXES = (".txt", ".md", ".markdown", ".docx")
TRANSCRIPT_SUFFIXES = (".srt", ".vtt", ".json", ".txt")
RUN_SHEET_SUFFIXES = (".csv", ".txt")
#: more products than this and the SKU field offers no list (the page would grow too large)
MAX_SKU_CHOICES = 2000
MAX_FIELD = 200


class UploadProblem(Exception):
    """Something about the upload the person can fix: the form again with ``message``."""

    def __init__(self, message: str, status_code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


async def on_screening_pool(request: Request, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` on the worker's screening pool (the API's), or a thread when there is none."""
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    pool = getattr(request.app.state, "screening_pool", None)
    if pool is None:
        return await run_in_threadpool(call)
    return await asyncio.get_running_loop().run_in_executor(pool, call)


# ---------------------------------------------------------------------------- the form
def _form_context(services: Services, kind: str = "", error: str = "", values: dict[str, str] | None = None) -> dict:
    summaries = products.product_summaries(services)
    categories = products.category_names(services)
    return {
        "kind": kind,
        "error": error,
        "values": values or {},
        "categories": categories,
        "skus": summaries if len(summaries) <= MAX_SKU_CHOICES else [],
        "max_bytes": services.settings.max_input_bytes,
        "max_size": human_size(services.settings.max_input_bytes),
        "script_accept": ",".join(SCRIPT_SUFFIXES),
        "transcript_accept": ",".join(TRANSCRIPT_SUFFIXES),
        "run_sheet_accept": ",".join(RUN_SHEET_SUFFIXES),
        "active": "upload",
    }


def _form_page(
    request: Request, kind: str = "", error: str = "", values: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    context = _form_context(services_of(request), kind, error, values)
    return render(request, "upload.html.j2", context, status_code=status_code)


@router.get("/upload")
def upload_form(request: Request, user: CurrentUser) -> Response:
    return _form_page(request)


# ---------------------------------------------------------------------------- reading the form
def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if len(value) > MAX_FIELD or "\x00" in value:
        raise UploadProblem("表单内容过长或含有不可用的字符。")
    return value


def _date(form: FormData, name: str) -> dt.date | None:
    value = _text(form, name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UploadProblem(f"日期“{value[:20]}”不是有效日期，请按 年-月-日 填写（如 2026-12-01）。") from None


def _file(form: FormData, name: str, what: str, suffixes: tuple[str, ...], *, required: bool) -> UploadFile | None:
    value = form.get(name)
    if not isinstance(value, UploadFile) or not (value.filename or "").strip():
        if required:
            raise UploadProblem(f"请选择要上传的{what}。")
        return None
    suffix = PurePath(upload_source(value.filename, "")).suffix.lower()
    if suffix == ".doc":
        raise UploadProblem(f"{what}不支持旧版 Word .doc 格式，请另存为 .docx 或 .txt 后上传。")
    if suffix not in suffixes:
        raise UploadProblem(
            f"{what}只支持 {'、'.join(suffixes)} 文件（收到的是“{upload_source(value.filename, '')}”）。"
        )
    return value


async def _read(upload: UploadFile, limit: int, what: str) -> tuple[bytes, str]:
    name = upload_source(upload.filename, "upload.txt")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise UploadProblem(f"{what}“{name}”超过 {human_size(limit)} 上限，请拆分后再上传。", 413)
    if not data.strip():
        raise UploadProblem(f"{what}“{name}”是空文件，没有可检查的内容。")
    return data, name


def _problem(exc: ClaimcheckError, what: str) -> UploadProblem:
    """A reader's or the service's refusal as the form's message (the readers' messages are Chinese first)."""
    message = exc.message
    if isinstance(exc, NotFoundError):
        return UploadProblem(f"{what}：{message}")
    return UploadProblem(message if any("\u4e00" <= ch <= "\u9fff" for ch in message) else f"{what}无法读取：{message}")


def _meta(user: WebUser, name: str) -> dict[str, Any]:
    return {"source": "web", "file": name, "uploaded_by": user.name, "uploaded_via": VIA_WEB}


# ---------------------------------------------------------------------------- screening a script
async def _screen(request: Request, services: Services, user: WebUser, form: FormData) -> tuple[str, int]:
    upload = _file(form, "script", "话术脚本", SCRIPT_SUFFIXES, required=True)
    assert upload is not None
    sku = _text(form, "sku") or None
    category_value = _text(form, "category") or None
    broadcast_date = _date(form, "broadcast_date")
    if sku is not None:
        if any(ch.isspace() for ch in sku) or len(sku) > 64:
            raise UploadProblem("SKU 不能含空格，最长 64 个字符。")
        try:
            products.get_product(services, sku)
        except products.UnknownProduct:
            raise UploadProblem(f"商品库中没有 SKU“{sku}”。请检查 SKU，或留空后上传。") from None
    limit = services.settings.max_input_bytes
    data, name = await _read(upload, limit, "话术脚本")

    def decode_and_screen() -> int | None:
        try:
            category = services.engine.lexicon.resolve_product_category(category_value)
        except LexiconError:
            raise UploadProblem(f"未知的商品类别“{category_value}”。") from None
        try:
            text = script_from_bytes(data, name, limit)
        except InputError as exc:
            raise _problem(exc, "话术脚本") from None
        context = DocContext(product_category=category, sku=sku, broadcast_date=broadcast_date)
        outcome = screen_script(services, text.text, source=name, context=context, meta=_meta(user, name))
        return outcome.record_seq

    seq = await on_screening_pool(request, decode_and_screen)
    assert seq is not None
    return "screening", seq


# ---------------------------------------------------------------------------- auditing a transcript
async def _audit(request: Request, services: Services, user: WebUser, form: FormData) -> tuple[str, int]:
    upload = _file(form, "transcript", "直播字幕", TRANSCRIPT_SUFFIXES, required=True)
    sheet_upload = _file(form, "run_sheet", "排品表", RUN_SHEET_SUFFIXES, required=False)
    assert upload is not None
    broadcast_id = _text(form, "broadcast_id") or None
    broadcast_date = _date(form, "broadcast_date")
    limit = services.settings.max_input_bytes
    raw, name = await _read(upload, limit, "直播字幕")
    sheet = await _read(sheet_upload, limit, "排品表") if sheet_upload is not None else None

    def parse_and_audit() -> int | None:
        try:
            transcript: Transcript = transcript_from_bytes(raw, name, limit)
        except InputError as exc:
            raise _problem(exc, "直播字幕") from None
        try:
            run_sheet = run_sheet_from_bytes(sheet[0], sheet[1], limit) if sheet is not None else None
        except InputError as exc:
            raise _problem(exc, "排品表") from None
        meta = _meta(user, name) | ({"run_sheet_file": sheet[1]} if sheet is not None else {})
        outcome = audit_transcript(
            services,
            transcript,
            run_sheet,
            raw=raw,
            subject=broadcast_id or name,
            context=DocContext(broadcast_date=broadcast_date),
            meta=meta,
        )
        return outcome.record_seq

    seq = await on_screening_pool(request, parse_and_audit)
    assert seq is not None
    return "audit", seq


RESULT_PATHS = {"screening": "/screenings", "audit": "/audits"}
DONE = {"screening": "话术筛查完成", "audit": "直播审核完成"}


@router.post("/upload")
async def upload(request: Request, user: CurrentUser) -> Response:
    services = services_of(request)
    form = await request.form()  # parsed once (the CSRF check read it already)
    kind = "transcript" if form.get("kind") == "transcript" else "script"
    values = {
        k: v[:MAX_FIELD]
        for k in ("sku", "category", "broadcast_date", "broadcast_id")
        if isinstance(v := form.get(k), str)
    }
    try:
        if kind == "script":
            record_kind, seq = await _screen(request, services, user, form)
        else:
            record_kind, seq = await _audit(request, services, user, form)
    except UploadProblem as exc:
        return _form_page(request, kind, exc.message, values, exc.status_code)
    except (UnavailableError, ConfigError):
        raise  # the routing layer's "服务暂时不可用" page
    except ClaimcheckError as exc:
        problem = _problem(exc, "话术脚本" if kind == "script" else "直播字幕")
        return _form_page(request, kind, problem.message, values, exc.http_status if exc.http_status < 500 else 422)
    response = RedirectResponse(f"{RESULT_PATHS[record_kind]}/{seq}", status_code=303)
    flash(request, response, f"{DONE[record_kind]}：已记入台账第 {seq} 条。", "success")
    return response
