"""``claimcheck corpus``, ``train`` and ``evaluate``: the classifier's data, training and figures."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from claimcheck.cli.common import DbOption, make_app, print_note, services, settings
from claimcheck.errors import InputError

corpus_app = make_app("The labelled claim-unit corpus in data/corpus.")
CorpusOption = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: data/corpus).")]


class ModelKind(StrEnum):
    sklearn = "sklearn"
    transformers = "transformers"
    gate = "gate"
    factual = "factual"


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


@corpus_app.command("dedupe")
def corpus_dedupe(
    corpus_dir: CorpusOption = None,
    threshold: Annotated[float, typer.Option("--threshold", min=0.3, max=1.0, help="Jaccard of 3-gram sets.")] = 0.7,
    write: Annotated[bool, typer.Option("--write", help="Remove the near-duplicates from their files.")] = False,
) -> None:
    """Find near-duplicate units (MinHash); with --write, remove those that have no split yet.

    Units that already have a split are never removed (that would change the test set); a new
    unit that nearly repeats an older one, or another new one, is.
    """
    import pandas as pd

    from claimcheck.corpus import DEFAULT_CORPUS_DIR, load_units, near_duplicates, remove_lines

    root = corpus_dir or DEFAULT_CORPUS_DIR
    df = load_units(root)
    split_path = root / "splits.csv"
    assigned = set(pd.read_csv(split_path, dtype=str)["id"]) if split_path.is_file() else set()
    df["assigned"] = df["id"].isin(assigned)
    df = df.sort_values(["assigned", "source", "line"], ascending=[False, True, True]).reset_index(drop=True)
    pairs = near_duplicates(df, threshold)
    removable = [(a, b, j) for a, b, j in pairs if not df.loc[b, "assigned"]]
    for a, b, j in pairs:
        keep, drop = df.loc[a], df.loc[b]
        mark = "" if (a, b, j) in removable else "  (both already split: kept)"
        typer.echo(f"{j:.2f}  {keep['source']}:{keep['line']}  ~  {drop['source']}:{drop['line']}{mark}")
    if write and removable:
        n = remove_lines(root, [(str(df.loc[b, "source"]), int(str(df.loc[b, "line"]))) for _, b, _ in removable])
        typer.echo(f"removed {n} near-duplicate unit(s)")
    else:
        typer.echo(f"{len(removable)} removable near-duplicate(s) at Jaccard >= {threshold}")


def train(
    model: Annotated[
        ModelKind,
        typer.Option(
            "--model",
            help="sklearn (fast), transformers (slow), gate (the claim gate) or factual (factual-claim model).",
        ),
    ] = ModelKind.sklearn,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output model folder (default: models/exaggeration-*).")
    ] = None,
    init: Annotated[
        Path | None, typer.Option("--init", help="Local Hugging Face checkpoint folder to fine-tune (transformers).")
    ] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Training epochs (transformers).")] = None,
    corpus_dir: CorpusOption = None,
    with_decisions: Annotated[
        bool,
        typer.Option(
            "--with-decisions",
            help="Also learn from the review record's decisions (sklearn); print before/after figures.",
        ),
    ] = False,
    decision_weight: Annotated[
        float, typer.Option("--decision-weight", help="Sample weight of a decision unit (a corpus unit weighs 1).")
    ] = 1.0,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="The model to compare with (default: the one in --out, else the configured one)."
        ),
    ] = None,
    real_speech: Annotated[
        bool,
        typer.Option("--real-speech/--no-real-speech", help="Calibrate and measure on the real-speech dev set."),
    ] = True,
    database_url: DbOption = None,
) -> None:
    """Train a classifier on the corpus train split; thresholds are chosen on dev."""
    from claimcheck.training.train import DEFAULT_SKLEARN_DIR, DEFAULT_TRANSFORMER_DIR, train_sklearn, train_transformer

    if model is not ModelKind.transformers and init is not None:
        raise InputError("--init is for --model transformers")
    if with_decisions:
        if model is not ModelKind.sklearn:
            raise InputError(
                f"--with-decisions trains the fast model only (--model sklearn), not --model {model.value}"
            )
        _train_with_decisions(
            out or DEFAULT_SKLEARN_DIR, corpus_dir, decision_weight, baseline, real_speech, database_url
        )
        return
    if baseline is not None or decision_weight != 1.0:
        raise InputError("--baseline and --decision-weight go with --with-decisions")
    if model is ModelKind.sklearn:
        train_sklearn(corpus_dir, out or DEFAULT_SKLEARN_DIR, log=typer.echo)
    elif model is ModelKind.gate:
        from claimcheck.training.gate_train import DEFAULT_GATE_DIR, train_gate

        train_gate(corpus_dir, out or DEFAULT_GATE_DIR, log=typer.echo)
    elif model is ModelKind.factual:
        from claimcheck.training.factual_train import DEFAULT_FACTUAL_DIR, train_factual

        train_factual(corpus_dir, out or DEFAULT_FACTUAL_DIR, log=typer.echo)
    else:
        train_transformer(corpus_dir, out or DEFAULT_TRANSFORMER_DIR, init=init, epochs=epochs, log=typer.echo)


def _train_with_decisions(
    out: Path, corpus_dir: Path | None, weight: float, baseline: Path | None, speech: bool, database_url: str | None
) -> None:
    """Corpus train split + the review record's decisions; the figures of the model replaced and the new one."""
    from claimcheck.classifier.policy import POLICY_FILE
    from claimcheck.evaluation import real_speech
    from claimcheck.evaluation.calibrate import calibrate as run_calibration
    from claimcheck.evaluation.compare import format_table, model_figures
    from claimcheck.lexicons import load_lexicon
    from claimcheck.store.db import safe_url
    from claimcheck.training.decisions import load_decisions
    from claimcheck.training.train import train_sklearn

    if not weight > 0:
        raise InputError(f"--decision-weight must be above 0, not {weight:g}")
    svc = services(database_url=database_url)
    source = load_decisions(svc.ledger)
    if not len(source):
        skipped = "; ".join(f"{n} {reason}" for reason, n in source.skipped.items())
        raise InputError(
            f"no decisions to learn from in the review record at {safe_url(svc.settings.database_url)}"
            + (f" ({skipped})" if skipped else "")
            + ": confirm or dismiss findings with `claimcheck ledger decide` first"
        )
    s = svc.settings
    base = baseline or (out if (out / "metadata.json").is_file() else s.model_dir)
    speech = speech and real_speech.TRANSCRIPTS.is_file()
    lexicon = load_lexicon(s.lexicon_dir)
    typer.echo(f"measuring the current model {base} ...")
    before = model_figures(base, s, corpus_dir=corpus_dir, speech=speech, lexicon=lexicon)
    meta = train_sklearn(corpus_dir, out, log=typer.echo, decisions=source, decision_weight=weight)
    if speech:
        typer.echo("calibrating the new model on the real-speech dev set (claimcheck calibrate) ...")
        run_calibration(s.model_copy(update={"model_dir": out}), log=typer.echo)
    elif (out / POLICY_FILE).is_file():
        print_note(f"{out / POLICY_FILE} was measured for the previous model: run `claimcheck calibrate`")
    typer.echo(f"measuring the new model {out} ...")
    after = model_figures(out, s, corpus_dir=corpus_dir, speech=speech, lexicon=lexicon)
    assert meta.decisions is not None
    d = meta.decisions
    typer.echo(
        f"learned from {d.learned} decision unit(s) ({d.confirmed} confirmed, {d.dismissed} dismissed; "
        f"decision entries {d.first_seq}..{d.last_seq}); source {d.file} (sha256 {d.sha256[:12]})"
    )
    typer.echo(format_table(before, after))


def calibrate() -> None:
    """Measure the classifier's per-category precision on the real-speech dev set; write policy.json.

    Needs ../shared/eval (or CLAIMCHECK_EVAL_DIR). The policy decides where the classifier alone
    may name a category (precision >= 0.8) and where it may block (>= 0.95).
    """
    from claimcheck.evaluation import real_speech
    from claimcheck.evaluation.calibrate import calibrate as run_calibration

    if not real_speech.TRANSCRIPTS.is_file():
        raise InputError(f"the real-speech transcripts are not at {real_speech.TRANSCRIPTS} (set CLAIMCHECK_EVAL_DIR)")
    run_calibration(settings(), log=typer.echo)


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
