"""``claimcheck serve`` and ``claimcheck db``: the HTTP service and its database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from claimcheck.cli.common import DbOption, make_app, settings
from claimcheck.store.db import safe_url

db_app = make_app("The database: schema migrations.")


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes; each loads the engine once, at start-up.")
    ] = 1,
) -> None:
    """Start the HTTP service (uvicorn); OpenAPI docs at /docs. The schema is migrated before serving.

    Each worker process builds and warms the engine before it accepts requests, and screens on
    CLAIMCHECK_API_THREADS threads: unless that is set, the CPU cores divided among the workers."""
    import uvicorn

    from claimcheck.store.migrate import ensure_schema

    s = settings()
    ensure_schema(s.database_url)
    if s.api_threads is None:  # the workers inherit it: cores / workers threads each, at least one
        os.environ["CLAIMCHECK_API_THREADS"] = str(worker_threads(workers))
    uvicorn.run("claimcheck.api.server:app", host=host, port=port, workers=workers, log_level="info")


def worker_threads(workers: int, cores: int | None = None) -> int:
    """Screening threads per worker when CLAIMCHECK_API_THREADS is not set: the cores shared among the workers."""
    return max(1, (cores or os.cpu_count() or 1) // workers)


@db_app.command("upgrade")
def db_upgrade(database_url: DbOption = None) -> None:
    """Create the schema or bring it to the newest migration."""
    from claimcheck.store.migrate import current_revision, ensure_schema

    url = settings(database_url=database_url).database_url
    ensure_schema(url)
    typer.echo(f"{safe_url(url)}: schema at revision {current_revision(url)}")
