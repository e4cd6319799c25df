"""The real-speech dev set: sentences of ../shared/eval/liveamr-asr and our labels for a sample.

The transcripts stay in ../shared/eval; the repository keeps only sentence ids, a hash of
each labelled sentence (to notice if the splitter or the data changed) and the labels
(``data/real_speech/labels.csv``). Sentence ids are ``<chunk id>:<n>``, n counting the
sentences of that chunk that pass the length filter, so they are stable as long as this
splitter is.

    python -m claimcheck.evaluation.real_speech sample            # the ids drawn for labelling
    python -m claimcheck.evaluation.real_speech show ID [ID ...]  # print sentences (for labelling by hand)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from claimcheck.paths import REPO_ROOT

EVAL_DIR = Path(os.environ.get("CLAIMCHECK_EVAL_DIR", REPO_ROOT.parent / "shared" / "eval"))
TRANSCRIPTS = EVAL_DIR / "liveamr-asr" / "transcripts.jsonl"
LABELS = REPO_ROOT / "data" / "real_speech" / "labels.csv"
SECOND = REPO_ROOT / "data" / "real_speech" / "labels_second.csv"
#: labelled after the detectors were written and never used for error analysis or thresholds
HELDOUT = (REPO_ROOT / "data" / "real_speech" / "heldout_a.csv", REPO_ROOT / "data" / "real_speech" / "heldout_b.csv")
SPLITTER_VERSION = "1"
SAMPLE_SEED = 20261130
SAMPLE_SIZE = 1100
OVERLAP_SIZE = 150

_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    channel: str
    platform: str

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:10]


def sentences(path: Path = TRANSCRIPTS) -> list[Sentence]:
    """Every sentence of at least five Chinese characters, in file order."""
    out: list[Sentence] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            k = 0
            for part in _SENTENCE.findall(row["text"]):
                part = part.strip()
                if len(_HAN.findall(part)) < 5:
                    continue
                out.append(Sentence(f"{row['id']}:{k}", part, row.get("channel", ""), row.get("platform", "")))
                k += 1
    return out


def sample_ids(all_sentences: list[Sentence], size: int = SAMPLE_SIZE, seed: int = SAMPLE_SEED) -> list[str]:
    """The random draw for labelling, in file order."""
    rng = random.Random(seed)
    picked = set(rng.sample(range(len(all_sentences)), size))
    return [s.id for i, s in enumerate(all_sentences) if i in picked]


def overlap_ids(ids: list[str], size: int = OVERLAP_SIZE, seed: int = SAMPLE_SEED + 1) -> list[str]:
    """The sub-sample labelled a second time, independently, for inter-annotator agreement."""
    rng = random.Random(seed)
    return sorted(rng.sample(ids, size), key=ids.index)


@dataclass(frozen=True)
class Labelled:
    sentence: Sentence
    label: str
    categories: tuple[str, ...]
    certainty: str
    product_type: str
    annotator: str

    @property
    def violation(self) -> bool:
        return self.label != "ok"


def load_labels(path: Path = LABELS, all_sentences: list[Sentence] | None = None) -> list[Labelled]:
    """The labelled sentences with their text (read from ../shared/eval); refuses a drifted sentence."""
    import csv

    by_id = {s.id: s for s in (all_sentences if all_sentences is not None else sentences())}
    out: list[Labelled] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            s = by_id.get(row["id"])
            if s is None or s.sha1 != row["sha1"]:
                raise ValueError(f"{path.name}: sentence {row['id']} changed or is missing; the splitter drifted")
            cats = tuple(c for c in row["categories"].split(";") if c) or (
                (row["label"],) if row["label"] != "ok" else ()
            )
            out.append(Labelled(s, row["label"], cats, row["certainty"], row["product_type"], row["annotator"]))
    return out


def _kappa(a: list[str], b: list[str]) -> float:
    from collections import Counter

    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return round((observed - expected) / (1 - expected), 4) if expected < 1 else 1.0


def agreement(all_sentences: list[Sentence] | None = None) -> dict[str, float]:
    """Cohen's kappa between the primary labels and the second annotator's, on the overlap."""
    first = {r.sentence.id: r for r in load_labels(LABELS, all_sentences)}
    second = [r for r in load_labels(SECOND, all_sentences) if r.sentence.id in first]
    a = [first[r.sentence.id] for r in second]
    return {
        "n": len(second),
        "kappa_binary": _kappa([str(x.violation) for x in a], [str(y.violation) for y in second]),
        "kappa_label": _kappa([x.label for x in a], [y.label for y in second]),
    }


def main(argv: list[str]) -> int:
    if not TRANSCRIPTS.is_file():
        print(f"not found: {TRANSCRIPTS} (set CLAIMCHECK_EVAL_DIR)", file=sys.stderr)
        return 2
    alls = sentences()
    by_id = {s.id: s for s in alls}
    if argv[:1] == ["sample"]:
        for i in sample_ids(alls):
            print(i)
    elif argv[:1] == ["overlap"]:
        for i in overlap_ids(sample_ids(alls)):
            print(i)
    elif argv[:1] == ["show"]:
        for i in argv[1:]:
            s = by_id[i]
            print(f"{s.id}\t{s.sha1}\t{s.channel}\t{s.text}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
