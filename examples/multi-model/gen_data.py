#!/usr/bin/env python3
"""Generate the multi-model example's data: one churn dataset per region.

Seeded, so the files are the same on every machine. The reference data is
what the deployed models were trained on; the current data has drifted in
every region (shorter tenure, lower usage, more support tickets), so a run
retrains all three models.

    python3 gen_data.py    # rewrites data/<region>/{reference,current}.csv
"""
import math
import random
from pathlib import Path

REGIONS = {"eu": 11, "us": 23, "apac": 37}  # region: seed


def write(path, rows, seed, shift):
    r = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        f.write("tenure,usage,tickets,plan,churned\n")
        for _ in range(rows):
            tenure = max(0, int(r.gauss(24 - 6 * shift, 10)))
            usage = round(max(0.0, r.gauss(50 - 8 * shift, 15)), 2)
            tickets = max(0, int(r.gauss(1 + shift, 1)))
            plan = r.choices(["basic", "plus", "premium"], weights=[5, 3, 2])[0]
            z = -0.12 * tenure - 0.05 * usage + 1.5 * tickets + 3.0 - (0.5 if plan == "premium" else 0.0)
            churned = 1 if r.random() < 1 / (1 + math.exp(-z)) else 0
            f.write(f"{tenure},{usage},{tickets},{plan},{churned}\n")


def main():
    here = Path(__file__).resolve().parent
    for region, seed in REGIONS.items():
        write(here / "data" / region / "reference.csv", 600, seed, 0.0)
        write(here / "data" / region / "current.csv", 600, seed + 1, 1.0)


if __name__ == "__main__":
    main()
