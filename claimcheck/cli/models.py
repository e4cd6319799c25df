"""``claimcheck corpus``, ``train`` and ``evaluate``: the classifier's data, training and figures."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.cli.common import make_app, settings
from claimcheck.errors import InputError

corpus_app = make_app("The labelled claim-unit corpus in data/corpus.")
CorpusOption = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: data/corpus).")]


class ModelKind(StrEnum):
    sklearn = "sklearn"
    transformers = "transformers"


@corpus_app.command("stats")
def corpus_stats(corpus_dir: CorpusOption = None) -> None:
    """Units per label, split, style and product category."""
    from claimcheck.corpus import load_corpus

    df = load_corpus(corpus_dir)
    typer.echo(
        f"{len(df)} units; ok {100 * (df['label'] == 'ok').mean():.1f}%, "
        f"hard negatives {int(df['hard_negative'].sum())}, asr {100 * (df['style'] == 'asr').mean():.1f}%"
    )
    typer.echo(df.pivot_table(index="label", columns="split", values="id", aggfunc="count", fill_value=0).to_string())
    typer.echo(df["product_category"].value_counts().to_string())


@corpus_app.command("split")
def corpus_split(
    corpus_dir: CorpusOption = None,
    add: Annotated[bool, typer.Option("--add", help="Assign only units that have no split yet.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Re-split everything (changes the test set!).")] = False,
) -> None:
    """Assign the fixed stratified train/dev/test split (writes splits.csv)."""
    from claimcheck.corpus import DEFAULT_CORPUS_DIR, add_to_splits, load_units, write_splits

    root = corpus_dir or DEFAULT_CORPUS_DIR
    path = root / "splits.csv"
    df = load_units(root)
    if add:
        typer.echo(f"assigned {add_to_splits(df, path)} new unit(s) in {path}")
    elif path.exists() and not force:
        raise InputError(f"{path} exists: use --add for new units, or --force to re-split (changes the test set)")
    else:
        write_splits(df, path)
        typer.echo(f"wrote {path} ({len(df)} units)")


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
    corpus_dir: CorpusOption = None,
) -> None:
    """Train a classifier on the corpus train split; thresholds are chosen on dev."""
    from claimcheck.training.train import DEFAULT_SKLEARN_DIR, DEFAULT_TRANSFORMER_DIR, train_sklearn, train_transformer

    if model is ModelKind.sklearn:
        if init is not None:
            raise InputError("--init is for --model transformers")
        train_sklearn(corpus_dir, out or DEFAULT_SKLEARN_DIR, log=typer.echo)
    else:
        train_transformer(corpus_dir, out or DEFAULT_TRANSFORMER_DIR, init=init, epochs=epochs, log=typer.echo)


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
    from claimcheck.evaluation.report import DEFAULT_REPORT_DIR, write_report
    from claimcheck.evaluation.run import evaluate as run_evaluation

    report = run_evaluation(settings(), transformer_dir=transformer, eval_dir=eval_dir, log=typer.echo)
    j, m = write_report(report, out or DEFAULT_REPORT_DIR)
    typer.echo(m.read_text(encoding="utf-8"))
    typer.echo(f"wrote {j} and {m}")
