"""``/export``: the review record as Excel, for a date range, a SKU or a reviewer; and one record.

``GET /export`` is the form; it sends ``GET /export/ledger.xlsx?from=&to=&sku=&reviewer=`` (all
optional; dates are whole local days, inclusive), which answers the workbook of
:func:`claimcheck.service.exports.ledger_workbook`: Chinese headers, real date cells, column
widths, autofilters, and a first sheet saying who exported what and whether the record verified.
Bad fields answer the form again with the reason. ``GET /screenings/{seq}/export.xlsx`` (and
``/audits/{seq}/export.xlsx``) answers one record's findings with their decisions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request, Response

from claimcheck.errors import InputError, NotFoundError
from claimcheck.ledger.workbook import XLSX_MEDIA_TYPE
from claimcheck.service import exports, products, worklist
from claimcheck.service.exports import Workbook
from claimcheck.web.auth import CurrentUser, services_of
from claimcheck.web.render import error_page, render
from claimcheck.web.routing import web_router

router = web_router()

MAX_FIELD = 100


def xlsx_response(book: Workbook) -> Response:
    """The workbook as a download: its media type and an attachment file name."""
    disposition = f"attachment; filename=\"{book.filename}\"; filename*=UTF-8''{quote(book.filename)}"
    headers = {"Content-Disposition": disposition}
    if book.report is not None:
        headers["X-Claimcheck-Ledger-Verified"] = "true" if book.report.ok else "false"
    return Response(book.data, media_type=XLSX_MEDIA_TYPE, headers=headers)


def _form(request: Request, values: dict[str, str], error: str = "", status_code: int = 200) -> Response:
    services = services_of(request)
    summaries = products.product_summaries(services)
    context = {
        "values": values,
        "error": error,
        "skus": summaries if len(summaries) <= 2000 else [],
        "reviewers": worklist.reviewers(services),
        "active": "export",
    }
    return render(request, "export.html.j2", context, status_code=status_code)


@router.get("/export")
def export_form(request: Request, user: CurrentUser) -> Response:
    return _form(request, {})


def _date(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{label}“{value[:20]}”不是有效日期，请按 年-月-日 填写（如 2026-12-01）。") from None


@router.get("/export/ledger.xlsx")
def export_ledger(
    request: Request,
    user: CurrentUser,
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    sku: str = "",
    reviewer: str = "",
) -> Response:
    values = {
        "from": date_from.strip()[:20],
        "to": date_to.strip()[:20],
        "sku": sku.strip(),
        "reviewer": reviewer.strip(),
    }
    if any(len(v) > MAX_FIELD or "\x00" in v for v in values.values()):
        return _form(request, values, "表单内容过长或含有不可用的字符。", 422)
    try:
        book = exports.ledger_workbook(
            services_of(request),
            user,
            date_from=_date(values["from"], "开始日期"),
            date_to=_date(values["to"], "结束日期"),
            sku=values["sku"] or None,
            reviewer=values["reviewer"] or None,
        )
    except InputError as exc:
        return _form(request, values, exc.message, 422)
    return xlsx_response(book)


@router.get("/screenings/{seq}/export.xlsx")
@router.get("/audits/{seq}/export.xlsx")
def export_record(request: Request, seq: int, user: CurrentUser) -> Response:
    try:
        book = exports.record_workbook(services_of(request), seq, user)
    except NotFoundError:
        return error_page(request, 404, "未找到记录", f"台账中没有第 {seq} 条筛查或审核记录。")
    return xlsx_response(book)
