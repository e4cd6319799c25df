"""Reviewers' decisions as a training source, kept apart from the corpus and versioned by content.

Each finding's *current* decision (the newest decision entry on it; the ones it superseded are
ignored) becomes a labelled unit: ``confirm`` → the finding's category, ``dismiss`` → ``ok``.
A confirmed finding whose category the text classifier cannot learn (``unclassified``: the
reviewer names no category; ``spec_mismatch``: needs the product record) is skipped and counted.

The unit's text is the best the review record has: the sentence kept around the finding
(``meta.finding_contexts``, recorded since allowed contexts exist) or else the finding's own
text (the whole claim unit for a classifier finding, only the matched words for a term hit).
In one record, a dismissal whose text is also a confirmed unit is dropped (the sentence holds
a violation). The source is written as JSON lines next to the model, named by its sha256
(``decisions-<hash>.jsonl``), never into data/corpus.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from claimcheck.classifier.artifacts import DecisionsProvenance
from claimcheck.classifier.classes import CLASSIFIER_LABELS, OK
from claimcheck.ledger import Ledger
from claimcheck.ledger.chain import RECORD_KINDS
from claimcheck.nlp.normalize import compact

COLUMNS = (
    "text",
    "label",
    "product_category",
    "style",
    "decision_seq",
    "record_seq",
    "finding_index",
    "decision",
    "rule_id",
    "reviewer",
    "text_from",
)


@dataclass(frozen=True)
class DecisionsSource:
    """The labelled units made from decisions, in decision order, and what was left out and why."""

    frame: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        rows = self.frame[list(COLUMNS)].to_dict("records")
        return [json.dumps(_plain(r), ensure_ascii=False, sort_keys=True) for r in rows]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(("\n".join(self.lines) + "\n").encode("utf-8")).hexdigest()

    @property
    def file_name(self) -> str:
        return f"decisions-{self.sha256[:12]}.jsonl"

    def __len__(self) -> int:
        return len(self.frame)

    def write(self, directory: Path) -> Path:
        """Write the source as JSON lines into ``directory`` (the model folder); returns the file."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.file_name
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        return path


def _plain(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def current_decisions(entry: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Per finding index: the newest decision on it (superseded ones dropped)."""
    out: dict[int, dict[str, Any]] = {}
    for d in entry.get("decisions", []):
        i = d.get("finding_index")
        if isinstance(i, int) and (i not in out or d["seq"] > out[i]["seq"]):
            out[i] = d
    return out


def decision_units(entries: list[dict[str, Any]]) -> DecisionsSource:
    """The training source from review-record entries (records with their decisions, as Ledger.entries gives)."""
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for entry in entries:
        if entry.get("kind") not in RECORD_KINDS or not entry.get("decisions"):
            continue
        payload = entry["payload"]
        findings = payload.get("findings", [])
        contexts = payload.get("meta", {}).get("finding_contexts")
        mine: list[dict[str, Any]] = []
        for index, d in sorted(current_decisions(entry).items()):
            if not 0 <= index < len(findings):
                skipped["finding missing from its record"] += 1
                continue
            finding = findings[index]
            if d["decision"] == "dismiss":
                label = OK
            elif finding.get("category") in CLASSIFIER_LABELS and finding.get("category") != OK:
                label = finding["category"]
            else:
                skipped[f"confirmed {finding.get('category')} (no category the classifier learns)"] += 1
                continue
            context = contexts[index] if isinstance(contexts, list) and index < len(contexts) else None
            from_context = isinstance(context, str) and bool(context.strip())
            text = str(context) if from_context else str(finding.get("text") or "")
            if not text.strip():
                skipped["no text"] += 1
                continue
            mine.append(
                {
                    "text": text,
                    "label": label,
                    "product_category": str(payload.get("meta", {}).get("product_category") or ""),
                    "style": "asr" if entry["kind"] == "audit" else "script",
                    "decision_seq": int(d["seq"]),
                    "record_seq": int(entry["seq"]),
                    "finding_index": index,
                    "decision": d["decision"],
                    "rule_id": str(finding.get("rule_id") or ""),
                    "reviewer": str(d.get("reviewer") or ""),
                    "text_from": "context" if from_context else "finding",
                }
            )
        confirmed = {r["text"] for r in mine if r["label"] != OK}
        for r in mine:
            if r["label"] == OK and r["text"] in confirmed:
                skipped["dismissal in a sentence with a confirmed finding"] += 1
            else:
                rows.append(r)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame = frame.sort_values(["decision_seq", "finding_index"], kind="stable").reset_index(drop=True)
    return DecisionsSource(frame, dict(sorted(skipped.items())))


def load_decisions(ledger: Ledger) -> DecisionsSource:
    """The training source from every decision in the review record."""
    return decision_units(ledger.entries())


@dataclass(frozen=True)
class LearningPlan:
    """What training takes from a decisions source, given the corpus."""

    x: list[str]  # compact texts of the decision units learned from
    y: list[str]
    learned: pd.DataFrame  # their rows of the source
    weight: float
    left_out_test: int  # source units repeating corpus test units (never trained on)
    dev_learned: pd.Series  # per corpus unit: a dev unit the model learns (kept out of threshold choice)
    decision_seqs: list[int]  # every decision behind a learned unit (duplicates of one unit included)

    def provenance(self, source: DecisionsSource, path: Path) -> DecisionsProvenance:
        seqs = sorted(set(self.decision_seqs))
        return DecisionsProvenance(
            file=path.name,
            sha256=source.sha256,
            units=len(source),
            learned=len(self.learned),
            weight=self.weight,
            confirmed=int((self.learned["decision"] == "confirm").sum()),
            dismissed=int((self.learned["decision"] == "dismiss").sum()),
            decision_seqs=seqs,
            first_seq=seqs[0] if seqs else None,
            last_seq=seqs[-1] if seqs else None,
            skipped=source.skipped,
            left_out_repeating_test=self.left_out_test,
            dev_left_out_of_thresholds=int(self.dev_learned.sum()),
        )


_EDGE_PUNCTUATION = "，。！？；、,.!?;:： "


def unit_key(text: str) -> str:
    """What makes two units the same for leakage checks: the compact form without edge punctuation
    (a kept sentence lacks the 。 a corpus unit may end with)."""
    return compact(text).strip(_EDGE_PUNCTUATION)


def learnable(
    source: DecisionsSource, corpus: pd.DataFrame, weight: float, log: Callable[[str], Any] = print
) -> LearningPlan:
    """The decision units to learn from: one per record, text and label (a sentence with two
    confirmed findings of one category is one unit), leaving out those that repeat a corpus test
    unit (the test split is never trained on). Dev units a decision unit repeats are marked, so
    thresholds are chosen on dev units the model has not seen."""
    frame = source.frame
    keys = [unit_key(t) for t in frame["text"]]
    test = {unit_key(t) for t in corpus.loc[corpus["split"] == "test", "text"]}
    repeats_test = [k in test for k in keys]
    unique = ~frame.duplicated(["record_seq", "text", "label"]).to_numpy()
    keep = unique & ~pd.Series(repeats_test).to_numpy()
    learned_keys = {k for k, r in zip(keys, repeats_test, strict=True) if not r}
    learned = frame[keep]
    x = [compact(t) for t in learned["text"]]
    dev_learned = (corpus["split"] == "dev") & pd.Series(
        [unit_key(t) in learned_keys for t in corpus["text"]], index=corpus.index
    )
    left_out = int(sum(repeats_test))
    log(
        f"learning from {len(x)} decision unit(s) (weight {weight:g}; {source.file_name})"
        + (f"; {left_out} left out: they repeat corpus test units" if left_out else "")
        + (f"; {int(dev_learned.sum())} dev unit(s) kept out of threshold choice" if dev_learned.any() else "")
    )
    for reason, n in source.skipped.items():
        log(f"  no unit from {n} decision(s): {reason}")
    seqs = frame.loc[~pd.Series(repeats_test, index=frame.index), "decision_seq"]
    return LearningPlan(x, list(learned["label"]), learned, weight, left_out, dev_learned, [int(v) for v in seqs])
