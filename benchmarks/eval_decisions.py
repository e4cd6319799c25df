"""Learning from decisions, simulated end to end with our own corpus, in a temporary folder.

1. A fresh review record (SQLite in a temp dir) records a screening of each unit of a random
   share of the corpus **dev** split (never test) with the shipped models.
2. A simulated reviewer decides every finding by the unit's corpus label: a violation unit's
   findings are confirmed, an ordinary unit's dismissed ("corpus label: …").
3. ``claimcheck train --with-decisions`` trains into a temporary model folder (models/ is never
   touched), compares it with the shipped model and prints the before/after table.

Only a share of dev is decided (``--fraction``, default 0.5): training keeps the dev units it
learns out of threshold choice, so the rest of dev is what thresholds are chosen on. With the
whole dev split decided, thresholds would rest on the few dev units nothing flagged.

    python benchmarks/eval_decisions.py [--fraction 0.5] [--seed 7] [--weight 1] [--no-real-speech] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.corpus import load_corpus  # noqa: E402
from claimcheck.service.app import Services  # noqa: E402
from claimcheck.service.screening import screen_script  # noqa: E402

REVIEWER = "simulated-reviewer"


def simulate_reviews(services: Services, fraction: float, seed: int) -> Counter[str]:
    """Screen the chosen dev units and decide each finding by the unit's label."""
    dev = load_corpus().query("split == 'dev'")
    picked = dev.sample(frac=fraction, random_state=seed).sort_values("id")
    counts: Counter[str] = Counter(units=len(picked))
    for row in picked.itertuples(index=False):
        outcome = screen_script(
            services, row.text, source=f"corpus-dev:{row.id}", context=DocContext(product_category=row.product_category)
        )
        assert outcome.record_seq is not None
        decision = "confirm" if row.label != "ok" else "dismiss"
        kind = "ok" if row.label == "ok" else "violation"
        counts[f"{kind} units with a finding"] += bool(outcome.result.findings)
        for i, _ in enumerate(outcome.result.findings):
            services.ledger.add_decision(
                outcome.record_seq, i, decision, f"corpus label: {row.label}", REVIEWER, via="operator"
            )
            counts[decision] += 1
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fraction", type=float, default=0.5, help="share of the dev split the reviewer decides")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--weight", type=float, default=1.0, help="--decision-weight for training")
    ap.add_argument("--no-real-speech", action="store_true", help="skip the real-speech dev set")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="claimcheck-decisions-"))
    env = {
        **os.environ,
        "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp / 'review.db'}",
        "CLAIMCHECK_LEDGER_KEY_FILE": str(tmp / "ledger.key"),
        "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": str(tmp / "checkpoints.jsonl"),
        "CLAIMCHECK_REPORT_DIR": str(tmp / "reports"),
        "CLAIMCHECK_CACHE_DIR": os.environ.get("CLAIMCHECK_CACHE_DIR", str(tmp / "cache")),
    }
    try:
        settings = Settings(
            database_url=env["CLAIMCHECK_DATABASE_URL"],
            ledger_key_file=tmp / "ledger.key",
            ledger_checkpoint_file=tmp / "checkpoints.jsonl",
        )
        t0 = time.perf_counter()
        counts = simulate_reviews(Services(settings), args.fraction, args.seed)
        print(
            f"simulated reviewer: {counts['units']} dev units screened ({args.fraction:g} of dev, seed {args.seed}); "
            f"{counts['violation units with a finding']} violation and {counts['ok units with a finding']} ordinary "
            f"units had findings; {counts['confirm']} findings confirmed, {counts['dismiss']} dismissed "
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        command = [
            sys.executable,
            "-c",
            "from claimcheck.cli import main; main()",
            "train",
            "--with-decisions",
            "--out",
            str(tmp / "model"),
            "--baseline",
            str(settings.model_dir),
            "--decision-weight",
            str(args.weight),
            *(["--no-real-speech"] if args.no_real_speech else []),
        ]
        proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stdout[-4000:] + proc.stderr[-2000:], file=sys.stderr)
            return proc.returncode
        lines = proc.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("learned from"))
        print("\n".join(line for line in lines[:start] if "learning from" in line or "no unit from" in line))
        print("\n".join(lines[start:]))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
