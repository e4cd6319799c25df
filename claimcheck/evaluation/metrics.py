"""Metrics shared by training (threshold choice) and evaluation: binary, per category, calibration, PR."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np

from claimcheck.classifier.classes import CLASSIFIER_LABELS
from claimcheck.taxonomy import Category

LABELS = (*CLASSIFIER_LABELS, Category.SPEC_MISMATCH.value, Category.UNCLASSIFIED.value)


def binary_metrics(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    pred = scores >= threshold
    tp = int(np.sum(pred & y_true))
    fp = int(np.sum(pred & ~y_true))
    fn = int(np.sum(~pred & y_true))
    tn = int(np.sum(~pred & ~y_true))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "false_alarm_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def binary(gold: Iterable[bool], pred: Iterable[bool]) -> dict[str, float]:
    """Violation-vs-ok figures of hard predictions (the same measures as training reports)."""
    g = np.asarray(list(gold), bool)
    return binary_metrics(g, np.asarray(list(pred), float), 0.5)


def per_category(gold: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        support = tp + fn
        if support == 0 and fp == 0:
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / support if support else 0.0
        out[label] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
            "support": support,
        }
    return out


def confusion(gold: list[str], pred: list[str]) -> dict[str, Any]:
    labels = [label for label in LABELS if label in set(gold) | set(pred)]
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        m[index[g], index[p]] += 1
    return {"labels": labels, "matrix": m.tolist(), "rows": "gold", "columns": "predicted"}


def calibration(gold: np.ndarray, scores: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of P(violation), with the reliability bins."""
    edges = np.linspace(0, 1, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (scores >= lo) & ((scores < hi) if hi < 1 else (scores <= hi))
        if not mask.any():
            continue
        conf, acc = float(scores[mask].mean()), float(gold[mask].mean())
        ece += mask.mean() * abs(conf - acc)
        rows.append(
            {
                "low": round(float(lo), 2),
                "high": round(float(hi), 2),
                "n": int(mask.sum()),
                "mean_score": round(conf, 4),
                "violation_rate": round(acc, 4),
            }
        )
    return {"ece": round(float(ece), 4), "bins": rows}


def pr_curve(gold: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    p, r, t = precision_recall_curve(gold, scores)
    step = max(1, len(t) // 200)
    return {
        "precision": [round(float(x), 4) for x in p[::step]],
        "recall": [round(float(x), 4) for x in r[::step]],
        "thresholds": [round(float(x), 4) for x in t[::step]],
        "average_precision": round(float(average_precision_score(gold, scores)), 4),
    }
