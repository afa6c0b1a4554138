#!/usr/bin/python3
"""Compares ctgit's drift scores with the Python peer's for bench/drift/run.sh.
Prints the largest relative difference of a score (p-value or distance) over
every (method, column) both computed, then the method/column it came from and,
if the two did not test the same pairs, how many pairs only one of them has.

usage: compare.py PEER.json CTGIT.json...

PEER.json is reference.py's {method: {column: score}}; each CTGIT.json is
`ctgit drift --format json`, from one invocation with a list of methods or one
per method. A report entry's scores are read from the entry itself (name,
method, score) or, where an entry lists several results, from each of them.
"""
import json
import sys


def ctgit_scores(paths):
    out = {}
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for col in report["columns"]:
            results = col.get("results") or col.get("tests") or [col]
            for r in results:
                if r.get("score") is not None:
                    out[(r.get("method", col.get("method")), col["name"])] = r["score"]
    return out


def main():
    with open(sys.argv[1]) as f:
        peer = {(m, c): s for m, cols in json.load(f).items() for c, s in cols.items()}
    go = ctgit_scores(sys.argv[2:])
    both = sorted(set(peer) & set(go))
    if not both:
        print("n/a no-common-columns")
        return
    worst = max(both, key=lambda k: abs(go[k] - peer[k]) / max(abs(peer[k]), 1e-300))
    d = abs(go[worst] - peer[worst]) / max(abs(peer[worst]), 1e-300)
    only = len(set(peer) ^ set(go))
    note = f" ({only} pairs in one only)" if only else ""
    print(f"{d:.1e} {worst[0]}/{worst[1]}{note}")


main()
