#!/usr/bin/env python3
"""Train the lakehouse fraud model: logistic regression, standard library only.

ctgit reads the window of Parquet partitions from the bucket and hands this
script ONE CSV file holding every part's rows, with the hive partition column
`dt` (YYYY-MM-DD) added from the directory names. The script never talks to
the bucket and needs no Parquet library. Its environment:

    CTGIT_CURRENT_FILE   the current window as one CSV, with a dt column
    CTGIT_MODEL_PATH     the model file to write
    CTGIT_METRICS_FILE   the metrics JSON to write

`dt` is a date, not a feature: it splits the data out of time. The newest day
is held out for evaluation and the days before it train the model, as the
model will be used: trained on the past, scoring a day it has not seen.

Run by hand on a CSV with a dt column:
    CTGIT_CURRENT_FILE=week.csv CTGIT_OUTPUT_DIR=/tmp/out python3 train.py
"""
import csv
import json
import math
import os
from pathlib import Path

FEATURES = ["log_amount", "account_age_years", "night", "channel_app", "channel_web"]


def featurize(row):
    amount = float(row["amount"]) if row["amount"] not in ("", "NA", "null") else 0.0
    return [
        math.log1p(amount),
        float(row["account_age_days"]) / 365.0,
        1.0 if int(row["hour"]) < 6 else 0.0,
        1.0 if row["channel"] == "app" else 0.0,
        1.0 if row["channel"] == "web" else 0.0,
    ]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(xs, ys, epochs=200, lr=0.5):
    w = [0.0] * (len(xs[0]) + 1)
    n = len(xs)
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys):
            err = sigmoid(w[0] + sum(wi * xi for wi, xi in zip(w[1:], x))) - y
            grad[0] += err
            for i, xi in enumerate(x):
                grad[i + 1] += err * xi
        w = [wi - lr * g / n for wi, g in zip(w, grad)]
    return w


def auc(scores, labels):
    """Area under the ROC curve by the rank-sum formula, ties averaged."""
    pairs = sorted(zip(scores, labels))
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        rank_sum += sum((i + j) / 2 + 1 for k in range(i, j + 1) if pairs[k][1] == 1)
        i = j + 1
    pos = sum(y for _, y in pairs)
    neg = len(pairs) - pos
    if pos == 0 or neg == 0:
        return 0.5
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def main():
    data = os.environ.get("CTGIT_CURRENT_FILE", "current.csv")
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    model_path = Path(os.environ.get("CTGIT_MODEL_PATH", out / "model.json"))
    metrics_path = Path(os.environ.get("CTGIT_METRICS_FILE", out / "metrics.json"))

    with open(data, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "dt" not in rows[0]:
        raise SystemExit("%s: no dt column; this trainer expects the partitioned dataset ctgit assembles" % data)
    days = sorted({r["dt"] for r in rows})
    if len(days) < 2:
        raise SystemExit("%s: one day (%s) only; need at least two to hold the newest out" % (data, days[0]))
    newest = days[-1]
    train_rows = [r for r in rows if r["dt"] != newest]
    test_rows = [r for r in rows if r["dt"] == newest]

    xs = [featurize(r) for r in train_rows]
    ys = [int(r["is_fraud"]) for r in train_rows]
    cols = list(zip(*xs))
    mean = [sum(c) / len(c) for c in cols]
    std = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(cols, mean)]

    def scale(x):
        return [(v - m) / s for v, m, s in zip(x, mean, std)]

    w = fit([scale(x) for x in xs], ys)
    scores = [sigmoid(w[0] + sum(wi * xi for wi, xi in zip(w[1:], scale(featurize(r))))) for r in test_rows]
    labels = [int(r["is_fraud"]) for r in test_rows]
    accuracy = sum((s >= 0.5) == (y == 1) for s, y in zip(scores, labels)) / len(labels)

    out.mkdir(parents=True, exist_ok=True)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(json.dumps({
        "features": FEATURES, "mean": mean, "std": std, "weights": w,
        "trained_on": {"from": days[0], "to": days[-2]},
    }, indent=2) + "\n")
    metrics = {"auc": round(auc(scores, labels), 6), "accuracy": round(accuracy, 6), "rows": len(test_rows)}
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    print("trained on %d rows (%s..%s), evaluated on %d rows of %s: auc=%.4f" % (
        len(train_rows), days[0], days[-2], len(test_rows), newest, metrics["auc"]))


if __name__ == "__main__":
    main()
