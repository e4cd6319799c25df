"""``/screenings/{seq}``: a recorded text with every finding highlighted in place, and deciding on findings.

The page shows the screened text (``meta.text`` of the review-record entry, hash-chained and signed
with the findings) with one ``<mark>`` per finding, numbered from 1 as the CLI table numbers them;
overlapping findings are nested, and a span that crosses another is split so the markup stays
well formed. Every character of the text is escaped. Beside it, the panel of the selected finding
(category, severity, explanation, evidence, legal basis, rewrite, SKU and product, decision history)
with three decisions: confirm, dismiss (a reason is required) and accept the rewrite (recorded as a
confirm whose reason is ``采纳改写：<rewrite>``: the review record knows only confirm and dismiss).

Decisions are recorded by :func:`claimcheck.service.users.decide` as the signed-in user. A finding
that already has a decision takes a new one only when the form names it (``supersedes``), so a
reviewer never overwrites a decision they have not seen. The forms work with htmx (the answer is
the updated panel) and without JavaScript (a redirect back to the page, or the page with the error).
An audit record has the same panel on ``/audits/{seq}`` (:mod:`claimcheck.web.audit`); both load
panels from ``/records/{seq}/panel`` and post to ``/records/{seq}/decisions``
(:mod:`claimcheck.web.decisions`).

Entries recorded before the text was kept show the findings list with a note (旧记录未保存全文).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape

from claimcheck.web.auth import CurrentUser
from claimcheck.web.records import (
    VIEW_PATHS,
    FindingView,
    RecordMissing,
    RecordView,
    load_record,
    missing_page,
)
from claimcheck.web.render import render
from claimcheck.web.routing import web_router

router = web_router()

# ---------------------------------------------------------------------------- the highlighted text
def page_url(view: str, seq: int, n: int | None = None) -> str:
    base = f"{VIEW_PATHS.get(view, '/screenings')}/{seq}"
    return f"{base}?f={n}" if n is not None else base


def finding_link_attrs(view: str, seq: int, n: int, *, nav: bool = True) -> Markup:
    """The attributes of a link that selects finding ``n``: a plain link without JS, a panel swap with htmx
    (the address bar follows with ``hx-replace-url``, so j/k do not fill the history). ``data-nav`` marks
    the link j/k move to (one per finding and page)."""
    view = view if view in VIEW_PATHS else "screening"
    url = page_url(view, int(seq), int(n))
    attrs = f'href="{url}#panel" hx-get="/records/{int(seq)}/panel?f={int(n)}&amp;view={view}" hx-replace-url="{url}"'
    return Markup(attrs + (f' data-nav="{int(n)}"' if nav else ""))


def highlight(
    text: str, findings: Sequence[FindingView], seq: int, view: str = "screening", selected: int | None = None
) -> Markup:
    """``text`` escaped, each finding in a ``<mark>`` with its number (a link that selects it).

    Findings nest when one lies inside another; a finding that crosses another's end is split
    into pieces (the first piece carries the number), so the markup is always well formed.
    Finding number ``selected`` is marked as the current one.
    Findings whose offsets do not fit the text are left out (they are still in the list)."""
    size = len(text)
    spans = [(f.start, f.end, f) for f in findings if 0 <= f.start <= f.end <= size]
    starts: dict[int, list[FindingView]] = defaultdict(list)
    empties: dict[int, list[FindingView]] = defaultdict(list)
    points = {0, size}
    for start, end, f in spans:
        (empties if start == end else starts)[start].append(f)
        points.update((start, end))

    def opening(f: FindingView, first: bool) -> str:
        current = f.n == selected
        classes = f"hl sev-{escape(f.severity)} st-{f.status_key}" + (" is-selected" if current else "")
        if not first:
            return f'<mark class="{classes} cont" data-n="{f.n}">'
        label = f"第 {f.n} 条发现：{f.severity_label} · {f.category_label} · {f.status}"
        mark_current = ' aria-current="true"' if current else ""
        return (
            f'<mark class="{classes}" id="hl-{f.n}" data-n="{f.n}">'
            f'<a class="fnum" {finding_link_attrs(view, seq, f.n)} aria-label="{escape(label)}"{mark_current}>'
            f"{f.n}</a>"
        )

    out: list[str] = []
    stack: list[FindingView] = []
    pos = 0
    for p in sorted(points):
        if p > pos:
            out.append(str(escape(text[pos:p])))
            pos = p
        if any(f.end == p for f in stack):
            reopen: list[FindingView] = []
            while any(f.end == p for f in stack):
                f = stack.pop()
                out.append("</mark>")
                if f.end != p:
                    reopen.append(f)
            for f in reversed(reopen):
                out.append(opening(f, first=False))
                stack.append(f)
        for f in empties.get(p, ()):
            out.append(opening(f, first=True) + "</mark>")
        for f in sorted(starts.get(p, ()), key=lambda f: (-f.end, f.index)):
            out.append(opening(f, first=True))
            stack.append(f)
    out.extend("</mark>" for _ in stack)
    return Markup("".join(out))


# ---------------------------------------------------------------------------- pages
def page_context(
    record: RecordView,
    selected: FindingView | None,
    view: str,
    *,
    error: str = "",
    notice: str = "",
    reason: str = "",
    error_action: str = "",
) -> dict[str, Any]:
    return {
        "record": record,
        "finding": selected,
        "view": view,
        "page_url": page_url,
        "link_attrs": finding_link_attrs,
        "panel_error": error,
        "panel_notice": notice,
        "reason_value": reason,
        "error_action": error_action,
        "active": "queue",
    }


@router.get("/screenings/{seq}")
def screening_page(request: Request, user: CurrentUser, seq: int, f: int | None = None) -> Response:
    try:
        record = load_record(request, seq)
    except RecordMissing:
        return missing_page(request, seq)
    selected = record.finding(f)
    context = page_context(record, selected, "screening")
    if record.text is not None:
        context["highlighted"] = highlight(
            record.text, record.findings, record.seq, "screening", selected.n if selected else None
        )
    return render(request, "screening.html.j2", context)


@router.get("/records/{seq}/panel")
def finding_panel(
    request: Request, user: CurrentUser, seq: int, f: int | None = None, view: str = "screening"
) -> Response:
    """The panel of finding ``f`` (from 1), for htmx; a browser without it is sent to the page."""
    view = view if view in VIEW_PATHS else "screening"
    try:
        record = load_record(request, seq)
    except RecordMissing:
        return missing_page(request, seq)
    if not request.headers.get("HX-Request"):
        return RedirectResponse(page_url(view, seq, f) + "#panel", status_code=303)
    return render(request, "_panel_response.html.j2", page_context(record, record.finding(f), view))


__all__ = ["highlight", "page_context", "page_url", "router"]
