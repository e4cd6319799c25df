"""``/products`` and ``/products/{sku}``: the product store as the 选品审核台账 shows it, and approvals.

The list shows every product's name, SKU, category and current approval status (search by
name or SKU, filter by status). A product's page shows its supplier (name, credit code, contact:
every page needs a signed-in user), a summary of its certificates and test reports (expired and
failed ones flagged), every screening and audit that touched the SKU (its own SKU, or a finding
in that product's section of a script or run sheet) with the open and decided counts of the
findings about it, linking to ``/screenings/{seq}`` or ``/audits/{seq}``, and the approval status
with who set it and when, its history, and a form to change it.

The form posts to the page itself. An approval is recorded as the signed-in user (reviewers and
admins alike) by :func:`claimcheck.service.approvals.set_approval`; rejected and needs changes
need a reason. The form names the approval it replaces (``supersedes``): when someone else
changed the status meanwhile, the page says so instead of overwriting it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from claimcheck.clock import local_zone
from claimcheck.ledger import LedgerError
from claimcheck.service import approvals, products, worklist
from claimcheck.service.products import UnknownProduct
from claimcheck.store.schema import ProductRecord
from claimcheck.web.auth import CurrentUser, services_of
from claimcheck.web.render import error_page, flash, render
from claimcheck.web.routing import web_router

router = web_router()

PAGE_SIZE = 100
#: the newest records a product's page lists (the queue, filtered by the SKU, has them all)
RECORDS_SHOWN = 100
RECORD_PATHS = {"screening": "/screenings", "audit": "/audits"}
STATUS_LABELS = approvals.STATUS_LABELS
STATUS_FILTERS = {**STATUS_LABELS, "none": "未审核"}
REPORT_CONCLUSIONS = {"pass": "合格", "fail": "不合格"}


def _today() -> dt.date:
    return dt.datetime.now(local_zone()).date()


def certificate_rows(record: ProductRecord, today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "type": c.type,
            "number": c.number,
            "issuer": c.issuer,
            "issue_date": c.issue_date,
            "valid_until": c.valid_until,
            "expired": c.valid_until is not None and c.valid_until < today,
        }
        for c in record.certificates
    ]


def report_rows(record: ProductRecord, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for r in record.test_reports:
        failed_items = [
            i.item for i in r.items if i.result == "fail" or (r.conclusion == "fail" and i.result != "pass")
        ]
        rows.append(
            {
                "report_no": r.report_no,
                "laboratory": r.laboratory,
                "issue_date": r.issue_date,
                "valid_until": r.valid_until,
                "conclusion": REPORT_CONCLUSIONS.get(r.conclusion, r.conclusion),
                "failed": r.conclusion == "fail" or bool(failed_items),
                "failed_items": failed_items,
                "item_count": len(r.items),
                "expired": r.valid_until is not None and r.valid_until < today,
            }
        )
    return rows


def record_link(kind: str, seq: int) -> str:
    return f"{RECORD_PATHS.get(kind, '/screenings')}/{seq}"


# ---------------------------------------------------------------------------- the list
@router.get("/products")
def product_list(request: Request, user: CurrentUser, q: str = "", status: str = "", page: int = 1) -> Response:
    services = services_of(request)
    q, status = q.strip()[:100], status if status in STATUS_FILTERS else ""
    names = products.category_names(services)
    current = approvals.current_approvals(services)
    rows = []
    for p in products.product_summaries(services):
        approval = current.get(p["sku"] or "")
        if status and (approval["status"] if approval else "none") != status:
            continue
        wanted = q.casefold()
        if q and wanted not in (p["sku"] or "").casefold() and wanted not in (p["name"] or "").casefold():
            continue
        rows.append({**p, "category_label": names.get(p["category"] or "", p["category"]), "approval": approval})
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    query = {k: v for k, v in (("q", q), ("status", status)) if v}

    def page_url(n: int) -> str:
        return "/products?" + urlencode({**query, "page": n})

    context = {
        "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "total": total,
        "page": page,
        "pages": pages,
        "prev_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
        "q": q,
        "status": status,
        "status_filters": STATUS_FILTERS,
        "status_labels": STATUS_LABELS,
        "active": "products",
    }
    return render(request, "products.html.j2", context)


# ---------------------------------------------------------------------------- one product
def _not_found(request: Request, sku: str) -> Response:
    return error_page(
        request, 404, "未找到商品", f"商品库中没有 SKU 为“{sku[:64]}”的商品。请检查 SKU，或先导入该商品。"
    )


def product_page(
    request: Request,
    sku: str,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    services = services_of(request)
    try:
        record = products.get_product(services, sku)
    except UnknownProduct:
        return _not_found(request, sku)
    today = _today()
    history = approvals.approval_history(services, record.sku)
    rows = worklist.records_for_sku(services, record.sku)
    context = {
        "product": record,
        "category_label": products.category_names(services).get(record.category, record.category),
        "certificates": certificate_rows(record, today),
        "reports": report_rows(record, today),
        "records": [{"row": r, "link": record_link(r.record.kind, r.record.seq)} for r in rows[:RECORDS_SHOWN]],
        "records_hidden": max(0, len(rows) - RECORDS_SHOWN),
        "queue_url": "/?" + urlencode({"sku": record.sku}),
        "totals": worklist.summarise(rows),
        "approval": history[0] if history else None,
        "history": history,
        "statuses": STATUS_LABELS,
        "reason_required": approvals.REASON_REQUIRED,
        "error": error,
        "form": form or {},
        "today": today,
        "kind_labels": {"screening": "话术筛查", "audit": "直播审核"},
        "active": "products",
    }
    return render(request, "product.html.j2", context, status_code=status_code)


@router.get("/products/{sku:path}")
def product(request: Request, sku: str, user: CurrentUser) -> Response:
    if not sku.strip("/"):
        return RedirectResponse("/products", status_code=303)
    return product_page(request, sku)


@router.post("/products/{sku:path}")
def set_approval(
    request: Request,
    sku: str,
    user: CurrentUser,
    status: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    supersedes: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    form = {"status": status, "reason": reason}
    services = services_of(request)
    problem = ""
    if status not in STATUS_LABELS:
        problem = "请选择审核结论：通过、不通过或需修改。"
    elif status in approvals.REASON_REQUIRED and not reason.strip():
        problem = f"审核结论为“{STATUS_LABELS[status]}”时必须填写理由。"
    elif len(reason.strip()) > 2000:
        problem = "理由最长 2000 字。"
    elif supersedes and not supersedes.isdigit():
        problem = "表单已过期，请刷新页面后重试。"
    if problem:
        return product_page(request, sku, error=problem, form=form, status_code=422)
    try:
        seq = approvals.set_approval(
            services, user, sku, status, reason, supersedes=int(supersedes) if supersedes else None
        )
    except UnknownProduct:
        return _not_found(request, sku)
    except approvals.ApprovalConflict:
        current = approvals.approval_history(services, sku)
        who = (
            f"（{STATUS_LABELS.get(current[0]['status'], current[0]['status'])}，{current[0]['reviewer']}）"
            if current
            else ""
        )
        problem = f"此商品的审核结论已被他人修改{who}。请查看下方最新状态后再提交。"
        return product_page(request, sku, error=problem, form=form, status_code=409)
    except LedgerError as exc:
        return product_page(request, sku, error=f"无法记录：{exc.message}", form=form, status_code=422)
    response = RedirectResponse(f"/products/{quote(sku, safe='/')}#approval", status_code=303)
    flash(request, response, f"已记录审核结论“{STATUS_LABELS[status]}”（台账第 {seq} 条）。", "success")
    return response
