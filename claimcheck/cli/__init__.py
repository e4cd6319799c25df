"""The ``claimcheck`` command (typer): one Typer app per command group, all on the service layer.

Exit codes: 0 nothing blocks, 1 a blocking finding exists, 2 usage, input or
configuration error, 3 a damaged review record (see :mod:`claimcheck.errors`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from claimcheck import __version__
from claimcheck.cli import allow, audit, batch, keys, ledger, lexicon, live, models, products, screen, serve, users
from claimcheck.cli.common import ClaimcheckGroup

app = typer.Typer(
    name="claimcheck",
    help="Screen live-commerce selling points for prohibited and unsupported claims.",
    cls=ClaimcheckGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"claimcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """claimcheck: compliance screening for live-commerce scripts and transcripts."""


app.command()(screen.screen)
app.command()(screen.units)
app.command()(audit.audit)
app.command()(batch.batch)
app.command()(live.live)
app.command()(models.train)
app.command()(models.evaluate)
app.command()(models.calibrate)
app.command()(serve.serve)
app.add_typer(lexicon.app, name="lexicon")
app.add_typer(models.corpus_app, name="corpus")
app.add_typer(products.app, name="products")
app.add_typer(ledger.app, name="ledger")
app.add_typer(keys.app, name="keys")
app.add_typer(allow.app, name="allow")
app.add_typer(users.app, name="users")
app.add_typer(serve.db_app, name="db")


def main() -> None:
    app()


__all__ = ["app", "main"]
