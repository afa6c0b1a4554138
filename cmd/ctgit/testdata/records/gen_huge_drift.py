# Writes huge_drift.json: promotion.json with a drift table of 300 columns
# (deterministic), to test that long tables collapse and the pull request
# body stays under GitHub's 65,536-character limit.
# Run: python3 gen_huge_drift.py
import copy, json

r = json.load(open("promotion.json"))
r["id"] = "20261215T060000Z-b16b16"
cols = []
for i in range(300):
    name = "feature_%03d_%s" % (i, "x" * (i % 7))
    if i % 3 == 0:
        score = round(((i * 37) % 100) / 1000.0, 4)  # distances 0 .. 0.099
        drifted = i % 9 == 0
        if drifted:
            score = round(0.1 + (i % 50) / 100.0, 4)
        c = {"name": name, "kind": "numerical", "method": "wasserstein", "score": score, "statistic": None,
             "threshold": 0.1, "drifted": drifted, "nullShare": {"reference": 0, "current": 0}, "nullShareDrifted": False}
        if drifted:
            c["reason"] = "wasserstein distance %g ≥ 0.1" % score
    else:
        p = round(((i * 53) % 997) / 997.0, 4)
        drifted = p <= 0.05
        c = {"name": name, "kind": "numerical", "method": "ks", "score": p, "statistic": round(0.5 - p / 2, 4),
             "threshold": 0.05, "drifted": drifted, "nullShare": {"reference": 0.01, "current": 0.01 + (i % 5) / 100.0},
             "nullShareDrifted": False}
        if drifted:
            c["reason"] = "p-value %g ≤ 0.05" % p
    cols.append(c)
d = r["drift"]
d["columns"] = cols
d["shareThreshold"] = 0.1
n = sum(c["drifted"] for c in cols)
d["driftShare"] = round(n / len(cols), 6)
d["drifted"] = d["driftShare"] >= d["shareThreshold"]
r["reason"] = "the data drifted (%d of %d columns) and the candidate passed all 5 gates" % (n, len(cols))
with open("huge_drift.json", "w") as f:
    json.dump(r, f, indent=2, ensure_ascii=False)
    f.write("\n")
