"""The ``claimcheck`` command (typer).

Exit codes: 0 nothing blocks, 1 a blocking finding exists, 2 usage or input error.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from claimcheck import __version__

app = typer.Typer(
    name="claimcheck",
    help="Screen live-commerce selling points for prohibited and unsupported claims.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
lexicon_app = typer.Typer(help="Inspect and validate lexicon files.", no_args_is_help=True)
app.add_typer(lexicon_app, name="lexicon")
corpus_app = typer.Typer(help="The labelled claim-unit corpus in data/corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
products_app = typer.Typer(help="The product record store: specs, test reports, certificates.", no_args_is_help=True)
app.add_typer(products_app, name="products")

EXIT_OK, EXIT_BLOCK, EXIT_USAGE = 0, 1, 2


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class ModelKind(StrEnum):
    sklearn = "sklearn"
    transformers = "transformers"


def _parse_date(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--date {value!r}: expected YYYY-MM-DD") from None


def _settings(
    lexicon_dir: Path | None = None,
    transformer: Path | None = None,
    no_classifier: bool = False,
    database_url: str | None = None,
):
    from claimcheck.config import Settings

    s = Settings()
    update: dict = {}
    if database_url is not None:
        update["database_url"] = database_url
    if lexicon_dir is not None:
        update["lexicon_dir"] = lexicon_dir
    if transformer is not None:
        update["transformer_dir"] = transformer
    if no_classifier:
        update["detectors"] = [d for d in s.detectors if d != "exaggeration"]
    return s.model_copy(update=update)


def _engine(settings):
    """Build the engine; configuration problems become one-line errors (exit 2)."""
    from claimcheck.engine import Engine
    from claimcheck.lexicons import LexiconError
    from claimcheck.training.artifacts import ModelArtifactError

    try:
        return Engine.from_settings(settings)
    except (LexiconError, ModelArtifactError, ValueError) as exc:
        raise _fail(str(exc)) from None


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]错误[/]：{message}", markup=True)
    return typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"claimcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """claimcheck: compliance screening for live-commerce scripts and transcripts."""


@app.command()
def screen(
    file: Annotated[str, typer.Argument(help="Script file to screen (txt/md); '-' reads standard input.")],
    category: Annotated[
        str | None,
        typer.Option("--category", "-c", help="Product category id or Chinese name (e.g. food, 化妆品, 特殊化妆品)."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (readable) or json (the finding contract).")
    ] = OutputFormat.table,
    lexicon_dir: Annotated[
        Path | None, typer.Option("--lexicon", help="Lexicon directory (default: the bundled lexicon).")
    ] = None,
    transformer: Annotated[
        Path | None,
        typer.Option("--transformer", help="Transformers model folder for the uncertain band (needs the extra)."),
    ] = None,
    no_classifier: Annotated[bool, typer.Option("--no-classifier", help="Lexicon only.")] = False,
    sku: Annotated[
        str | None, typer.Option("--sku", help="Cross-check claims against this product's record in the store.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Broadcast date YYYY-MM-DD: evidence must be valid then (default today)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--db", help="Product store URL (default: CLAIMCHECK_DATABASE_URL or ./claimcheck.db)."),
    ] = None,
) -> None:
    """Screen a pre-broadcast script and print its findings.

    Exit code 0 when nothing blocks, 1 when a blocking finding exists, 2 for
    usage or input errors.
    """
    from claimcheck.detectors.spec_check import UnknownSKUError
    from claimcheck.io.text import InputError, read_text
    from claimcheck.lexicons import LexiconError
    from claimcheck.store.db import StoreError

    settings = _settings(lexicon_dir, transformer, no_classifier, database_url)
    broadcast_date = _parse_date(on)
    try:
        doc = read_text(file, settings.max_input_bytes)
    except InputError as exc:
        raise _fail(str(exc)) from None
    engine = _engine(settings)
    try:
        sections = engine.sections(doc.text)
        result = engine.screen(
            doc.text, product_category=category, sku=sku, broadcast_date=broadcast_date, sections=sections
        )
    except (LexiconError, UnknownSKUError, StoreError) as exc:
        raise _fail(str(exc).strip("'\"")) from None
    if doc.note:
        Console(stderr=True, highlight=False).print(doc.note)
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from claimcheck.report.terminal import render

        render(result, doc.text, Console(highlight=False), source=doc.source)
    raise typer.Exit(EXIT_BLOCK if result.verdict == "block" else EXIT_OK)


@app.command()
def units(
    file: Annotated[str, typer.Argument(help="Text file; '-' reads standard input.")],
    lexicon_dir: Annotated[
        Path | None, typer.Option("--lexicon", help="Lexicon directory (default: the bundled lexicon).")
    ] = None,
) -> None:
    """Print the claim units (sentences and clauses) a text is split into, one per line."""
    from claimcheck.io.text import InputError, read_text

    settings = _settings(lexicon_dir, no_classifier=True)
    try:
        doc = read_text(file, settings.max_input_bytes)
    except InputError as exc:
        raise _fail(str(exc)) from None
    claim_doc = _engine(settings).make_doc(doc.text)
    for u in claim_doc.units:
        typer.echo(f"{u.start}\t{u.end}\t{doc.text[u.start : u.end]}")


@lexicon_app.command("validate")
def lexicon_validate(
    directory: Annotated[Path | None, typer.Argument(help="Lexicon directory (default: the bundled lexicon).")] = None,
) -> None:
    """Validate a lexicon directory and print its version and size."""
    from claimcheck.detectors.lexicon import LexiconMatcher
    from claimcheck.lexicons import LexiconError, load_lexicon

    try:
        lex = load_lexicon(directory)
        matcher = LexiconMatcher(lex)
    except LexiconError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{lex.version_tag}: {len(lex.entries)} entries, {matcher.pattern_count} automaton keys")


@lexicon_app.command("stats")
def lexicon_stats(
    directory: Annotated[Path | None, typer.Argument(help="Lexicon directory (default: the bundled lexicon).")] = None,
) -> None:
    """Entries per category and severity."""
    from collections import Counter

    from claimcheck.lexicons import LexiconError, load_lexicon

    try:
        lex = load_lexicon(directory)
    except LexiconError as exc:
        raise _fail(str(exc)) from None
    counts = Counter((e.category.value, e.severity.value) for e in lex.entries)
    for cat in sorted({c for c, _ in counts}):
        per = ", ".join(f"{sev} {counts[(cat, sev)]}" for sev in ("block", "review", "info") if counts[(cat, sev)])
        typer.echo(f"{cat:24} {sum(n for (c, _), n in counts.items() if c == cat):4}  ({per})")
    typer.echo(f"{'total':24} {len(lex.entries):4}")


@corpus_app.command("stats")
def corpus_stats(
    corpus_dir: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: data/corpus).")] = None,
) -> None:
    """Units per label, split, style and product category."""
    from claimcheck.training.corpus import CorpusError, load_corpus

    try:
        df = load_corpus(corpus_dir)
    except CorpusError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"{len(df)} units; ok {100 * (df['label'] == 'ok').mean():.1f}%, "
        f"hard negatives {int(df['hard_negative'].sum())}, asr {100 * (df['style'] == 'asr').mean():.1f}%"
    )
    typer.echo(df.pivot_table(index="label", columns="split", values="id", aggfunc="count", fill_value=0).to_string())
    typer.echo(df["product_category"].value_counts().to_string())


@corpus_app.command("split")
def corpus_split(
    corpus_dir: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: data/corpus).")] = None,
    add: Annotated[bool, typer.Option("--add", help="Assign only units that have no split yet.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Re-split everything (changes the test set!).")] = False,
) -> None:
    """Assign the fixed stratified train/dev/test split (writes splits.csv)."""
    from claimcheck.training.corpus import DEFAULT_CORPUS_DIR, CorpusError, add_to_splits, load_units, write_splits

    root = corpus_dir or DEFAULT_CORPUS_DIR
    path = root / "splits.csv"
    try:
        df = load_units(root)
    except CorpusError as exc:
        raise _fail(str(exc)) from None
    if add:
        typer.echo(f"assigned {add_to_splits(df, path)} new unit(s) in {path}")
    elif path.exists() and not force:
        raise _fail(f"{path} exists: use --add for new units, or --force to re-split (changes the test set)")
    else:
        write_splits(df, path)
        typer.echo(f"wrote {path} ({len(df)} units)")


@app.command()
def train(
    model: Annotated[
        ModelKind, typer.Option("--model", help="sklearn (fast) or transformers (slow).")
    ] = ModelKind.sklearn,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output model folder (default: models/exaggeration-*).")
    ] = None,
    init: Annotated[
        Path | None, typer.Option("--init", help="Local Hugging Face checkpoint folder to fine-tune (transformers).")
    ] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Training epochs (transformers).")] = None,
    corpus_dir: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: data/corpus).")] = None,
) -> None:
    """Train a classifier on the corpus train split; thresholds are chosen on dev."""
    from claimcheck.training.artifacts import ModelArtifactError
    from claimcheck.training.corpus import CorpusError
    from claimcheck.training.train import DEFAULT_SKLEARN_DIR, DEFAULT_TRANSFORMER_DIR, train_sklearn, train_transformer

    try:
        if model is ModelKind.sklearn:
            if init is not None:
                raise _fail("--init is for --model transformers")
            train_sklearn(corpus_dir, out or DEFAULT_SKLEARN_DIR, log=typer.echo)
        else:
            train_transformer(corpus_dir, out or DEFAULT_TRANSFORMER_DIR, init=init, epochs=epochs, log=typer.echo)
    except (CorpusError, ModelArtifactError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def evaluate(
    out: Annotated[Path | None, typer.Option("--out", help="Report folder (default: docs/evaluation).")] = None,
    transformer: Annotated[
        Path | None, typer.Option("--transformer", help="Also evaluate this transformers model and the cascade.")
    ] = None,
    eval_dir: Annotated[
        Path | None, typer.Option("--eval-dir", help="Shared evaluation sets (../shared/eval).")
    ] = None,
) -> None:
    """Precision/recall/F1, confusion matrix and calibration for every detector combination."""
    from claimcheck.lexicons import LexiconError
    from claimcheck.training.artifacts import ModelArtifactError
    from claimcheck.training.corpus import CorpusError
    from claimcheck.training.evaluate import DEFAULT_REPORT_DIR, write_report
    from claimcheck.training.evaluate import evaluate as run_evaluation

    try:
        report = run_evaluation(_settings(), transformer_dir=transformer, eval_dir=eval_dir, log=typer.echo)
    except (CorpusError, ModelArtifactError, LexiconError) as exc:
        raise _fail(str(exc)) from None
    j, m = write_report(report, out or DEFAULT_REPORT_DIR)
    typer.echo(m.read_text(encoding="utf-8"))
    typer.echo(f"wrote {j} and {m}")


def _store(database_url: str | None):
    from claimcheck.specs.check import SpecNormalizer
    from claimcheck.specs.tables import load_spec_tables
    from claimcheck.store.repository import SpecStore

    settings = _settings(database_url=database_url)
    normalizer = SpecNormalizer(load_spec_tables(settings.spec_tables_dir))
    return SpecStore(settings.database_url, normalizer=normalizer), settings


DbOption = Annotated[
    str | None, typer.Option("--db", help="Product store URL (default: CLAIMCHECK_DATABASE_URL or ./claimcheck.db).")
]


@products_app.command("import")
def products_import(
    file: Annotated[Path, typer.Argument(help="Product records: .json, .xlsx or .csv (see docs/PRODUCTS.md).")],
    database_url: DbOption = None,
) -> None:
    """Validate every record, then import them all in one transaction (or nothing)."""
    from claimcheck.lexicons import LexiconError, load_lexicon
    from claimcheck.store.db import StoreError
    from claimcheck.store.io import ImportError_, read_products

    store, settings = _store(database_url)
    lexicon = load_lexicon(settings.lexicon_dir)

    def resolve(value: str) -> str:
        try:
            resolved = lexicon.resolve_product_category(value)
        except LexiconError as exc:
            raise ValueError(str(exc)) from None
        assert resolved is not None
        return resolved

    try:
        records = read_products(file, resolve_category=resolve)
        n = store.upsert(records)
    except (ImportError_, StoreError) as exc:
        raise _fail(f"{exc}（未导入任何记录 / nothing imported）") from None
    typer.echo(f"imported {n} product record(s) into {_safe_url(store.url)}")


@products_app.command("show")
def products_show(
    sku: Annotated[str, typer.Argument(help="The SKU to show.")],
    database_url: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Show one product record: specs, ingredients, test reports, certificates."""
    from claimcheck.store.db import StoreError

    store, _ = _store(database_url)
    try:
        record = store.get(sku) if store.exists() else None
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if record is None:
        raise _fail(f"SKU {sku!r} is not in the product store ({_safe_url(store.url)})")
    if as_json:
        typer.echo(json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=2))
        return
    from claimcheck.report.products import render_product

    render_product(record, Console(highlight=False))


@products_app.command("export")
def products_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .json, .xlsx or .csv.")] = Path(
        "products.json"
    ),
    database_url: DbOption = None,
) -> None:
    """Export every product record (JSON and Excel round-trip through import)."""
    from claimcheck.store.db import StoreError
    from claimcheck.store.io import ImportError_, write_products

    store, _ = _store(database_url)
    try:
        records = store.all() if store.exists() else []
        path = write_products(records, out)
    except (ImportError_, StoreError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"exported {len(records)} product record(s) to {path}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    app()
