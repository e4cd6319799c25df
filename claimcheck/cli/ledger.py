"""``claimcheck ledger``: the selection review record (选品审核台账)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from claimcheck.cli.common import DbOption, emit_json, make_app, parse_date, print_note, services
from claimcheck.clock import show_time
from claimcheck.errors import EXIT_INTEGRITY, InputError
from claimcheck.service import review

app = make_app("The selection review record (选品审核台账): append-only, hash-chained, signed.")


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
        table.add_row(  # Text, not str: a subject such as "x[/]" is data, never rich markup
            str(e["seq"]),
            show_time(e["created_at"]),
            e["kind"],
            Text(str(e.get("subject") or "—")),
            Text(str(e.get("sku") or "—")),
            Text(str(p.get("verdict") or p.get("decision") or p.get("status") or "—")),
            str(len(p.get("findings", [])) if "findings" in p else "—"),
        )
    Console(highlight=False).print(table)


@app.command("decide")
def ledger_decide(
    seq: Annotated[int, typer.Argument(help="The screening/audit entry number.")],
    finding: Annotated[int, typer.Option("--finding", help="Finding index in that entry (0-based).")],
    decision: Annotated[str, typer.Option("--decision", help="confirm or dismiss.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required to dismiss).")] = "",
    supersedes: Annotated[
        int | None,
        typer.Option("--supersedes", help="The decision entry this one replaces (required once a finding has one)."),
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Record a decision on a finding as CLAIMCHECK_OPERATOR (else your login name); nothing is edited."""
    if decision not in ("confirm", "dismiss"):
        raise InputError("--decision must be confirm or dismiss")
    svc = services(database_url=database_url)
    who = review.operator_identity(svc)
    d = review.record_decision(
        svc,
        seq,
        finding,
        decision,  # type: ignore[arg-type]
        reason,
        who,
        via="operator",
        supersedes=supersedes,
    )
    typer.echo(f"recorded the decision of {who} as entry {d}")


@app.command("verify")
def ledger_verify(database_url: DbOption = None) -> None:
    """Check the chain, the signatures and the latest checkpoint (exit 3 when damaged or truncated)."""
    report = review.require_intact(services(database_url=database_url))
    typer.echo(report.summary())


@app.command("checkpoint")
def ledger_checkpoint(database_url: DbOption = None) -> None:
    """Verify the record and append its signed head (seq, hash, time) to the checkpoint file."""
    cp = review.checkpoint(services(database_url=database_url))
    typer.echo(f"checkpoint: entry {cp.seq}, hash {cp.entry_hash[:16]}…, {show_time(cp.time)}, key {cp.key_id}")


@app.command("keygen")
def ledger_keygen() -> None:
    """Create the ledger signing key (CLAIMCHECK_LEDGER_KEY_FILE, mode 0600) and its public half (.pub)."""
    key, path, public = review.keygen(services())
    typer.echo(f"created ledger key {key.key_id}: {path} (keep it secret), public key {public}")


@app.command("export")
def ledger_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("ledger.xlsx"),
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx, csv or json (default: from --out).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Records that touch this SKU, and its approvals.")] = None,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Records this reviewer decided on, their decisions and approvals.")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Export the review record for the archive (Excel, CSV or JSON)."""
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("xlsx", "csv", "json"):
        raise InputError("--format must be xlsx, csv or json")
    try:
        path = review.export(
            services(database_url=database_url),
            out,
            fmt,  # type: ignore[arg-type]
            date_from=parse_date(date_from, "--from"),
            date_to=parse_date(date_to, "--to"),
            sku=sku,
            reviewer=reviewer,
        )
    except review.DamagedRecord as exc:
        print_note(f"警告 warning: {exc.message}")
        raise typer.Exit(EXIT_INTEGRITY) from None
    typer.echo(f"exported the review record to {path}")
