"""Terminal view of one product record (Chinese labels, for reviewers).

Values from the record go through :func:`rich.markup.escape` (``_e``): a name
with ``[`` in it is printed as written, never read as markup."""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.markup import escape as _e
from rich.table import Table

from claimcheck.store.schema import ProductRecord


def _state(valid_until: dt.date | None, today: dt.date) -> str:
    if valid_until is None:
        return "长期有效"
    return "有效" if valid_until >= today else "[red]已过期[/]"


def render_product(r: ProductRecord, console: Console, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    console.print(
        f"[bold]{_e(r.sku)}[/]  {_e(r.name)}  （类目：{_e(r.category)}"
        + (f"，品牌：{_e(r.brand)}" if r.brand else "")
        + "）"
    )
    if r.supplier:
        console.print(
            f"供应商：{_e(r.supplier.name)}" + (f"（{_e(r.supplier.credit_code)}）" if r.supplier.credit_code else "")
        )
    if r.specs:
        t = Table(title="规格参数", show_header=True)
        t.add_column("属性")
        t.add_column("值")
        for s in r.specs:
            t.add_row(_e(s.name), _e(s.value + (f" {s.unit}" if s.unit else "")))
        console.print(t)
    if r.ingredients:
        console.print("配料表：" + _e("、".join(r.ingredients)))
    for rep in r.test_reports:
        t = Table(
            title=f"检测报告 {_e(rep.report_no)}（{_e(rep.laboratory)}，签发 {rep.issue_date}，"
            f"有效期至 {rep.valid_until or '—'}，{_state(rep.valid_until, today)}，结论 "
            f"{'合格' if rep.conclusion == 'pass' else '[red]不合格[/]'}）"
        )
        for col in ("检测项目", "实测值", "标准要求", "判定"):
            t.add_column(col)
        for it in rep.items:
            verdict = {"pass": "合格", "fail": "[red]不合格[/]", "n/a": "—"}[it.result]
            t.add_row(_e(it.item), _e((it.measured or "—") + (it.unit or "")), _e(it.limit or "—"), verdict)
        console.print(t)
    if r.certificates:
        t = Table(title="证书与资质")
        for col in ("类型", "编号", "发证机构", "有效期至", "状态"):
            t.add_column(col)
        for c in r.certificates:
            t.add_row(_e(c.type), _e(c.number), _e(c.issuer), str(c.valid_until or "—"), _state(c.valid_until, today))
        console.print(t)
