#!/usr/bin/env python3
"""Prepare the churn features: the pipeline's first step of its own (stdlib only).

ctgit runs this as step "prepare" with named inputs and outputs:

    CTGIT_INPUT_RAW        the raw current data (CSV), input "raw" = data.current
    CTGIT_OUTPUT_TABLE     features.csv to write, output "table"
    CTGIT_OUTPUT_ENCODING  encoding.json to write, output "encoding"

It splits the rows into training and test rows (seeded), learns the
encoding from the training rows only, so nothing of the test rows leaks into
it, and encodes every row: numeric columns standardised (a missing value gets
the mean), categories one-hot with an "<other>" slot for values not seen in
training. Settings come from the step's env (part of its key): SEED,
TEST_SHARE.

features.csv has one line per raw row:

    row      the row's index in the raw file (0-based), so train can score the
             deployed model on the same raw rows with its own encoding
    split    "train" or "test"
    region   the slice column, as it is
    churned  the label
    ...      one column per feature, named as encoding.json's "features"

Run by hand:
    CTGIT_INPUT_RAW=../data/current.csv CTGIT_OUTPUT_DIR=/tmp/out python3 prepare.py
"""
import csv
import io
import json
import math
import os
import random
import sys
from pathlib import Path

NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "data_gb", "age"]
CATEGORICAL = ["region", "plan", "payment"]
LABEL = "churned"
SLICE = "region"
KEYS = ["row", "split", SLICE, LABEL]  # the columns of features.csv before the features


def settings():
    """SEED and TEST_SHARE from the environment."""
    seed, share = os.environ.get("SEED", "7"), os.environ.get("TEST_SHARE", "0.2")
    try:
        seed = int(seed)
    except ValueError:
        raise SystemExit("SEED=%r: want an integer" % seed)
    try:
        share = float(share)
    except ValueError:
        raise SystemExit("TEST_SHARE=%r: want a number" % share)
    if not 0 < share < 1:
        raise SystemExit("TEST_SHARE=%g: want a share between 0 and 1" % share)
    return seed, share


def read_rows(path):
    """The data file as a list of dicts; a missing column is an error naming it."""
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        missing = [c for c in NUMERIC + CATEGORICAL + [LABEL] if c not in (r.fieldnames or [])]
        if missing:
            raise SystemExit("%s: missing column(s) %s" % (path, ", ".join(missing)))
        return list(r)


def split(n, seed, test_share):
    """A seeded shuffle of row indices cut into training and test indices."""
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    cut = int(round(n * (1 - test_share)))
    return sorted(idx[:cut]), sorted(idx[cut:])


def number(v):
    """A CSV cell as a float; None when missing."""
    if v in ("", "NA", "NaN", "nan", None):
        return None
    return float(v)


def fit(rows):
    """The encoding learned from rows: mean and deviation of each numeric
    column (a constant column gets deviation 1), the vocabulary of each
    categorical one, and the feature names in order."""
    numeric = {}
    for c in NUMERIC:
        vals = [x for x in (number(r[c]) for r in rows) if x is not None]
        mean = sum(vals) / len(vals) if vals else 0.0
        var = sum((x - mean) ** 2 for x in vals) / len(vals) if vals else 0.0
        numeric[c] = {"mean": mean, "std": math.sqrt(var) or 1.0}
    vocab = {c: sorted({r[c] for r in rows}) + ["<other>"] for c in CATEGORICAL}
    features = list(NUMERIC) + ["%s=%s" % (c, v) for c in CATEGORICAL for v in vocab[c]]
    return {"numeric": numeric, "vocab": vocab, "features": features, "label": LABEL}


def encode_row(r, enc):
    """One raw row as its feature vector."""
    x = []
    for c in NUMERIC:
        s, v = enc["numeric"][c], number(r[c])
        x.append(0.0 if v is None else (v - s["mean"]) / s["std"])
    for c in CATEGORICAL:
        vocab = enc["vocab"][c]
        hot = [0.0] * len(vocab)
        hot[vocab.index(r[c]) if r[c] in vocab else len(vocab) - 1] = 1.0
        x.extend(hot)
    return x


def write_atomic(path, text):
    """Writes text to path through a temporary file, so a failed step leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def table(rows, train_idx, enc):
    """features.csv's text: KEYS then the features, one line per raw row.
    Floats are written as repr writes them, which reads back exactly."""
    train = set(train_idx)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(KEYS + enc["features"])
    for i, r in enumerate(rows):
        w.writerow([i, "train" if i in train else "test", r[SLICE], r[LABEL]] + encode_row(r, enc))
    return buf.getvalue()


def main():
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    raw = os.environ.get("CTGIT_INPUT_RAW", "../data/current.csv")
    table_path = os.environ.get("CTGIT_OUTPUT_TABLE", str(out / "features.csv"))
    encoding_path = os.environ.get("CTGIT_OUTPUT_ENCODING", str(out / "encoding.json"))
    seed, share = settings()

    rows = read_rows(raw)
    train_idx, test_idx = split(len(rows), seed, share)
    if not train_idx or not test_idx:
        raise SystemExit("%s: %d rows are too few to split into training and test rows" % (raw, len(rows)))
    enc = fit([rows[i] for i in train_idx])
    enc.update({"slice": SLICE, "seed": seed, "test_share": share,
                "rows": {"train": len(train_idx), "test": len(test_idx)}})

    write_atomic(table_path, table(rows, train_idx, enc))
    write_atomic(encoding_path, json.dumps(enc, indent=2, sort_keys=True) + "\n")
    print("prepared %d rows (%d train, %d test) into %d features: %s"
          % (len(rows), len(train_idx), len(test_idx), len(enc["features"]), table_path))


if __name__ == "__main__":
    sys.exit(main())
