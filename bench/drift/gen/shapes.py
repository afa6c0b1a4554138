#!/usr/bin/python3
"""Writes one shape of bench/drift's data, reference.csv and current.csv, with
NumPy and pandas.DataFrame.to_csv: the way users' own tools write the files
ctgit is asked to compare, not the way ctgit's generator (main.go) writes them.
Column names say the kind: num* columns are numerical, cat* categorical.

usage: shapes.py SHAPE ROWS DIR

Shapes:
  float     20 numerical + 5 categorical, floats at full precision as pandas
            writes them (0.345584192064786)
  decimal6  the same, written with 6 decimals
  sci       the same scaled over 1e-3..1e3, in scientific notation (%.8e)
  wide      270 numerical + 30 categorical, full precision
  cats10k   5 numerical + 5 categorical with 10,000 categories each (long
            strings, Zipf-like frequencies)
  long      the float shape's columns with 6 decimals, for many rows
"""
import sys

import numpy as np
import pandas as pd

SHAPES = {
    "float": dict(num=20, cat=5, fmt=None),
    "decimal6": dict(num=20, cat=5, fmt="%.6f"),
    "sci": dict(num=20, cat=5, fmt="%.8e", scaled=True),
    "wide": dict(num=270, cat=30, fmt=None),
    "cats10k": dict(num=5, cat=5, fmt=None, levels=10_000),
    "long": dict(num=20, cat=5, fmt="%.6f"),
}


def numerical(rng, j, rows, current, scaled):
    mean, sd = float(j % 20), 1.0 + j % 4
    if current and j % 3 == 0:
        mean += 0.05 * sd  # every third column drifts a little
    if j % 10 == 9:
        v = rng.integers(0, 12 + j % 20, rows).astype(float)  # ties
    else:
        v = rng.normal(mean, sd, rows)
    if scaled:
        v *= 10.0 ** (j % 7 - 3)
    if j % 5 == 4:
        v[rng.random(rows) < 0.01] = np.nan  # 1% missing
    return v


def categorical(rng, k, rows, current, levels):
    n = levels or 3 + 10 * (k % 5)
    if levels:
        # Long names, frequencies falling off like a Zipf law; the current
        # data leans a little towards the rarer categories.
        names = np.array([f"merchant-{k}-{i:05d}-{(i * 2654435761) % 16**8:08x}" for i in range(n + 1)])
        w = 1.0 / (np.arange(n) + (14.0 if current else 10.0))
    else:
        names = np.array([f"cat_{i}" for i in range(n + 1)])
        w = np.ones(n)
    idx = rng.choice(n, rows, p=w / w.sum())
    if current and k == 2:
        idx[rng.random(rows) < 0.1] = n  # a category only the current data has
    return names[idx]


def frame(shape, rows, seed, current):
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(shape["num"]):
        cols[f"num{j:03d}"] = numerical(rng, j, rows, current, shape.get("scaled", False))
    for k in range(shape["cat"]):
        cols[f"cat{k:02d}"] = categorical(rng, k, rows, current, shape.get("levels"))
    return pd.DataFrame(cols)


def main():
    name, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    shape = SHAPES[name]
    for i, which in enumerate(("reference", "current")):
        df = frame(shape, rows, 42 + i, which == "current")
        df.to_csv(f"{out}/{which}.csv", index=False, float_format=shape["fmt"])


main()
