#!/usr/bin/env python3
"""Train the quickstart's fraud model: logistic regression by gradient descent.

Standard library only, so the quickstart runs anywhere Python 3 does. ctgit
runs this with its CTGIT_* environment (see the ctgit README):

    CTGIT_CURRENT_FILE   the current data (CSV) to train on
    CTGIT_OUTPUT_DIR     where the model and metrics go
    CTGIT_MODEL_PATH     the model file to write
    CTGIT_METRICS_FILE   the metrics JSON to write
    CTGIT_BASELINE_DIR   the deployed model's artifact, when there is one: it is
                         scored on the same evaluation rows as the candidate and
                         its metrics written under "baseline"

Run by hand: CTGIT_CURRENT_FILE=../data/current.csv CTGIT_OUTPUT_DIR=/tmp/out python3 train.py
"""
import csv
import gzip
import json
import math
import os
import random
import time
from pathlib import Path

FEATURES = ["log_amount", "account_age_years", "night", "channel_app", "channel_web"]


def featurize(row):
    amount = float(row["amount"]) if row["amount"] not in ("", "NA") else 0.0
    return [
        math.log1p(amount),
        float(row["account_age_days"]) / 365.0,
        1.0 if int(row["hour"]) < 6 else 0.0,
        1.0 if row["channel"] == "app" else 0.0,
        1.0 if row["channel"] == "web" else 0.0,
    ]


def sigmoid(z):
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def train(xs, ys, epochs=300, lr=0.5):
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


def predict(w, x):
    return sigmoid(w[0] + sum(wi * xi for wi, xi in zip(w[1:], x)))


def auc(scores, labels):
    """Area under the ROC curve by the rank-sum formula (ties averaged)."""
    pairs = sorted(zip(scores, labels))
    ranks = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(1 for _, y in pairs if y == 1)
    neg = len(pairs) - pos
    if pos == 0 or neg == 0:
        return 0.5
    rank_sum = sum(r for r, (_, y) in zip(ranks, pairs) if y == 1)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def load_model(path):
    """A model this script wrote, as a function from a row to a score."""
    m = json.loads(Path(path).read_text())
    mean, std, w = m["mean"], m["std"], m["weights"]
    return lambda row: predict(w, [(v - mu) / s for v, mu, s in zip(featurize(row), mean, std)])


def evaluate(score, rows):
    """The gated metrics of a model on rows; "rows" is how many it scored."""
    scores = [score(r) for r in rows]
    labels = [int(r["is_fraud"]) for r in rows]
    accuracy = sum((s >= 0.5) == (y == 1) for s, y in zip(scores, labels)) / len(labels)
    return {"auc": round(auc(scores, labels), 6), "accuracy": round(accuracy, 6), "rows": len(rows)}


def main():
    data = os.environ.get("CTGIT_CURRENT_FILE", "data/current.csv")
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    model_path = Path(os.environ.get("CTGIT_MODEL_PATH", out / "model"))
    metrics_path = Path(os.environ.get("CTGIT_METRICS_FILE", out / "metrics.json"))

    # ctgit hands the data file as the repository stores it: gzip too.
    opener = gzip.open if data.endswith(".gz") else open
    with opener(data, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    random.Random(7).shuffle(rows)
    cut = int(len(rows) * 0.8)
    train_rows, test_rows = rows[:cut], rows[cut:]
    xs = [featurize(r) for r in train_rows]
    ys = [int(r["is_fraud"]) for r in train_rows]
    # Standardise features with the training set's mean and deviation.
    cols = list(zip(*xs))
    mean = [sum(c) / len(c) for c in cols]
    std = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(cols, mean)]

    def scale(x):
        return [(v - m) / s for v, m, s in zip(x, mean, std)]

    w = train([scale(x) for x in xs], ys)

    test_x = [scale(featurize(r)) for r in test_rows]
    test_y = [int(r["is_fraud"]) for r in test_rows]
    start = time.perf_counter()
    scores = [predict(w, x) for x in test_x]
    latency_ms = (time.perf_counter() - start) * 1000 / max(len(test_x), 1)
    accuracy = sum((s >= 0.5) == (y == 1) for s, y in zip(scores, test_y)) / len(test_y)

    slices = {}
    for country in sorted({r["country"] for r in test_rows}):
        idx = [i for i, r in enumerate(test_rows) if r["country"] == country]
        slices["country=" + country] = {"auc": round(auc([scores[i] for i in idx], [test_y[i] for i in idx]), 6)}

    out.mkdir(parents=True, exist_ok=True)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(json.dumps({"features": FEATURES, "mean": mean, "std": std, "weights": w}, indent=2) + "\n")
    metrics = {
        "auc": round(auc(scores, test_y), 6),
        "accuracy": round(accuracy, 6),
        "latency_ms": round(latency_ms, 6),
        "rows": len(test_rows),
        "slices": slices,
    }
    # The deployed model, scored on the same held-out rows, so that
    # ctgit's relative gates compare like with like.
    deployed = Path(os.environ.get("CTGIT_BASELINE_DIR", "")) / model_path.name
    if os.environ.get("CTGIT_BASELINE_DIR") and deployed.is_file():
        metrics["baseline"] = evaluate(load_model(deployed), test_rows)
        print("deployed model on the same %d rows: auc=%.4f" % (len(test_rows), metrics["baseline"]["auc"]))
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    print("trained on %d rows: auc=%.4f accuracy=%.4f" % (len(train_rows), metrics["auc"], metrics["accuracy"]))


if __name__ == "__main__":
    main()
