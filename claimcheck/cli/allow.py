"""``claimcheck allow``: allowed contexts made from dismissed false alarms ("in this context, never flag this")."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from claimcheck.cli.common import DbOption, make_app, services
from claimcheck.service import allowances, review

app = make_app("Allowed contexts: dismissed false alarms an admin rules are never to be flagged in that context.")


@app.command("add")
def allow_add(
    record: Annotated[int, typer.Option("--from", help="The screening/audit entry the dismissed finding is in.")],
    finding: Annotated[int, typer.Option("--finding", help="Finding index in that entry (0-based).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the phrase is not a violation in this context.")],
    context: Annotated[
        str | None,
        typer.Option(
            "--context",
            help="The passage it is allowed in (must contain the finding's text); default: the recorded sentence.",
        ),
    ] = None,
    scope: Annotated[
        str, typer.Option("--scope", help="rule (the finding's rule), category (its category) or any.")
    ] = "rule",
    database_url: DbOption = None,
) -> None:
    """Allow a dismissed finding's text in its context, as CLAIMCHECK_OPERATOR (else your login name).

    Applies to the next screening or audit (no restart); the findings it lowers say who allowed them and why."""
    if scope not in allowances.SCOPES:
        raise allowances.AllowanceError(f"--scope must be one of {', '.join(allowances.SCOPES)}")
    svc = services(database_url=database_url)
    who = review.operator_identity(svc)
    row = allowances.create_from_decision(
        svc,
        record,
        finding,
        reason,
        who,
        context=context,
        scope=scope,  # type: ignore[arg-type]
    )
    covers = (
        f"rule {row['rule_id']}" if row["rule_id"] else f"category {row['category']}" if row["category"] else "any rule"
    )
    typer.echo(f"allowed context #{row['id']}: “{row['phrase']}” in “{row['context']}” ({covers}), by {who}")


@app.command("list")
def allow_list(
    all_: Annotated[bool, typer.Option("--all", help="Include removed ones.")] = False,
    database_url: DbOption = None,
) -> None:
    """List allowed contexts, one JSON object a line (times are UTC ISO 8601)."""
    for row in allowances.list_all(services(database_url=database_url), include_inactive=all_):
        typer.echo(json.dumps(row, ensure_ascii=False, default=lambda v: v.isoformat()))


@app.command("remove")
def allow_remove(
    allowance_id: Annotated[int, typer.Argument(help="The allowed context's id.")],
    database_url: DbOption = None,
) -> None:
    """Remove an allowed context (it stays on file, marked removed, with who removed it and when)."""
    svc = services(database_url=database_url)
    if allowances.remove(svc, allowance_id, review.operator_identity(svc)):
        typer.echo(f"removed allowed context #{allowance_id}")
    else:
        typer.echo(f"allowed context #{allowance_id} was already removed")
