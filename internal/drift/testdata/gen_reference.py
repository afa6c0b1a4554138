#!/usr/bin/python3
"""Generate reference.json: drift scores computed by SciPy/NumPy/pandas.

Run with Debian's python3 (apt-get install python3-scipy python3-pandas):

    /usr/bin/python3 internal/drift/testdata/gen_reference.py > internal/drift/testdata/reference.json

Each case gives the raw cells of a reference and a current column (either
literally, or as a recipe for a deterministic integer generator that the Go
test reproduces), and the scores the tests of Evidently compute from them with
SciPy underneath. The Go tests must agree to 1e-9 relative for statistics and
distances and 1e-6 absolute for p-values.
"""
import json
import math
import re
import sys

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
MISSING = {"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "<na>"}
INF = re.compile(r"^[+-]?(inf|infinity)$", re.IGNORECASE)


def missing(cell):
    c = cell.strip()
    return c.lower() in MISSING or bool(INF.match(c))


def clean(cells, numerical):
    """Drop missing cells (and values that overflow to ±inf), as ctgit does."""
    out = []
    for c in cells:
        if missing(c):
            continue
        if numerical:
            v = float(c.strip())
            if math.isinf(v):
                continue
            out.append(v)
        else:
            out.append(c.strip())
    return pd.Series(out, dtype="float64" if numerical else "object")


def is_numerical(cells):
    return all(missing(c) or NUMBER.match(c.strip()) for c in cells)


# ---- the generator the Go test reproduces (splitmix64) ----
MASK = (1 << 64) - 1


def splitmix(seed):
    x = seed & MASK
    while True:
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def recipe_cells(r):
    """n cells: (sum of `terms` draws mod `mod`) + shift, divided by `div`."""
    g = splitmix(r["seed"])
    cells = []
    for _ in range(r["n"]):
        s = sum(next(g) % r["mod"] for _ in range(r["terms"])) + r["shift"]
        cells.append(repr(s / r["div"]) if r["div"] != 1 else str(s))
    return cells


# ---- Evidently's stattests, as they call SciPy ----
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


def num(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def scores(ref, cur, numerical):
    out = {}
    if len(ref) == 0 or len(cur) == 0:
        return out
    if numerical:
        r = stats.ks_2samp(ref.to_numpy(), cur.to_numpy())
        out["ks"] = {"statistic": num(r.statistic), "pvalue": num(r.pvalue)}
        wd = stats.wasserstein_distance(ref.to_numpy(), cur.to_numpy())
        out["wasserstein"] = {"score": num(wd / max(np.std(ref.to_numpy()), 0.001))}
    keys = list(set(ref.unique()) | set(cur.unique()))
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    k = cur.shape[0] / ref.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        st, p = stats.chisquare([cd[x] for x in keys], [rd[x] * k for x in keys])
    out["chisquare"] = {"statistic": num(st), "statistic_inf": bool(np.isinf(st)), "pvalue": num(p)}
    rp, cp = binned(ref, cur, numerical, False)
    out["jensenshannon"] = {"score": num(distance.jensenshannon(rp, cp))}
    rp, cp = binned(ref, cur, numerical, True)
    out["psi"] = {"score": num(np.sum((rp - cp) * np.log(rp / cp)))}
    return out


def lit(*cells):
    return list(cells)


rng = np.random.default_rng(20240611)


def normal_cells(n, mu, sd, digits=4):
    return [f"{v:.{digits}f}" for v in rng.normal(mu, sd, n)]


CASES = [
    # exact KS, equal sizes (the reflection series)
    ("exact_equal_n", normal_cells(50, 0, 1), normal_cells(50, 0.6, 1)),
    ("exact_equal_n_same", normal_cells(200, 0, 1), normal_cells(200, 0, 1)),
    # exact KS, unequal sizes (the inside method)
    ("exact_unequal", normal_cells(37, 0, 1), normal_cells(53, 0.3, 1.2)),
    ("exact_medium", normal_cells(800, 10, 2), normal_cells(1000, 10.2, 2)),
    ("exact_limit", {"seed": 1, "n": 10000, "mod": 1000, "terms": 4, "shift": 0, "div": 1000},
                    {"seed": 2, "n": 9000, "mod": 1000, "terms": 4, "shift": 20, "div": 1000}),
    # heavy ties: five distinct values
    ("heavy_ties", [str(v) for v in rng.integers(0, 5, 300)], [str(v) for v in rng.integers(0, 6, 250)]),
    ("ties_many", [str(v) for v in rng.integers(0, 40, 900)], [str(v) for v in rng.integers(3, 40, 700)]),
    # asymptotic KS in each region of the Kolmogorov distribution
    ("asymp_small_en", normal_cells(10001, 0, 1), normal_cells(30, 0.2, 1)),
    ("asymp_tiny_en", normal_cells(10050, 0, 1), normal_cells(3, 0.1, 1)),
    ("asymp_mid", {"seed": 3, "n": 20000, "mod": 1000, "terms": 4, "shift": 0, "div": 100},
                  {"seed": 4, "n": 15000, "mod": 1000, "terms": 4, "shift": 1, "div": 100}),
    ("asymp_mid_drift", {"seed": 5, "n": 20000, "mod": 1000, "terms": 4, "shift": 0, "div": 100},
                        {"seed": 6, "n": 15000, "mod": 1000, "terms": 4, "shift": 40, "div": 100}),
    ("asymp_large", {"seed": 7, "n": 200000, "mod": 1000, "terms": 3, "shift": 0, "div": 10},
                    {"seed": 8, "n": 250000, "mod": 1000, "terms": 3, "shift": 2, "div": 10}),
    ("asymp_large_same", {"seed": 9, "n": 120000, "mod": 100000, "terms": 2, "shift": 0, "div": 1000},
                         {"seed": 10, "n": 110000, "mod": 100000, "terms": 2, "shift": 0, "div": 1000}),
    ("asymp_large_drift", {"seed": 11, "n": 100000, "mod": 1000, "terms": 4, "shift": 0, "div": 1},
                          {"seed": 12, "n": 100000, "mod": 1000, "terms": 4, "shift": 150, "div": 1}),
    # missing values and infinities
    ("missing_and_inf",
     lit("1.5", "", "NA", "2.5", "nan", "inf", "-Inf", "3.25", "null", "+inf", "4", " 5 ", "N/A", "-infinity", "6e0",
         "7.5", "1e400", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22"),
     lit("2", "NaN", "3", "", "4.5", "5", "None", "6", "7", "<NA>", "8.5", "9", "10", "12", "14", "16", "18", "20",
         "22", "24", "26", "INF", "28")),
    # categories appearing and vanishing
    ("cat_appear_vanish", ["a"] * 30 + ["b"] * 20 + ["c"] * 10, ["b"] * 25 + ["c"] * 15 + ["d"] * 5),
    ("cat_vanish_only", ["x"] * 40 + ["y"] * 20 + ["z"] * 1, ["x"] * 35 + ["y"] * 30),
    ("cat_large", [f"c{v}" for v in rng.integers(0, 30, 5000)], [f"c{v}" for v in rng.integers(0, 31, 4000)]),
    ("cat_same", ["u"] * 10 + ["v"] * 10, ["u"] * 11 + ["v"] * 9),
    # constant columns
    ("constant_same", ["3.0"] * 40, ["3"] * 25),
    ("constant_diff", ["3.0"] * 40, ["4"] * 25),
    ("constant_ref", ["1"] * 30, normal_cells(30, 1, 1)),
    # single rows
    ("single_row_num", lit("1.5"), lit("2.5")),
    ("single_row_same", lit("7"), lit("7")),
    ("single_row_cat", lit("x"), lit("y")),
    # binned proportions: numerical with > 20 distinct, and with few
    ("psi_numeric", normal_cells(2000, 5, 1, 3), normal_cells(1500, 5.3, 1.1, 3)),
    ("psi_numeric_pow2", normal_cells(1024, 0, 1, 2), normal_cells(1024, 0, 1, 2)),
    ("psi_few_values", [str(v) for v in rng.integers(0, 10, 500)], [str(v) for v in rng.integers(2, 14, 400)]),
    ("psi_skewed", [f"{v:.3f}" for v in rng.exponential(1, 3000)], [f"{v:.3f}" for v in rng.exponential(1.5, 100)]),
    # shapes other tools write (issue 19): full-precision floats as pandas.to_csv writes them (repr), scientific
    # notation, 6 and 8 decimals with negatives, integers with a wide span, long and many categories
    ("full_precision", [repr(v) for v in rng.random(1500)], [repr(v) for v in rng.random(1200) * 1.03]),
    ("full_precision_neg", [repr(v) for v in rng.normal(-3, 2, 1500)], [repr(v) for v in rng.normal(-3.1, 2, 1300)]),
    ("scientific", [f"{v:.16e}" for v in rng.normal(0, 1, 1500) * 10.0 ** rng.integers(-12, 12, 1500)],
                   [f"{v:.16e}" for v in rng.normal(0, 1, 1400) * 10.0 ** rng.integers(-12, 13, 1400)]),
    ("scientific_short", [f"{v:e}" for v in rng.normal(5e-7, 1e-7, 1500)], [f"{v:E}" for v in rng.normal(5.1e-7, 1e-7, 1100)]),
    ("decimals_6", normal_cells(1500, 0, 100, 6), normal_cells(1400, 1, 100, 6)),
    ("decimals_8_negative", normal_cells(1500, -0.5, 0.1, 8), normal_cells(1300, -0.49, 0.1, 8)),
    ("wide_integers", [str(v) for v in rng.integers(-10**15, 10**15, 1500)],
                      [str(v) for v in rng.integers(-10**15, 11 * 10**14, 1200)]),
    ("long_categories", [f"customer_segment_{v:03d}" for v in rng.integers(0, 40, 3000)],
                        [f"customer_segment_{v:03d}" for v in rng.integers(0, 42, 2500)]),
    ("many_categories", [f"c{v}" for v in rng.integers(0, 10000, 8000)], [f"c{v}" for v in rng.integers(0, 10000, 6000)]),
]


def materialise(spec):
    return recipe_cells(spec) if isinstance(spec, dict) else spec


def main():
    out = {"generator": "gen_reference.py", "scipy": scipy.__version__, "numpy": np.__version__,
           "pandas": pd.__version__, "cases": [], "kstwo": [], "chi2": []}
    for name, ref_spec, cur_spec in CASES:
        ref_cells, cur_cells = materialise(ref_spec), materialise(cur_spec)
        numerical = is_numerical(ref_cells) and is_numerical(cur_cells)
        ref, cur = clean(ref_cells, numerical), clean(cur_cells, numerical)
        case = {"name": name, "kind": "numerical" if numerical else "categorical",
                "ref": ref_spec, "cur": cur_spec,
                "refCount": len(ref), "curCount": len(cur),
                "scores": scores(ref, cur, numerical)}
        out["cases"].append(case)
    # the one-sample Kolmogorov survival function over all its regions
    for n in [1, 2, 3, 5, 10, 30, 100, 140, 141, 500, 5000, 50000, 100000, 100001, 500000]:
        for x in [0.0001, 0.001, 0.004, 0.01, 0.02, 0.05, 0.08, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99]:
            out["kstwo"].append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    for df in [1, 2, 3, 7, 20, 100, 1000, 100000]:
        for x in [0.001, 0.5, 1, 3, 10, 50, 150, 900, 1100, 99000, 101000, 200000]:
            out["chi2"].append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


main()
