#!/usr/bin/python3
"""The Python reference for bench/drift: the same computations as
`ctgit drift --method METHODS`, done the way Evidently does them, with
pandas.read_csv and SciPy/NumPy. Both files are read once, whatever the
number of methods, as a Python user would. Prints {method: {column: score}}
as JSON.

usage: reference.py METHODS REFERENCE.csv CURRENT.csv

METHODS is one method, or a comma-separated list. One method applies to every
column (ks only to numerical ones), as `ctgit drift --method M` does. In a
list each method applies to the columns it fits: ks and wasserstein to
numerical columns, chisquare and jensenshannon to categorical ones, psi and
auto to both.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def binned(ref, cur, numerical, fill):
    if numerical and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur]), bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.unique()) | set(cur.unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        rp = np.array([rd[k] for k in keys]) / len(ref)
        cp = np.array([cd[k] for k in keys]) / len(cur)
    if fill:
        for p in (rp, cp):
            m = min(p[p != 0])
            np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def chisquare(ref, cur):
    keys = list(set(ref.unique()) | set(cur.unique()))
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    k = cur.shape[0] / ref.shape[0]
    return stats.chisquare([cd[x] for x in keys], [rd[x] * k for x in keys])[1]


def score(method, ref, cur, numerical):
    if method == "auto":
        if numerical and ref.nunique() > 5:
            method = "ks" if len(ref) <= 1000 else "wasserstein"
        else:
            method = "chisquare" if len(ref) <= 1000 else "jensenshannon"
    if method == "ks":
        return stats.ks_2samp(ref.to_numpy(), cur.to_numpy()).pvalue
    if method == "wasserstein":
        return stats.wasserstein_distance(ref, cur) / max(np.std(ref.to_numpy()), 0.001)
    if method == "chisquare":
        return chisquare(ref, cur)
    rp, cp = binned(ref, cur, numerical, method == "psi")
    if method == "psi":
        return float(np.sum((rp - cp) * np.log(rp / cp)))
    return distance.jensenshannon(rp, cp)


def fits(method, numerical, listed):
    if method in ("ks", "wasserstein"):
        return numerical
    if listed and method in ("chisquare", "jensenshannon"):
        return not numerical
    return True


def main():
    # chisquare divides by zero for a category the reference lacks; SciPy's
    # answer (p = 0) is the one compared, its warning is noise in the table.
    warnings.simplefilter("ignore", RuntimeWarning)
    methods, ref_path, cur_path = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
    ref_df, cur_df = pd.read_csv(ref_path), pd.read_csv(cur_path)
    out = {m: {} for m in methods}
    for col in ref_df.columns:
        ref = ref_df[col].replace([np.inf, -np.inf], np.nan).dropna()
        cur = cur_df[col].replace([np.inf, -np.inf], np.nan).dropna()
        numerical = pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur)
        for method in methods:
            if fits(method, numerical, len(methods) > 1):
                out[method][col] = float(score(method, ref, cur, numerical))
    json.dump(out, sys.stdout)


main()
