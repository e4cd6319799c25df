"""``claimcheck products``: the product record store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimcheck.cli.common import DbOption, make_app, services
from claimcheck.errors import ClaimcheckError
from claimcheck.service import products as product_service
from claimcheck.store.db import safe_url

app = make_app("The product record store: specs, test reports, certificates.")


@app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="Product records: .json, .xlsx or .csv (see docs/PRODUCTS.md).")],
    database_url: DbOption = None,
) -> None:
    """Validate every record, then import them all in one transaction (or nothing)."""
    svc = services(database_url=database_url)
    try:
        n = product_service.import_file(svc, file)
    except ClaimcheckError as exc:  # say that nothing was written
        raise type(exc)(f"{exc.message}（未导入任何记录 / nothing imported）") from None
    typer.echo(f"imported {n} product record(s) into {safe_url(svc.settings.database_url)}")


@app.command("show")
def products_show(
    sku: Annotated[str, typer.Argument(help="The SKU to show.")],
    database_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Show one product record: specs, ingredients, test reports, certificates."""
    record = product_service.get_product(services(database_url=database_url), sku)
    if as_json:
        typer.echo(json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=2))
        return
    from claimcheck.report.products import render_product

    render_product(record, Console(highlight=False))


@app.command("template")
def products_template(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output workbook (.xlsx).")] = Path("products.xlsx"),
) -> None:
    """Write the Excel template for product records: sheets, columns, an example, drop-downs."""
    path = product_service.write_template(services(), out)
    typer.echo(f"wrote the product template to {path}")


@app.command("export")
def products_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .json, .xlsx or .csv.")] = Path(
        "products.json"
    ),
    database_url: DbOption = None,
) -> None:
    """Export every product record (JSON and Excel round-trip through import)."""
    n, path = product_service.export_products(services(database_url=database_url), out)
    typer.echo(f"exported {n} product record(s) to {path}")
