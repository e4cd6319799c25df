"""``claimcheck serve`` and ``claimcheck db``: the HTTP service and its database."""

from __future__ import annotations

from typing import Annotated

import typer

from claimcheck.cli.common import DbOption, make_app, settings
from claimcheck.store.db import safe_url

db_app = make_app("The database: schema migrations.")


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1)] = 1,
) -> None:
    """Start the HTTP service (uvicorn); OpenAPI docs at /docs. The schema is migrated before serving."""
    import uvicorn

    from claimcheck.store.migrate import ensure_schema

    ensure_schema(settings().database_url)
    uvicorn.run("claimcheck.api.server:app", host=host, port=port, workers=workers, log_level="info")


@db_app.command("upgrade")
def db_upgrade(database_url: DbOption = None) -> None:
    """Create the schema or bring it to the newest migration."""
    from claimcheck.store.migrate import current_revision, ensure_schema

    url = settings(database_url=database_url).database_url
    ensure_schema(url)
    typer.echo(f"{safe_url(url)}: schema at revision {current_revision(url)}")
