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
ledger_app = typer.Typer(
    help="The selection review record (选品审核台账): append-only, hash-chained.", no_args_is_help=True
)
app.add_typer(ledger_app, name="ledger")
keys_app = typer.Typer(help="API keys for the HTTP service's write endpoints.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

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
    report_dir: Annotated[
        Path | None, typer.Option("--report-dir", help="Where the HTML and JSON reports go (default: ./reports).")
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not write the screening to the review record (dry run).")
    ] = False,
) -> None:
    """Screen a pre-broadcast script: print findings, write HTML/JSON reports, record it.

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
    seq = None
    if not no_record:
        from claimcheck.audit import input_hash

        seq = _record(
            settings,
            "screening",
            result,
            subject=doc.source,
            sku=sku,
            digest=input_hash(doc.text),
            meta={"source": "cli", "broadcast_date": (broadcast_date or _today()).isoformat()},
        )
    paths = _write_reports(result, doc.text, report_dir or settings.report_dir, doc.source, record_seq=seq)
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        from claimcheck.report.terminal import render

        console = Console(highlight=False)
        render(result, doc.text, console, source=doc.source)
        console.print(f"报告：{paths[0]}" + (f" · 台账记录号 {seq}" if seq else ""), style="dim")
    raise typer.Exit(EXIT_BLOCK if result.verdict == "block" else EXIT_OK)


def _today():
    import datetime as dt

    return dt.date.today()


def _record(settings, kind: str, result, *, subject: str, sku: str | None, digest: str, meta: dict) -> int:
    """Append to the review record; a failure here is an error, never silent."""
    from claimcheck.ledger import Ledger, LedgerError
    from claimcheck.store.db import StoreError

    try:
        return Ledger(settings.database_url).append_result(
            kind, result, subject=subject, sku=sku, input_hash=digest, meta=meta
        )
    except (LedgerError, StoreError) as exc:
        raise _fail(f"cannot write the review record: {exc}") from None


def _write_reports(result, text: str, folder: Path, source: str, **kw) -> tuple[Path, Path]:
    import datetime as dt
    import re

    from claimcheck.report.html import render_html, write_html

    stem = re.sub(r"[^\w.\-]+", "_", Path(source).stem if source not in ("-", "标准输入") else "stdin")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    html_path = folder / f"{stem}-{stamp}.html"
    json_path = folder / f"{stem}-{stamp}.json"
    try:
        write_html(html_path, render_html(result, text, source=source, **kw))
        json_path.write_text(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write the report to {folder}: {exc.strerror or exc}") from None
    return html_path, json_path


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


@app.command()
def audit(
    transcript: Annotated[Path, typer.Argument(help="SRT, WebVTT, ASR JSON or [hh:mm:ss] text; or a folder of them.")],
    schedule: Annotated[
        Path | None,
        typer.Option("--schedule", "-s", help="Run sheet CSV start,end,sku: which product was on sale when."),
    ] = None,
    broadcast_id: Annotated[str | None, typer.Option("--broadcast-id", help="Broadcast id for the record.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Broadcast date YYYY-MM-DD (default today).")] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Product category id or name.")] = None,
    database_url: Annotated[
        str | None, typer.Option("--db", help="Product store URL (default: ./claimcheck.db).")
    ] = None,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Report folder (default: ./reports).")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not write to the review record.")] = False,
) -> None:
    """Audit a broadcast transcript against the run sheet (findings with times and SKUs)."""
    from rich.progress import Progress

    from claimcheck.audit import audit as run_audit
    from claimcheck.audit import input_hash
    from claimcheck.detectors.spec_check import UnknownSKUError
    from claimcheck.io.text import InputError
    from claimcheck.io.transcripts import read_run_sheet, read_transcript
    from claimcheck.store.db import StoreError

    settings = _settings(database_url=database_url)
    broadcast_date = _parse_date(on)
    suffixes = {".srt", ".vtt", ".json", ".txt", ".md"}
    if transcript.is_dir():
        files = sorted(p for p in transcript.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        if not files:
            raise _fail(f"{transcript}: no transcripts (.srt, .vtt, .json, .txt) in the folder")
    elif transcript.exists():
        files = [transcript]
    else:
        raise _fail(f"{transcript}: file not found")
    try:  # read everything first: nothing half-read is audited
        run_sheet = read_run_sheet(schedule, settings.max_input_bytes) if schedule else None
        parsed = [read_transcript(f, settings.max_input_bytes) for f in files]
    except InputError as exc:
        raise _fail(str(exc)) from None
    engine = _engine(settings)
    worst = "pass"
    with Progress(transient=True, disable=len(files) == 1 or output_format is OutputFormat.json) as progress:
        task = progress.add_task("审核中", total=len(files))
        for path, t in zip(files, parsed, strict=True):
            try:
                outcome = run_audit(engine, t, run_sheet, broadcast_date=broadcast_date, product_category=category)
            except (UnknownSKUError, StoreError) as exc:
                raise _fail(str(exc).strip("'\"")) from None
            subject = broadcast_id if broadcast_id and len(files) == 1 else (broadcast_id or "") + path.stem
            seq = None
            if not no_record:
                seq = _record(
                    settings,
                    "audit",
                    outcome.result,
                    subject=subject,
                    sku=None,
                    digest=input_hash(path.read_bytes()),
                    meta={
                        "source": "cli",
                        "transcript": path.name,
                        "format": t.format,
                        "schedule": schedule.name if schedule else None,
                        "broadcast_date": (broadcast_date or _today()).isoformat(),
                    },
                )
            paths = _write_reports(
                outcome.result,
                outcome.text,
                report_dir or settings.report_dir,
                path.name,
                title="直播回放合规审核报告",
                broadcast_id=subject,
                record_seq=seq,
                slots=outcome.slots,
            )
            if outcome.result.verdict == "block" or (outcome.result.verdict == "review" and worst == "pass"):
                worst = outcome.result.verdict
            if output_format is OutputFormat.json:
                sys.stdout.write(json.dumps(outcome.result.to_json_dict(), ensure_ascii=False) + "\n")
            else:
                from claimcheck.report.terminal import render

                console = Console(highlight=False)
                render(outcome.result, outcome.text, console, source=path.name)
                console.print(f"报告：{paths[0]}" + (f" · 台账记录号 {seq}" if seq else ""), style="dim")
            progress.advance(task)
    raise typer.Exit(EXIT_BLOCK if worst == "block" else EXIT_OK)


def _ledger(database_url: str | None):
    from claimcheck.ledger import Ledger

    return Ledger(_settings(database_url=database_url).database_url)


@ledger_app.command("show")
def ledger_show(
    seq: Annotated[int | None, typer.Argument(help="Entry number; without it, the latest entries.")] = None,
    sku: Annotated[str | None, typer.Option("--sku")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    database_url: DbOption = None,
) -> None:
    """Show one entry with its findings and decisions, or list the latest entries."""
    from rich.table import Table

    from claimcheck.ledger import LedgerError

    led = _ledger(database_url)
    try:
        if seq is not None:
            typer.echo(json.dumps(led.get(seq), ensure_ascii=False, indent=2, default=str))
            return
        rows = led.entries(sku=sku)[-limit:]
    except (LedgerError, KeyError) as exc:
        raise _fail(f"no review-record entry {seq}: {exc}") from None
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


@ledger_app.command("decide")
def ledger_decide(
    seq: Annotated[int, typer.Argument(help="The screening/audit entry number.")],
    finding: Annotated[int, typer.Option("--finding", help="Finding index in that entry (0-based).")],
    decision: Annotated[str, typer.Option("--decision", help="confirm or dismiss.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who decides.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required to dismiss).")] = "",
    database_url: DbOption = None,
) -> None:
    """Record a reviewer's decision on a finding (a new entry; nothing is edited)."""
    from claimcheck.ledger import LedgerError

    if decision not in ("confirm", "dismiss"):
        raise _fail("--decision must be confirm or dismiss")
    try:
        d = _ledger(database_url).add_decision(seq, finding, decision, reason, reviewer)
    except LedgerError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"recorded decision as entry {d}")


@ledger_app.command("verify")
def ledger_verify(database_url: DbOption = None) -> None:
    """Check the hash chain; report the first entry edited, removed or reordered."""
    report = _ledger(database_url).verify()
    if report.ok:
        typer.echo(f"OK: {report.entries} entries, chain intact")
        return
    raise _fail(f"review record damaged at entry {report.first_bad_seq}: {report.problem}", code=EXIT_BLOCK)


@ledger_app.command("export")
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
        raise _fail("--format must be xlsx, csv or json")
    path = _ledger(database_url).export(
        out, fmt, from_date=_parse_date(date_from), to_date=_parse_date(date_to), sku=sku
    )
    typer.echo(f"exported the review record to {path}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")], database_url: DbOption = None
) -> None:
    """Create an API key; it is shown once and stored only as a hash."""
    from claimcheck.store.keys import create_key

    typer.echo(create_key(_settings(database_url=database_url).database_url, name))


@keys_app.command("list")
def keys_list(database_url: DbOption = None) -> None:
    """List API keys (ids and names, never secrets)."""
    from claimcheck.store.keys import list_keys

    for k in list_keys(_settings(database_url=database_url).database_url):
        typer.echo(json.dumps(k, ensure_ascii=False, default=str))


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id.")], database_url: DbOption = None) -> None:
    """Revoke an API key."""
    from claimcheck.store.keys import KeyError_, revoke_key

    try:
        now = revoke_key(_settings(database_url=database_url).database_url, key_id)
    except KeyError_ as exc:
        raise _fail(str(exc).strip("'\"")) from None
    typer.echo(f"revoked {key_id}" if now else f"{key_id} was already revoked")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1)] = 1,
) -> None:
    """Start the HTTP service (uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    uvicorn.run("claimcheck.api.server:app", host=host, port=port, workers=workers, log_level="info")


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
