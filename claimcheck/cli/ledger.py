"""``claimcheck ledger``: the selection review record (选品审核台账)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from claimcheck.cli.common import DbOption, emit_json, make_app, parse_date, services
from claimcheck.errors import InputError
from claimcheck.service import review

app = make_app("The selection review record (选品审核台账): append-only, hash-chained.")


@app.command("show")
def ledger_show(
    seq: Annotated[int | None, typer.Argument(help="Entry number; without it, the latest entries.")] = None,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    database_url: DbOption = None,
) -> None:
    """Show one entry with its findings and decisions, or list the latest entries."""
    svc = services(database_url=database_url)
    if seq is not None:
        emit_json(review.get_entry(svc, seq))
        return
    rows = review.list_entries(svc, sku=sku)[-limit:]
    table = Table(title="选品审核台账")
    for col in ("记录号", "时间", "类型", "对象", "SKU", "结论", "问题数"):
        table.add_column(col)
    for e in rows:
        p = e.get("payload", {})
        table.add_row(
            str(e["seq"]),
            str(e["created_at"])[:19],
            e["kind"],
            str(e.get("subject") or "—"),
            str(e.get("sku") or "—"),
            str(p.get("verdict") or p.get("decision") or "—"),
            str(len(p.get("findings", [])) if "findings" in p else "—"),
        )
    Console(highlight=False).print(table)


@app.command("decide")
def ledger_decide(
    seq: Annotated[int, typer.Argument(help="The screening/audit entry number.")],
    finding: Annotated[int, typer.Option("--finding", help="Finding index in that entry (0-based).")],
    decision: Annotated[str, typer.Option("--decision", help="confirm or dismiss.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who decides.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required to dismiss).")] = "",
    database_url: DbOption = None,
) -> None:
    """Record a reviewer's decision on a finding (a new entry; nothing is edited)."""
    if decision not in ("confirm", "dismiss"):
        raise InputError("--decision must be confirm or dismiss")
    d = review.record_decision(services(database_url=database_url), seq, finding, decision, reason, reviewer)  # type: ignore[arg-type]
    typer.echo(f"recorded decision as entry {d}")


@app.command("verify")
def ledger_verify(database_url: DbOption = None) -> None:
    """Check the hash chain; report the first entry edited, removed or reordered (exit 3 when damaged)."""
    report = review.require_intact(services(database_url=database_url))
    typer.echo(f"OK: {report.entries} entries, chain intact")


@app.command("export")
def ledger_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("ledger.xlsx"),
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx, csv or json (default: from --out).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    database_url: DbOption = None,
) -> None:
    """Export the review record for the archive (Excel, CSV or JSON)."""
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("xlsx", "csv", "json"):
        raise InputError("--format must be xlsx, csv or json")
    path = review.export(
        services(database_url=database_url),
        out,
        fmt,  # type: ignore[arg-type]
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        sku=sku,
    )
    typer.echo(f"exported the review record to {path}")
