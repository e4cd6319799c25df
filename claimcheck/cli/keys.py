"""``claimcheck keys``: API keys for the HTTP service (scopes: read, write)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from claimcheck.cli.common import DbOption, make_app, services
from claimcheck.service import keys as key_service

app = make_app("API keys for the HTTP service (scopes: read, write).")


@app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="read (supplier records, the review record) and/or write; default both."),
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Create an API key; it is shown once and stored only as a hash."""
    typer.echo(key_service.create(services(database_url=database_url), name, scope or key_service.SCOPES))


@app.command("list")
def keys_list(database_url: DbOption = None) -> None:
    """List API keys (ids and names, never secrets), one JSON object a line; times are UTC ISO 8601."""
    for k in key_service.list_all(services(database_url=database_url)):
        typer.echo(json.dumps(k, ensure_ascii=False, default=_iso))


def _iso(value: object) -> str:
    """JSON for a datetime: ISO 8601 with its offset (the stored UTC), like every JSON answer."""
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else str(value)


@app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id.")], database_url: DbOption = None) -> None:
    """Revoke an API key."""
    now = key_service.revoke(services(database_url=database_url), key_id)
    typer.echo(f"revoked {key_id}" if now else f"{key_id} was already revoked")
