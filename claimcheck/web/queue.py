"""``/``: the review queue: screening and audit records, what needs review first, filtered and paged.

Filters are GET parameters (so a filtered queue can be bookmarked and shared): ``verdict``
(block, review, pass), ``kind`` (screening, audit), ``from`` / ``to`` (whole local days,
inclusive), ``sku`` (records that touch it), ``product`` (a part of a product's name),
``reviewer`` (who decided on a finding of the record), ``state`` (open: with findings that
still need a decision; done: none left), ``page`` (50 records a page). A bad date is named on
the page and ignored, never an error page.

Order (:func:`claimcheck.service.worklist.priority`): records with an open block finding, then
with an open review finding, then the rest; within each, the most uncertain open finding first
(``unclassified``, then classifier scores nearest 0.5); then newest first.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from claimcheck.service import worklist
from claimcheck.service.worklist import QueueFilters, QueueRow
from claimcheck.web.auth import CurrentUser, services_of
from claimcheck.web.render import render
from claimcheck.web.routing import web_router

router = web_router()

QUEUE_SIZE = worklist.PAGE_SIZE
KIND_LABELS = {"screening": "话术筛查", "audit": "直播审核"}
RECORD_PATHS = {"screening": "/screenings", "audit": "/audits"}
VERDICTS = {"block": "不通过", "review": "需复核", "pass": "通过"}
STATES = {"open": "有待处理", "done": "已处理完"}
MAX_FIELD = 100


def queue_row(row: QueueRow) -> dict[str, Any]:
    record = row.record
    return {
        "seq": record.seq,
        "kind": KIND_LABELS.get(record.kind, record.kind),
        "link": f"{RECORD_PATHS.get(record.kind, '/screenings')}/{record.seq}",
        "verdict": record.verdict,
        "created_at": record.created_at,
        "sku": record.sku or "",
        "skus": sorted(record.skus - {record.sku} if record.sku else record.skus),
        "products": row.product_names[:3],
        "more_products": max(0, len(row.product_names) - 3),
        "subject": record.subject or "",
        "findings": len(record.findings),
        "open": record.open,
        "open_block": record.open_block,
        "decided": record.decided,
        "uncertain": record.uncertainty is not None and record.uncertainty <= 0.15,
        "uploaded_by": record.uploaded_by,
    }


def _date(value: str, label: str, problems: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{label}“{value[:20]}”不是有效日期（应为 年-月-日），已忽略。")
        return None


@router.get("/")
def queue(
    request: Request,
    user: CurrentUser,
    verdict: str = "",
    kind: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    sku: str = "",
    product: str = "",
    reviewer: str = "",
    state: str = "",
    page: str = "1",
) -> Response:
    services = services_of(request)
    values = {
        "verdict": verdict if verdict in VERDICTS else "",
        "kind": kind if kind in KIND_LABELS else "",
        "from": date_from.strip()[:20],
        "to": date_to.strip()[:20],
        "sku": sku.strip()[:MAX_FIELD],
        "product": product.strip()[:MAX_FIELD],
        "reviewer": reviewer.strip()[:MAX_FIELD],
        "state": state if state in STATES else "",
    }
    problems: list[str] = []
    filters = QueueFilters(
        verdict=values["verdict"] or None,
        kind=values["kind"] or None,
        date_from=_date(values["from"], "开始日期", problems),
        date_to=_date(values["to"], "结束日期", problems),
        sku=values["sku"] or None,
        product=values["product"] or None,
        reviewer=values["reviewer"] or None,
        state=values["state"] or None,
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        problems.append("开始日期晚于结束日期，没有记录可以同时满足。")
    result = worklist.queue(services, filters, int(page) if page.isdigit() and len(page) < 8 else 1)
    query = {k: v for k, v in values.items() if v}

    def page_url(n: int) -> str:
        return "/?" + urlencode({**query, "page": n})

    context = {
        "rows": [queue_row(r) for r in result.rows],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "per_page": result.per_page,
        "prev_url": page_url(result.page - 1) if result.page > 1 else None,
        "next_url": page_url(result.page + 1) if result.page < result.pages else None,
        "values": values,
        "filtered": filters.active(),
        "problems": problems,
        "verdicts": VERDICTS,
        "kinds": KIND_LABELS,
        "states": STATES,
        "reviewers": worklist.reviewers(services),
        "limit": QUEUE_SIZE,
        "active": "queue",
    }
    return render(request, "queue.html.j2", context)
