#!/usr/bin/env python3
"""Train a logistic regression by gradient descent; Python standard library only.

ctgit runs this with its CTGIT_* environment (see ctgit's README):

    CTGIT_CURRENT_FILE   the current data (CSV) to train on
    CTGIT_MODEL_PATH     the model file to write
    CTGIT_METRICS_FILE   the metrics JSON the gates read

and the pipeline's train.env: FEATURES (numeric columns, comma-separated),
LABEL (a 0/1 column), EPOCHS. Replace it with your own training code: any
command that reads those files and writes those two outputs will do.
"""
import csv
import json
import math
import os
import random
from pathlib import Path


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def auc(scores, labels):
    """Area under the ROC curve by the rank-sum formula (ties averaged)."""
    pairs = sorted(zip(scores, labels))
    rank_sum, pos, i = 0.0, 0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            if pairs[k][1] == 1:
                rank_sum += (i + j) / 2 + 1
                pos += 1
        i = j + 1
    neg = len(pairs) - pos
    if pos == 0 or neg == 0:
        return 0.5
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def main():
    features = os.environ["FEATURES"].split(",")
    label = os.environ["LABEL"]
    epochs = int(os.environ.get("EPOCHS", "200"))
    with open(os.environ["CTGIT_CURRENT_FILE"], newline="") as f:
        rows = [r for r in csv.DictReader(f) if all(r[c] != "" for c in features)]
    random.Random(7).shuffle(rows)
    raw = [[float(r[c]) for c in features] for r in rows]
    xs, ys = raw, [int(r[label]) for r in rows]
    mean = [sum(c) / len(c) for c in zip(*xs)]
    std = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(zip(*xs), mean)]
    xs = [[(v - m) / s for v, m, s in zip(x, mean, std)] for x in xs]
    cut = int(len(xs) * 0.8)

    w = [0.0] * (len(features) + 1)
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in zip(xs[:cut], ys[:cut]):
            err = sigmoid(w[0] + sum(a * b for a, b in zip(w[1:], x))) - y
            grad[0] += err
            for i, v in enumerate(x):
                grad[i + 1] += err * v
        w = [a - 0.5 * g / cut for a, g in zip(w, grad)]

    scores = [sigmoid(w[0] + sum(a * b for a, b in zip(w[1:], x))) for x in xs[cut:]]
    test_y = ys[cut:]
    metrics = {
        "auc": round(auc(scores, test_y), 6),
        "accuracy": round(sum((s >= 0.5) == (y == 1) for s, y in zip(scores, test_y)) / len(test_y), 6),
        "rows": len(test_y),  # the held-out rows both models are scored on
    }
    # The deployed model (same format), scored on the same held-out rows.
    deployed = Path(os.environ.get("CTGIT_BASELINE_DIR") or "/nonexistent") / Path(os.environ["CTGIT_MODEL_PATH"]).name
    if deployed.is_file():
        d = json.loads(deployed.read_text())
        if d["features"] == features:
            dscores = [sigmoid(d["weights"][0] + sum(a * (v - m) / s for a, v, m, s in zip(d["weights"][1:], x, d["mean"], d["std"])))
                       for x in raw[cut:]]
            metrics["baseline"] = {
                "auc": round(auc(dscores, test_y), 6),
                "accuracy": round(sum((s >= 0.5) == (y == 1) for s, y in zip(dscores, test_y)) / len(test_y), 6),
                "rows": len(test_y),
            }
    model = Path(os.environ["CTGIT_MODEL_PATH"])
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_text(json.dumps({"features": features, "mean": mean, "std": std, "weights": w}) + "\n")
    Path(os.environ["CTGIT_METRICS_FILE"]).write_text(json.dumps(metrics, indent=2) + "\n")
    print("trained on %d rows: auc=%.4f accuracy=%.4f" % (cut, metrics["auc"], metrics["accuracy"]))


if __name__ == "__main__":
    main()
