#!/usr/bin/env python3
"""Score the trained churn model under noise on its numeric features.

ctgit runs this as step "robustness" with named inputs:

    CTGIT_INPUT_MODEL     the model directory train wrote (input "model" = train.model)
    CTGIT_INPUT_FEATURES  features.csv from prepare (input "features" = prepare.table);
                          only its test rows are scored, the rows train held out
    CTGIT_METRICS_FILE    metrics.json to write: auc (under noise), auc_clean, auc_drop

Measured values carry error: usage exports lag, a customer's age is typed in.
Each numeric feature (standardised, so 1.0 is one standard deviation) gets
gaussian noise of NOISE deviations (default 0.3), REPEATS times (default 5)
with seeded draws (SEED); "auc" is the mean AUC under noise, the number
the pipeline's gate "robustness.auc" reads. Both settings are the step's env,
part of its key.

Run by hand:
    CTGIT_INPUT_MODEL=/tmp/out/model CTGIT_INPUT_FEATURES=/tmp/prep/features.csv \
    CTGIT_OUTPUT_DIR=/tmp/robust python3 robustness.py
"""
import csv
import json
import os
import sys
from pathlib import Path

KEYS = ["row", "split", "region", "churned"]  # features.csv's columns before the features (see prepare.py)


def setting(name, default, kind):
    v = os.environ.get(name, "")
    try:
        return kind(v) if v != "" else default
    except ValueError:
        raise SystemExit("%s=%r: want a %s" % (name, v, "number" if kind is float else "whole number"))


def read_test_rows(path, features):
    """The test rows of features.csv: feature vectors and labels."""
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, [])
        if header != KEYS + features:
            raise SystemExit("%s: its columns are not the model's features (preprocess.json): "
                             "were the model and the features prepared by the same run?" % path)
        xs, ys = [], []
        for line in r:
            if line[1] == "test":
                xs.append([float(v) for v in line[len(KEYS):]])
                ys.append(int(line[3]))
    if not xs:
        raise SystemExit("%s: no test rows" % path)
    return xs, ys


def auc(scores, labels):
    """Area under the ROC curve by the rank-sum formula (ties averaged);
    0.5 when only one class is present. The same as train.auc."""
    pairs = sorted(zip(scores, labels), key=lambda p: p[0])
    pos = sum(1 for _, y in pairs if y == 1)
    neg = len(pairs) - pos
    if pos == 0 or neg == 0:
        return 0.5
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        rank_sum += ((i + j) / 2 + 1) * sum(1 for k in range(i, j + 1) if pairs[k][1] == 1)
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def build_model(nn, n_in, hidden, dropout):
    """The network train.py trains (train.build_model), from preprocess.json."""
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def main():
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    model_dir = Path(os.environ.get("CTGIT_INPUT_MODEL", "../out/model"))
    features_path = os.environ.get("CTGIT_INPUT_FEATURES", "../out/features.csv")
    metrics_path = Path(os.environ.get("CTGIT_METRICS_FILE", out / "metrics.json"))
    noise = setting("NOISE", 0.3, float)
    repeats = setting("REPEATS", 5, int)
    seed = setting("SEED", 7, int)
    if noise < 0 or repeats < 1:
        raise SystemExit("NOISE must be at least 0 and REPEATS at least 1")

    import torch  # here, so this file imports without PyTorch

    device = torch.device("cuda" if torch.cuda.is_available() and os.environ.get("CTGIT_GPUS") != "0" else "cpu")
    prep = json.loads((model_dir / "preprocess.json").read_text())
    model = build_model(torch.nn, len(prep["features"]), prep["hidden"], prep["dropout"])
    model.load_state_dict(torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True))
    model = model.to(device).eval()

    xs, ys = read_test_rows(features_path, prep["features"])
    X = torch.tensor(xs, dtype=torch.float32)
    # Noise on the numeric columns only: a one-hot category is not measured.
    numeric = torch.tensor([1.0 if f in prep["numeric"] else 0.0 for f in prep["features"]])
    gen = torch.Generator().manual_seed(seed)  # on the CPU: the same draws on every device

    def score(x):
        with torch.no_grad():
            return auc(torch.sigmoid(model(x.to(device))).squeeze(1).cpu().tolist(), ys)

    clean = score(X)
    noisy = [score(X + noise * numeric * torch.randn(X.shape, generator=gen)) for _ in range(repeats)]
    mean = sum(noisy) / len(noisy)
    metrics = {
        "auc": round(mean, 6),
        "auc_clean": round(clean, 6),
        "auc_drop": round(clean - mean, 6),
        "auc_min": round(min(noisy), 6),
        "noise": noise,
        "repeats": repeats,
        "rows": len(ys),
    }
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print("auc %.4f clean, %.4f under noise of %g deviations (mean of %d, %d rows)"
          % (clean, mean, noise, repeats, len(ys)))


if __name__ == "__main__":
    sys.exit(main())
