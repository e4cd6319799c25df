"""Readable terminal report (rich): each finding with the offending text
highlighted in its context. Labels are Chinese, for the reviewers who read it.

Every cell is a :class:`rich.text.Text`, never a str: rich parses a str as
markup, so script text such as ``[00:01:05]`` would vanish and ``[/]`` would raise."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from claimcheck.labels import Labels, default_labels
from claimcheck.types import ScreenResult, Severity, Verdict

_SEVERITY_STYLE = {Severity.BLOCK: "bold red", Severity.REVIEW: "bold yellow", Severity.INFO: "cyan"}
_VERDICT_STYLE = {Verdict.PASS: "bold green", Verdict.REVIEW: "bold yellow", Verdict.BLOCK: "bold red"}


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def context_text(text: str, start: int, end: int, width: int = 10, style: str = "bold red") -> Text:
    """The hit in 【】 (visible without colour too) with up to ``width`` chars each side."""
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    out = Text()
    if start - width > 0:
        out.append("…")
    out.append(left)
    out.append("【" + text[start:end] + "】", style=style)
    out.append(right)
    if end + width < len(text):
        out.append("…")
    return out


def product_label(sku: str | None, name: str | None) -> str:
    """SKU with the product's name beside it (reviewers know names, not SKUs)."""
    if not sku:
        return ""
    return f"{sku} {name}" if name else sku


def render(result: ScreenResult, text: str, console: Console, source: str = "", labels: Labels | None = None) -> None:
    labels = labels or default_labels()
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    head = Text("检查结论：")
    head.append(labels.verdicts[result.verdict], style=_VERDICT_STYLE[result.verdict])
    head.append(
        f"    禁止 {counts[Severity.BLOCK]} 处 · 复核 {counts[Severity.REVIEW]} 处 · 提示 {counts[Severity.INFO]} 处"
    )
    if source:
        head.append(f"    文件：{source}")
    console.print(head)
    problems = [f for f in result.findings if f.claim_verdict != "supported"]
    backed = [f for f in result.findings if f.claim_verdict == "supported"]
    if problems:
        table = Table(show_lines=True, expand=False)
        table.add_column("#", justify="right")
        table.add_column("位置", no_wrap=True)
        table.add_column("级别/类别", min_width=8)
        table.add_column("原文（命中处以【】标出）", ratio=3, overflow="fold")
        table.add_column("说明", ratio=3, overflow="fold")
        table.add_column("法律依据", ratio=3, overflow="fold")
        table.add_column("建议改写", ratio=2, overflow="fold")
        for i, f in enumerate(problems, 1):
            line, col = line_col(text, f.start)
            table.add_row(
                str(i),
                f"{line}:{col}",
                Text.assemble(
                    (labels.severities[f.severity], _SEVERITY_STYLE[f.severity]),
                    "\n",
                    labels.category(f.category),
                    *(("\n", product_label(f.sku, f.product_name)) if f.sku else ()),
                ),
                context_text(text, f.start, f.end, style=_SEVERITY_STYLE[f.severity]),
                Text(f.explanation),
                Text(f.legal_basis),
                Text(f.suggestion or "—"),
            )
        console.print(table)
    if backed:
        ok = Table(title=f"有据可查（产品资料支持的宣称，{len(backed)} 处）", show_lines=False, expand=False)
        ok.add_column("位置", no_wrap=True)
        ok.add_column("宣称", ratio=2, overflow="fold")
        ok.add_column("商品", overflow="fold")
        ok.add_column("依据", ratio=3, overflow="fold")
        for f in backed:
            line, col = line_col(text, f.start)
            ok.add_row(f"{line}:{col}", Text(f.text), Text(product_label(f.sku, f.product_name)), Text(f.explanation))
        console.print(ok)
    v = dict(result.versions)
    head_v = f"版本：claimcheck {v.pop('claimcheck', '—')} · 词库 {v.pop('lexicon', '—')}"
    rest = " · ".join(f"{name} {version}" for name, version in v.items())
    console.print(Text(head_v + (f" · {rest}" if rest else ""), style="dim"))
