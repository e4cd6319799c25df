"""Cost of the cross-check: 1,000 claims screened with their SKU against the same claims without.

With a SKU the spec_check detector reads every claim against the product's record (claim
tables, categorical values, people, quantities, places, tests, the factual-claim model);
without one it has nothing to do. Both runs use the default detectors and one engine with
the claims set's 60 records in a temporary SQLite store; the two passes alternate, and the
figure is the ratio of the medians. Target: <= 1.5x.

    python benchmarks/bench_claims.py [--rounds 3] [--n 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimcheck.claimsets import load_claims, load_records  # noqa: E402
from claimcheck.config import Settings  # noqa: E402
from claimcheck.context import DocContext  # noqa: E402
from claimcheck.engine import Engine  # noqa: E402
from claimcheck.specs.check import SpecNormalizer  # noqa: E402
from claimcheck.specs.tables import load_spec_tables  # noqa: E402
from claimcheck.store.repository import SpecStore  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    claims = load_claims()
    batch = [claims[i % len(claims)] for i in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/claims.db"
        SpecStore(url, normalizer=SpecNormalizer(load_spec_tables())).upsert(load_records())
        engine = Engine.from_settings(Settings(database_url=url))
        for c in batch[:50]:  # warm caches (record indexes, jieba, models) outside the timing
            engine.screen(c.text, DocContext(sku=c.sku, broadcast_date=c.broadcast_date))
            engine.screen(c.text, DocContext(broadcast_date=c.broadcast_date))
        with_sku, without = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for c in batch:
                engine.screen(c.text, DocContext(broadcast_date=c.broadcast_date))
            without.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for c in batch:
                engine.screen(c.text, DocContext(sku=c.sku, broadcast_date=c.broadcast_date))
            with_sku.append(time.perf_counter() - t0)
    w, wo = statistics.median(with_sku), statistics.median(without)
    print(f"{args.n} claims without SKU: {wo:.2f} s ({args.n / wo:.0f}/s)")
    print(f"{args.n} claims with SKU:    {w:.2f} s ({args.n / w:.0f}/s)")
    print(f"with/without SKU: {w / wo:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
