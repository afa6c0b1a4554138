#!/usr/bin/python3
"""Generate multi.json: several drift methods over one small table, by SciPy.

Run with Debian's python3 (apt-get install python3-scipy python3-pandas):

    /usr/bin/python3 internal/drift/testdata/gen_multi.py > internal/drift/testdata/multi.json

A table of numerical and categorical columns (missing cells included) is
compared under policies that list several methods. The scores are those of
gen_reference.py (Evidently's stattests on SciPy), which this script loads
rather than repeats; what it adds is which methods test which column, in
ctgit's rule:

- ks and wasserstein fit numerical columns, chisquare and jensenshannon
  categorical ones, psi and auto both; each listed method tests the columns
  it fits, in list order;
- a column that no listed method fits is tested by those that can compute
  it (all but ks and wasserstein on a categorical column);
- auto is Evidently's choice for the column; a method reached twice is
  tested once;

and the Bonferroni-adjusted p-values, whose family is every p-value result
of the comparison.
"""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
ns = {"__name__": "gen_reference"}
with open(os.path.join(here, "gen_reference.py")) as f:
    # Everything but the final main() call: the functions, not their output.
    exec(f.read().rsplit("\nmain()", 1)[0], ns)
scores, clean, is_numerical = ns["scores"], ns["clean"], ns["is_numerical"]

rng = np.random.default_rng(20261130)
NREF, NCUR = 300, 240


def nums(n, mu, sd, digits):
    return [f"{v:.{digits}f}" for v in rng.normal(mu, sd, n)]


def with_missing(cells, every):
    return ["" if i % every == 0 else c for i, c in enumerate(cells)]


COLUMNS = [
    ("amount", nums(NREF, 100, 15, 2), nums(NCUR, 108, 15, 2)),
    ("ratio", with_missing(nums(NREF, 0.5, 0.1, 5), 17), with_missing(nums(NCUR, 0.5, 0.1, 5), 13)),
    ("visits", [str(v) for v in rng.integers(0, 8, NREF)], [str(v) for v in rng.integers(0, 10, NCUR)]),
    ("plan", list(rng.choice(["free", "pro", "team"], NREF, p=[0.6, 0.3, 0.1])),
             list(rng.choice(["free", "pro", "team", "enterprise"], NCUR, p=[0.4, 0.3, 0.2, 0.1]))),
    ("region", with_missing(list(rng.choice(["eu", "us", "apac"], NREF)), 11),
               with_missing(list(rng.choice(["eu", "us", "apac"], NCUR)), 29)),
]

POLICIES = [
    ["ks", "chisquare", "psi"],
    ["wasserstein", "jensenshannon", "psi"],
    ["psi", "auto"],
    ["chisquare", "jensenshannon"],
]

FITS = {"ks": "numerical", "wasserstein": "numerical", "chisquare": "categorical", "jensenshannon": "categorical"}


def auto(ref, numerical):
    if numerical and ref.nunique() > 5:
        return "ks" if len(ref) <= 1000 else "wasserstein"
    return "chisquare" if len(ref) <= 1000 else "jensenshannon"


def applicable(methods, kind):
    fit = [m for m in methods if FITS.get(m, kind) == kind]
    if fit:
        return fit
    return [m for m in methods if kind == "numerical" or m not in ("ks", "wasserstein")]


def main():
    out = {"generator": "gen_multi.py", "scipy": ns["scipy"].__version__, "columns": [], "policies": []}
    data = {}
    for name, ref_cells, cur_cells in COLUMNS:
        numerical = is_numerical(ref_cells) and is_numerical(cur_cells)
        ref, cur = clean(ref_cells, numerical), clean(cur_cells, numerical)
        kind = "numerical" if numerical else "categorical"
        data[name] = (ref, kind, scores(ref, cur, numerical))
        out["columns"].append({"name": name, "kind": kind, "ref": ref_cells, "cur": cur_cells})
    for methods in POLICIES:
        cols = []
        for name, _, _ in COLUMNS:
            ref, kind, sc = data[name]
            done = []
            for m in applicable(methods, kind):
                m = auto(ref, kind == "numerical") if m == "auto" else m
                if m not in done:
                    done.append(m)
            cols.append({"name": name, "results": [{"method": m, **sc[m]} for m in done]})
        pvalues = [r for c in cols for r in c["results"] if "pvalue" in r]
        for r in pvalues:
            r["bonferroni"] = min(1.0, r["pvalue"] * len(pvalues))
        out["policies"].append({"methods": methods, "columns": cols})
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


main()
