"""``POST /records/{seq}/decisions``: a reviewer's decision on one finding, from the screening or audit page.

Three actions: ``confirm``, ``dismiss`` (a reason is required: without one nothing is recorded and
the panel says so) and ``accept`` (accept the suggested rewrite: recorded as a confirm whose reason
is ``采纳改写：<rewrite>``, since the review record knows only confirm and dismiss). ``finding_index``
is the ledger's 0-based index (the pages number findings from 1). A finding that already has a
decision takes a new one only when the form names it in ``supersedes``; otherwise, or when it names
an older one, the panel shows the current decision and nothing is recorded.

The decision is recorded by :func:`claimcheck.service.users.decide`, as the signed-in user. With
htmx the answer is the updated panel (plus the finding's status and the page's progress, swapped
out of band); without JavaScript, a redirect back to the page with a message, or on an error the
page itself with the error in the panel (422, or 409 for a decision that changed meanwhile).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from claimcheck.errors import ConflictError
from claimcheck.service import users as user_service
from claimcheck.web.audit import audit_context
from claimcheck.web.auth import CurrentUser, services_of
from claimcheck.web.records import (
    ACCEPT_PREFIX,
    DECISION_LABELS,
    MAX_REASON,
    VIEW_PATHS,
    RecordMissing,
    RecordView,
    load_record,
    missing_page,
)
from claimcheck.web.render import error_page, flash, render
from claimcheck.web.routing import web_router
from claimcheck.web.screening import highlight, page_context, page_url

router = web_router()

ACTIONS = ("confirm", "dismiss", "accept")


def full_page(request: Request, record: RecordView, view: str, context: dict[str, Any], status: int) -> Response:
    """The screening or audit page with ``context`` (a panel error), answered with ``status``."""
    if view == "audit" and record.kind == "audit":
        return render(request, "audit.html.j2", context | audit_context(record), status_code=status)
    context["view"] = "screening"
    if record.text is not None:
        selected = context.get("finding")
        context["highlighted"] = highlight(
            record.text, record.findings, record.seq, "screening", selected.n if selected else None
        )
    return render(request, "screening.html.j2", context, status_code=status)


@router.post("/records/{seq}/decisions")
def decide(
    request: Request,
    user: CurrentUser,
    seq: int,
    finding_index: Annotated[int, Form()],
    action: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    supersedes: Annotated[str, Form(max_length=30)] = "",
    view: Annotated[str, Form(max_length=20)] = "screening",
) -> Response:
    """Record a decision on finding ``finding_index`` (0-based) of record ``seq`` as the signed-in user."""
    view = view if view in VIEW_PATHS else "screening"
    htmx = bool(request.headers.get("HX-Request"))
    try:
        record = load_record(request, seq)
    except RecordMissing:
        return missing_page(request, seq)
    if not 0 <= finding_index < len(record.findings):
        return error_page(request, 404, "找不到该发现", f"第 {seq} 条记录没有第 {finding_index + 1} 条发现。")
    finding = record.findings[finding_index]
    reason = reason.strip()

    def refuse(message: str, status: int, shown: RecordView = record) -> Response:
        context = page_context(
            shown, shown.findings[finding_index], view, error=message, reason=reason, error_action=action
        )
        if htmx:  # htmx swaps only 2xx answers: the panel itself says what is wrong
            return render(request, "_panel_response.html.j2", context)
        return full_page(request, shown, view, context, status)

    if action not in ACTIONS:
        return refuse("未知的审核操作，请使用页面上的按钮。未记录任何决定。", 422)
    if action == "dismiss" and not reason:
        return refuse("驳回须填写理由：请说明为什么这条发现不构成违规。未记录任何决定。", 422)
    decision: Literal["confirm", "dismiss"] = "dismiss" if action == "dismiss" else "confirm"
    if action == "accept":
        if not finding.suggestion:
            return refuse("这条发现没有建议改写，无法采纳。未记录任何决定。", 422)
        reason = f"{ACCEPT_PREFIX}{finding.suggestion}"
    previous: int | None = None
    if supersedes.strip():
        if not supersedes.strip().isdigit():
            return refuse("表单内容有误（被取代的决定编号不是数字），请刷新页面后重试。", 422)
        previous = int(supersedes.strip())
    try:
        new_seq = user_service.decide(
            services_of(request), user, seq, finding_index, decision, reason, supersedes=previous
        )
    except ConflictError:  # decided (or re-decided) by someone else since this form was shown
        fresh = load_record(request, seq)
        current = fresh.findings[finding_index].current
        now = (
            f"当前决定是台账第 {current.seq} 条（{current.label}，{current.reviewer}）。"
            if current is not None
            else "这条发现目前没有决定。"
        )
        return refuse(f"这条发现的审核决定已经变化，未记录您的决定。{now}请查看后重新提交。", 409, fresh)
    what = "采纳改写" if action == "accept" else DECISION_LABELS[decision]
    notice = f"已记录：第 {finding.n} 条发现{what}（台账第 {new_seq} 条）。"
    if not htmx:
        response = RedirectResponse(page_url(view, seq, finding.n) + "#panel", status_code=303)
        flash(request, response, notice, "success")
        return response
    fresh = load_record(request, seq)
    context = page_context(fresh, fresh.findings[finding_index], view, notice=notice)
    context["oob"] = True
    return render(request, "_panel_response.html.j2", context)


__all__ = ["ACTIONS", "router"]
